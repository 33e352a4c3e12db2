"""政府信息公开平台 layouts: the annual reports column sits under ``/zfxxgk/`` (``…/zfxxgknb/``,
``…/fdzdgknr/nb/``, ``…/gknb/``) and is often split into one sub-column per year (``2023/``,
``gknb2023/``, ``2023nb/``) linked by titles such as "2023年" or "2023年度". Pagination is the static
pager of the CMS underneath (TRS ``index_N.html``) or numbered pages (``1.html``, ``2.html``).

福建's platform (TRS, ``/fjdzapp/``) writes the first page of a column statically and has its ``list``
script fetch the others from a JSON search API: the page calls ``listModel({Mode:'wasdoc', objArgs:
{listArgs:{channelid: SiteInfo.was4doc, classsql: "chnlid=20271", sortfield: …}}, pagebar:{recordCount:
'18', prepage: 15}, showStatic: true})`` and the browser asks ``/fjdzapp/search?channelid=…&sortfield=…
&classsql=…&page=2&prepage=15`` on the same host, which answers ``{"page": 2, "pageCount": 2,
"recordCount": 18, "data": [{"doctitle": …, "docpuburl": …}, …]}``. The adapter writes those URLs as the
listing's further pages, and reads such an answer (whatever the endpoint's name under ``/fjdzapp/``) as a
listing of its own."""

from __future__ import annotations

import html
import json
import math
import re
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

from gongkai.fetch.families import trs
from gongkai.fetch.families.base import Link, Listing, Page, is_column

NAME = "zfxxgk"
# the platform's own path: a /zfxxgk/ (or /zfxxgk_1/) folder with the reports column somewhere below it
_NB_PATH = re.compile(r"/zfxxgk(?:_\d+)?/(?:[\w-]+/)*?(?:\w*nb|gknb\w*|nb\w*|ndbg\w*)(?:/|$)", re.I)
# a sub-column named only by its year: "2023年", "2023年度", "2023", "二〇二三年度"
_YEAR_ONLY = re.compile(
    r"^\s*((?:19|20)\d{2}|[一二][〇○零一二三四五六七八九]{3})\s*(年度?)?\s*(年报|报告)?\s*$"
)
# the platform's JSON list API (福建: /fjdzapp/search, /fjdzapp/data)
_API_PATH = re.compile(r"/fjdzapp/\w+$")
_LIST_CALL = re.compile(r"\blistModel\s*\(\s*\{")
_MODE = re.compile(r"""\bMode\s*:\s*['"](\w+)['"]""")
_LITERALS = re.compile(r"""'([^']*)'|"([^"]*)\"""")
# classsql: "" || "chnlid=20271" — JS keeps the first non-empty literal of an || chain
_CLASSSQL = re.compile(r"""\bclasssql\s*:\s*((?:(?:'[^']*'|"[^"]*")\s*(?:\|\|\s*)?)+)""")
_SORTFIELD = re.compile(r"""\bsortfield\s*:\s*(?:'([^']*)'|"([^"]*)")""")
_CHANNEL = re.compile(r"""\bchannelid\s*:\s*(?:['"]?(\d+)['"]?|SiteInfo\.(\w+))""")
_SITE_INFO = re.compile(r"\bSiteInfo\s*=\s*\{([^{}]*)\}")
_RECORD_COUNT = re.compile(r"""\brecordCount\s*:\s*['"]?(\d+)""")
_PREPAGE = re.compile(r"""\bprepage\s*:\s*['"]?(\d+)""")
_SHOW_STATIC = re.compile(r"\bshowStatic\s*:\s*true\b")
_PAGE_PARAM = re.compile(r"(?:(?<=[?&])|^)page=\d*")
_TAGS = re.compile(r"<[^>]*>")


def matches(page: Page) -> bool:
    path = urlsplit(page.url).path
    if _NB_PATH.search(path) or _API_PATH.search(path):
        return True
    return any(_LIST_CALL.search(script) and _CLASSSQL.search(script) for script in page.scripts())


