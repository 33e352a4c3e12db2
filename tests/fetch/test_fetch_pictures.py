"""A report page whose tables are pictures is fetched with its pictures, over real HTTP on 127.0.0.1, and
archived as one MHTML document that parses to the report's values, every one flagged ``ocr``.
Fixtures: tests/fixtures/pictures/ (scripts/make_table_pictures.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from gongkai.extract.mhtml import read_bundle
from gongkai.extract.sniff import sniff_media_type
from gongkai.fetch import FetchResult, PoliteSession, ReportLink, fetch_document
from gongkai.fetch.pictures import national_tables, pictures_to_fetch
from gongkai.fetch.portal import Portal, Resource
from gongkai.golden import differences
from gongkai.lake.raw import read_raw
from gongkai.lake.store import Store
from gongkai.lake.writer import write_lineage
from gongkai.pipeline import parse_bytes
from gongkai.pipeline.plan import plan
from gongkai.pipeline.record import DocumentRecord, Prior

FIXTURES = Path(__file__).parents[1] / "fixtures"
PICTURES = FIXTURES / "pictures"
GOLDEN = json.loads((FIXTURES / "corpus" / "001_88afcdf2753bf816.json").read_text(encoding="utf-8"))
ARTICLE = "/bengbu-bengshan-dpf/art/2020-pictures.html"
# where the page's <img> elements point, resolved against ARTICLE (an absolute path, ../, a data-src)
SERVED = {
    "/uploads/2021/01/001-table1.png": "001-table1.png",
    "/bengbu-bengshan-dpf/uploads/2021/01/001-table2.png": "001-table2.png",
    "/uploads/2021/01/001-table3.png": "001-table3.png",
    "/uploads/2021/01/photo.jpg": "photo.jpg",
}

Session = Callable[..., PoliteSession]


def _publish(portal: Portal, page: bytes | None = None, etag: bool = True) -> ReportLink:
    page = page if page is not None else (PICTURES / "001-pictures.html").read_bytes()
    portal.site.files[ARTICLE] = Resource(page, "text/html; charset=utf-8", etag)
    for path, name in SERVED.items():
        kind = "image/png" if name.endswith(".png") else "image/jpeg"
        portal.site.files[path] = Resource((PICTURES / name).read_bytes(), kind, etag)
    return ReportLink(f"{portal.base_url}{ARTICLE}", "bengbu-bengshan-dpf", 2020, "t", "page")


def _prior(store: Store, link: ReportLink, *results: FetchResult) -> Prior | None:
    write_lineage(store, [r.event for r in results])
    return plan([DocumentRecord(link.agency, link.year, link.url, link=link)], store.uri)[0].prior


@pytest.mark.ocr
def test_a_page_of_table_pictures_is_archived_with_them_and_parses_to_the_report(
    portal: Portal, session_for: Session, store: Store
) -> None:
    link = _publish(portal)
    session = session_for(portal)
    first = fetch_document(link, session, store)
    assert first.status == "ok", first.reason
    raw = read_raw(store, first.sha256 or "")
    assert sniff_media_type(raw) == "multipart/related"
    bundle = read_bundle(raw)
    assert bundle is not None and bundle.url == link.url
    assert bundle.html == (PICTURES / "001-pictures.html").read_bytes()  # the page exactly as fetched
    assert {k.replace(portal.base_url, ""): v for k, v in bundle.resources.items()} == {
        path: (PICTURES / name).read_bytes() for path, name in SERVED.items()
    }
    details = first.event.details
    assert details["media_type"] == "multipart/related" and len(details["pictures"]) == 4
    assert portal.site.hits.get("/images/loading.gif") is None  # the lazy placeholder is not fetched

    report = parse_bytes(raw, "page.mht")
    cell_diffs = differences(report, GOLDEN)
    # figures: exact / flagged null / wrong (tests/fixtures/pictures/README.md)
    cells = [
        *report.active_disclosure.values(),
        *report.applications.values(),
        *report.review_litigation.values(),
    ]
    print(f"cells {len(cells)}, differing {len(cell_diffs)}: {cell_diffs}")
    assert all(": got None," in d for d in cell_diffs), cell_diffs  # never a wrong number
    assert len(cell_diffs) <= 4
    assert all("ocr" in c.flags for c in cells if c.raw)
    codes = {p.code for p in report.problems}
    assert "ocr_pictures" in codes and "national_table_missing" not in codes
    ocr_note = next(p for p in report.problems if p.code == "ocr_pictures")
    assert "no table in photo.jpg" in ocr_note.message

    # fetched again: the server's 304 keeps it unchanged, no picture is asked again
    second = fetch_document(link, session, store, _prior(store, link, first))
    assert (second.status, second.sha256) == ("unchanged", first.sha256)
    assert all(portal.site.bodies[path] == 1 for path in SERVED)


def test_without_validators_an_unchanged_page_is_unchanged_and_its_pictures_not_fetched_again(
    portal: Portal, session_for: Session, store: Store
) -> None:
    link = _publish(portal, etag=False)
    session = session_for(portal)
    first = fetch_document(link, session, store)
    prior = _prior(store, link, first)
    assert prior is not None
    second = fetch_document(link, session, store, replace(prior, etag=None, last_modified=None))
    assert (second.status, second.sha256, second.event.details["http_status"]) == (
        "unchanged",
        first.sha256,
        200,
    )
    assert portal.site.bodies[ARTICLE] == 2 and all(portal.site.bodies[path] == 1 for path in SERVED)
    # the same page and pictures make the same bundle: its hash is stable
    third = fetch_document(link, session, store)
    assert (third.status, third.sha256) == ("ok", first.sha256) and third.event.details["already_archived"]


def test_a_picture_that_cannot_be_had_is_noted_and_the_bundle_still_made(
    portal: Portal, session_for: Session, store: Store
) -> None:
    link = _publish(portal)
    del portal.site.files["/uploads/2021/01/001-table3.png"]
    portal.site.files["/uploads/2021/01/photo.jpg"] = Resource(b"<html>not here</html>", "text/html")
    result = fetch_document(link, session_for(portal), store)
    assert result.status == "ok"
    details = result.event.details
    assert sorted(details["pictures_failed"]) == [
        f"{portal.base_url}/uploads/2021/01/001-table3.png: http_404",
        f"{portal.base_url}/uploads/2021/01/photo.jpg: not a picture (text/html)",
    ]
    bundle = read_bundle(read_raw(store, result.sha256 or ""))
    assert bundle is not None and len(bundle.resources) == 2


def test_a_page_with_its_tables_as_html_is_archived_as_fetched(
    portal: Portal, session_for: Session, store: Store
) -> None:
    page = (FIXTURES / "corpus" / "001_88afcdf2753bf816.utf8.html").read_bytes()
    page = page.replace(b"<h1>", b'<p><img src="/uploads/2021/01/photo.jpg"></p><h1>', 1)
    link = _publish(portal, page)
    result = fetch_document(link, session_for(portal), store)
    assert result.status == "ok" and read_raw(store, result.sha256 or "") == page
    assert "pictures" not in result.event.details
    assert portal.site.hits.get("/uploads/2021/01/photo.jpg") is None


def test_which_pictures_are_fetched() -> None:
    page = (
        '<html><body><div class="nav"><img src="/logo.png"></div><div class="article">'
        "<p>2023年政府信息公开工作年度报告</p>"
        '<p><img src="t1.png"></p><p><img data-src="/up/t2.png" src="/images/loading.gif"></p>'
        '<p><img src="http://cdn.example.com/t3.png"></p><p><img src="data:image/png;base64,AAAA"></p>'
        '<p><img src="t1.png#again"></p></div></body></html>'
    ).encode()
    found = pictures_to_fetch(page, "http://www.example.gov.cn/art/2024/1.html", 2023)
    assert found is not None
    # relative to the page, data-src before a placeholder src, each once; the site's chrome left out
    assert found.wanted == [
        "http://www.example.gov.cn/art/2024/t1.png",
        "http://www.example.gov.cn/up/t2.png",
    ]
    assert found.refused == ["http://cdn.example.com/t3.png: on another host than the page (cdn.example.com)"]
    assert (
        pictures_to_fetch(page, "http://www.example.gov.cn/art/2024/1.html", 2017) is None
    )  # no tables then


def test_the_national_tables_are_told_by_their_labels() -> None:
    from gongkai.extract.html import content_tables

    _, tables = content_tables((FIXTURES / "corpus" / "001_88afcdf2753bf816.utf8.html").read_bytes())
    assert national_tables(tables) == {"active_disclosure", "applications", "review_litigation"}
    _, tables = content_tables((PICTURES / "001-pictures.html").read_bytes())
    assert national_tables(tables) == set()
