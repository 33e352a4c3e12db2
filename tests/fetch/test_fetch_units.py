"""Pieces of the fetch library that need no network: years in titles, charsets, Retry-After, error
pages, the per-host gate."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest

from gongkai.fetch import ReportLink, decode_page, report_year
from gongkai.fetch.families import Link, Page, document_url, read_listing
from gongkai.fetch.families.base import embedded
from gongkai.fetch.fetcher import not_a_report
from gongkai.fetch.http import HostGate, retry_after_seconds

REPORT = "淮安市洪泽区人民政府2023年政府信息公开工作年度报告"


@pytest.mark.parametrize(
    ("title", "year"),
    [
        ("淮安市洪泽区人民政府2023年政府信息公开工作年度报告", 2023),
        ("2024年度政府信息公开工作年度报告", 2024),
        ("2025-02-14 东宝区2024年政府信息公开年报", 2024),  # the publication date is not the report year
        ("二〇二三年政府信息公开工作年度报告", 2023),
        ("二零一九年度政府信息公开年报", 2019),
        ("２０２２年政府信息公开工作年度报告", 2022),
        ("政府信息公开工作年度报告（2021）", 2021),
        ("政府信息公开工作年度报告 2025-01-20", None),
        ("政府信息公开工作年度报告", None),
    ],
)
def test_report_year_from_a_title(title: str, year: int | None) -> None:
    assert report_year(title) == year


def test_decode_page_utf8_declared_gb2312_is_read_as_utf8() -> None:
    page = decode_page(
        f'<meta charset="gb2312"><title>{REPORT}</title>'.encode(), "text/html; charset=gb2312"
    )
    assert REPORT in page.text and page.encoding == "utf-8"
    assert [p.code for p in page.problems] == ["charset_mismatch"]


@pytest.mark.parametrize(
    "content_type", [None, "text/html", "text/html; charset=ISO-8859-1", "text/html; charset=utf-8"]
)
def test_decode_page_gbk_with_no_or_a_wrong_charset(content_type: str | None) -> None:
    page = decode_page(f"<html><title>{REPORT}</title></html>".encode("gbk"), content_type)
    assert REPORT in page.text and page.encoding == "gb18030"


def test_decode_page_gbk_only_character_declared_gb2312() -> None:
    text = "<title>2023年政府信息公开工作年度报告（镕）</title>"  # 镕 is in GBK, not GB2312
    page = decode_page(f'<meta charset="gb2312">{text}'.encode("gbk"), "text/html")
    assert "镕" in page.text and not page.problems


def test_decode_page_quirk_from_the_registry_wins() -> None:
    big5 = "政府資訊公開年報".encode("big5")
    assert decode_page(big5, "text/html", hint="big5").text == "政府資訊公開年報"


def test_decode_page_utf8_with_bom_and_plain_ascii() -> None:
    assert decode_page("年报".encode("utf-8-sig")).text == "年报"
    assert decode_page(b"<html>ok</html>", "text/html; charset=iso-8859-1").problems == []


def test_retry_after_seconds_or_a_date() -> None:
    now = dt.datetime(2025, 1, 20, 8, 0, 0, tzinfo=dt.UTC)
    assert retry_after_seconds("120") == 120.0
    assert retry_after_seconds("Mon, 20 Jan 2025 08:00:30 GMT", now) == 30.0
    assert retry_after_seconds("Mon, 20 Jan 2025 07:00:00 GMT", now) == 0.0
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


def _link(url: str, kind: str = "attachment") -> ReportLink:
    return ReportLink(url, "a-b", 2024, "t", kind)


@pytest.mark.parametrize(
    ("content", "media_type", "url", "code"),
    [
        (b"", "application/x-empty", "http://x/r.pdf", "empty"),
        (
            "<html><title>系统繁忙</title>系统繁忙，请稍后再试</html>".encode(),
            "text/html",
            "http://x/r.pdf",
            "error_page",
        ),
        (b"File not found", "text/plain", "http://x/r.doc", "error_page"),
        (
            "<html><title>404 页面不存在</title><div>首页</div></html>".encode(),
            "text/html",
            "http://x/a.html",
            "error_page",
        ),
        (
            "<html><title>访问出错</title><div>政府信息公开 | 首页</div>出错了</html>".encode(),
            "text/html",
            "http://x/a.html",
            "error_page",
        ),
        (
            f"<html><title>{REPORT}</title><p>一、总体情况</p></html>".encode(),
            "text/html",
            "http://x/a.html",
            None,
        ),
        (b"%PDF-1.7 ...", "application/pdf", "http://x/download?id=1", None),
    ],
)
def test_not_a_report(content: bytes, media_type: str, url: str, code: str | None) -> None:
    reason = not_a_report(content, media_type, _link(url))
    assert (reason.split(":", 1)[0] if reason else None) == code


def test_listing_parse_reads_hanweb_datastores_trs_pagination_and_viewers() -> None:
    hanweb_page = (
        '<html><body><script type="text/xml"><datastore><recordset><record><![CDATA[<li><a href="/art/1.html" '
        f'title="{REPORT}">淮安市洪泽区…</a></li>]]></record></recordset></datastore></script>'
        '<iframe src="/pdfjs/web/viewer.html?file=%2Fpicture%2F0%2Fr.pdf"></iframe>'
        '<a href="list_2.html">下一页</a></body></html>'
    )
    family, listing = read_listing(hanweb_page, "http://x.gov.cn/col/col1/index.html")
    assert family == "hanweb"
    assert [(a.url, a.title) for a in listing.items] == [("http://x.gov.cn/art/1.html", REPORT)]
    assert listing.pages == ["http://x.gov.cn/col/col1/list_2.html"]
    page = Page.parse(hanweb_page, "http://x.gov.cn/col/col1/index.html")
    assert [document_url(a) for a in embedded(page)] == ["http://x.gov.cn/picture/0/r.pdf"]
    family, listing = read_listing(
        '<html><body><script>createPageHTML(3, 0, "index", "html");</script></body></html>',
        "http://x.gov.cn/news/index.html",
    )
    assert family == "trs"
    assert listing.pages == ["http://x.gov.cn/news/index_1.html", "http://x.gov.cn/news/index_2.html"]


@pytest.mark.parametrize(
    ("url", "text", "document"),
    [
        ("http://x/files/r.PDF", "", "http://x/files/r.PDF"),
        ("http://x/files/r.wps", "", "http://x/files/r.wps"),
        ("http://x/download.jsp?id=7", "2023年报.docx", "http://x/download.jsp?id=7"),
        ("http://x/art/2023.html", "2023年报", None),
    ],
)
def test_document_urls(url: str, text: str, document: str | None) -> None:
    assert document_url(Link(url, text)) == document


def test_host_gate_spaces_requests_and_caps_concurrency() -> None:
    gate = HostGate(rate=20.0, concurrency=2)
    in_flight, peak, starts = 0, 0, []
    lock = threading.Lock()

    def work() -> None:
        nonlocal in_flight, peak
        with gate:
            with lock:
                in_flight += 1
                peak = max(peak, in_flight)
                starts.append(time.monotonic())
            time.sleep(0.05)
            with lock:
                in_flight -= 1

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    starts.sort()
    assert peak == 2
    assert starts[-1] - starts[0] >= 7 * 0.05 * 0.9  # 20/s: one start every 50 ms


def test_host_gate_defer_holds_every_caller() -> None:
    gate = HostGate(rate=1000.0, concurrency=4)
    gate.defer(0.3)
    started = time.monotonic()
    with gate:
        pass
    assert time.monotonic() - started >= 0.25
