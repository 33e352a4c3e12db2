"""Any other site: the listing's links, its 下一页 links, and the article's 附件 (attachment) links."""

from __future__ import annotations

from gongkai.fetch.families.base import Listing, Page, anchors

NAME = "generic"


def matches(page: Page) -> bool:
    return True


def read(page: Page) -> Listing:
    listing = Listing()
    if page.root is not None:
        listing.items, listing.pages = anchors(page.root, page.url)
    return listing
