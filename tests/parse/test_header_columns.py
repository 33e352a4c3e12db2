"""表三's columns placed by its header's names, not by the national grid: 法人或其他组织 printed as one column
(its five kinds null and flagged, the printed sums kept in the problem), a 小计 column after the five kinds
(checked, not a cell), the columns in another order under a header over three rows, a PDF's header read as
a table of its own — and headers that do not say which column is which, flagged."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from pathlib import Path

from gongkai import forms
from gongkai.model import Cell, Document, Paragraph, Table
from gongkai.parse import parse_document
from gongkai.pipeline import parse_bytes
from gongkai.synth import render_document
from gongkai.synth_files import consistent_variants
from gongkai.synth_layouts import _recolumned, _reordered_table

FIXTURE = Path(__file__).parents[1] / "fixtures/corpus/003_03c3a6963c974949.utf8.html"
NATIONAL_HEADER = (
    "<tr><td rowspan=2>自然人</td><td colspan=5>法人或其他组织</td><td rowspan=2>总计</td></tr>"
    "<tr><td>商业企业</td><td>科研机构</td><td>社会公益组织</td><td>法律服务机构</td><td>其他</td></tr>"
)
VALUES = re.compile(r"(?:<td>\d*</td>){7}</tr>")  # a 表三 row's seven cells (blank or 0 in the corpus report)
LEGAL = forms.APPLICANT_KEYS[1:6]


def _corpus_page(header: str, width: int, cells: Callable[[int], list[str]]) -> bytes:
    """The corpus report (a CMS page, 表三 all zeros) with its 表三 header replaced and each row's seven
    cells replaced by `cells(n)`, n the row's number (1 for 新收, 2 for 上年结转, 3 for 予以公开 …)."""
    page = FIXTURE.read_text(encoding="utf-8")
    start = page.index("<p>三、收到")
    end = page.index("</table>", start)
    table = page[start:end].replace(NATIONAL_HEADER, header)
    table = table.replace("colspan=7>申请人情况", f"colspan={width}>申请人情况")
    if header.count("<tr>") == 1:
        table = table.replace("rowspan=3 colspan=2>", "rowspan=2 colspan=2>")
    rows = iter(range(1, 100))
    out = VALUES.sub(lambda _: "".join(f"<td>{c}</td>" for c in cells(next(rows))) + "</tr>", table)
    return (page[:start] + out + page[end:]).encode()


def test_legal_persons_printed_as_one_column_leave_the_five_kinds_null_and_flagged() -> None:
    page = _corpus_page(
        "<tr><td>自然人</td><td>法人或其他组织</td><td>总计</td></tr>",
        3,
        lambda n: [f"{n}", f"{2 * n}", f"{3 * n}"],
    )
    report = parse_bytes(page, "r.html", budget=False)
    assert report.form_version == "f2021"
    assert report.applications[("new_requests", "natural_person")].value == 1
    assert report.applications[("new_requests", "total")].value == 3
    assert report.applications[("granted", "natural_person")].value == 3
    assert report.applications[("granted", "total")].value == 9
    for column in LEGAL:
        cell = report.applications[("granted", column)]
        assert (cell.value, cell.flags) == (None, ["legal_persons_aggregated"])
    problems = {p.code: p for p in report.problems}
    aggregated = problems["legal_persons_aggregated"]
    assert (aggregated.severity, aggregated.where) == ("warning", "applications")
    # the printed sums are not lost: the problem lists them by row
    assert "new_requests 2, carried_over_from_last_year 4, granted 6," in aggregated.message
    # natural + the aggregate = 总计 in every row: no identity broken, no column guessed
    assert not {"identity_row_total", "grid_misfit", "row_off_header", "header_columns_ambiguous"} & set(
        problems
    )  # (the made-up numbers break the column identities: identity_results_total is expected)
    assert not any("column_inferred" in c.flags for c in report.applications.values())


