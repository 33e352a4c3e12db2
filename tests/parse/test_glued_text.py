"""Crawler text dumps: every cell's text run together with no separator, blanks gone, page chrome around
('一、本年新收政府信息公开申请数量801000081'). The seeds' and real reports' values, glued the three ways
crawlers glue them, parse back exactly or flag the cells they cannot cut — never a silent wrong number."""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path

import pytest

from benchmarks.roundtrip import real_values
from gongkai import forms
from gongkai.extract.text import extract_text
from gongkai.parse import parse_document, placing
from gongkai.parse.glued import pieces_of, readings, row_readings
from gongkai.synth_files import expected_cells, score, synth_from_golden, to_glued_text

FIXTURES = Path(__file__).parents[1] / "fixtures"
GOLDEN = sorted([*(FIXTURES / "seeds" / "expected").glob("*.json"), *(FIXTURES / "real").glob("*.json")])


@pytest.mark.parametrize("style", ["rows", "table", "page"])
@pytest.mark.parametrize("golden_path", GOLDEN, ids=lambda p: p.stem)
def test_glued_renderings_of_real_values_parse_exactly_or_flag(golden_path: Path, style: str) -> None:
    golden = json.loads(golden_path.read_text(encoding="utf-8"))
    synth = synth_from_golden(golden)
    for attempt in range(3):
        text = to_glued_text(synth, random.Random(attempt), style)
        report = parse_document(extract_text(text))
        assert report.form_version == golden["form_version"], text[:400]
        assert report.report_year == golden["report_year"]
        counts = score(report, expected_cells(synth), synth.form)
        assert counts["silent"] == 0, (style, attempt, counts)
        assert counts["exact"] >= 0.4 * sum(counts.values()), counts


@pytest.mark.parametrize("style", ["rows", "table", "page"])
def test_glued_text_of_real_reports_reads_at_least_95_percent_of_cells(style: str) -> None:
    # Real values, not the harness's random ones: real tables are mostly zeros and small numbers, and
    # what is left unread is what no sound cut can read (表二 '1011' is 1,0,11 or 10,1,1; a 表四 whose
    # 总计 the publisher got wrong). Issue #17 asks >= 95 % of cells on glued crawler text.
    counts: Counter[str] = Counter()
    syntheses = real_values()  # the seeds, the shared corpus and the real PDFs
    for synth in syntheses:
        report = parse_document(extract_text(to_glued_text(synth, random.Random(0), style)))
        counts += score(report, expected_cells(synth), synth.form)
    assert len(syntheses) == 13
    assert counts["silent"] == 0, counts
    assert counts["exact"] >= 0.95 * sum(counts.values()), counts


def test_a_run_together_table_is_cut_by_the_rows_identity() -> None:
    text = (
        "某某市某某区人民政府2023年政府信息公开工作年度报告\n三、收到和处理政府信息公开申请情况\n"
        + "一、本年新收政府信息公开申请数量801000081二、上年结转政府信息公开申请数量3000003"
        + "三、本年度办理结果（一）予以公开"
        + "".join(f"{k.label.split(' ')[-1]}0000000" for k in forms.APPLICATION_ROWS["f2021"][3:-2])
        + "（七）总计"
        + "".join(["70", "1", "0", "0", "0", "0", "71"])
        + "四、结转下年度继续办理130000013\n"
    )
    report = parse_document(extract_text(text))
    assert report.form_version == "f2021"
    new = [report.applications[("new_requests", c)].value for c in forms.APPLICANT_KEYS]
    assert new == [80, 1, 0, 0, 0, 0, 81]
    assert [report.applications[("carried_over_from_last_year", c)].value for c in forms.APPLICANT_KEYS] == [
        3,
        0,
        0,
        0,
        0,
        0,
        3,
    ]
    assert [report.applications[("carried_forward_to_next_year", c)].value for c in forms.APPLICANT_KEYS] == [
        13,
        0,
        0,
        0,
        0,
        0,
        13,
    ]
    assert "glued_cells_split" in report.applications[("new_requests", "total")].flags
    assert "no_national_tables" not in {p.code for p in report.problems}


