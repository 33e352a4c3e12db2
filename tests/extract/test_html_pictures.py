"""A CMS page that shows its tables as pictures says so: the missing tables are errors, and the
pictures are named so a person knows to look for the PDF or Word attachment. Saved with its pictures (an
MHTML document, what fetch archives for such a page, or a browser's "web page, single file"), the pictures
are read by OCR where they stand. Fixtures: tests/fixtures/pictures/."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from gongkai.cli import main
from gongkai.extract import READABLE_SUFFIXES, extract_bytes
from gongkai.extract.mhtml import read_bundle, write_bundle
from gongkai.extract.pictures import picture_source, resolve
from gongkai.extract.sniff import looks_like_mhtml, sniff_media_type
from gongkai.pipeline import parse_bytes

PAGE = Path(__file__).parents[1] / "fixtures" / "corpus" / "003_03c3a6963c974949.utf8.html"


def test_tables_shown_as_pictures_are_named_and_the_tables_are_missing() -> None:
    count = iter(range(1, 10))
    page = re.sub(
        r"<table.*?</table>",
        lambda _: f'<p><img src="/uploads/2024/01/table{next(count)}.png?v=2" width="600"></p>',
        PAGE.read_text(encoding="utf-8"),
        flags=re.S,
    )
    report = parse_bytes(page.encode("utf-8"), "r.html", budget=False)
    pictures = [p for p in report.problems if p.code == "page_pictures"]
    assert len(pictures) == 1 and pictures[0].severity == "info"
    assert (
        "3 picture(s)" in pictures[0].message and "table1.png, table2.png, table3.png" in pictures[0].message
    )
    missing = {p.where for p in report.problems if p.code == "national_table_missing"}
    assert missing == {"active_disclosure", "applications", "review_litigation"}


def test_a_page_with_its_tables_has_no_picture_note() -> None:
    report = parse_bytes(PAGE.read_bytes(), "r.html", budget=False)
    assert not [p for p in report.problems if p.code == "page_pictures"]


# ---------------------------------------------------------------- saved pages (MHTML) and their pictures

PICTURES = Path(__file__).parents[1] / "fixtures" / "pictures"
PAGE_URL = "http://www.example.gov.cn/art/2021/1/19/art_1.html"


def _bundle(names: list[str], page: bytes | None = None) -> bytes:
    page = page if page is not None else (PICTURES / "001-pictures.html").read_bytes()
    where = {
        "001-table1.png": "http://www.example.gov.cn/uploads/2021/01/001-table1.png",
        "001-table2.png": "http://www.example.gov.cn/art/2021/1/uploads/2021/01/001-table2.png",
        "001-table3.png": "http://www.example.gov.cn/uploads/2021/01/001-table3.png",
        "photo.jpg": "http://www.example.gov.cn/uploads/2021/01/photo.jpg",
    }
    resources = [
        (where[n], "image/png" if n.endswith(".png") else "image/jpeg", (PICTURES / n).read_bytes())
        for n in names
    ]
    return write_bundle(page, PAGE_URL, resources, "text/html; charset=utf-8")


def test_a_saved_page_round_trips_byte_for_byte_and_is_told_by_its_bytes() -> None:
    data = _bundle(["001-table1.png", "photo.jpg"])
    assert data == _bundle(["001-table1.png", "photo.jpg"])  # deterministic: the same content, the same hash
    assert (
        sniff_media_type(data) == "multipart/related"
        and sniff_media_type(data, "x.txt") == "multipart/related"
    )
    bundle = read_bundle(data)
    assert bundle is not None
    assert bundle.html == (PICTURES / "001-pictures.html").read_bytes() and bundle.url == PAGE_URL
    assert bundle.resources == {
        "http://www.example.gov.cn/uploads/2021/01/001-table1.png": (
            PICTURES / "001-table1.png"
        ).read_bytes(),
        "http://www.example.gov.cn/uploads/2021/01/photo.jpg": (PICTURES / "photo.jpg").read_bytes(),
    }
    assert ".mht" in READABLE_SUFFIXES and ".mhtml" in READABLE_SUFFIXES


def test_a_browser_saved_page_is_read() -> None:
    """What Chrome writes ("Save as: web page, single file"): headers first, the page in quoted-printable."""
    page = (
        "<html><head><title>=E5=B9=B4=E5=BA=A6=E6=8A=A5=E5=91=8A</title></head><body><p>=E6=9C=AC=E5=B9=B4"
        "</p></body></html>"
    )
    data = (
        "From: <Saved by Blink>\r\nSnapshot-Content-Location: http://x.gov.cn/a.html\r\nSubject: =?utf-8?Q?x?=\r\n"
        "Date: Mon, 20 Jan 2025 08:00:00 -0000\r\nMIME-Version: 1.0\r\nContent-Type: multipart/related;\r\n"
        '\ttype="text/html";\r\n\tboundary="----MultipartBoundary--abc----"\r\n\r\n\r\n'
        "------MultipartBoundary--abc----\r\nContent-Type: text/html\r\nContent-ID: <frame-1@mhtml.blink>\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\nContent-Location: http://x.gov.cn/a.html\r\n\r\n"
        f"{page}\r\n------MultipartBoundary--abc------\r\n"
    ).encode("ascii")
    assert sniff_media_type(data) == "multipart/related"
    document = extract_bytes(data)
    assert document.media_type == "multipart/related" and document.text().split("\n") == ["年度报告", "本年"]


def test_text_that_speaks_of_mime_is_not_a_saved_page() -> None:
    text = "本报告说明：\nContent-Type: multipart/related 是一种格式。\n\n一、总体情况".encode()
    assert sniff_media_type(text) == "text/plain"
    assert not looks_like_mhtml(b"Subject: x\r\nContent-Type: text/html\r\n\r\n<html>")


def test_picture_addresses_resolve_against_the_page() -> None:
    assert resolve("t.png", PAGE_URL) == "http://www.example.gov.cn/art/2021/1/19/t.png"
    assert resolve("../../up/t.png#x", PAGE_URL) == "http://www.example.gov.cn/art/2021/up/t.png"
    assert resolve("//cdn.example.com/t.png", PAGE_URL) == "http://cdn.example.com/t.png"
    assert resolve("data:image/png;base64,AAAA", PAGE_URL) is None
    assert resolve("javascript:void(0)", PAGE_URL) is None
    from lxml import html

    img = html.fragment_fromstring('<img data-src="/real.png" src="/loading.gif">')
    assert picture_source(img) == ["/real.png", "/loading.gif"]  # lazy loading: the real picture first


def test_a_page_with_a_photo_only_is_read_as_without_it() -> None:
    """A picture that holds no table adds nothing: the outcome is the bare page's."""
    page = PAGE.read_bytes().replace(b"<h1>", b'<p><img src="/uploads/2021/01/photo.jpg"></p><h1>', 1)
    bare = parse_bytes(PAGE.read_bytes(), "r.html", budget=False)
    saved = parse_bytes(_bundle(["photo.jpg"], page), "r.mht", budget=False)
    assert saved.applications == bare.applications and saved.review_litigation == bare.review_litigation
    assert saved.active_disclosure == bare.active_disclosure
    assert {p.code for p in saved.problems} - {p.code for p in bare.problems} <= {
        "ocr_pictures",
        "picture_unreadable",
    }


def test_a_picture_not_in_the_saved_page_is_named() -> None:
    document = extract_bytes(_bundle([]))
    missing = [p for p in document.problems if p.code == "picture_missing"]
    assert (
        len(missing) == 1 and "4 picture(s)" in missing[0].message and "001-table1.png" in missing[0].message
    )
    assert not document.tables


@pytest.mark.ocr
def test_gongkai_parse_reads_a_saved_page_and_its_table_picture(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "page.mht"
    path.write_bytes(_bundle(["001-table3.png"]))  # 表四 as a picture (the others missing: said so)
    assert main(["parse", "--json", str(path)]) == 0
    report = json.loads(capsys.readouterr().out.splitlines()[0])
    review = report["review_litigation"]
    assert len(review) == 15 and all(c["value"] == 0 and "ocr" in c["flags"] for c in review), review
    codes = {p["code"] for p in report["problems"]}
    assert {"ocr_pictures", "picture_missing"} <= codes
