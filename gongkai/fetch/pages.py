"""Listing and article pages fetched conditionally across runs: their validators and bodies are kept in
the lake under ``state/pages/<sha1 of the URL>.json``, so a re-run asks "changed?" and downloads
only what did. Copies older than `max_age` are fetched in full (a server whose validators lie
cannot hide new reports for long)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from dataclasses import replace

from gongkai.clock import now
from gongkai.extract.sniff import sniff_media_type
from gongkai.fetch.http import Fetched, PoliteSession
from gongkai.lake.store import Store

MAX_CACHED_BYTES = 4 * 2**20


def page_key(url: str) -> str:
    return f"state/pages/{hashlib.sha1(url.encode()).hexdigest()}.json"


class PageCache:
    def __init__(
        self, store: Store, session: PoliteSession, max_age: dt.timedelta = dt.timedelta(days=7)
    ) -> None:
        self.store = store
        self.session = session
        self.max_age = max_age

    def _cached(self, url: str) -> dict | None:  # type: ignore[type-arg]
        try:
            entry = json.loads(self.store.get(page_key(url)))
        except (KeyError, FileNotFoundError, ValueError):
            return None
        if not isinstance(entry, dict) or entry.get("url") != url:
            return None
        try:
            saved = dt.datetime.fromisoformat(entry["saved_at"])
        except (KeyError, TypeError, ValueError):
            return None
        return entry if now() - saved < self.max_age else None

    def get(self, url: str, headers: dict[str, str] | None = None) -> Fetched:
        """Like PoliteSession.get; a 304 comes back as the cached page with `revalidated` set."""
        cached = self._cached(url)
        conditional = dict(headers or {})
        if cached and cached.get("etag"):
            conditional["If-None-Match"] = cached["etag"]
        if cached and cached.get("last_modified"):
            conditional["If-Modified-Since"] = cached["last_modified"]
        fetched = self.session.get(url, headers=conditional)
        if fetched.status == 304 and cached:
            return replace(
                fetched,
                status=200,
                content=base64.b64decode(cached["body"]),
                revalidated=True,
                headers={**cached.get("headers", {}), **fetched.headers},
            )
        if (
            fetched.status == 200
            and len(fetched.content) <= MAX_CACHED_BYTES
            and (fetched.headers.get("etag") or fetched.headers.get("last-modified"))
            and sniff_media_type(fetched.content, url) == "text/html"
        ):
            entry = {
                "url": url,
                "etag": fetched.headers.get("etag"),
                "last_modified": fetched.headers.get("last-modified"),
                "headers": {
                    k: v for k, v in fetched.headers.items() if k in ("content-type", "etag", "last-modified")
                },
                "saved_at": now().isoformat(),
                "body": base64.b64encode(fetched.content).decode("ascii"),
            }
            self.store.put(page_key(url), json.dumps(entry).encode())
        return fetched
