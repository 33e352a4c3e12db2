"""Word and PDF reports whose tables are pictures (a screenshot of each table pasted into the Word file, and
that file exported to PDF): the pictures are read by OCR where they stand, every value flagged ocr, and no
cell may be silently wrong. Committed from the round-trip harness's docx_pictures / pdf_pictures formats
(scripts/make_pictured_docs.py), so this runs without LibreOffice. A photo in the flow adds nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gongkai.extract import extract_bytes
from gongkai.model import Paragraph, Table
from gongkai.parse import parse_document
from gongkai.synth_files import score

FIXTURES = Path(__file__).parents[1] / "fixtures" / "pictured_docs"
REPORTS = sorted(p for p in FIXTURES.glob("seed*") if p.suffix in (".docx", ".pdf"))


def test_there_are_pictured_reports_of_both_forms_and_formats() -> None:
    assert {p.suffix for p in REPORTS} == {".docx", ".pdf"}
    forms = {json.loads(p.with_suffix(".json").read_text(encoding="utf-8"))["form_version"] for p in REPORTS}
    assert forms == {"f2019", "f2021"}


@pytest.mark.ocr
@pytest.mark.parametrize("path", REPORTS, ids=lambda p: p.name)
def test_tables_pasted_as_pictures_read_back_with_no_silent_wrong_cell(path: Path) -> None:
    expected = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    document = extract_bytes(path.read_bytes(), path.name)
    tables = [b for b in document.blocks if isinstance(b, Table)]
    # 表二, 表三 (two pictures joined), 表四
    assert len(tables) == 3 and all(t.source == "ocr" for t in tables)
    assert any(p.code == "ocr_pictures" for p in document.problems)
    report = parse_document(document)
    assert report.form_version == expected["form_version"]
    counts = score(report, expected["cells"], expected["form_version"])
    assert counts["exact"] + counts["flagged"] + counts["silent"] == len(expected["cells"])
    assert counts["silent"] == 0, counts
    assert counts["exact"] >= 0.95 * len(expected["cells"]), counts
    values = [v for table in (report.active_disclosure, report.applications) for v in table.values()]
    assert values and all("ocr" in v.flags for v in values if v.value is not None)


@pytest.mark.ocr
@pytest.mark.parametrize("name", ["photo.docx", "photo.pdf"])
def test_a_photo_in_the_flow_adds_nothing(name: str) -> None:
    document = extract_bytes((FIXTURES / name).read_bytes(), name)
    # the text as written (the PDF wraps the long line), and nothing else: no words read from the photo
    assert "".join(b.text for b in document.blocks if isinstance(b, Paragraph)) == (
        "某某局2023年政府信息公开工作年度报告一、总体情况"
        "2023年，我局认真贯彻落实《中华人民共和国政府信息公开条例》，全面推进政务公开工作。"
    )
    assert all(b.source == "text" and type(b) is Paragraph for b in document.blocks)
    read = next(p for p in document.problems if p.code == "ocr_pictures")
    assert "no table in" in read.message and "tables read" not in read.message
