"""The raw zone: every source document, content-addressed, under `raw/<sha256[:2]>/<sha256>`."""

from __future__ import annotations

import hashlib

from gongkai.lake.store import Store


def raw_key(sha256: str) -> str:
    return f"raw/{sha256[:2]}/{sha256}"


def archive_raw(store: Store, data: bytes) -> tuple[str, str]:
    """Keep `data` in the raw zone; returns (sha256 hex, its key relative to the lake root — what the lake
    records, so a copied or moved lake still points at its own bytes). Idempotent: the same bytes are
    stored once (a conditional put, so concurrent archivers of the same document do not race)."""
    sha256 = hashlib.sha256(data).hexdigest()
    key = raw_key(sha256)
    if not store.exists(key):
        store.put(key, data, if_absent=True)
    return sha256, key


def raw_location(store: Store, raw_uri: str) -> str:
    """The full URI of a recorded `raw_uri`: a key relative to the lake root (what the lake records now)
    resolves against this lake; an absolute file:// or s3:// URI (rows of older lakes) is kept as is."""
    return raw_uri if "://" in raw_uri else store.url(raw_uri)


def read_raw(store: Store, sha256: str) -> bytes:
    """The archived bytes of a document; KeyError if the raw zone does not hold them."""
    return store.get(raw_key(sha256))
