"""The family adapters' rules on small constructed pages (the real saved sites are in
test_site_families.py): Hanweb data-proxy groups, 政府信息公开平台 year sub-columns, years in titles,
notices that are not reports, and a report title without a year reported, not dropped."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from gongkai.fetch import discover_reports, make_session
from gongkai.fetch.families import read_listing, report_year
from gongkai.fetch.families.saved import SavedSite, load_sites
from gongkai.fetch.registry import Registry, agency_from_dict

# saved real columns that are not 政府信息公开年报 columns (news, 政务要闻): their golden holds every link the
# family reads on the listing page, as no report title is there to check
COLUMNS = [
    site
    for site in load_sites(Path(__file__).resolve().parents[1] / "fixtures" / "sites")
    if "items" in site.expected
]


@pytest.mark.parametrize(
    ("title", "year"),
    [
        ("某县2023年度政府信息公开工作年度报告", 2023),
        ("某县人民政府二〇二三年政府信息公开工作年度报告", 2023),
        ("某县人民政府二○二二年度政府信息公开工作年报", 2022),
        ("某局２０２１年政府信息公开年报", 2021),
        ("某县政府信息公开工作年度报告（2020）", 2020),
        ("某县政府信息公开工作年度报告", None),
    ],
)
def test_the_year_is_read_from_the_title(title: str, year: int | None) -> None:
    assert report_year(title) == year


COLUMN = (
    '<html><body><div id="4735476"><script type="text/xml"><datastore>'
    '<nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&webid=1&path=/&columnid=1229'
    '&unitid=4735476&permissiontype=0"></a>]]></nextgroup><recordset>'
    "<record><![CDATA[<li><a href='/art/2024/1/20/art_1229_3.html' title='某县2023年度政府信息公开工作年度报告'>"
    "某县2023年度…</a><span>2024-01-20</span></li>]]></record>"
    "<record><![CDATA[<li><a href='/art/2023/12/1/art_1229_2.html' title='关于做好2023年政府信息公开工作年度报告"
    "编制工作的通知'>关于做好…</a></li>]]></record>"
    "</recordset></datastore></script></div>"
    "<script>$('#4735476').jpage({totalRecord:5,perPage:1,groupSize:2,proxyUrl:'/module/web/jpage/dataproxy.jsp'});"
    "</script></body></html>"
)
PROXY_ANSWER = (
    '<?xml version="1.0" encoding="UTF-8"?><datastore><recordset>'
    "<record><![CDATA[<li><a href='/art/2023/3/1/art_1229_1.html' title='某县2022年政府信息公开统计数据'>x</a></li>"
    "]]></record><record><![CDATA[<li><a href='/picture/0/2022nb.pdf' title='某县二〇二二年度政府信息公开工作年度报告'>"
    "y</a></li>]]></record></recordset></datastore>"
)


def test_hanweb_column_pages_on_to_the_data_proxy_groups() -> None:
    family, listing = read_listing(COLUMN, "http://x.gov.cn/col/col1229/index.html")
    assert family == "hanweb"
    assert [link.url for link in listing.items] == [
        "http://x.gov.cn/art/2024/1/20/art_1229_3.html",
        "http://x.gov.cn/art/2023/12/1/art_1229_2.html",
    ]
    proxy = (
        "http://x.gov.cn/module/web/jpage/dataproxy.jsp?page=1&webid=1&path=/&columnid=1229&unitid=4735476"
    )
    assert listing.pages == [  # records 3-4 and 5: groups of perPage x groupSize after the 2 inlined
        f"{proxy}&permissiontype=0&startrecord=3&endrecord=4&perpage=1",
        f"{proxy}&permissiontype=0&startrecord=5&endrecord=5&perpage=1",
    ]
    family, answer = read_listing(PROXY_ANSWER, listing.pages[0])
    assert family == "hanweb" and answer.pages == []  # the column page asked for every group already
    assert [link.title for link in answer.items] == [
        "某县2022年政府信息公开统计数据",
        "某县二〇二二年度政府信息公开工作年度报告",
    ]


@pytest.mark.parametrize(
    "param",
    [
        "var param_9 = {col:1,webid:1,path:'/',columnid:1229,sourceContentType:1,unitid:'9',webname:'某 县',"
        "permissiontype:0,keyWord:kw};",  # the call names it (山东省能源局's page, tests/fixtures/sites)
        "",  # the object written in the call itself
    ],
)
def test_hanweb_groups_carry_the_jpage_ajax_param_fields_the_nextgroup_link_lacks(param: str) -> None:
    # jpage posts its ajaxParam with every group; the <nextgroup> link has no col=1 or sourceContentType
    fields = "{col:1,webid:1,path:'/',columnid:1229,sourceContentType:1,unitid:'9',webname:'某 县',permissiontype:0}"
    call = "ajaxParam:param_9" if param else f"ajaxParam:{fields}"
    page = COLUMN.replace("proxyUrl:", f"{call},proxyUrl:").replace("<script>$(", f"<script>{param}$(")
    _, listing = read_listing(page, "http://x.gov.cn/col/col1229/index.html")
    proxy = (
        "http://x.gov.cn/module/web/jpage/dataproxy.jsp?page=1&webid=1&path=/&columnid=1229&unitid=4735476"
    )
    # the link's own fields keep their values (unitid), a variable's value (keyWord:kw) is not read
    added = "col=1&sourceContentType=1&webname=%E6%9F%90+%E5%8E%BF"
    assert listing.pages == [
        f"{proxy}&permissiontype=0&{added}&startrecord=3&endrecord=4&perpage=1",
        f"{proxy}&permissiontype=0&{added}&startrecord=5&endrecord=5&perpage=1",
    ]


@pytest.mark.parametrize("site", COLUMNS, ids=[f"{s.family}/{s.name}" for s in COLUMNS])
def test_a_real_column_yields_the_exact_links_and_pages(site: SavedSite) -> None:
    file = site.file_for(site.listing)
    assert file is not None, f"{site.name}: the listing page is not saved"
    family, listing = read_listing(file.read_text("utf-8"), site.listing)
    assert family == site.expected["family"]
    assert listing.pages == site.expected["pages"]
    assert [{"url": link.url, "title": link.title} for link in dict.fromkeys(listing.items)] == site.expected[
        "items"
    ]


def test_a_trs_pager_without_page_names_pages_on_the_listing_s_own_name() -> None:
    script = "<script>var currentPage = 1; var countPage = 3;</script>"
    page = f"<html><body><a href='./202401/t20240115_1.html'>x</a>{script}</body></html>"
    family, listing = read_listing(page, "http://x.gov.cn/zwgk/nb/index_1.shtml")
    assert family == "trs"
    assert listing.pages == ["http://x.gov.cn/zwgk/nb/index.shtml", "http://x.gov.cn/zwgk/nb/index_2.shtml"]


def test_generic_numbered_siblings_of_the_listing_are_pages_not_items() -> None:
    page = (
        "<html><body><a href='news-list-yaowen-2.html'>2</a><a href='news-list-yaowen-30.html'>末页</a>"
        "<a href='/other/news-list-yaowen-3.html'>elsewhere</a><a href='news-list-other-2.html'>another column</a>"
        "<a href='news-show-8960.html'>某县2023年政府信息公开工作年度报告</a></body></html>"
    )
    family, listing = read_listing(page, "http://x.gov.cn/news-list-yaowen.html")
    assert family == "generic"
    assert listing.pages == [
        "http://x.gov.cn/news-list-yaowen-2.html",
        "http://x.gov.cn/news-list-yaowen-30.html",
    ]
    assert [link.url for link in listing.items] == [
        "http://x.gov.cn/other/news-list-yaowen-3.html",
        "http://x.gov.cn/news-list-other-2.html",
        "http://x.gov.cn/news-show-8960.html",
    ]


def test_zfxxgk_year_sub_columns_are_sections() -> None:
    page = (
        '<html><body><a href="2023/">2023年</a><a href="2022/index.html">2022年度</a>'
        '<a href="/zfxxgk/zfxxgknb/202401/t20240115_1.html">某局2023年政府信息公开工作年度报告</a>'
        '<a href="/zwgk/">政务公开</a></body></html>'
    )
    family, listing = read_listing(page, "http://x.gov.cn/zfxxgk/zfxxgknb/index.html")
    assert family == "zfxxgk"
    assert [(s.url, s.title) for s in listing.sections] == [
        ("http://x.gov.cn/zfxxgk/zfxxgknb/2023/", "2023年"),
        ("http://x.gov.cn/zfxxgk/zfxxgknb/2022/index.html", "2022年度"),
    ]
    assert [link.title for link in listing.items] == ["某局2023年政府信息公开工作年度报告", "政务公开"]


def test_ucap_columns_list_the_inlined_json_articles_whatever_their_address() -> None:
    # as 江西省生态环境厅's column (tests/fixtures/sites/ucap): a Hanweb-style address, the list in a script
    articles = [
        {
            "title": "某局2023年政府信息公开工作年度报告",
            "urls": '{"pc":"/s/col/col9/content/content_1.html"}',
        },
        {
            "title": " 某局 2022年政府信息公开工作年度报告",
            "urls": {"pc": "/s/col/col9/content/content_2.html"},
        },
        {"title": "no address", "urls": "{broken"},
        {"title": "", "urls": '{"pc":"/s/col/col9/content/content_3.html"}'},
        "not an article",
    ]
    script = f"<script>var websiteId = '1', websiteCode = 's';\nvar listData = {{articleList: {json.dumps(articles)},\n}};</script>"
    page = f"<html><head>{script}</head><body><a href='/s/index.html'>首页</a></body></html>"
    for url in ("http://x.gov.cn/s/col/col9/index.html", "http://x.gov.cn/s/zfxxgk/zfxxgknb/index.html"):
        family, listing = read_listing(page, url)
        assert family == "ucap"
        assert [(link.url, link.title) for link in listing.items] == [
            ("http://x.gov.cn/s/index.html", "首页"),
            ("http://x.gov.cn/s/col/col9/content/content_1.html", "某局2023年政府信息公开工作年度报告"),
            ("http://x.gov.cn/s/col/col9/content/content_2.html", "某局 2022年政府信息公开工作年度报告"),
        ]
        assert listing.pages == []
    # a list the script builds otherwise (not a JSON literal) is not read, and nothing breaks
    family, listing = read_listing(
        script.replace("articleList: [", "articleList: [build(),"), "http://x.gov.cn/"
    )
    assert (family, listing.items) == ("ucap", [])


def test_zfxxgk_year_link_back_to_the_column_itself_is_not_a_section() -> None:
    # 莆田市财政局's menu names its one reports column "2019年" and "2018年以前" (tests/fixtures/sites)
    page = (
        '<html><body><a href="/zfxxgk/zfxxgknb/">2019年</a><a href="/zfxxgk/zfxxgknb/index.html">2018年</a>'
        '<a href="/zfxxgk/zfxxgknb/2017/">2017年</a></body></html>'
    )
    _, listing = read_listing(page, "http://x.gov.cn/zfxxgk/zfxxgknb/index.html")
    assert [(s.url, s.title) for s in listing.sections] == [
        ("http://x.gov.cn/zfxxgk/zfxxgknb/2017/", "2017年")
    ]
    assert [link.title for link in listing.items] == ["2019年", "2018年"]


# 福建's 政务公开平台: page 1 written statically, the rest asked by the `list` script from the search API
PLATFORM_COLUMN = (
    '<html><body><ul><li><a href="./202403/t20240301_9.htm" title="某局2023年政府信息公开工作年度报告">某局</a>'
    "</li></ul><script>var SiteInfo = {\n was4doc :   210831  //文档检索的was频道号\n ,was4rel : 203629 };</script>"
    "<script>require(['list'],function(listModel){ listModel({ Mode:'wasdoc', objArgs:{ listArgs:{"
    ' channelid : SiteInfo.was4doc, classsql: "" || "chnlid=20271" ,sortfield: \'-docorderpri,-docreltime\' } },'
    " pagebar:{ recordCount: '31' , prepage : 15, pgCountMode : 'recordCount' }, autoGetPage : false,"
    " showStatic : true }) })</script></body></html>"
)
API_ANSWER = json.dumps(
    {
        "error": False,
        "page": 2,
        "prepage": 15,
        "pageCount": 3,
        "recordCount": 31,
        "data": [
            {
                "doctitle": "某局<em>2022</em>年政府信息公开工作年度报告",
                "docpuburl": "/zfxxgk/zfxxgknb/202301/t20230110_8.htm",
            },
            {
                "doctitle": "某局2021年政府信息公开工作年度报告",
                "chnldocurl": "/zfxxgk/zfxxgknb/202201/t1.htm",
            },
            {"doctitle": "", "docpuburl": "/zfxxgk/zfxxgknb/202101/t0.htm"},  # no title: not a link
            "not an entry",
        ],
    },
    ensure_ascii=False,
)


def test_zfxxgk_platform_column_pages_on_through_its_search_api() -> None:
    family, listing = read_listing(PLATFORM_COLUMN, "http://czj.x.gov.cn/zfxxgk/zfxxgknb/index.html")
    api = (
        "http://czj.x.gov.cn/fjdzapp/search?channelid=210831&sortfield=-docorderpri%2C-docreltime"
        "&classsql=chnlid%3D20271"
    )
    # 31 records, 15 a page: pages 2 and 3 come from the API, page 1 is the static list
    assert (family, listing.pages) == ("zfxxgk", [f"{api}&page=2&prepage=15", f"{api}&page=3&prepage=15"])
    assert [link.title for link in listing.items] == ["某局2023年政府信息公开工作年度报告"]


@pytest.mark.parametrize(
    "change",
    [
        ("channelid : SiteInfo.was4doc", "channelid : SiteInfo.other"),  # a setting the page does not hold
        ("Mode:'wasdoc'", "Mode:'other'"),  # an API whose address is not known
        ("recordCount: '31'", "pgCountMode: '31'"),  # no record count: how many pages is not known
    ],
)
def test_zfxxgk_platform_pages_are_not_guessed_without_what_the_call_needs(change: tuple[str, str]) -> None:
    page = PLATFORM_COLUMN.replace(*change)
    assert read_listing(page, "http://czj.x.gov.cn/zfxxgk/zfxxgknb/index.html")[1].pages == []


def test_zfxxgk_search_api_answer_lists_its_documents_and_other_pages() -> None:
    url = "http://x.gov.cn/fjdzapp/search?channelid=1&classsql=chnlid%3D5&page=2&prepage=15"
    family, listing = read_listing(API_ANSWER, url)
    assert family == "zfxxgk"
    assert [(link.url, link.title) for link in listing.items] == [
        ("http://x.gov.cn/zfxxgk/zfxxgknb/202301/t20230110_8.htm", "某局2022年政府信息公开工作年度报告"),
        ("http://x.gov.cn/zfxxgk/zfxxgknb/202201/t1.htm", "某局2021年政府信息公开工作年度报告"),
    ]
    base = "http://x.gov.cn/fjdzapp/search?channelid=1&classsql=chnlid%3D5"
    assert listing.pages == [f"{base}&page=3&prepage=15"]  # page 1 is the column's (or queued before)
    # an answer that is not the API's JSON (an error page) is read as a page, not taken for an empty list
    family, listing = read_listing('<html><body><a href="/a.htm">x</a></body></html>', url)
    assert (family, [link.url for link in listing.items]) == ("zfxxgk", ["http://x.gov.cn/a.htm"])


PAGES = {
    "/col/col1229/index.html": ("text/html", COLUMN),
    "/module/web/jpage/dataproxy.jsp": ("text/xml", PROXY_ANSWER),
    "/art/2024/1/20/art_1229_3.html": (
        "text/html",
        '<html><body><a href="/picture/0/2023nb.pdf">某县2023年度政府信息公开工作年度报告.pdf</a></body></html>',
    ),
    "/zfxxgk/nb/index.html": (
        "text/html",
        '<html><body><a href="2023/">2023年</a><a href="2022/">2022年</a>'
        '<a href="/zfxxgk/nb/bm/t1.html">某局政府信息公开工作年度报告</a></body></html>',
    ),
    "/": (
        "text/html",
        '<html><body><a href="/zwgk/">政务公开</a><a href="/news/">新闻中心</a></body></html>',
    ),
    "/zwgk/": (
        "text/html",
        '<html><body><a href="/zwgk/zn/">政府信息公开指南</a><a href="/zwgk/nb/">政府信息<br>公开年报</a></body></html>',
    ),
    "/zwgk/nb/": (
        "text/html",
        '<html><body><a href="/files/2023.pdf">某县2023年政府信息公开工作年度报告</a></body></html>',
    ),
    "/zfxxgk/zfxxgknb/index.html": ("text/html", PLATFORM_COLUMN),
    "/fjdzapp/search": ("application/json", API_ANSWER),
    "/zfxxgk/zfxxgknb/202301/t20230110_8.htm": (
        "text/html",
        '<html><body><a href="/files/2022nb.pdf">某局2022年政府信息公开工作年度报告.pdf</a></body></html>',
    ),
    "/zfxxgk/nb/2023/": (
        "text/html",
        '<html><body><a href="/files/a.docx">某局2023年政府信息公开工作年度报告</a></body></html>',
    ),
}


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        media, body = PAGES.get(self.path.split("?", 1)[0], ("", ""))
        self.send_response(200 if media else 404)
        self.send_header("Content-Type", f"{media}; charset=utf-8" if media else "text/plain")
        data = body.encode()
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@contextmanager
def _site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _discover(base: str, path: str, year: int) -> tuple[list[tuple[str, str, str]], list[str]]:
    agency = agency_from_dict(
        {
            "slug": "some-county",
            "name": "某县",
            "listing_urls": [f"{base}{path}"],
            "allow_private": True,
            "rate_limit": 200.0,
        }
    )
    with make_session(Registry([agency]), retries=0, backoff=0.01) as session:
        found = discover_reports(agency, year, session)
    return [(link.url.removeprefix(base), link.title, link.kind) for link in found], sorted(
        {p.code for p in found.problems}
    )


def test_discovery_follows_the_hanweb_data_proxy_and_skips_notices() -> None:
    with _site() as base:
        assert _discover(base, "/col/col1229/index.html", 2023)[0] == [
            ("/picture/0/2023nb.pdf", "某县2023年度政府信息公开工作年度报告.pdf", "attachment")
        ]
        links, _ = _discover(
            base, "/col/col1229/index.html", 2022
        )  # found in a proxy group; 统计数据 skipped
    assert links == [("/picture/0/2022nb.pdf", "某县二〇二二年度政府信息公开工作年度报告", "attachment")]


def test_discovery_reads_the_asked_year_sub_column_and_reports_an_undated_title() -> None:
    with _site() as base:
        links, problems = _discover(base, "/zfxxgk/nb/index.html", 2023)
    assert links == [("/files/a.docx", "某局2023年政府信息公开工作年度报告", "attachment")]
    assert "report_year_missing" in problems  # 某局政府信息公开工作年度报告: a report without a year


def test_discovery_reads_a_platform_column_s_later_pages_from_its_json_search_api() -> None:
    with _site() as base:
        links, problems = _discover(base, "/zfxxgk/zfxxgknb/index.html", 2022)
    assert links == [("/files/2022nb.pdf", "某局2022年政府信息公开工作年度报告.pdf", "attachment")]
    assert not [p for p in problems if p.startswith("listing")]  # the JSON answers are listing pages


def test_without_a_listing_url_discovery_finds_the_column_on_the_portal() -> None:
    with _site() as base:
        host = base.removeprefix("http://")
        agency = agency_from_dict(
            {
                "slug": "portal-only",
                "name": "某县",
                "portal_host": host,
                "expected_years": [2023],
                "allow_private": True,
            }
        )
        neighbour = agency_from_dict(  # lets the registry allow the loopback host, as for a test portal
            {
                "slug": "neighbour",
                "name": "邻县",
                "listing_urls": [f"{base}/x/"],
                "allow_private": True,
                "rate_limit": 200.0,
            }
        )
        with make_session(Registry([agency, neighbour]), retries=0, backoff=0.01) as session:
            found = discover_reports(agency, 2023, session)
    assert [(link.url.removeprefix(base), link.kind) for link in found] == [("/files/2023.pdf", "attachment")]
    assert [p.code for p in found.problems] == ["listing_from_portal"]
    assert f"{base}/zwgk/nb/" in found.problems[0].message
