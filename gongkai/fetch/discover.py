"""From an agency's listing pages to its report documents for a year.

A listing page is read by the adapter of its CMS family (gongkai.fetch.families: TRS WCM, Hanweb 大汉,
政府信息公开平台, generic), chosen from the page itself: its candidate links, more pages of the listing
(TRS pager scripts, Hanweb data-proxy groups, 下一页 links, the registry's page template) and year
sub-columns. Links titled with a year and 年度报告/年报 (the registry's title pattern, less notices,
work plans, statistics and interpretations) are kept; a report title without a readable year is reported
(``report_year_missing``), never dropped silently. Article pages are opened for their attachments (PDF,
DOC, DOCX, WPS, XLS, also inside pdf.js viewers); an article without any is itself the report. Years on
the site that the registry does not expect are reported.
"""

from __future__ import annotations

import re
from collections import Counter, OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin

from gongkai.extract.sniff import sniff_media_type
from gongkai.fetch.families import (
    DOCUMENT_SUFFIXES,
    NOT_A_REPORT,
    Link,
    document_url,
    is_column,
    read_article,
    read_listing,
    report_year,
)
from gongkai.fetch.families.columns import portal_links
from gongkai.fetch.http import Fetched, FetchError, PoliteSession
from gongkai.fetch.pages import PageCache
from gongkai.fetch.registry import Agency
from gongkai.lake.store import Store
from gongkai.model import Problem

__all__ = ["DOCUMENT_SUFFIXES", "Discovery", "ReportLink", "discover_reports", "report_year"]
# a Hanweb data proxy answers its <datastore> as XML: a listing page all the same
_LISTING_TYPES = ("text/html", "application/xml", "text/xml")


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
        self.families: Counter[str] = Counter()  # CMS family → listing pages it read
        self.undated: list[str] = []  # report titles whose year could not be read


def is_report_title(title: str, title_pattern: re.Pattern[str], exclude: re.Pattern[str] | None) -> bool:
    """A link title that names a report (the registry's pattern), not a notice or table about reports."""
    if not title_pattern.search(title):
        return False
    return not (exclude and exclude.search(title)) and not NOT_A_REPORT.search(title)


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
    listings = list(agency.listing_urls)
    portal = agency.portal_host
    if not listings and portal:
        listings = _columns_from_portal(portal, get, agency)
        if listings:
            found.problems.append(
                Problem(
                    "listing_from_portal",
                    f"{agency.name} ({agency.slug}): no listing URL in the registry; the portal {portal} "
                    f"names its 政府信息公开年报 column {', '.join(listings)}: add it to listing_urls",
                    "info",
                    agency.slug,
                )
            )
    if not listings:
        searched = f" and its portal {portal} names none" if portal else ""
        found.problems.append(
            Problem(
                "no_listing_url",
                f"{agency.name} ({agency.slug}) has no listing URL in the registry{searched}: add its "
                "政府信息公开年报 column to listing_urls",
                "warning",
                agency.slug,
            )
        )
    for listing in listings:
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
            if media_type not in _LISTING_TYPES and not _json_answer(fetched, media_type):
                found.problems.append(
                    _listing_problem(
                        agency, page_url, "not_html", f"is {media_type}, not an HTML listing page", first
                    )
                )
                continue
            found.pages_read += 1
            family, listing_page = read_listing(fetched.page(agency.encoding).text, fetched.url)
            found.families[family] += 1
            for next_url in listing_page.pages:
                if next_url not in seen:
                    queue.setdefault(next_url, False)
            for section in listing_page.sections:  # a sub-column per year: only the asked year's is read
                if report_year(section.title) == year and section.url not in seen:
                    queue.setdefault(section.url, False)
            for link in listing_page.items:
                if not is_report_title(link.title, title_pattern, exclude):
                    continue
                link_year = report_year(link.title)
                if link_year is None:
                    if is_column(link.url):  # the navigation naming the reports column, not a report
                        continue
                    if link.title not in found.undated:
                        found.undated.append(link.title)
                    continue
                titles = found.years_seen.setdefault(link_year, [])
                if link.title not in titles:
                    titles.append(link.title)
                if link_year == year and link.url not in articles:  # an item listed twice is opened once
                    _add(found, get, agency, year, link, fetched.url, exclude)
                    articles.add(link.url)
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


def _json_answer(fetched: Fetched, media_type: str) -> bool:
    """A list API's JSON answer (福建's /fjdzapp/search): a listing page all the same, read by its family."""
    if media_type != "text/plain":
        return False
    return (
        "json" in fetched.content_type.lower() or fetched.content.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{"
    )


MAX_PORTAL_HUBS = 4  # 政府信息公开 / 政务公开 pages opened in search of the reports column
MAX_PORTAL_COLUMNS = 3


def _columns_from_portal(portal: str, get: Callable[..., Fetched], agency: Agency) -> list[str]:
    """The reports column(s) the portal's home page, or one of its hub pages, links to (bounded: the home page
    and at most MAX_PORTAL_HUBS hubs). https first, then http, when the registry gives a bare host."""
    starts = [portal] if "://" in portal else [f"https://{portal}/", f"http://{portal}/"]
    home: Fetched | None = None
    for start in starts:
        try:
            answer = get(start)
        except FetchError:
            continue
        if answer.status == 200:
            home = answer
            break
    if home is None:
        return []
    columns, hubs = portal_links(home.page(agency.encoding).text, home.url)
    for hub in hubs[:MAX_PORTAL_HUBS]:
        if columns:
            break
        try:
            page = get(hub)
        except FetchError:
            continue
        if page.status == 200:
            columns = portal_links(page.page(agency.encoding).text, page.url)[0]
    return columns[:MAX_PORTAL_COLUMNS]


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
    if found.undated:
        found.problems.append(
            Problem(
                "report_year_missing",
                f"{agency.name} ({agency.slug}): {len(found.undated)} report title(s) on its listing name no "
                f"year that can be read, so they were not matched to any year: "
                f"{'; '.join(found.undated)}"[:900],
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
    item: Link,
    listing_url: str,
    exclude: re.Pattern[str] | None,
) -> None:
    def append(link: ReportLink) -> None:
        if all(existing.url != link.url for existing in found):
            found.append(link)

    if document_url(item):
        append(ReportLink(item.url, agency.slug, year, item.title, "attachment", listing_url))
        return
    # an article page: its attachments are the report; without any, the page itself is
    try:
        article = get(item.url, headers={"Referer": listing_url})
    except FetchError as exc:
        found.problems.append(
            Problem(
                f"article_{exc.code}",
                f"article page {item.url}: {exc}; it is recorded as the report so the failure is kept",
                "warning",
                agency.slug,
            )
        )
        append(ReportLink(item.url, agency.slug, year, item.title, "page", listing_url))
        return
    media_type = sniff_media_type(article.content, article.url)
    if article.status == 200 and media_type not in ("text/html", "text/plain", "application/x-empty"):
        # a download link without a file name: the "article" is the document itself
        append(ReportLink(item.url, agency.slug, year, item.title, "attachment", listing_url, article))
        return
    attachments: list[Link] = []
    if article.status == 200 and media_type == "text/html":
        attachments = [
            candidate
            for candidate in read_article(article.page(agency.encoding).text, article.url)
            if not (exclude and candidate.title and exclude.search(candidate.title))
        ]
    for attachment in attachments:
        append(
            ReportLink(
                attachment.url, agency.slug, year, attachment.title or item.title, "attachment", item.url
            )
        )
    if not attachments:
        append(ReportLink(item.url, agency.slug, year, item.title, "page", listing_url, article))