def test_an_aggregate_that_does_not_add_up_to_the_total_is_reported() -> None:
    page = _corpus_page(
        "<tr><td>自然人</td><td>法人或其他组织</td><td>总计</td></tr>",
        3,
        lambda n: [f"{n}", f"{2 * n}", f"{2 * n}"],
    )
    report = parse_bytes(page, "r.html", budget=False)
    broken = [p for p in report.problems if p.code == "identity_row_total"]
    assert broken[0].where == "applications.new_requests.total"
    assert "sum to 3 but 总计 prints 2" in broken[0].message
    assert report.applications[("new_requests", "total")].value == 2  # printed values are never changed


def test_a_subtotal_column_is_a_check_not_a_cell() -> None:
    header = (
        "<tr><td rowspan=2>自然人</td><td colspan=6>法人或其他组织</td><td rowspan=2>总计</td></tr>"
        "<tr><td>商业企业</td><td>科研机构</td><td>社会公益组织</td><td>法律服务机构</td><td>其他</td>"
        "<td>小计</td></tr>"
    )
    # 小计 = the five kinds (n + 0 + 0 + 0 + n) except in row 3 (予以公开), where it prints one too many
    page = _corpus_page(
        header, 8, lambda n: [f"{n}", f"{n}", "0", "", "0", f"{n}", f"{2 * n + (n == 3)}", f"{3 * n}"]
    )
    report = parse_bytes(page, "r.html", budget=False)
    values = [report.applications[("carried_over_from_last_year", c)].value for c in forms.APPLICANT_KEYS]
    assert values == [2, 2, 0, None, 0, 2, 6]
    mismatch = [p for p in report.problems if p.code == "legal_subtotal_mismatch"]
    assert [p.where for p in mismatch] == ["applications.granted"]
    assert "sum to 6 (the others blank) but its 小计 column prints 7" in mismatch[0].message
    assert not [p for p in report.problems if p.code in ("identity_row_total", "row_off_header")]


def test_columns_in_another_order_under_a_header_over_three_rows() -> None:
    header = (
        "<tr><td rowspan=2>总计</td><td colspan=5>法人或其他组织</td><td rowspan=2>自然人</td></tr>"
        "<tr><td>其他</td><td>法律服务机构</td><td>商业企业</td><td>科研机构</td><td>社会公益组织</td></tr>"
    )
    # total, other, legal service, commercial, research, public interest, natural
    page = _corpus_page(header, 7, lambda n: [f"{3 * n}", "0", "", f"{n}", "0", "0", f"{2 * n}"])
    report = parse_bytes(page, "r.html", budget=False)
    values = [report.applications[("granted", c)].value for c in forms.APPLICANT_KEYS]
    assert values == [6, 3, 0, 0, None, 0, 9]
    # (the made-up numbers break the column identities, not the rows')
    assert not [p for p in report.problems if p.code in ("identity_row_total", "row_off_header")]


def test_a_header_naming_one_column_twice_is_flagged_and_read_as_before() -> None:
    header = (
        "<tr><td rowspan=2>自然人</td><td colspan=5>法人或其他组织</td><td rowspan=2>自然人</td></tr>"
        "<tr><td>商业企业</td><td>科研机构</td><td>社会公益组织</td><td>法律服务机构</td><td>其他</td></tr>"
    )
    page = _corpus_page(header, 7, lambda n: [f"{n}", "0", "0", "0", "0", "0", f"{n}"])
    report = parse_bytes(page, "r.html", budget=False)
    ambiguous = [p for p in report.problems if p.code == "header_columns_ambiguous"]
    assert [(p.severity, p.where) for p in ambiguous] == [("warning", "applications")]
    assert report.applications[("granted", "natural_person")].value == 3  # the national grid, as before
    assert report.applications[("granted", "total")].value == 3


