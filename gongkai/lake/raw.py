"""The raw zone: every source document, content-addressed, under `raw/<sha256[:2]>/<sha256>`."""

from __future__ import annotations

import hashlib

from gongkai.lake.store import Store


def raw_key(sha256: str) -> str:
    return f"raw/{sha256[:2]}/{sha256}"


def archive_raw(store: Store, data: bytes) -> tuple[str, str]:
    """Keep `data` in the raw zone; returns (sha256 hex, URI). Idempotent: the same bytes are stored once
    (a conditional put, so concurrent archivers of the same document do not race)."""
    sha256 = hashlib.sha256(data).hexdigest()
    key = raw_key(sha256)
    if not store.exists(key):
        store.put(key, data, if_absent=True)
    return sha256, store.url(key)


def read_raw(store: Store, sha256: str) -> bytes:
    """The archived bytes of a document; KeyError if the raw zone does not hold them."""
    return store.get(raw_key(sha256))
