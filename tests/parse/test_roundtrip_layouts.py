"""Fast subset of the round-trip harness for the publishers' layouts of gongkai/synth_layouts.py: a CMS page
with the report's tables nested in a layout table and <p>/<br> in cells, grid-table Markdown, a text dump
with one cell per line and the empty cells gone, and (slow: LibreOffice) PDFs with no ruling lines and
with 表三 split over two pages under a repeated header. Each parses back with no silently wrong cell."""

from __future__ import annotations

import random

import pytest

from benchmarks.roundtrip import run
from gongkai import forms
from gongkai.extract import extract_bytes
from gongkai.parse import parse_document
from gongkai.synth_files import consistent_variants
from gongkai.synth_layouts import LAYOUTS, to_cell_lines

# share of cells read exactly (6 reports, seed 3). A dump whose empty cells left no line can place a row's
# numbers only where the column identities leave one placement; a PDF with no rulings places a short row's
# numbers by their position under the fuller rows', and leaves a cell null where that is unclear (99.2 %
# with parser 1.6.2 and extractor 12; 98.0 % before, when a blank row's label ran into the next row's)
FLOOR = {
    "text_cell_lines": 0.96,
    "lines_no_label": 0.94,
    "markdown_grid": 0.99,
    "pdf_unruled": 0.985,
    # parts that LibreOffice also cut by rows, or whose header rows its rulings split otherwise, are not
    # joined: flagged (table_parts_not_joined), not read
    "pdf_columns_split": 0.55,
}


@pytest.mark.parametrize("fmt", list(LAYOUTS))
def test_each_publishers_layout_parses_back_with_no_silent_wrong_cell(fmt: str) -> None:
    counts = run(6, seed=3, formats=[fmt])[fmt]
    cells = counts["exact"] + counts["flagged"] + counts["silent"]
    assert counts["reports"] == 6 and cells > 6 * 190
    assert counts["silent"] == 0, counts
    assert counts["exact"] >= FLOOR.get(fmt, 1.0) * cells, counts


def test_a_row_printed_without_its_empty_cells_is_placed_by_the_column_identities() -> None:
    # the report's first 表三 rows are blank-free, so only the column sums can say where a short row's
    # numbers go: they are taken only where one placement is left, and flagged elsewhere
    synth = consistent_variants(1, 1)[0]
    report = parse_document(extract_bytes(to_cell_lines(synth, random.Random(1000)), "r.txt"))
    assert report.form_version == synth.form
    short = [k for k, v in synth.applications.items() if any(x is None for x in v[:6]) and v[6] is not None]
    assert short, "the fixture must have a row with blank cells"
    for key in short:
        for column, want in zip(forms.APPLICANT_KEYS, synth.applications[key], strict=True):
            cell = report.applications[(key, column)]
            if cell.value is None and want is not None:
                assert "column_inferred" in cell.flags, (key, column)
            else:
                assert cell.value == want, (key, column)


def test_a_label_cell_naming_two_rows_leaves_its_numbers_unplaced() -> None:
    # an unruled PDF ran a blank row's wrapped label into the next row's label cell: the numbers could be
    # either row's, so neither row gets them
    from gongkai.model import Table
    from gongkai.synth import render_document

    synth = consistent_variants(1, 1)[0]
    synth.applications["not_processed_excessive"] = [None] * 7
    document = render_document(synth, random.Random(0))
    table = next(b for b in document.blocks if isinstance(b, Table) and "自然人" in str(b.rows[1][0].text))
    labels = [" ".join(c.text for c in row[:-7]) for row in table.rows]
    blank = next(i for i, text in enumerate(labels) if "大量反复" in text)
    table.rows[blank + 1][-8].text = "大量反复申请4.无正当理由" + table.rows[blank + 1][-8].text
    del table.rows[blank]
    report = parse_document(document)
    for column in forms.APPLICANT_KEYS:
        assert report.applications[("not_processed_excessive", column)].value is None
        assert report.applications[("not_processed_confirmation", column)].value is None
    codes = {(p.code, p.where) for p in report.problems}
    assert ("row_missing", "applications.not_processed_confirmation") in codes
    assert any(code == "row_unplaced" for code, _ in codes)


