"""Download one report document, archive its bytes content-addressed, and record the fetch.

Conditional GET (ETag / Last-Modified) and content hashes keep re-runs from downloading or storing
what did not change. The validators come from the document's prior fetch — the lake's lineage, read by
the pipeline's plan (`gongkai.pipeline.plan`) — and this fetch's validators go into its fetch record.
A report page whose tables are pictures is archived with its pictures as one MHTML document
(gongkai.fetch.pictures). What is not a report — an HTML error page served with status 200, or served where a PDF was linked —
is refused with its reason. The fetch record (a LineageEvent, stage "fetch") is returned, not written:
the caller writes a batch's records at once.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any, Protocol

from gongkai.clock import now_iso
from gongkai.extract.mhtml import MEDIA_TYPE as MHTML
from gongkai.extract.mhtml import read_bundle
from gongkai.extract.sniff import sniff_media_type
from gongkai.fetch.discover import ReportLink
from gongkai.fetch.http import FetchError, PoliteSession, decode_page
from gongkai.fetch.pictures import bundle_with_pictures, pictures_to_fetch
from gongkai.lake.raw import archive_raw, raw_key, read_raw
from gongkai.lake.store import Store
from gongkai.model import LineageEvent, report_id_for
from gongkai.versions import code_version


class Prior(Protocol):
    """What the caller knows of the URL's last successful fetch (the pipeline's record of it)."""

    @property
    def sha256(self) -> str | None: ...
    @property
    def etag(self) -> str | None: ...
    @property
    def last_modified(self) -> str | None: ...


BINARY_SUFFIXES = (".pdf", ".doc", ".docx", ".wps", ".ofd")
_ERROR_TITLE = re.compile(
    r"(404|403|500|502|503|页面不存在|页面未找到|找不到|不存在|访问出错|出错|错误|系统繁忙|"
    r"服务器|维护|禁止访问|拒绝访问|无权|not found|error|forbidden|unavailable)",
    re.I,
)
_REPORT_WORDS = re.compile(r"(政府信息公开|信息公开|年度报告|年报)")


@dataclass
class FetchResult:
    link: ReportLink
    status: str  # ok (new bytes archived) | unchanged (304, or bytes we hold) | failed
    reason: str | None  # "<code>: <what happened>" when failed
    sha256: str | None
    uri: str | None
    event: LineageEvent

    @property
    def code(self) -> str | None:
        """The stable failure code (http_404, error_page, address_refused, …)."""
        return self.reason.split(":", 1)[0] if self.reason else None


def not_a_report(content: bytes, media_type: str, link: ReportLink, content_type: str = "") -> str | None:
    """Why these bytes are not the linked report (an error page, an empty answer), or None."""
    if media_type == "application/x-empty":
        return "empty: the server answered with an empty body"
    path = link.url.split("?", 1)[0].lower()
    text_types = ("text/html", "text/plain", "text/markdown")
    if media_type in text_types and path.endswith(BINARY_SUFFIXES):
        kind = path.rsplit(".", 1)[-1].upper()
        return (
            f"error_page: a {media_type} page was served where a {kind} file was linked (an error page "
            "answered with status 200)"
        )
    if media_type == "text/html":
        text = decode_page(content[:200_000], content_type).text
        title_match = re.search(r"<title[^>]*>(.*?)</title>", text, re.I | re.S)
        title = " ".join(title_match.group(1).split()) if title_match else ""
        body = re.sub(r"<[^>]+>", " ", re.sub(r"(?is)<(script|style)[^>]*>.*?</\1>", " ", text))
        if not _REPORT_WORDS.search(body):
            shown = f" (titled {title[:60]!r})" if title else ""
            return f"error_page: the page{shown} does not mention 政府信息公开 or 年度报告: not a report"
        if (
            title
            and _ERROR_TITLE.search(title)
            and not _REPORT_WORDS.search(title)
            and len("".join(body.split())) < 3000
        ):
            return f"error_page: an error page titled {title[:60]!r} was served with status 200"
    return None


def fetch_document(
    link: ReportLink, session: PoliteSession, store: Store, prior: Prior | None = None
) -> FetchResult:
    """GET `link` (conditionally when `prior`, its last successful fetch, names bytes the raw zone holds),
    archive new bytes in the raw zone, and return the outcome with its fetch record. Never raises for what
    the site does; a store that cannot be written raises (the caller decides whether the batch goes on)."""
    started = now_iso()
    # the bytes of the prior fetch must still be in the raw zone, else they are fetched in full
    held = (
        prior.sha256 if prior is not None and prior.sha256 and store.exists(raw_key(prior.sha256)) else None
    )
    previous = prior if held else None
    headers: dict[str, str] = {}
    if link.referer:
        headers["Referer"] = link.referer
    if previous and previous.etag:
        headers["If-None-Match"] = previous.etag
    if previous and previous.last_modified:
        headers["If-Modified-Since"] = previous.last_modified

    def result(
        status: str, reason: str | None, sha: str | None, uri: str | None, details: dict[str, Any]
    ) -> FetchResult:
        event = LineageEvent(
            stage="fetch",
            status=status,
            started_at=started,
            ended_at=now_iso(),
            agency_id=link.agency,
            report_id=report_id_for(sha) if sha else None,
            input_uri=link.url,
            output_uri=uri,
            output_sha256=sha,
            code_version=code_version(),
            error=reason,
            report_year=link.year,
            details={
                "url": link.url,
                "title": link.title,
                "kind": link.kind,
                "referer": link.referer,
                "conditional": bool(previous),
                **details,
            },
        )
        return FetchResult(link, status, reason, sha, uri, event)

    if link.prefetched is not None:  # discovery already read it (an article page that is the report)
        fetched = link.prefetched
    else:
        try:
            fetched = session.get(link.url, headers=headers)
        except FetchError as exc:
            return result(
                "failed",
                f"{exc.code}: {exc}",
                None,
                None,
                {"http_status": exc.status, "attempts": exc.attempts},
            )
    details: dict[str, Any] = {
        "from_discovery": link.prefetched is not None,
        "revalidated": fetched.revalidated,
        "http_status": 304 if fetched.revalidated else fetched.status,
        "final_url": fetched.url,
        "attempts": fetched.attempts,
        "redirects": fetched.redirects,
        "seconds": round(fetched.seconds, 3),
        "etag": fetched.headers.get("etag"),
        "last_modified": fetched.headers.get("last-modified"),
        "content_type": fetched.headers.get("content-type"),
        "content_length": fetched.headers.get("content-length"),
        "bytes": len(fetched.content),
    }
    if fetched.status == 304:
        if previous:
            # a 304 need not repeat the validators: the ones asked with still hold for the next request
            details["etag"] = details["etag"] or previous.etag
            details["last_modified"] = details["last_modified"] or previous.last_modified
            return result("unchanged", None, held, raw_key(held) if held else None, details)
        return result(
            "failed",
            "http_304: the server answered 304 Not Modified to a request that was not conditional",
            None,
            None,
            details,
        )
    if fetched.status != 200:
        return result(
            "failed", f"http_{fetched.status}: the server answered HTTP {fetched.status}", None, None, details
        )
    media_type = sniff_media_type(fetched.content, link.url)
    details["media_type"] = media_type
    refusal = not_a_report(fetched.content, media_type, link, fetched.content_type)
    if refusal:
        return result("failed", refusal, None, None, details)
    if media_type == "application/pdf" and b"%%EOF" not in fetched.content[-2048:]:
        details["warning"] = "pdf_without_eof: the PDF does not end with %%EOF; it may be cut short"
    content = fetched.content
    if media_type == "text/html":  # a report page whose tables are pictures: kept with its pictures
        wanted = pictures_to_fetch(content, fetched.url, link.year)
        if wanted is not None:
            if held and _held_page(store, held) == content:  # the page we bundled before, unchanged
                details["media_type"] = MHTML
                return result("unchanged", None, held, raw_key(held), details)
            content, about = bundle_with_pictures(content, fetched.url, fetched.content_type, wanted, session)
            details.update(about, media_type=MHTML, bytes=len(content))
    sha = hashlib.sha256(content).hexdigest()
    unchanged = bool(previous and previous.sha256 == sha)
    details["already_archived"] = store.exists(raw_key(sha))
    sha, uri = archive_raw(store, content)
    return result("unchanged" if unchanged else "ok", None, sha, uri, details)


def _held_page(store: Store, sha: str) -> bytes | None:
    """The page of the bundle the raw zone holds under `sha` (None when it is not a bundle): a page
    fetched again without a 304 is compared with it before its pictures are fetched again."""
    try:
        data = read_raw(store, sha)
    except Exception:  # gone or unreadable: fetch in full
        return None
    if sniff_media_type(data) != MHTML:
        return None
    bundle = read_bundle(data)
    return bundle.html if bundle else None
