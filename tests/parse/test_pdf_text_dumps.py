"""The real PDF reports as seven common PDF-to-text tools dump them (gongkai.text_dumps): cells in the
order each tool reads them — rows with wrapped labels, a column at a time, runs of labels then runs of
numbers. Whatever the parser cannot place it flags; no cell is silently wrong. The exact share is held
where it stands (benchmarks/text_dumps.py prints the table)."""

from __future__ import annotations

from collections import Counter

import pytest

from benchmarks.text_dumps import real_pdfs, score_dump
from gongkai.text_dumps import DUMPS

# the share of cells read exactly today: a change that reads fewer fails here
EXACT_AT_LEAST = {
    "pdftotext": 0.36,
    "pdftotext_raw": 0.45,
    "pdftotext_layout": 0.95,
    "pdfminer": 0.25,
    "pypdf": 0.45,
    "pdfplumber": 0.40,
    "pdfplumber_layout": 0.95,
}


def test_every_tool_has_a_floor() -> None:
    assert set(EXACT_AT_LEAST) == set(DUMPS)
    assert len(real_pdfs()) == 8


@pytest.mark.parametrize("tool", sorted(DUMPS))
def test_a_text_dump_of_a_real_pdf_is_never_silently_wrong(tool: str) -> None:
    total: Counter[str] = Counter()
    for pdf in real_pdfs():
        counts = score_dump(tool, pdf)
        assert counts["silent"] == 0, (pdf.name, dict(counts))
        total += counts
    assert total["exact"] >= EXACT_AT_LEAST[tool] * sum(total.values()), dict(total)


def test_labels_stacked_before_their_numbers_are_read_only_one_way() -> None:
    """pdfminer prints 表二's label column, then its numbers a column at a time: 行政处罚 行政强制 2776 84
    reads one way (one number each); 规章 行政规范性文件 0 3 0 0 0 8 reads two ways (by rows: 0 3 0 / 0 0 8,
    by columns: 0 0 0 / 3 0 8), so those cells are null and flagged, never guessed."""
    from gongkai.pipeline import parse_bytes

    pdf = next(p for p in real_pdfs() if p.stem == "hongze-2024")
    report = parse_bytes(DUMPS["pdfminer"](pdf).encode("utf-8"), "hongze-2024.txt")
    active = report.active_disclosure
    assert active[("administrative_penalty", "decisions")].value == 2776
    assert active[("administrative_coercion", "decisions")].value == 84
    for item in ("rules", "normative_documents"):
        for metric in ("issued", "repealed", "in_force"):
            assert active[(item, metric)].value is None
            assert "stacked_rows_ambiguous" in active[(item, metric)].flags
    assert [p.code for p in report.problems if p.code == "stacked_rows_ambiguous"] == [
        "stacked_rows_ambiguous"
    ]
