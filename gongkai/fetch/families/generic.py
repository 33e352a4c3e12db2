"""Any other site: the listing's links, its 下一页 links, and the article's 附件 (attachment) links.

A listing's other pages are also the links to its numbered siblings — the page's own file name with a page
number appended, in the same folder: ``index_2.html`` … ``index_7.html`` beside ``index.html`` (a rendered
pager), ``index_958_1.html`` … (a pager's hidden links), ``news-list-yaowen-2.html`` beside
``news-list-yaowen.html``, ``Index_2.aspx`` beside ``Index.aspx``. They are pages to read, not items."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from gongkai.fetch.families.base import Link, Listing, Page, anchors

NAME = "generic"
# a file name and its extension; a page of it numbered: "<stem>_2", "<stem>-2", "<stem>_958_2"
_FILE_NAME = re.compile(r"^(?P<stem>[\w.-]+?)(?:[_-]\d+)*\.(?P<ext>s?html?|aspx?|jsp|php)$", re.I)


def matches(page: Page) -> bool:
    return True


def read(page: Page) -> Listing:
    listing = Listing()
    if page.root is None:
        return listing
    links, next_pages = anchors(page.root, page.url)
    numbered = _numbered_sibling(page.url)
    listing.items = [link for link in links if not (numbered and numbered(link))]
    listing.pages = next_pages + [link.url for link in links if numbered and numbered(link)]
    return listing


def _numbered_sibling(url: str) -> _SiblingTest | None:
    """A test for links to the numbered pages of the listing at `url`, or None when its name has no stem
    (a folder URL ``…/list/`` reads as its index.html)."""
    parts = urlsplit(url)
    folder, _, last = parts.path.rpartition("/")
    match = _FILE_NAME.match(last or "index.html")
    if match is None:
        return None
    return _SiblingTest(parts.netloc.lower(), folder, match.group("stem"), match.group("ext"))


class _SiblingTest:
    def __init__(self, host: str, folder: str, stem: str, ext: str) -> None:
        self.host = host
        self.folder = folder
        self.pattern = re.compile(rf"^{re.escape(stem)}(?:[_-]\d+)+\.{re.escape(ext)}$", re.I)

    def __call__(self, link: Link) -> bool:
        parts = urlsplit(link.url)
        folder, _, last = parts.path.rpartition("/")
        return (
            parts.netloc.lower() == self.host
            and folder == self.folder
            and not parts.query
            and bool(self.pattern.match(last))
        )
