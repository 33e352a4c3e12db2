"""Discovery adapters per CMS family, chosen from the page (its URL and markup), never per agency.

Each family module has ``NAME``, ``matches(page) -> bool`` and ``read(page) -> Listing`` (candidate report
links, more pages of the listing, year sub-columns). ``read_listing`` picks the first family that
matches, in the order of FAMILIES: the specific ones first, the generic reader last. Article pages are
read the same way for every family (``attachments``): their document links and embedded viewers.
"""

from __future__ import annotations

from types import ModuleType

from gongkai.fetch.families import generic, hanweb, trs, ucap, zfxxgk
from gongkai.fetch.families.base import (
    DOCUMENT_SUFFIXES,
    NOT_A_REPORT,
    Link,
    Listing,
    Page,
    attachments,
    document_url,
    is_column,
    report_year,
    unique,
)

# ucap first: its columns keep Hanweb's /col/colN/ addresses (and may sit under /zfxxgk/) but list in JSON
FAMILIES: tuple[ModuleType, ...] = (ucap, hanweb, zfxxgk, trs, generic)


def family_of(page: Page) -> ModuleType:
    return next(family for family in FAMILIES if family.matches(page))


def read_listing(text: str, url: str) -> tuple[str, Listing]:
    """The family's name and what it reads on a listing page."""
    page = Page.parse(text, url)
    family = family_of(page)
    listing = family.read(page)
    listing.pages = unique(listing.pages)  # a pager script and its rendered 下一页 name the same pages
    return family.NAME, listing


def read_article(text: str, url: str) -> list[Link]:
    return attachments(Page.parse(text, url))


__all__ = [
    "DOCUMENT_SUFFIXES",
    "FAMILIES",
    "NOT_A_REPORT",
    "Link",
    "Listing",
    "Page",
    "document_url",
    "family_of",
    "is_column",
    "read_article",
    "read_listing",
    "report_year",
]
