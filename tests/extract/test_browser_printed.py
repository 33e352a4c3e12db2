"""CMS pages printed to PDF by a browser (headless Chromium), committed with the values they print
(scripts/make_browser_pdfs.py): every cell reads back exactly. A browser leaves a row cut by the page break
open, its rulings stopping at the page's edge on both pages; the row's cells are read as cells and its two
pieces joined, where before its label and numbers fell out of the table as loose lines."""

from __future__ import annotations

import json
import logging
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from gongkai import forms
from gongkai.extract import extract_bytes
from gongkai.model import Report, Table
from gongkai.pipeline import parse_bytes
from gongkai.synth_files import score

FIXTURES = Path(__file__).parents[1] / "fixtures" / "browser_printed"
PRINTED = sorted(p for p in FIXTURES.glob("*.pdf") if ".wide" not in p.name and ".narrow" not in p.name)
WIDE = sorted(FIXTURES.glob("*.wide*.pdf"))
NARROW = sorted(FIXTURES.glob("*.narrow*.pdf"))
REAL_PDFS = sorted(
    p
    for p in Path(__file__).parents[1].joinpath("fixtures").rglob("*.pdf")
    if not {"scanned", "scanned_roundtrip", "hostile", "pictures", "pictures_roundtrip", "pictured_docs"}
    & set(p.parent.parts)
    and ".narrow" not in p.name
)


def _read_back(path: Path) -> tuple[Report, Counter[str], dict[str, Any]]:
    """The report parsed from a fixture, its cells scored against the values it prints, and those."""
    expected = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    report = parse_bytes(path.read_bytes(), "r.pdf")
    return report, score(report, expected["cells"], expected["form_version"]), expected


def test_there_are_browser_printed_pages_of_both_forms() -> None:
    forms = {json.loads(p.with_suffix(".json").read_text(encoding="utf-8"))["form_version"] for p in PRINTED}
    assert forms == {"f2019", "f2021"}


@pytest.mark.parametrize("path", PRINTED, ids=lambda p: p.name)
def test_a_browser_printed_page_reads_back_exactly(path: Path) -> None:
    report, counts, expected = _read_back(path)
    assert report.form_version == expected["form_version"]
    assert counts["exact"] == len(expected["cells"]), counts
    # nothing said of a page that fits its paper (table_past_page_edge, text_crosses_ruling among them)
    assert [p.code for p in report.problems if p.severity != "info"] == []


def test_a_row_cut_by_the_page_break_is_one_row_with_its_whole_label() -> None:
    document = extract_bytes((FIXTURES / "seed1-report6.utf-8.pdf").read_bytes(), "r.pdf")
    applications = [b for b in document.blocks if isinstance(b, Table) and b.pages]
    assert len(applications) == 1  # 表三's part on page 2 and its rest on page 3, joined
    labels = [cell.text for row in applications[0].rows for cell in row]
    fee = "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"
    assert fee in labels
    row = next(r for r in applications[0].rows if any(c.text == fee for c in r))
    assert [c.text for c in row][-7:] == ["0", "2178", "0", "0件", "0", "0", "2178"]
    assert "公开申请" not in labels  # the cut-off tail is no row of its own
    # nothing of the table is left outside it as loose lines
    loose = [b.text for b in document.blocks if not isinstance(b, Table)]
    assert not any("2178" in text or "缴纳" in text for text in loose), loose


def test_reading_a_browser_printed_pdf_logs_no_pdfminer_warnings(caplog: pytest.LogCaptureFixture) -> None:
    # its fonts lack a FontBBox: pdfminer warned dozens of times a page, about nothing a reader can act on
    from gongkai.extract.pdf import extract_pdf  # in this process (extract_bytes reads it in a child)

    with caplog.at_level(logging.WARNING):
        document = extract_pdf((FIXTURES / "seed1-report1.gb2312.stamped.pdf").read_bytes())
    assert len(document.tables) >= 3
    assert [r for r in caplog.records if r.name.startswith("pdfminer")] == []


@pytest.mark.parametrize("path", WIDE, ids=lambda p: p.name)
def test_a_page_wider_than_the_paper_says_its_columns_were_cut_off(path: Path) -> None:
    # the browser printed the tables' left part and cut the rest: the cells there are missing, and the
    # report says why, besides the rows that no longer fit the grid
    report, counts, _ = _read_back(path)
    assert counts["silent"] == 0, counts
    assert counts["flagged"] > 0
    cut = [p for p in report.problems if p.code == "table_past_page_edge"]
    assert cut and cut[0].severity == "warning" and "printed to fit" in cut[0].message


@pytest.mark.parametrize("path", NARROW, ids=lambda p: p.name)
def test_numbers_printed_across_their_rulings_are_null_and_flagged(path: Path) -> None:
    # columns fixed too narrow: '13660' printed over the ruling into the next cell, its digits split
    # between two cells by where they fall. Every number of such a row is in doubt: null, flagged
    report, counts, _ = _read_back(path)
    assert counts["silent"] == 0, counts
    crossed = [c for c in report.applications.values() if "text_crosses_ruling" in c.flags]
    assert len(crossed) >= 7 and all(c.value is None for c in crossed)
    new_requests = [report.applications[("new_requests", k)] for k in forms.APPLICANT_KEYS]
    assert all("text_crosses_ruling" in c.flags for c in new_requests if c.raw)  # 13660 8020 4001 … 40815


def test_no_real_pdf_has_a_number_said_to_cross_its_ruling() -> None:
    # bold type drawn twice a hair apart, glyphs reaching a little into a cell's padding: no crossing
    from gongkai.extract.pdf import extract_pdf
    from gongkai.values import CROSSED

    assert len(REAL_PDFS) >= 10
    for path in REAL_PDFS:
        tables = extract_pdf(path.read_bytes()).tables
        assert not any(c.text == CROSSED for t in tables for r in t.rows for c in r), path.name