def test_a_lost_label_under_a_labelled_other_row_is_not_read_as_the_single_other_row() -> None:
    # （六）其他处理 printed as its three rows, 3.其他 blank and its label run into 2.申请人逾期…'s: that row's
    # label names two rows, so it is lost. It is not the single 其他处理 row of the other row set (which left
    # 2. and 3. null with no word: seven silently wrong cells): the table's labels say it prints the three
    from gongkai.model import Table
    from gongkai.synth import render_document
    from gongkai.synth_files import expected_cells, score

    synth = next(s for s in consistent_variants(1, 8) if s.form == "f2021")
    synth.applications["other_other"] = [None] * 7
    document = render_document(synth, random.Random(0))
    table = next(b for b in document.blocks if isinstance(b, Table) and "自然人" in str(b.rows[1][0].text))
    labels = [" ".join(c.text for c in row[:-7]) for row in table.rows]
    fee = next(i for i, text in enumerate(labels) if "缴纳费用" in text)
    assert "3.其他" in labels[fee + 1]
    table.rows[fee][-8].text += table.rows[fee + 1][-8].text
    del table.rows[fee + 1]
    report = parse_document(document)
    assert ("other_handling", "total") not in report.applications
    for key in ("other_overdue_fee", "other_other"):
        assert [report.applications[(key, c)].value for c in forms.APPLICANT_KEYS] == [None] * 7
    codes = {(p.code, p.where) for p in report.problems}
    assert ("row_missing", "applications.other_overdue_fee") in codes and (
        "row_unplaced",
        "applications",
    ) in codes
    assert score(report, expected_cells(synth), synth.form) == {"exact": 193, "flagged": 7}


def test_a_label_cut_by_a_page_break_is_joined_to_its_tail() -> None:
    # a row split over two pages, ruled on both: its numbers under '8.属于行政', the rest of its label
    # ('查询事项', which alone reads as that row) opening the next page on a row of no numbers
    from gongkai.model import Cell, Table
    from gongkai.synth import render_document

    synth = consistent_variants(1, 1)[0]
    document = render_document(synth, random.Random(0))
    table = next(b for b in document.blocks if isinstance(b, Table) and len(b.rows) > 20)
    label = next(
        f"{r.label}" for r in forms.APPLICATION_ROWS[synth.form] if r.key == "denied_administrative_query"
    )
    at = next(i for i, row in enumerate(table.rows) if any(c.text.endswith("属于行政查询事项") for c in row))
    cell = next(c for c in table.rows[at] if c.text.endswith("属于行政查询事项"))
    cell.text = cell.text.removesuffix("查询事项")
    table.rows.insert(at + 1, [Cell(""), Cell("查询事项"), *(Cell("") for _ in range(7))])
    report = parse_document(document)
    assert label.endswith("查询事项")
    assert not [p for p in report.problems if p.code in ("row_unplaced", "row_duplicate")]
    for column, want in zip(
        forms.APPLICANT_KEYS, synth.applications["denied_administrative_query"], strict=True
    ):
        got = report.applications[("denied_administrative_query", column)]
        assert got.value == want, column
        assert "label_inferred" not in got.flags, column  # read by its label, not placed by the form's order


def test_a_blank_row_after_an_unreadable_label_is_no_tail_of_it() -> None:
    # a narrow column printed '2.重复申请' as '重2.复申请' (its lines out of order); the blank row below,
    # '3.要求提供公开出版物', is a row of its own: its label does not finish the one above, so the numbers
    # above are not read as its numbers (they were, silently, by a first version of the tail joining)
    from gongkai.model import Table
    from gongkai.synth import render_document

    synth = consistent_variants(1, 1)[0]
    synth.applications["not_processed_publication"] = [None] * 7
    document = render_document(synth, random.Random(0))
    table = next(b for b in document.blocks if isinstance(b, Table) and len(b.rows) > 20)
    cell = next(c for row in table.rows for c in row if c.text.endswith("重复申请"))
    cell.text = "重2.复申请"
    report = parse_document(document)
    assert any(v is not None for v in synth.applications["not_processed_repeated"])
    publication = [report.applications[("not_processed_publication", k)] for k in forms.APPLICANT_KEYS]
    assert [got.value for got in publication] == [None] * 7
