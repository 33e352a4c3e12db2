"""From an agency's listing pages to its report documents for a year.

A listing is read page by page: links titled with the year and 年度报告/年报 (the registry's
title pattern, minus notices and interpretations) are kept; pagination is followed through 下一页
links, TRS-style ``createPageHTML(pages, current, "index", "html")`` scripts or the registry's page
template, up to the registry's page bound. Items hidden in a ``<script type="text/xml">`` datastore
(Hanweb-style CMS) are read too. Article pages are opened for their attachments (PDF, DOC, DOCX,
WPS, also inside pdf.js viewers); an article without any is itself the report. Years on the site
that the registry does not expect are reported.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urljoin, urlsplit

from lxml import etree
from lxml import html as lxml_html

from gongkai.extract.sniff import sniff_media_type
from gongkai.fetch.http import Fetched, FetchError, PoliteSession
from gongkai.fetch.pages import PageCache
from gongkai.fetch.registry import Agency
from gongkai.lake.store import Store
from gongkai.model import Problem
from gongkai.values import chinese_numeral

DOCUMENT_SUFFIXES = (".pdf", ".doc", ".docx", ".wps", ".ofd", ".txt")
_NEXT = re.compile(r"^\s*(下一页|下页|后页|next|›|>|»|>>)\s*$", re.I)
_TRS_PAGES = re.compile(
    r"createPageHTML\(\s*['\"]?(\d+)['\"]?\s*,\s*['\"]?(\d+)['\"]?\s*,\s*['\"]([\w.-]+)['\"]\s*,"
    r"\s*['\"](\w+)['\"]"
)
# zeros typed with look-alikes in titles (二○二三, 二Ｏ二三): read as 〇 in a year, never in a table cell
_ZERO_LOOKALIKES = str.maketrans({"○": "〇", "Ｏ": "〇", "O": "〇"})
_YEAR_WITH_NIAN = re.compile(r"((?:19|20)\d{2})\s*年")
_YEAR_CN = re.compile(r"([一二][〇○零Ｏ一二三四五六七八九]{3})\s*年")
_YEAR_BARE = re.compile(r"(?<![\d\-/.])((?:19|20)\d{2})(?![\d\-/.])")
_WIDE_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


@dataclass(frozen=True)
class ReportLink:
    url: str
    agency: str  # registry slug
    year: int
    title: str
    kind: str  # attachment (a document file) | page (an HTML page that is itself the report)
    referer: str | None = None  # the page that linked it (some sites refuse downloads without it)
    # the answer discovery already had for this URL (an article page that is the report): not asked again
    prefetched: Fetched | None = field(default=None, compare=False, repr=False)


class Discovery(list[ReportLink]):
    """The links found, plus what a person should hear about (unreadable pages, unexpected years)."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[Problem] = []
        self.pages_read = 0
        self.years_seen: dict[int, list[str]] = {}  # report year on the site → titles


@dataclass
class _Anchor:
    url: str
    title: str


@dataclass
class _Page:
    anchors: list[_Anchor] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)  # pagination found on the page
    embedded: list[_Anchor] = field(default_factory=list)  # iframe/embed/object sources


def report_year(title: str) -> int | None:
    """The report year a title names: "2023年", "2023年度", "二〇二三年", else a bare year (not a date)."""
    title = title.translate(_WIDE_DIGITS)
    if match := _YEAR_WITH_NIAN.search(title):
        return int(match.group(1))
    if match := _YEAR_CN.search(title):
        return chinese_numeral(match.group(1).translate(_ZERO_LOOKALIKES))
    if match := _YEAR_BARE.search(title):
        return int(match.group(1))
    return None


def _parse(text: str, base: str) -> _Page:
    page = _Page()
    text = re.sub(r"^\s*<\?xml[^>]*>", "", text)
    try:
        root = lxml_html.document_fromstring(text)
    except (etree.ParserError, ValueError):  # an empty or broken page has no links
        return page
    base_href = root.find(".//base")
    if base_href is not None and base_href.get("href"):
        base = urljoin(base, base_href.get("href").strip())
    _collect(root, base, page)
    # Hanweb-style lists keep their items as CDATA records inside <script type="text/xml">
    for script in root.iter("script"):
        code = script.text or ""
        if "<a" in code and (
            "<record" in code or "CDATA" in code or "text/xml" in (script.get("type") or "")
        ):
            fragment = re.sub(r"<!\[CDATA\[|\]\]>", "", code)
            try:
                inner = lxml_html.document_fromstring(f"<html><body>{fragment}</body></html>")
            except (etree.ParserError, ValueError):
                continue
            _collect(inner, base, page)
        for count, current, name, ext in _TRS_PAGES.findall(code):
            page.pages += [
                urljoin(base, f"{name}.{ext}" if n == 0 else f"{name}_{n}.{ext}")
                for n in range(int(count))
                if n != int(current)
            ]
    return page


