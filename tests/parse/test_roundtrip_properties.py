"""Property: generated reports of both forms (every value, blank, dropped label and layout drawn by
Hypothesis, see report_strategies.py), rendered into every text layout converters produce and into
extractor grids, parse back to exactly the values they were rendered from."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from report_strategies import examples, layouts, reports

from gongkai import forms
from gongkai.extract.text import extract_text
from gongkai.model import Document
from gongkai.parse import parse_document
from gongkai.synth import LAYOUTS, SynthReport, random_report, render, render_document


def _assert_roundtrip(synth: SynthReport, text: str | Document) -> None:
    report = parse_document(extract_text(text) if isinstance(text, str) else text)
    assert report.form_version == synth.form
    assert report.report_year == synth.year
    assert report.agency_name == synth.agency
    for row in synth.rows:
        got = [report.applications[(row.key, c)].value for c in forms.APPLICANT_KEYS]
        assert got == synth.applications[row.key], row.key
        inferred = all(
            "label_inferred" in report.applications[(row.key, c)].flags for c in forms.APPLICANT_KEYS
        )
        assert inferred == (row.key in synth.dropped_labels), row.key
    assert [report.review_litigation[c].value for c in forms.REVIEW_COLUMNS] == synth.review
    for key, value in synth.active.items():
        assert report.active_disclosure[key].value == value, key


@settings(max_examples=examples(3000), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(synth=reports(single_other_row=False), layout=layouts, split_labels=st.booleans(), rng=st.randoms())
def test_generated_tables_parse_back_exactly(
    synth: SynthReport, layout: str, split_labels: bool, rng: random.Random
) -> None:
    _assert_roundtrip(synth, render(synth, layout, rng, split_labels=split_labels))


def test_a_table_that_fills_only_totals_reads_blanks_as_null() -> None:
    rng = random.Random(7)
    synth = random_report(rng, "f2021", drop_labels=0)
    for key in synth.applications:
        synth.applications[key] = [None] * 6 + [rng.randint(0, 9)]
    for layout in LAYOUTS:
        _assert_roundtrip(synth, render(synth, layout, rng))


@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_2021_report_printing_other_handling_as_one_row(layout: str) -> None:
    rng = random.Random(11)
    synth = random_report(rng, "f2021", single_other_row=True)
    text = render(synth, layout, rng)
    _assert_roundtrip(synth, text)
    report = parse_document(extract_text(text))
    assert report.form_version == "f2021"
    for key in ("other_overdue_correction", "other_overdue_fee", "other_other"):
        assert all(report.applications[(key, c)].value is None for c in forms.APPLICANT_KEYS)
    assert "row_missing" not in {p.code for p in report.problems}


@settings(max_examples=examples(1000), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(synth=reports(), page_break=st.booleans(), rng=st.randoms())
def test_generated_grids_with_spans_parse_back_exactly(
    synth: SynthReport, page_break: bool, rng: random.Random
) -> None:
    """Grids as the HTML/DOCX/PDF extractors give them: row/column spans, a table split by a page break."""
    _assert_roundtrip(synth, render_document(synth, rng, page_break=page_break))


@settings(max_examples=examples(500), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(synth=reports(max_dropped_labels=0, single_other_row=False), rng=st.randoms())
def test_fragmented_markdown_with_wrong_headers_parses_back_exactly(
    synth: SynthReport, rng: random.Random
) -> None:
    _assert_roundtrip(synth, render(synth, "fragmented_markdown", rng))


@settings(max_examples=examples(500), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    synth=reports(blanks=False, totals_only=False, max_dropped_labels=0, single_other_row=False),
    rng=st.randoms(),
)
def test_glued_cells_are_recovered_where_unambiguous_and_never_invented(
    synth: SynthReport, rng: random.Random
) -> None:
    report = parse_document(extract_text(render(synth, "glued", rng)))
    assert report.form_version == synth.form
    recovered = 0
    for row in synth.rows:
        if synth.applications[row.key][6] != sum(synth.applications[row.key][:6]):
            continue  # a row that breaks its own identity cannot be split by it
        cells = [report.applications[(row.key, c)] for c in forms.APPLICANT_KEYS]
        # per cell: the number printed, or null and flagged where the readings of the digits disagree
        for cell, want in zip(cells, synth.applications[row.key], strict=True):
            if cell.value is None:
                assert "glued_cells_ambiguous" in cell.flags, row.key
            else:
                assert cell.value == want, row.key
                assert "glued_cells_split" in cell.flags, row.key
        recovered += all(c.value is not None for c in cells)
    assert recovered >= 1
    for key, value in synth.active.items():
        cell = report.active_disclosure[key]
        assert cell.value in (None, value), key
