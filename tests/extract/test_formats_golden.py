"""Every format agencies publish parses to its golden values: the seeds rendered as CMS pages (UTF-8 and
GBK), DOCX with merged cells and PDF made by LibreOffice; and the three real PDFs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from gongkai.extract import EXTRACTOR_VERSION, extract_bytes
from gongkai.golden import differences
from gongkai.pipeline import parse_bytes

FIXTURES = Path(__file__).parents[1] / "fixtures"
CORPUS = sorted(p for p in (FIXTURES / "corpus").iterdir() if p.suffix != ".json")
REAL = sorted((FIXTURES / "real").glob("*.pdf"))


def test_the_corpus_has_every_format_for_every_seed() -> None:
    suffixes = sorted({"".join(p.suffixes) for p in CORPUS})
    assert suffixes == [".docx", ".gbk.html", ".pdf", ".utf8.html"]
    assert len(CORPUS) == 5 * 4 and len(REAL) == 3


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name)
def test_fixture_parses_exactly(path: Path) -> None:
    expected = json.loads((path.parent / f"{path.name.split('.')[0]}.json").read_text(encoding="utf-8"))
    report = parse_bytes(path.read_bytes(), path.name)
    assert differences(report, expected) == []
    assert not [p for p in report.problems if p.severity == "error"]


@pytest.mark.parametrize("path", REAL, ids=lambda p: p.stem)
def test_real_pdf_parses_exactly(path: Path) -> None:
    expected = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    report = parse_bytes(path.read_bytes(), path.name)
    assert report.media_type == "application/pdf" and report.extractor == f"pdf@{EXTRACTOR_VERSION}"
    assert differences(report, expected) == []


def test_a_table_split_by_a_page_break_is_joined() -> None:
    document = extract_bytes((FIXTURES / "real" / "huaian-2024.pdf").read_bytes())
    joined = [t for t in document.tables if t.pages]
    assert joined, "表三 of huaian-2024 crosses the page 4/5 break"
    assert any("本年新收" in c.text for t in joined for row in t.rows for c in row)


def test_gbk_page_declared_gb2312_is_not_cut_short() -> None:
    data = (FIXTURES / "corpus" / "003_03c3a6963c974949.gbk.html").read_bytes()
    assert b"charset=gb2312" in data
    document = extract_bytes(data)
    assert any("张喆" in getattr(b, "text", "") for b in document.blocks)  # 喆 is GBK-only
    assert not any(
        "导航" in getattr(b, "text", "") or "版权所有" in getattr(b, "text", "") for b in document.blocks
    )


def test_html_spans_become_grid_spans() -> None:
    document = extract_bytes((FIXTURES / "corpus" / "000_79fb0eaf2da186ab.utf8.html").read_bytes())
    spans = {(c.text, c.row_span, c.col_span) for t in document.tables for row in t.rows for c in row}
    assert ("申请人情况", 1, 7) in spans and ("（三）不予公开", 8, 1) in spans


def test_docx_merged_cells_become_spans() -> None:
    document = extract_bytes((FIXTURES / "corpus" / "000_79fb0eaf2da186ab.docx").read_bytes())
    spans = {(c.text, c.row_span, c.col_span) for t in document.tables for row in t.rows for c in row}
    assert ("申请人情况", 1, 7) in spans and ("（三）不予公开", 8, 1) in spans


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is installed by .ci/run")
def test_doc_is_converted_with_libreoffice(tmp_path: Path) -> None:
    import subprocess

    source = FIXTURES / "corpus" / "001_88afcdf2753bf816.docx"
    subprocess.run(
        [
            "soffice",
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/p",
            "--convert-to",
            "doc",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    doc = (tmp_path / f"{source.stem}.doc").read_bytes()
    report = parse_bytes(doc, "report.doc")
    expected = json.loads((FIXTURES / "corpus" / "001_88afcdf2753bf816.json").read_text(encoding="utf-8"))
    assert report.media_type == "application/msword" and report.extractor == f"office@{EXTRACTOR_VERSION}"
    assert differences(report, expected) == []


SEED_TEXT = sorted((FIXTURES / "seeds").glob("*.txt"))


@pytest.mark.parametrize("encoding", ["gb18030", "utf-16", "utf-16-be", "utf-32", "utf-8-sig-crlf"])
def test_text_and_pages_in_any_windows_encoding_parse_exactly(encoding: str) -> None:
    # Notepad's "Unicode" is UTF-16 with a byte-order mark: its NUL bytes must not read as binary
    for path in [*SEED_TEXT, *(FIXTURES / "corpus").glob("*.utf8.html")]:
        text = path.read_text(encoding="utf-8")
        if encoding == "utf-8-sig-crlf":
            data = text.replace("\n", "\r\n").encode("utf-8-sig")
        elif encoding == "utf-16-be":
            data = b"\xfe\xff" + text.encode("utf-16-be")
        else:
            data = text.encode(encoding)
        expected = json.loads(
            (FIXTURES / "corpus" / f"{path.name.split('.')[0]}.json").read_text(encoding="utf-8")
        )
        report = parse_bytes(data, path.name)
        assert report.media_type == ("text/html" if path.suffix == ".html" else "text/plain"), path.name
        assert differences(report, expected) == [], path.name


UNRULED = sorted((FIXTURES / "unruled").glob("*.pdf"))


def _unruled_report(path: Path) -> tuple[list[str], int]:
    expected = json.loads((FIXTURES / "corpus" / f"{path.stem}.json").read_text(encoding="utf-8"))
    report = parse_bytes(path.read_bytes(), path.name)
    assert (report.form_version, report.report_year) == (expected["form_version"], expected["report_year"])
    cells = len(report.active_disclosure) + len(report.applications) + len(report.review_litigation)
    return differences(report, expected), cells


@pytest.mark.parametrize("path", UNRULED, ids=lambda p: p.name)
def test_pdf_table_without_rulings_gives_no_wrong_number(path: Path) -> None:
    # tables drawn without lines are read from the page laid out in columns; a cell it cannot place is null
    diffs, _ = _unruled_report(path)
    assert all(": got None," in d for d in diffs), diffs


def test_pdf_tables_without_rulings_are_read_nearly_whole() -> None:
    assert len(UNRULED) == 5
    results = [_unruled_report(path) for path in UNRULED]
    missing = sum(len(diffs) for diffs, _ in results)
    assert sum(1 for diffs, _ in results if not diffs) >= 4
    assert 1 - missing / sum(cells for _, cells in results) >= 0.99


def _markdown_with_html_tables(page: Path) -> str:
    """What a PDF-to-Markdown converter writes: paragraphs as lines, tables left as HTML — after a
    long 总体情况, so the first <table> is far from the start."""
    from lxml import etree, html

    article = html.fromstring(page.read_text(encoding="utf-8")).find_class("article")[0]
    lines = [
        "一、总体情况",
        "本机关认真贯彻落实《中华人民共和国政府信息公开条例》，扎实推进政务公开工作。" * 20,
    ]
    for child in article:
        if child.tag == "table":
            lines.append(etree.tostring(child, encoding="unicode", with_tail=False))
        else:
            lines.insert(0 if child.tag == "h1" else len(lines), child.text_content().strip())
    return "\n\n".join(lines)


@pytest.mark.parametrize("page", sorted((FIXTURES / "corpus").glob("*.utf8.html")), ids=lambda p: p.name)
def test_markdown_with_html_tables_parses_exactly(page: Path) -> None:
    markdown = _markdown_with_html_tables(page)
    assert markdown.encode("utf-8").index(b"<table") > 1024  # beyond where a page's tags would be seen
    expected = json.loads(
        (FIXTURES / "corpus" / f"{page.name.split('.')[0]}.json").read_text(encoding="utf-8")
    )
    report = parse_bytes(markdown.encode("utf-8"), page.name.replace(".utf8.html", ".md"))
    assert report.media_type == "text/markdown"
    assert differences(report, expected) == []