def test_a_row_not_under_a_non_national_header_is_null_not_shifted() -> None:
    page = _corpus_page(
        "<tr><td>自然人</td><td>法人或其他组织</td><td>总计</td></tr>",
        3,
        lambda n: [f"{n}", f"{2 * n}", f"{3 * n}"],
    )
    # a sanitizer removed the 予以公开 row's first cell: two numbers left, for three columns
    page = page.replace(b"<td>3</td><td>6</td><td>9</td>", b"<td>6</td><td>9</td>")
    report = parse_bytes(page, "r.html", budget=False)
    for column in forms.APPLICANT_KEYS:
        cell = report.applications[("granted", column)]
        assert cell.value is None and "column_inferred" in cell.flags
    assert any(p.code == "row_off_header" and p.where == "applications.granted" for p in report.problems)


def test_the_national_header_reads_every_cell_as_before() -> None:
    report = parse_bytes(FIXTURE.read_bytes(), "r.html", budget=False)
    assert all(c.value == 0 and not c.flags for c in report.applications.values() if c.raw)
    codes = {p.code for p in report.problems}
    assert not codes & {"legal_persons_aggregated", "columns_not_printed", "header_columns_ambiguous"}


def _applications_table(document: Document) -> int:
    return next(
        i
        for i, b in enumerate(document.blocks)
        if isinstance(b, Table) and any("自然人" in c.text for row in b.rows[:3] for c in row)
    )


def _wider(row: list[Cell]) -> list[Cell]:
    """The row with one more label column on its left (a row under a group cell's span has none)."""
    if row[0].row_span > 1:
        return [Cell("", row_span=row[0].row_span), *row]
    return [Cell(""), *row] if row[0].col_span == 2 else row


def test_a_header_read_as_a_table_of_its_own_stands_over_the_next_tables_columns() -> None:
    # a PDF whose header rulings differ from the body's: the header is one table (one label column), the
    # body the next (two label columns), and 表三 continues on a third after a page break
    synth = consistent_variants(5, 1)[0]
    document = _recolumned(synth, random.Random(0), _reordered_table)
    index = _applications_table(document)
    table = document.blocks[index]
    assert isinstance(table, Table)
    heads = len(table.rows) - len(synth.rows)
    header = [list(r) for r in table.rows[:heads]]
    header[0][0] = Cell(header[0][0].text, row_span=header[0][0].row_span)  # one label column, not two
    body = table.rows[heads:]
    cut = next(i for i, r in enumerate(body) if r[0].text.startswith("（四）"))  # no row span cut
    blocks: list[Paragraph | Table] = [
        Table(header, page=2),
        Table(body[:cut], page=2),
        Paragraph("- 2 -"),
        Table([_wider(r) for r in body[cut:]], page=3),
    ]
    document.blocks[index : index + 1] = blocks
    report = parse_document(document)
    for row in synth.rows:
        got = [report.applications[(row.key, c)].value for c in forms.APPLICANT_KEYS]
        assert got == synth.applications[row.key], row.key
    assert not [p for p in report.problems if p.code in ("row_off_header", "header_columns_ambiguous")]


def test_a_header_cell_stretched_over_its_neighbours_gives_way_to_the_narrow_ones() -> None:
    # LibreOffice's PDF lost the row spans of 自然人 and 总计 and the extractor stretched 其他 over them
    synth = consistent_variants(7, 1)[0]
    document = render_document(synth, random.Random(0))
    index = _applications_table(document)
    rows = [
        [Cell("（本列数据的勾稽关系）", row_span=2, col_span=2), Cell("法人或其他组织", col_span=5)]
        + [Cell("自然人"), Cell("总计")],
        [Cell(k) for k in ("商业企业", "科研机构", "社会公益组织", "法律服务机构")]
        + [Cell("其他", col_span=3)],
    ]
    order = [1, 2, 3, 4, 5, 0, 6]
    values = [
        [Cell("" if v is None else str(v)) for v in (synth.applications[r.key][i] for i in order)]
        for r in synth.rows
    ]
    body = [
        [Cell(r.label.split(" ", 1)[-1], col_span=2), *v] for r, v in zip(synth.rows, values, strict=True)
    ]
    document.blocks[index] = Table(rows + body, page=2)
    report = parse_document(document)
    for row in synth.rows:
        got = [report.applications[(row.key, c)].value for c in forms.APPLICANT_KEYS]
        assert got == synth.applications[row.key], row.key