def _collect(root: lxml_html.HtmlElement, base: str, page: _Page) -> None:
    for anchor in root.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href or href.lower().startswith(("javascript:", "#", "mailto:", "tel:")):
            continue
        text = " ".join(anchor.text_content().split())
        title = " ".join((anchor.get("title") or "").split()) or text
        url = urljoin(base, href)
        if _NEXT.match(text) or "next" in (anchor.get("rel") or "").lower().split():
            page.pages.append(url)
            continue
        page.anchors.append(_Anchor(url, title))
    for tag, attribute in (("iframe", "src"), ("embed", "src"), ("object", "data")):
        for element in root.iter(tag):
            if source := (element.get(attribute) or "").strip():
                page.embedded.append(_Anchor(urljoin(base, source), ""))


def _document_url(anchor: _Anchor) -> str | None:
    """The document an anchor or viewer points at: a file URL, a pdf.js `viewer.html?file=…`, or a
    download link whose text names the file."""
    parts = urlsplit(anchor.url)
    if parts.path.lower().endswith(DOCUMENT_SUFFIXES):
        return anchor.url
    for values in parse_qs(parts.query).values():
        for value in values:
            if urlsplit(unquote(value)).path.lower().endswith(DOCUMENT_SUFFIXES):
                return urljoin(anchor.url, unquote(value))
    if anchor.title.lower().endswith(DOCUMENT_SUFFIXES):
        return anchor.url
    return None


def discover_reports(
    agency: Agency, year: int, session: PoliteSession, store: Store | None = None
) -> Discovery:
    """The agency's report documents for `year`, with problems for what a person must look at. Never raises
    for a site's failures: an unreadable listing is a problem of severity error. With a `store`, pages are
    fetched conditionally against the copies kept there from earlier runs (gongkai.fetch.pages)."""
    get = PageCache(store, session).get if store is not None else session.get
    found = Discovery()
    title_pattern = re.compile(agency.title_pattern)
    exclude = re.compile(agency.exclude_pattern) if agency.exclude_pattern else None
    articles: set[str] = set()
    if not agency.listing_urls:
        found.problems.append(
            Problem(
                "no_listing_url",
                f"{agency.name} ({agency.slug}) has no listing URL in the "
                "registry: add its 政府信息公开年报 column to listing_urls",
                "warning",
                agency.slug,
            )
        )
    for listing in agency.listing_urls:
        queue: OrderedDict[str, bool] = OrderedDict({listing: False})  # page URL → only a guess (template)?
        if agency.pagination:
            for n in range(1, agency.max_pages):
                queue.setdefault(urljoin(listing, agency.pagination.format(n=n)), True)
        seen: set[str] = set()
        pages = 0
        while queue and pages < agency.max_pages:
            page_url, guessed = queue.popitem(last=False)
            if page_url in seen:
                continue
            seen.add(page_url)
            pages += 1
            first = page_url == listing
            try:
                fetched = get(page_url)
            except FetchError as exc:
                found.problems.append(_listing_problem(agency, page_url, exc.code, str(exc), first))
                if first:
                    break
                continue
            if fetched.status != 200:
                if guessed and fetched.status == 404:
                    break  # the page template ran past the last page
                found.problems.append(
                    _listing_problem(
                        agency, page_url, f"http_{fetched.status}", f"answered HTTP {fetched.status}", first
                    )
                )
                if first:
                    break
                continue
            media_type = sniff_media_type(fetched.content, fetched.url)
            if media_type != "text/html":
                found.problems.append(
                    _listing_problem(
                        agency, page_url, "not_html", f"is {media_type}, not an HTML listing page", first
                    )
                )
                continue
            found.pages_read += 1
            decoded = fetched.page(agency.encoding)
            page = _parse(decoded.text, fetched.url)
            for next_url in page.pages:
                if next_url not in seen:
                    queue.setdefault(next_url, False)
            for anchor in page.anchors:
                if not title_pattern.search(anchor.title) or (exclude and exclude.search(anchor.title)):
                    continue
                link_year = report_year(anchor.title)
                if link_year is None:
                    continue
                titles = found.years_seen.setdefault(link_year, [])
                if anchor.title not in titles:
                    titles.append(anchor.title)
                if link_year == year and anchor.url not in articles:  # an item listed twice is opened once
                    _add(found, get, agency, year, anchor, fetched.url, exclude)
                    articles.add(anchor.url)
        if queue and pages >= agency.max_pages and any(not guessed for guessed in queue.values()):
            found.problems.append(
                Problem(
                    "listing_truncated",
                    f"{agency.slug}: {listing} has more than "
                    f"{agency.max_pages} pages; raise max_pages in the registry to read "
                    "them all",
                    "warning",
                    agency.slug,
                )
            )
    _report_years(found, agency, year, articles)
    return found


