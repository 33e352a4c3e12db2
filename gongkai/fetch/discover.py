"""From an agency's listing pages to its report documents for a year: titles with the year and
年度报告/年报, pagination followed (bounded), article pages opened for their attachments."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from lxml import html as lxml_html

from gongkai.extract.html import decode_html
from gongkai.fetch.http import FetchError, PoliteSession
from gongkai.fetch.registry import Agency
from gongkai.model import Problem

DOCUMENT_SUFFIXES = (".pdf", ".doc", ".docx", ".wps", ".txt")
_NEXT = re.compile(r"^\s*(下一页|下页|后页|next|>|»)\s*$", re.I)
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年?")


@dataclass(frozen=True)
class ReportLink:
    url: str
    agency: str  # registry slug
    year: int
    title: str
    kind: str  # attachment | page


class Discovery(list[ReportLink]):
    """The links found, plus what a person should hear about (unreadable pages, unexpected years)."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[Problem] = []
        self.pages_read = 0


def _links(page: bytes, base: str) -> list[tuple[str, str]]:
    text, _ = decode_html(page)
    try:
        root = lxml_html.document_fromstring(text)
    except Exception:  # an empty or broken listing page has no links
        return []
    out = []
    for anchor in root.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href or href.startswith(("javascript:", "#", "mailto:")):
            continue
        title = " ".join((anchor.get("title") or anchor.text_content() or "").split())
        out.append((urljoin(base, href), title))
    return out


def _is_document(url: str) -> bool:
    return urlsplit(url).path.lower().endswith(DOCUMENT_SUFFIXES)


def discover_reports(agency: Agency, year: int, session: PoliteSession) -> Discovery:
    found = Discovery()
    title_pattern = re.compile(agency.title_pattern)
    seen_pages: set[str] = set()
    other_years: set[int] = set()
    if not agency.listing_urls:
        found.problems.append(Problem("no_listing_url", f"{agency.name} ({agency.slug}) has no listing URL in the "
                                      "registry: add its 政府信息公开年报 column to listing_urls", "warning", agency.slug))
    for listing in agency.listing_urls:
        page_url: str | None = listing
        pages = 0
        while page_url and page_url not in seen_pages and pages < agency.max_pages:
            seen_pages.add(page_url)
            pages += 1
            try:
                page = session.get(page_url)
            except FetchError as exc:
                found.problems.append(Problem(f"listing_{exc.code}", f"listing page {page_url}: {exc}", "error",
                                              agency.slug))
                break
            if page.status != 200:
                found.problems.append(Problem(f"listing_http_{page.status}", f"listing page {page_url} answered "
                                              f"HTTP {page.status}", "error", agency.slug))
                break
            found.pages_read += 1
            next_url = None
            for url, title in _links(page.content, page.url):
                if _NEXT.match(title) and url not in seen_pages:
                    next_url = next_url or url
                    continue
                years = [int(y) for y in _YEAR.findall(title)]
                if not years or not title_pattern.search(title):
                    continue
                if years[0] == year:
                    _add(found, session, agency, year, url, title)
                else:
                    other_years.add(years[0])
            page_url = next_url
    unexpected = sorted(y for y in other_years if agency.expected_years and y not in agency.expected_years)
    if year not in agency.expected_years and agency.expected_years and found:
        unexpected.append(year)
    if unexpected:
        found.problems.append(Problem("unexpected_year", f"{agency.name} ({agency.slug}) publishes reports for "
                                      f"{unexpected}, which the registry does not expect "
                                      f"({list(agency.expected_years)}): update expected_years", "warning",
                                      agency.slug))
    return found


def _add(found: Discovery, session: PoliteSession, agency: Agency, year: int, url: str, title: str) -> None:
    if any(link.url == url for link in found):
        return
    if _is_document(url):
        found.append(ReportLink(url, agency.slug, year, title, "attachment"))
        return
    # an article page: its attachments are the report; without any, the page itself is
    try:
        article = session.get(url)
    except FetchError as exc:
        found.problems.append(Problem(f"article_{exc.code}", f"article page {url}: {exc}", "warning", agency.slug))
        found.append(ReportLink(url, agency.slug, year, title, "page"))
        return
    attachments = [(u, t) for u, t in _links(article.content, article.url) if _is_document(u)]
    if attachments:
        for attachment, name in attachments:
            if all(link.url != attachment for link in found):
                found.append(ReportLink(attachment, agency.slug, year, name or title, "attachment"))
    else:
        found.append(ReportLink(url, agency.slug, year, title, "page"))
