"""Hanweb 大汉 (jpage): columns at ``/col/colNNN/index.html``, articles at ``/art/Y/M/D/art_NNN_NNN.html``.
The first group of items is inlined as CDATA ``<record>``s of a ``<script type="text/xml"><datastore>``;
later groups come from the data proxy ``/module/web/jpage/dataproxy.jsp`` (the ``<nextgroup>`` link)
with ``startrecord``/``endrecord``/``perpage``, answering the same ``<datastore>`` as XML. The jpage script
sends its ``ajaxParam`` object (``var param_<unitid> = {col:1,webid:…,columnid:…,sourceContentType:1,…}``)
with every group request; the fields the ``<nextgroup>`` link lacks are added to the group URLs."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, urljoin, urlsplit

from gongkai.fetch.families.base import Link, Listing, Page, anchors, fragment_links

NAME = "hanweb"
_RECORD = re.compile(r"<record>\s*(?:<!\[CDATA\[)?(.*?)(?:\]\]>)?\s*</record>", re.S | re.I)
_NEXT_GROUP = re.compile(r"<nextgroup>\s*(?:<!\[CDATA\[)?(.*?)(?:\]\]>)?\s*</nextgroup>", re.S | re.I)
_HREF = re.compile(r"""href\s*=\s*['"]([^'"]+)['"]""", re.I)
_TOTAL = re.compile(r"(?:totalRecord\s*[:=]\s*['\"]?|<totalrecord>\s*)(\d+)", re.I)
_PER_PAGE = re.compile(r"perPage\s*[:=]\s*['\"]?(\d+)", re.I)
_GROUP_SIZE = re.compile(r"groupSize\s*[:=]\s*['\"]?(\d+)", re.I)
_COLUMN_URL = re.compile(r"/col/col\d+/")
# the jpage call's ajaxParam: an object literal, or the name of one (var param_745545 = {...})
_AJAX_PARAM = re.compile(r"\bajaxParam\s*:\s*(\{[^{}]*\}|[A-Za-z_$][\w$]*)")
# a literal field of that object: key:'text', key:"text" or key:token (a variable's value is not read)
_FIELD = re.compile(r"""([A-Za-z_$][\w$]*)\s*:\s*(?:'([^']*)'|"([^"]*)"|([\w.%-]+)\s*(?=[,}]))""")
_MARKERS = ("<datastore", "dataproxy.jsp", "jpage(", "/module/web/jpage/")
_LITERAL = re.compile(r"-?\d+(?:\.\d+)?|true|false")  # a bare value that is not a variable's name
_UNRESERVED = "!~*'()"  # what encodeURIComponent leaves as it is, besides letters, digits and -_.
DEFAULT_PER_PAGE = 15
DEFAULT_GROUP_SIZE = 3


def matches(page: Page) -> bool:
    return bool(_COLUMN_URL.search(page.url)) or any(m in page.text for m in _MARKERS)


def read(page: Page) -> Listing:
    listing = Listing()
    if page.root is not None:
        listing.items, listing.pages = anchors(page.root, page.url)
    records = _RECORD.findall(page.text)
    for record in records:
        links, _ = fragment_links(record, page.url)
        listing.items += [link for link in links if link not in listing.items]
    listing.pages += _later_groups(page, len(records))
    return listing


def _later_groups(page: Page, inlined: int) -> list[str]:
    """The data-proxy URLs of the records after the inlined group (none when the page is a proxy answer:
    the column page asked for every group already)."""
    if "dataproxy.jsp" in page.url:
        return []
    group = _NEXT_GROUP.search(page.text)
    total = _TOTAL.search(page.text)
    if group is None or total is None or not inlined:
        return []
    href = _HREF.search(group.group(1))
    if href is None:
        return []
    proxy = _with_ajax_param(urljoin(page.url, href.group(1).replace("&amp;", "&")), page.text)
    per_page = int(m.group(1)) if (m := _PER_PAGE.search(page.text)) else DEFAULT_PER_PAGE
    group_size = int(m.group(1)) if (m := _GROUP_SIZE.search(page.text)) else DEFAULT_GROUP_SIZE
    step = max(per_page * group_size, inlined)
    joiner = "&" if "?" in proxy else "?"
    return [
        f"{proxy}{joiner}startrecord={start}&endrecord={min(start + step - 1, int(total.group(1)))}"
        f"&perpage={per_page}"
        for start in range(inlined + 1, int(total.group(1)) + 1, step)
    ]


def _with_ajax_param(proxy: str, text: str) -> str:
    """The proxy URL with the jpage call's ajaxParam fields it lacks (山东省能源局's nextgroup link has no
    ``col=1`` or ``sourceContentType=1``, which the browser posts with every group), encoded as jQuery posts
    them (encodeURIComponent). A field the link already has keeps the link's value."""
    match = _AJAX_PARAM.search(text)
    if match is None:
        return proxy
    body = match.group(1)
    if not body.startswith("{"):  # a variable: its object literal, assigned on the page
        literal = re.search(rf"\b{re.escape(body)}\s*=\s*(\{{[^{{}}]*\}})", text)
        if literal is None:
            return proxy
        body = literal.group(1)
    present = {key for key, _ in parse_qsl(urlsplit(proxy).query, keep_blank_values=True)}
    extra = []
    for key, single, double, bare in _FIELD.findall(body):
        value = single or double or bare
        if key not in present and (single or double or _LITERAL.fullmatch(bare)):
            present.add(key)
            extra.append(f"{key}={quote(value, safe=_UNRESERVED).replace('%20', '+')}")
    if not extra:
        return proxy
    return proxy + ("&" if urlsplit(proxy).query else "?") + "&".join(extra)


def record_links(text: str, base: str) -> list[Link]:
    """The items of a datastore (a column page's inlined group or a proxy answer)."""
    out: list[Link] = []
    for record in _RECORD.findall(text):
        out += fragment_links(record, base)[0]
    return out
