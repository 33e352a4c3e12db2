"""Download one report document, archive its bytes content-addressed, and record the fetch.

Conditional GET (ETag / Last-Modified) and content hashes keep re-runs from downloading or storing
what did not change. What is not a report (an HTML error page served with status 200, or served
where a PDF was linked) is refused with its reason. The fetch record is returned, not written: the
caller writes a batch's records at once."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass

import gongkai
from gongkai.extract.sniff import sniff_media_type
from gongkai.fetch.discover import ReportLink
from gongkai.fetch.http import FetchError, PoliteSession
from gongkai.lake.raw import archive_raw
from gongkai.lake.store import Store
from gongkai.model import LineageEvent, report_id_for

_ERROR_PAGE = re.compile(r"(404|403|500|502|页面不存在|页面未找到|找不到|访问出错|系统繁忙|服务器错误|not found|error)", re.I)


@dataclass
class FetchResult:
    link: ReportLink
    status: str  # ok | unchanged | failed
    reason: str | None
    sha256: str | None
    uri: str | None
    event: LineageEvent


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


def _state_key(url: str) -> str:
    return f"state/fetch/{hashlib.sha1(url.encode()).hexdigest()}.json"


def previous_fetch(store: Store, url: str) -> dict | None:  # type: ignore[type-arg]
    try:
        return json.loads(store.get(_state_key(url)))
    except KeyError:
        return None


def _error_page(content: bytes, media_type: str) -> bool:
    if media_type != "text/html":
        return False
    head = content[:4096].decode("utf-8", "ignore") + content[:4096].decode("gb18030", "ignore")
    title = re.search(r"<title>(.*?)</title>", head, re.I | re.S)
    return len(content) < 3000 and bool(_ERROR_PAGE.search(title.group(1) if title else head))


def fetch_document(link: ReportLink, session: PoliteSession, store: Store) -> FetchResult:
    started = _now()
    previous = previous_fetch(store, link.url)
    headers = {}
    if previous and previous.get("etag"):
        headers["If-None-Match"] = previous["etag"]
    if previous and previous.get("last_modified"):
        headers["If-Modified-Since"] = previous["last_modified"]

    def result(status: str, reason: str | None, sha: str | None, uri: str | None, details: dict) -> FetchResult:  # type: ignore[type-arg]
        event = LineageEvent(
            stage="fetch", status=status, started_at=started, ended_at=_now(), agency_id=link.agency,
            report_id=report_id_for(sha) if sha else None, input_uri=link.url, output_uri=uri, output_sha256=sha,
            code_version=gongkai.__version__, error=reason, report_year=link.year,
            details={"title": link.title, "kind": link.kind, **details})
        return FetchResult(link, status, reason, sha, uri, event)

    try:
        fetched = session.get(link.url, headers=headers)
    except FetchError as exc:
        return result("failed", f"{exc.code}: {exc}", None, None, {})
    details = {"http_status": fetched.status, "final_url": fetched.url, "attempts": fetched.attempts,
               "redirects": fetched.redirects, "etag": fetched.headers.get("etag"),
               "last_modified": fetched.headers.get("last-modified"),
               "content_type": fetched.headers.get("content-type"), "bytes": len(fetched.content)}
    if fetched.status == 304 and previous:
        return result("unchanged", None, previous["sha256"], previous.get("uri"), details)
    if fetched.status != 200:
        return result("failed", f"http_{fetched.status}: the server answered HTTP {fetched.status}", None, None,
                      details)
    media_type = sniff_media_type(fetched.content, link.url)
    details["media_type"] = media_type
    if link.kind == "attachment" and media_type == "text/html" and not link.url.lower().endswith((".htm", ".html")):
        return result("failed", "error_page: an HTML page was served where a document was linked (an error "
                      "page answered with status 200)", None, None, details)
    if _error_page(fetched.content, media_type) or media_type == "application/x-empty":
        return result("failed", "error_page: the server answered with an error or empty page under status 200",
                      None, None, details)
    sha = hashlib.sha256(fetched.content).hexdigest()
    unchanged = bool(previous and previous.get("sha256") == sha)
    sha, uri = archive_raw(store, fetched.content)
    state = {"url": link.url, "etag": details["etag"], "last_modified": details["last_modified"], "sha256": sha,
             "uri": uri, "fetched_at": _now()}
    store.put(_state_key(link.url), json.dumps(state).encode())
    return result("unchanged" if unchanged else "ok", None, sha, uri, details)