def _listing_problem(agency: Agency, url: str, code: str, message: str, first: bool) -> Problem:
    message = message.removeprefix(f"{url}: ")
    if first:
        return Problem(f"listing_{code}", f"listing page {url}: {message}", "error", agency.slug)
    return Problem(
        f"listing_incomplete_{code}",
        f"listing page {url}: {message}; reports listed there may be missing",
        "error",
        agency.slug,
    )


def _report_years(found: Discovery, agency: Agency, year: int, articles: set[str]) -> None:
    expected = set(agency.expected_years)
    unexpected = sorted(y for y in found.years_seen if y not in expected)
    if unexpected:
        titles = "; ".join(found.years_seen[y][0] for y in unexpected)
        found.problems.append(
            Problem(
                "unexpected_year",
                f"UNEXPECTED REPORT YEAR: {agency.name} ({agency.slug}) lists reports for "
                f"{', '.join(map(str, unexpected))}, which the registry does not expect (expected_years = "
                f"{sorted(expected)}): check them and update expected_years. Titles: {titles}"[:900],
                "warning",
                agency.slug,
            )
        )
    if year in expected and year not in found.years_seen and found.pages_read:
        found.problems.append(
            Problem(
                "expected_report_missing",
                f"{agency.name} ({agency.slug}): the registry expects a {year} report but "
                f"its listing shows none (read {found.pages_read} pages); the title may not match title_pattern "
                f"{agency.title_pattern!r}",
                "warning",
                agency.slug,
            )
        )
    if len(articles) > 1:
        found.problems.append(
            Problem(
                "several_reports",
                f"{agency.slug}: {len(articles)} listing items look like {year} reports; if some "
                "belong to other agencies, narrow title_pattern in the registry",
                "info",
                agency.slug,
            )
        )


def _add(
    found: Discovery,
    get: Callable[..., Fetched],
    agency: Agency,
    year: int,
    anchor: _Anchor,
    listing_url: str,
    exclude: re.Pattern[str] | None,
) -> None:
    def append(link: ReportLink) -> None:
        if all(existing.url != link.url for existing in found):
            found.append(link)

    if _document_url(anchor):
        append(ReportLink(anchor.url, agency.slug, year, anchor.title, "attachment", listing_url))
        return
    # an article page: its attachments are the report; without any, the page itself is
    try:
        article = get(anchor.url, headers={"Referer": listing_url})
    except FetchError as exc:
        found.problems.append(
            Problem(
                f"article_{exc.code}",
                f"article page {anchor.url}: {exc}; it is recorded as the report so the failure is kept",
                "warning",
                agency.slug,
            )
        )
        append(ReportLink(anchor.url, agency.slug, year, anchor.title, "page", listing_url))
        return
    media_type = sniff_media_type(article.content, article.url)
    if article.status == 200 and media_type not in ("text/html", "text/plain", "application/x-empty"):
        # a download link without a file name: the "article" is the document itself
        append(ReportLink(anchor.url, agency.slug, year, anchor.title, "attachment", listing_url, article))
        return
    attachments: list[tuple[str, str]] = []
    if article.status == 200 and media_type == "text/html":
        page = _parse(article.page(agency.encoding).text, article.url)
        for candidate in [*page.anchors, *page.embedded]:
            url = _document_url(candidate)
            if url and not (exclude and candidate.title and exclude.search(candidate.title)):
                attachments.append((url, candidate.title))
    for url, name in dict(attachments).items():
        append(ReportLink(url, agency.slug, year, name or anchor.title, "attachment", anchor.url))
    if not attachments:
        append(ReportLink(anchor.url, agency.slug, year, anchor.title, "page", listing_url, article))