def test_a_header_word_the_parser_does_not_know_leaves_the_table_read_as_before() -> None:
    # OCR read 自然人 as 自然入: the header names six of the seven columns the rows print numbers in
    header = NATIONAL_HEADER.replace("自然人", "自然入")
    page = _corpus_page(header, 7, lambda n: [f"{n}", "0", "", "0", "0", f"{n}", f"{2 * n}"])
    report = parse_bytes(page, "r.html", budget=False)
    values = [report.applications[("granted", c)].value for c in forms.APPLICANT_KEYS]
    assert values == [3, 0, None, 0, 0, 3, 6]
    codes = {p.code for p in report.problems}
    assert not codes & {"row_off_header", "header_columns_ambiguous", "columns_not_printed"}


def test_a_reordered_header_with_a_word_misread_is_read_as_before_but_flagged() -> None:
    # the columns in another order, and OCR read 自然人 as 自然入: the header names six of the seven
    # columns, not where the national form has them; read in the national order, every cell is in doubt
    header = (
        "<tr><td rowspan=2>总计</td><td colspan=5>法人或其他组织</td><td rowspan=2>自然入</td></tr>"
        "<tr><td>其他</td><td>法律服务机构</td><td>商业企业</td><td>科研机构</td><td>社会公益组织</td></tr>"
    )
    page = _corpus_page(header, 7, lambda n: [f"{3 * n}", "0", "", f"{n}", "0", "0", f"{2 * n}"])
    report = parse_bytes(page, "r.html", budget=False)
    ambiguous = [p for p in report.problems if p.code == "header_columns_ambiguous"]
    assert [(p.severity, p.where) for p in ambiguous] == [("warning", "applications")]
    assert "names total over value column 1" in ambiguous[0].message
    assert report.applications[("granted", "natural_person")].value == 9  # the national grid, as before


def test_a_header_of_unread_words_naming_a_column_out_of_place_is_flagged() -> None:
    # OCR read none of 自然人 / 法人或其他组织 (so no header is found), but 其他 over the second value column
    header = (
        "<tr><td rowspan=2>总□</td><td colspan=5>□□□□□□□</td><td rowspan=2>□□□</td></tr>"
        "<tr><td>其他</td><td>□□□□□□</td><td>□□□□</td><td>□□□□</td><td>□□□□□□</td></tr>"
    )
    page = _corpus_page(header, 7, lambda n: [f"{3 * n}", "0", "", f"{n}", "0", "0", f"{2 * n}"])
    report = parse_bytes(page, "r.html", budget=False)
    ambiguous = [p for p in report.problems if p.code == "header_columns_ambiguous"]
    assert [(p.severity, p.where) for p in ambiguous] == [("warning", "applications")]
    assert "names other_org over value column 2" in ambiguous[0].message


def test_blank_rows_whose_labels_read_like_column_names_are_not_a_header() -> None:
    # (六)3.其他 and (七)总计 printed blank, one above the other, under the national header: their labels
    # name 其他 and 总计, yet they are rows, not a second header
    page = _corpus_page(
        NATIONAL_HEADER, 7, lambda n: [""] * 7 if n in (23, 24) else [f"{n}", "0", "", "0", "0", "0", f"{n}"]
    )
    report = parse_bytes(page, "r.html", budget=False)
    assert [report.applications[("other_other", c)].value for c in forms.APPLICANT_KEYS] == [None] * 7
    assert [report.applications[("granted", c)].value for c in forms.APPLICANT_KEYS] == [
        3,
        0,
        None,
        0,
        0,
        0,
        3,
    ]
    assert not {p.code for p in report.problems} & {"header_columns_ambiguous", "row_off_header"}