def test_cutting_needs_exactly_one_reading() -> None:
    assert readings("801000081", [7], True) == [[80, 1, 0, 0, 0, 0, 81]]
    assert len(readings("1111113", [7], True)) == 0  # 1+1+1+1+1+1 = 6, not 3
    assert len(readings("111111111111", [7], True)) == 0
    assert len(readings("1234", [3], False)) == 2  # no identity: several readings, none taken
    digits, cuts, negatives = pieces_of("12 0 -3")
    assert (digits, cuts, negatives) == ("1203", frozenset({2, 3}), frozenset({3}))
    assert readings(digits, [3], False, cuts | negatives, negatives) == [[12, 0, -3]]


def test_a_rows_numbers_with_blanks_dropped_are_placed_where_the_column_sums_leave_one_place() -> None:
    blank = (None,) * 6
    fixed = {
        "new_requests": [(5, *blank[1:], 5)],
        "carried_over_from_last_year": [(0, *blank[1:], 0)],
        "results_total": [(5, *blank[1:], 5)],
        "carried_forward_to_next_year": [(0, *blank[1:], 0)],
        "b": [(2, *blank[1:], 2)],
    }
    # '33': a 3 in one of six columns and 总计 3 — only natural_person makes (七)总计 = a + b
    domains = {**fixed, "a": placing.placements([3, 3], 6) or []}
    assert len(domains["a"]) == 6
    assert placing.narrow(("a", "b"), domains)
    assert domains["a"] == [(3, *blank[1:], 3)]
    # '00': a 0 adds nothing to any column: where it sits stays unknown, only 总计 is read
    domains = {**fixed, "b": [(5, *blank[1:], 5)], "a": placing.placements([0, 0], 6) or []}
    assert placing.narrow(("a", "b"), domains)
    assert placing.agreed(domains["a"], 7) == [(False, None)] * 6 + [(True, 0)]
    # sums that cannot hold settle nothing
    domains = {**fixed, "a": placing.placements([4, 4], 6) or []}
    assert not placing.narrow(("a", "b"), domains)


def test_blank_cells_printed_as_nothing_are_readings_of_the_digits() -> None:
    # '5038': 5, 0 and 3 in three of the six columns and 总计 8, or one number 5038 printed as 总计 alone
    found = row_readings("5038", 6) or []
    assert (None, None, None, None, None, None, 5038) in found
    assert (5, 0, 3, None, None, None, 8) in found and (None, None, None, 5, 0, 3, 8) in found
    assert len(found) == 1 + 20
    assert row_readings("0000000", 6) == [(0, 0, 0, 0, 0, 0, 0)]  # seven zeros are seven cells
    assert readings("01234.56", [2], False, limit=5) == [[0, 1234.56]]  # a decimal stays whole


def test_glued_text_with_blank_cells_parses_back_exactly_or_flags() -> None:
    from gongkai.synth_files import consistent_variants

    exact = cells = 0
    for index, synth in enumerate(consistent_variants(5, 6)):
        report = parse_document(extract_text(to_glued_text(synth, random.Random(index), "page")))
        counts = score(report, expected_cells(synth), synth.form)
        assert counts["silent"] == 0, (index, counts)
        for key, values in synth.applications.items():
            if any(v is None for v in values[:6]) and values[6] is not None:
                got = [report.applications[(key, c)] for c in forms.APPLICANT_KEYS]
                exact += sum(g.value == v for g, v in zip(got, values, strict=True))
                cells += 7
                for g, v in zip(got, values, strict=True):
                    assert g.value == v or (g.value is None and "glued_cells_ambiguous" in g.flags), key
    assert cells and exact >= 0.6 * cells, (exact, cells)
