"""Where an agency's 政府信息公开年报 column is, read from its portal when the registry has no listing URL:
the home page's links, and those of its 政府信息公开 / 政务公开 hub pages, named as the column is named
("政府信息公开年报", "信息公开年度报告", "年报"). Only the portal's own site (its host or a sub-domain of
it, e.g. a separate hdzfxxgk.hd.gov.cn platform) is followed."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from gongkai.fetch.families.base import Page, anchors, unique

_COLUMN = re.compile(r"^((政府)?信息公开(工作)?(年报|年度报告)(专栏|目录)?|年报|年度报告|政务公开年报)$")
_HUB = re.compile(r"^((政府)?信息公开|政务公开)(专栏|平台|目录|网)?$|^法定主动公开内容$")


def _site(host: str) -> str:
    host = host.lower()
    return host[4:] if host.startswith("www.") else host


def portal_links(text: str, url: str) -> tuple[list[str], list[str]]:
    """The page's links to a reports column, and to hub pages that may list one, on the portal's site."""
    page = Page.parse(text, url)
    if page.root is None:
        return [], []
    site = _site(urlsplit(url).hostname or "")
    columns: list[str] = []
    hubs: list[str] = []
    links, _ = anchors(page.root, page.url)
    for link in links:
        host = (urlsplit(link.url).hostname or "").lower()
        if not (_site(host) == site or host.endswith(f".{site}")):
            continue
        title = re.sub(r"\s+", "", link.title)
        if _COLUMN.match(title):
            columns.append(link.url)
        elif _HUB.match(title):
            hubs.append(link.url)
    return unique(columns), unique(hubs)
