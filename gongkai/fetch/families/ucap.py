"""UCAP site-group pages (江西's provincial platform since 2024: files under ``/doc/ucap/``, a site code in
``websiteCode``): columns keep the old Hanweb addresses (``/<site>/col/col42150/index.html``) but draw their
list in the browser from a JSON array inlined in a script, ``var listData = {articleList: [{"title": …,
"urls": "{\\"pc\\":\\"/<site>/col/col42150/content/content_<id>.html\\"}"}, …]}``; the rest of the column
comes from an API the page's scripts call, so only the inlined articles are read (no further pages)."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urljoin

from gongkai.fetch.families.base import Link, Listing, Page, anchors

NAME = "ucap"
_SITE_CODE = re.compile(r"\bwebsiteCode\s*=")
_ARTICLE_LIST = re.compile(r"\barticleList\s*:\s*\[")


def matches(page: Page) -> bool:
    return any(_SITE_CODE.search(s) and _ARTICLE_LIST.search(s) for s in page.scripts())


def read(page: Page) -> Listing:
    listing = Listing()
    if page.root is not None:
        listing.items, listing.pages = anchors(page.root, page.url)
    for script in page.scripts():
        for match in _ARTICLE_LIST.finditer(script):
            try:
                articles, _ = json.JSONDecoder().raw_decode(script, match.end() - 1)
            except ValueError:  # not a JSON literal (a script building the list some other way): nothing read
                continue
            if isinstance(articles, list):
                listing.items += [link for a in articles if (link := _article(a, page.url))]
    return listing


def _article(entry: Any, base: str) -> Link | None:
    """An inlined article's link: its title and its PC address (``urls`` is a JSON string, or an object)."""
    if not isinstance(entry, dict):
        return None
    urls = entry.get("urls")
    if isinstance(urls, str):
        try:
            urls = json.loads(urls)
        except ValueError:
            return None
    href = urls.get("pc") if isinstance(urls, dict) else None
    title = " ".join(str(entry.get("title") or "").split())
    if not isinstance(href, str) or not href.strip() or not title:
        return None
    return Link(urljoin(base, href.strip()), title)
