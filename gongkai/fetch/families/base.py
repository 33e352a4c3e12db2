"""What every CMS family shares: a parsed page, the links on it, report titles and their years, and which
links are documents (attachments) rather than pages."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urljoin, urlsplit

from lxml import etree
from lxml import html as lxml_html

from gongkai.values import chinese_numeral

# what an annual report is published as; XLS for the tables some agencies attach beside the text
DOCUMENT_SUFFIXES = (".pdf", ".doc", ".docx", ".wps", ".ofd", ".txt", ".xls", ".xlsx", ".et")
NEXT_PAGE = re.compile(r"^\s*(下一页|下页|后页|next|›|>|»|>>)\s*$", re.I)
# titles that name a report year without being the report, whatever the registry's exclude_pattern says:
# notices about writing or sending reports, work plans, statistics tables, interpretations
NOT_A_REPORT = re.compile(r"(通知|通报|工作要点|统计数据|统计表|解读|图解|一图读懂)")
# zeros typed with look-alikes in titles (二○二三, 二Ｏ二三): read as 〇 in a year, never in a table cell
_ZERO_LOOKALIKES = str.maketrans({"○": "〇", "Ｏ": "〇", "O": "〇", "零": "〇"})
_YEAR_WITH_NIAN = re.compile(r"((?:19|20)\d{2})\s*年")
_YEAR_CN = re.compile(r"([一二][〇○零Ｏ一二三四五六七八九]{3})\s*年")
_YEAR_BARE = re.compile(r"(?<![\d\-/.])((?:19|20)\d{2})(?![\d\-/.])")
_WIDE_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


@dataclass(frozen=True)
class Link:
    url: str
    title: str


@dataclass
class Page:
    """A fetched page, parsed once: every family reads the same tree."""

    url: str  # after redirects, and after <base href>
    text: str
    root: lxml_html.HtmlElement | None  # None: not parseable as HTML (empty, broken)

    @classmethod
    def parse(cls, text: str, url: str) -> Page:
        text = re.sub(r"^\s*<\?xml[^>]*>", "", text)
        try:
            root = lxml_html.document_fromstring(text)
        except (etree.ParserError, ValueError):  # an empty or broken page has no links
            return cls(url, text, None)
        base = root.find(".//base")
        if base is not None and base.get("href"):
            url = urljoin(url, base.get("href").strip())
        return cls(url, text, root)

    def scripts(self) -> list[str]:
        if self.root is None:
            return []
        return [s.text or "" for s in self.root.iter("script")]


@dataclass
class Listing:
    """What a family reads on a listing page."""

    items: list[Link] = field(default_factory=list)  # candidate report links (articles or documents)
    pages: list[str] = field(default_factory=list)  # more pages of the same listing
    sections: list[Link] = field(default_factory=list)  # sub-listings (a column per year), by title


def anchors(root: lxml_html.HtmlElement, base: str) -> tuple[list[Link], list[str]]:
    """The page's links by title (its title attribute, else its text), and its 下一页 links apart."""
    links: list[Link] = []
    next_pages: list[str] = []
    for anchor in root.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href or href.lower().startswith(("javascript:", "#", "mailto:", "tel:")):
            continue
        text = " ".join(anchor.text_content().split())
        title = " ".join((anchor.get("title") or "").split()) or text
        url = urljoin(base, href)
        if NEXT_PAGE.match(text) or "next" in (anchor.get("rel") or "").lower().split():
            next_pages.append(url)
            continue
        links.append(Link(url, title))
    return links, next_pages


def fragment_links(fragment: str, base: str) -> tuple[list[Link], list[str]]:
    """Links in an HTML fragment (a CDATA record of a datastore)."""
    fragment = re.sub(r"<!\[CDATA\[|\]\]>", "", fragment)
    try:
        root = lxml_html.document_fromstring(f"<html><body>{fragment}</body></html>")
    except (etree.ParserError, ValueError):
        return [], []
    return anchors(root, base)


def embedded(page: Page) -> list[Link]:
    """Documents shown in the page: iframe/embed/object sources (pdf.js viewers, PDF objects)."""
    if page.root is None:
        return []
    out = []
    for tag, attribute in (("iframe", "src"), ("embed", "src"), ("object", "data")):
        for element in page.root.iter(tag):
            if source := (element.get(attribute) or "").strip():
                out.append(Link(urljoin(page.url, source), ""))
    return out


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


def document_url(link: Link) -> str | None:
    """The document a link or viewer points at: a file URL, a pdf.js `viewer.html?file=…`, or a download
    link whose text names the file."""
    parts = urlsplit(link.url)
    if parts.path.lower().endswith(DOCUMENT_SUFFIXES):
        return link.url
    for values in parse_qs(parts.query).values():
        for value in values:
            if urlsplit(unquote(value)).path.lower().endswith(DOCUMENT_SUFFIXES):
                return urljoin(link.url, unquote(value))
    if link.title.lower().endswith(DOCUMENT_SUFFIXES):
        return link.url
    return None


def attachments(page: Page) -> list[Link]:
    """An article page's documents (附件 links, viewers), each once, in page order."""
    if page.root is None:
        return []
    links, _ = anchors(page.root, page.url)
    found: dict[str, str] = {}
    for candidate in [*links, *embedded(page)]:
        url = document_url(candidate)
        if url and url not in found:
            found[url] = candidate.title
    return [Link(url, title) for url, title in found.items()]


def is_column(url: str) -> bool:
    """A link to a listing (a column, its index or list page) rather than to an article or a document: how
    a site's navigation names its 政府信息公开年报 column without being a report."""
    last = urlsplit(url).path.rsplit("/", 1)[-1].lower()
    return last == "" or last.startswith(("index.", "index_", "list.", "list_", "nlist.", "default."))


def unique(urls: list[str]) -> list[str]:
    return list(dict.fromkeys(urls))


def numbered_pages(name: str, ext: str, count: int, current: int, base: str) -> list[str]:
    """TRS-style static pages: index.html, index_1.html, … index_{count-1}.html, less the current one."""
    return [
        urljoin(base, f"{name}.{ext}" if n == 0 else f"{name}_{n}.{ext}")
        for n in range(count)
        if n != current
    ]
