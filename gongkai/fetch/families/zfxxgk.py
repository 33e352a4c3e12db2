"""政府信息公开平台 layouts: the annual reports column sits under ``/zfxxgk/`` (``…/zfxxgknb/``,
``…/fdzdgknr/nb/``, ``…/gknb/``) and is often split into one sub-column per year (``2023/``,
``gknb2023/``, ``2023nb/``) linked by titles such as "2023年" or "2023年度". Pagination is the static
pager of the CMS underneath (TRS ``index_N.html``) or numbered pages (``1.html``, ``2.html``)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from gongkai.fetch.families import trs
from gongkai.fetch.families.base import Listing, Page, is_column

NAME = "zfxxgk"
# the platform's own path: a /zfxxgk/ (or /zfxxgk_1/) folder with the reports column somewhere below it
_NB_PATH = re.compile(r"/zfxxgk(?:_\d+)?/(?:[\w-]+/)*?(?:\w*nb|gknb\w*|nb\w*|ndbg\w*)(?:/|$)", re.I)
# a sub-column named only by its year: "2023年", "2023年度", "2023", "二〇二三年度"
_YEAR_ONLY = re.compile(
    r"^\s*((?:19|20)\d{2}|[一二][〇○零一二三四五六七八九]{3})\s*(年度?)?\s*(年报|报告)?\s*$"
)


def matches(page: Page) -> bool:
    return bool(_NB_PATH.search(urlsplit(page.url).path))


def read(page: Page) -> Listing:
    listing = trs.read(page)
    column = urlsplit(page.url).path.rsplit("/", 1)[0] + "/"
    items = []
    for link in listing.items:
        path = urlsplit(link.url).path
        # a year-named link back to this very column (a menu entry such as 莆田's "2019年" → zfxxgknb/) is
        # navigation, not a sub-column: following it would read the listing again as that year's column
        itself = path.rsplit("/", 1)[0] + "/" == column
        if _YEAR_ONLY.match(link.title) and path.startswith(column) and is_column(link.url) and not itself:
            listing.sections.append(link)
        else:
            items.append(link)
    listing.items = items
    return listing