def read(page: Page) -> Listing:
    if _API_PATH.search(urlsplit(page.url).path):
        answer = _answer(page.text)
        if answer is not None:
            return _read_answer(answer, page.url)
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
    listing.pages += _api_pages(page)
    return listing


def _answer(text: str) -> dict[str, Any] | None:
    """The API's JSON answer, or None when the text is not one (an HTML error page, a login wall)."""
    try:
        answer = json.loads(text)
    except ValueError:
        return None
    return answer if isinstance(answer, dict) and isinstance(answer.get("data"), list) else None


def _read_answer(answer: dict[str, Any], url: str) -> Listing:
    """The documents of one answer (title, page address) and the pages after it (``page=N``)."""
    listing = Listing()
    for entry in answer["data"]:
        if not isinstance(entry, dict):
            continue
        href = next(
            (
                v
                for k in ("docpuburl", "chnldocurl", "url")
                if isinstance(v := entry.get(k), str) and v.strip()
            ),
            None,
        )
        title = " ".join(html.unescape(_TAGS.sub("", str(entry.get("doctitle") or ""))).split())
        if href and title:
            listing.items.append(Link(urljoin(url, href.strip()), title))
    count = answer.get("pageCount")
    if isinstance(count, int) and count > 1:
        current = answer.get("page") if isinstance(answer.get("page"), int) else 1
        # the pages after this one: the column page (or page 1's answer) has queued the rest already
        listing.pages = [_with_page(url, n) for n in range(current + 1, count + 1)]
    return listing


def _with_page(url: str, n: int) -> str:
    """The same API call for page `n`: its ``page`` parameter replaced (added when it has none)."""
    head, _, query = url.partition("?")
    if _PAGE_PARAM.search(query):
        return f"{head}?{_PAGE_PARAM.sub(f'page={n}', query, count=1)}"
    return f"{head}?{query}&page={n}" if query else f"{head}?page={n}"


def _api_pages(page: Page) -> list[str]:
    """The API calls of the pages the column page does not write (the ``listModel`` call's pager): none
    when a value the call needs cannot be read from the page (the channel, the record count), or for a
    Mode other than ``wasdoc`` (its endpoint is not known here)."""
    pages: list[str] = []
    for script in page.scripts():
        for call in _LIST_CALL.finditer(script):
            body = script[call.end() :]
            mode = _MODE.search(body)
            if mode is not None and mode.group(1) != "wasdoc":
                continue
            classsql = _CLASSSQL.search(body)
            channel = _channel(body, page.text)
            records, prepage = _RECORD_COUNT.search(body), _PREPAGE.search(body)
            if classsql is None or channel is None or records is None or prepage is None:
                continue
            condition = next((a or b for a, b in _LITERALS.findall(classsql.group(1)) if a or b), "")
            sort = _SORTFIELD.search(body)
            per_page = int(prepage.group(1))
            if not condition or not per_page:
                continue
            query = f"channelid={channel}"
            if sort is not None:
                query += f"&sortfield={quote(sort.group(1) or sort.group(2), safe='')}"
            query += f"&classsql={quote(condition, safe='')}"
            api = urljoin(page.url, "/fjdzapp/search")
            first = 2 if _SHOW_STATIC.search(body) else 1  # the static list is page 1
            for n in range(first, math.ceil(int(records.group(1)) / per_page) + 1):
                pages.append(f"{api}?{query}&page={n}&prepage={per_page}")
    return pages


def _channel(call: str, text: str) -> str | None:
    """The search channel the call names: a number, or a field of the page's ``SiteInfo`` settings."""
    match = _CHANNEL.search(call)
    if match is None:
        return None
    if match.group(1):
        return match.group(1)
    settings = _SITE_INFO.search(text)
    if settings is None:
        return None
    field = re.search(rf"""\b{re.escape(match.group(2))}\s*:\s*['"]?(\d+)""", settings.group(1))
    return field.group(1) if field else None
