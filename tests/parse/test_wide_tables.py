"""表三 printed in column parts side by side (a spreadsheet too wide for its paper): joined back into one
table where the parts line up row for row, said where they do not — never read as a 表三 without them."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from gongkai import forms
from gongkai.model import Document, Paragraph, Table
from gongkai.parse import parse_document
from gongkai.synth_files import consistent_variants, decorated, expected_cells, score
from gongkai.synth_layouts import _columns_cut, _is_applications

SYNTHS = consistent_variants(5, 4)


def _with_parts(
    synth_index: int, at_from_right: int, repeat_labels: bool, *, drop_row: bool = False
) -> Document:
    """The report with 表三 cut before its `at_from_right`-th column from the right, the parts one after the
    other with a page number between (`drop_row`: the second part lost a row of numbers)."""
    rng = random.Random(synth_index)
    document = decorated(SYNTHS[synth_index], rng)
    blocks: list[Paragraph | Table] = []
    for block in document.blocks:
        if not (isinstance(block, Table) and _is_applications(block)):
            blocks.append(block)
            continue
        width = sum(c.col_span for c in block.rows[3])
        first, second = _columns_cut(block, width - at_from_right, width - 7, repeat_labels, rng)
        if drop_row:
            second = replace(second, rows=second.rows[:-1])
        blocks += [first, Paragraph("- 2 -"), second]
    return Document(blocks=blocks)


@pytest.mark.parametrize("at_from_right", [1, 3, 6])
@pytest.mark.parametrize("repeat_labels", [True, False])
def test_column_parts_are_joined_into_one_table(at_from_right: int, repeat_labels: bool) -> None:
    for index, synth in enumerate(SYNTHS):
        report = parse_document(_with_parts(index, at_from_right, repeat_labels))
        assert report.form_version == synth.form
        assert score(report, expected_cells(synth), synth.form)["exact"] == len(expected_cells(synth))
        assert not [p for p in report.problems if p.severity != "info"], report.problems


def test_parts_whose_rows_do_not_line_up_are_said_and_nothing_is_silently_wrong() -> None:
    for index, synth in enumerate(SYNTHS):
        report = parse_document(_with_parts(index, 1, False, drop_row=True))
        said = [p for p in report.problems if p.code == "table_parts_not_joined"]
        assert [(p.severity, p.where) for p in said] == [("warning", "applications")]
        assert "total" in said[0].message
        assert score(report, expected_cells(synth), synth.form)["silent"] == 0


def test_a_table_cut_by_rows_under_its_header_printed_again_is_no_column_part() -> None:
    synth = SYNTHS[0]
    document = decorated(synth, random.Random(0))
    blocks: list[Paragraph | Table] = []
    for block in document.blocks:
        if isinstance(block, Table) and _is_applications(block):
            header, body = block.rows[:3], block.rows[3:]
            blocks += [Table(header + body[:10]), Paragraph("- 2 -"), Table(header + body[10:])]
        else:
            blocks.append(block)
    report = parse_document(Document(blocks=blocks))
    assert "table_parts_not_joined" not in {p.code for p in report.problems}
    assert all(
        report.applications[(row.key, column)].value == value
        for row in synth.rows
        for column, value in zip(forms.APPLICANT_KEYS, synth.applications[row.key], strict=True)
        if value is not None
    )
