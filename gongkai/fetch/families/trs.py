"""TRS WCM (拓尔思): static listing pages index.html, index_1.html, … written by a pager script —
``createPageHTML(count, current, "index", "html")`` or ``var countPage = N; var currentPage = M`` —
and documents named ``t20230120_123456.html`` with ``W0…/P0…`` attachments."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from gongkai.fetch.families.base import Listing, Page, anchors, numbered_pages

NAME = "trs"
_CREATE_PAGE = re.compile(
    r"createPageHTML\(\s*['\"]?(\d+)['\"]?\s*,\s*['\"]?(\d+)['\"]?\s*,\s*['\"]([\w.-]+)['\"]\s*,"
    r"\s*['\"](\w+)['\"]"
)
_COUNT_PAGE = re.compile(r"\bcountPage\s*=\s*['\"]?(\d+)")
_CURRENT_PAGE = re.compile(r"\bcurrentPage\s*=\s*['\"]?(\d+)")
# the page-name pieces a countPage pager concatenates: "index" + "_" + i + "." + "html", also inside a
# document.write string where the extension runs on into an escaped quote ("shtml\" target=…)
_PAGER_NAME = re.compile(
    r"['\"]([\w-]+)['\"]\s*\+\s*['\"]_['\"]\s*\+\s*\w+\s*\+\s*['\"]\.['\"]\s*\+\s*['\"](\w+)\\?['\"]"
)
# a listing page's own name (index.shtml, index_3.html): the pager's pages when its script names none
_OWN_NAME = re.compile(r"^([\w-]+?)(?:_\d+)?\.(s?html?)$", re.I)
_DOCUMENT_URL = re.compile(r"/t\d{8}_\d+\.s?html?\b")
_MARKERS = ("createPageHTML", "countPage", "TRS_Editor", "trs_editor", 'name="ChnlId"', "trs.pager")


def matches(page: Page) -> bool:
    if any(marker in page.text for marker in _MARKERS):
        return True
    return len(_DOCUMENT_URL.findall(page.text)) >= 2


def read(page: Page) -> Listing:
    listing = Listing()
    if page.root is None:
        return listing
    listing.items, listing.pages = anchors(page.root, page.url)
    for code in page.scripts():
        for count, current, name, ext in _CREATE_PAGE.findall(code):
            listing.pages += numbered_pages(name, ext, int(count), int(current), page.url)
        count_match = _COUNT_PAGE.search(code)
        if count_match and "createPageHTML" not in code:
            current_match = _CURRENT_PAGE.search(code)
            name_match = _PAGER_NAME.search(code)
            name, ext = name_match.groups() if name_match else _own_name(page.url)
            current = int(current_match.group(1)) if current_match else 0
            listing.pages += numbered_pages(name, ext, int(count_match.group(1)), current, page.url)
    return listing


def _own_name(url: str) -> tuple[str, str]:
    last = urlsplit(url).path.rsplit("/", 1)[-1]
    match = _OWN_NAME.match(last)
    return (match.group(1), match.group(2)) if match else ("index", "html")
