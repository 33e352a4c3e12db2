"""A report page whose tables are pictures is archived with its pictures, as one MHTML document.

Many CMS article pages publish 表二/表三/表四 as screenshots of the Word tables. When a fetched report page
of 2019 or later shows pictures in its content (the site's chrome dropped, as extraction drops it) and
holds none of the national form's tables as HTML, its pictures are fetched through the same polite
session (robots.txt, address checks, rate limits; the page as Referer) and the page is archived as an
MHTML bundle (gongkai.extract.mhtml) that extraction reads with OCR. Only pictures on the page's own host
are fetched, only picture bytes are kept, each at most MAX_PICTURE_BYTES, at most MAX_PICTURES of them;
a picture that cannot be had is noted (lineage details, the bundle's X-Gongkai-Note header) and the
bundle is made without it (extraction then says `picture_missing`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from gongkai import forms
from gongkai.extract.html import content_tables
from gongkai.extract.mhtml import write_bundle
from gongkai.extract.pictures import MAX_PICTURE_BYTES, MAX_PICTURES, picture_source, picture_type, resolve
from gongkai.fetch.http import FetchError, PoliteSession
from gongkai.model import Table

FIRST_NATIONAL_YEAR = 2019  # reports of 2019 and later print the national form's tables
_REVIEW = re.compile(r"行政复议")
_SUIT = re.compile(r"行政诉讼|直接起诉|复议后起诉")


@dataclass
class PagePictures:
    """The pictures a page's content shows, as fetch judges them."""

    wanted: list[str] = field(default_factory=list)  # absolute URLs to fetch, in page order
    refused: list[str] = field(default_factory=list)  # "<url>: why" (another host, too many…)


def national_tables(tables: list[Table]) -> set[str]:
    """Which national tables (active_disclosure, applications, review_litigation) the page prints as HTML
    tables, judged by the form's row labels."""
    found: set[str] = set()
    application_keys = tuple({k.key: k for rows in forms.APPLICATION_ROWS.values() for k in rows}.values())
    active_items = tuple(i for items in forms.ACTIVE_ITEMS.values() for i in items)
    for table in tables:
        labels = [cell.text for row in table.rows for cell in row if cell.text.strip()]
        if len({k for k in (forms.match_key(t, application_keys) for t in labels) if k}) >= 3:
            found.add("applications")
        if len({k for k in (forms.match_key(t, active_items) for t in labels) if k}) >= 2:
            found.add("active_disclosure")
        text = "".join(labels)
        if _REVIEW.search(text) and _SUIT.search(text):
            found.add("review_litigation")
    return found


def pictures_to_fetch(content: bytes, page_url: str, year: int | None) -> PagePictures | None:
    """The pictures to fetch with a report page, or None when the page needs none: it shows no picture,
    is of a year before the national form, or prints the national tables as HTML."""
    if year is not None and year < FIRST_NATIONAL_YEAR:
        return None
    images, tables = content_tables(content)
    if not images or national_tables(tables) >= {"active_disclosure", "applications", "review_litigation"}:
        return None
    host = urlsplit(page_url).hostname
    found = PagePictures()
    for img in images:
        sources = picture_source(img)
        address = next((a for a in (resolve(s, page_url) for s in sources) if a), None)
        if (
            address is None
            or address in found.wanted
            or any(r.startswith(address + ":") for r in found.refused)
        ):
            continue
        parts = urlsplit(address)
        if parts.scheme not in ("http", "https"):
            found.refused.append(f"{address}: not an http(s) address")
        elif parts.hostname != host:
            found.refused.append(f"{address}: on another host than the page ({parts.hostname})")
        elif len(found.wanted) >= MAX_PICTURES:
            found.refused.append(f"{address}: over the {MAX_PICTURES} pictures fetched per page")
        else:
            found.wanted.append(address)
    return found if found.wanted or found.refused else None


def bundle_with_pictures(
    content: bytes, page_url: str, content_type: str, wanted: PagePictures, session: PoliteSession
) -> tuple[bytes, dict[str, object]]:
    """The page and the pictures it shows as one MHTML document, and what happened (lineage details)."""
    resources: list[tuple[str, str, bytes]] = []
    failed: list[str] = []
    for address in wanted.wanted:
        try:
            got = session.get(address, headers={"Referer": page_url})
        except FetchError as exc:
            failed.append(f"{address}: {exc.code}")
            continue
        kind = got.content_type.split(";", 1)[0].strip().lower()
        picture = picture_type(got.content) if got.status == 200 else None
        if got.status != 200:
            failed.append(f"{address}: http_{got.status}")
        elif len(got.content) > MAX_PICTURE_BYTES:
            failed.append(f"{address}: over {MAX_PICTURE_BYTES // 2**20} MiB")
        elif picture is None or (kind and not kind.startswith(("image/", "application/octet-stream"))):
            failed.append(f"{address}: not a picture ({kind or 'no content type'})")
        else:
            resources.append((address, picture, got.content))
    notes = [f"not fetched: {reason}" for reason in [*failed, *wanted.refused]]
    bundle = write_bundle(content, page_url, resources, content_type or "text/html", notes)
    details: dict[str, object] = {
        "pictures": [address for address, _, _ in resources],
        "pictures_failed": failed,
        "pictures_refused": wanted.refused,
        "page_bytes": len(content),
    }
    return bundle, details
