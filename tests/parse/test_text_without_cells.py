"""Text dumps whose empty cells left nothing (a crawler's `get_text("\\n")`: one cell per line): a row printed
blank leaves only its label, which runs into the next row's; a row whose label the crawler lost prints its
numbers right after the row above's. The seeds' and real reports' values come back exactly where the
table's identities leave one reading, flagged elsewhere — never a silent wrong number."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from gongkai import forms
from gongkai.extract import extract_bytes
from gongkai.parse import parse_document, placing
from gongkai.synth_files import consistent_variants, expected_cells, score, synth_from_golden
from gongkai.synth_layouts import to_cell_lines, to_unlabelled_cell_lines

FIXTURES = Path(__file__).parents[1] / "fixtures"
GOLDEN = sorted([*(FIXTURES / "seeds" / "expected").glob("*.json"), *(FIXTURES / "real").glob("*.json")])


def _row(report, key: str) -> list[int | float | None]:  # type: ignore[no-untyped-def]
    return [report.applications[(key, c)].value for c in forms.APPLICANT_KEYS]


def test_a_blank_row_whose_label_ran_into_the_next_is_blank_and_the_others_are_placed() -> None:
    # huaian-2024's values with zeros left blank, as many agencies print them: 不予公开 1 and 3 print only
    # '2 2' and '5 5', 出版物 (all zeros) prints nothing, so its label runs into 无正当理由大量反复申请's
    synth = synth_from_golden(
        json.loads((FIXTURES / "real" / "huaian-2024.json").read_text(encoding="utf-8"))
    )
    synth.applications["denied_state_secret"] = [2, None, None, None, None, None, 2]
    synth.applications["denied_security_stability"] = [5, None, None, None, None, None, 5]
    synth.applications["not_processed_publication"] = [None] * 7
    text = to_cell_lines(synth, random.Random(7)).decode("utf-8")
    assert "3.要求提供公开出版物\n4.无正当理由大量反复申请\n" in text
    report = parse_document(extract_bytes(text.encode("utf-8"), "r.txt"))
    assert _row(report, "not_processed_publication") == [None] * 7
    assert not [p for p in report.problems if p.where == "applications.not_processed_publication"]
    # '2 2' could sit in any of six columns: only 自然人 lets (七)总计 add up down every column
    assert _row(report, "denied_state_secret") == [2, None, None, None, None, None, 2]
    assert "column_identities_used" in report.applications[("denied_state_secret", "natural_person")].flags
    assert _row(report, "denied_security_stability") == [5, None, None, None, None, None, 5]
    assert score(report, expected_cells(synth), synth.form) == {"exact": 200}


@pytest.mark.parametrize("attempt", range(4))
@pytest.mark.parametrize("golden_path", GOLDEN, ids=lambda p: p.stem)
def test_rows_whose_label_was_lost_are_cut_from_the_run_above(golden_path: Path, attempt: int) -> None:
    golden = json.loads(golden_path.read_text(encoding="utf-8"))
    synth = synth_from_golden(golden)
    report = parse_document(extract_bytes(to_unlabelled_cell_lines(synth, random.Random(attempt)), "r.txt"))
    assert report.form_version == golden["form_version"]
    counts = score(report, expected_cells(synth), synth.form)
    assert counts["silent"] == 0, counts
    if any(None in v for v in synth.applications.values() if any(x is not None for x in v)):
        return  # 000 prints only 总计s: a lost row's '0' after the row above's '0' reads more than one way
    # every other report prints all seven cells of a row, so the run of 14 numbers under a label splits one
    # way into two rows that each add up: the lost rows are read, with label_inferred
    assert counts == {"exact": sum(counts.values())}, counts
    inferred = {
        k for (k, c), v in report.applications.items() if c == "total" and "label_inferred" in v.flags
    }
    assert len(inferred) == 2, inferred
    assert "label_inferred" in {p.code for p in report.problems}
    assert "row_missing" not in {p.code for p in report.problems}


def test_a_lost_rows_numbers_that_split_more_than_one_way_are_flagged() -> None:
    # hongze-2024 with 重复申请 and 出版物 (all zeros) printing only a 总计 of 0, and 出版物's label lost: the
    # numbers '0 0' under 重复申请's label are 0 | 0 (two totals), or one row's 0 and 总计 0 with the other row
    # blank — zeros add nothing to any column, so no identity tells them apart: the cells are null, flagged
    synth = synth_from_golden(
        json.loads((FIXTURES / "real" / "hongze-2024.json").read_text(encoding="utf-8"))
    )
    for key in ("not_processed_repeated", "not_processed_publication"):
        assert synth.applications[key] == [0] * 7
        synth.applications[key] = [None] * 6 + [0]
    synth.dropped_labels = {"not_processed_publication"}
    report = parse_document(extract_bytes(to_cell_lines(synth, random.Random(3)), "r.txt"))
    for key in ("not_processed_repeated", "not_processed_publication"):
        total = report.applications[(key, "total")]
        assert total.value is None and "column_inferred" in total.flags, (key, total)
    assert "label_inferred" in report.applications[("not_processed_publication", "total")].flags
    counts = score(report, expected_cells(synth), synth.form)
    assert counts["silent"] == 0 and counts["flagged"] == 2, counts


def test_every_choice_of_readings_at_once_settles_what_one_identity_at_a_time_cannot() -> None:
    blank = (None,) * 6
    fixed: dict[placing.Group, list[placing.Joint]] = {
        ("new_requests",): [((3, 4, *blank[2:], 7),)],
        ("carried_over_from_last_year",): [((0, 0, *blank[2:], 0),)],
        ("results_total",): [((3, 4, *blank[2:], 7),)],
        ("carried_forward_to_next_year",): [((0, 0, *blank[2:], 0),)],
    }
    # a prints '3 3' and b '4 4' (or the other way round: a row and its lost neighbour, one group)
    swapped = [
        ((3, *blank[1:], 3), (None, 4, *blank[2:], 4)),
        ((None, 3, *blank[2:], 3), (4, *blank[1:], 4)),
        ((3, *blank[1:], 3), (4, *blank[1:], 4)),
    ]
    found = placing.solve(("a", "b"), {**fixed, ("a", "b"): swapped})
    assert isinstance(found, dict)
    assert found["a"][0] == {3} and found["b"][1] == {4} and found["b"][0] == {None}
    # numbers that cannot add up in any choice: nothing may be settled
    assert placing.solve(("a", "b"), {**fixed, ("a", "b"): [swapped[2]]}) is False


def test_a_2021_report_printing_other_handling_as_one_row_is_placed_by_the_identities() -> None:
    # （六）其他处理 printed as one row (the 2019 way) in a 2021-form report: its row stands before (七)总计, as
    # printed. (It was put after 结转下年度 instead, so the identities summed (七)总计 with the result rows and
    # left out 其他处理: they never held, and no short row was placed.)
    assert forms.printed_rows("f2021", True)[-3:] == (
        "other_handling",
        "results_total",
        "carried_forward_to_next_year",
    )
    synth = consistent_variants(1, 24)[22]
    assert synth.form == "f2021" and "other_handling" in synth.applications
    report = parse_document(extract_bytes(to_cell_lines(synth, random.Random(1022)), "r.txt"))
    # '2 0 305 12 319': 0 may sit under 科研机构 or 社会公益组织 (the column sums leave both), the rest is placed
    assert _row(report, "denied_state_secret") == [None, 2, None, None, 305, 12, 319]
    assert "column_inferred" in report.applications[("denied_state_secret", "public_interest_org")].flags
    assert _row(report, "other_handling") == [30, 15, 0, 2797, 0, 774, 3616]
    assert score(report, expected_cells(synth), synth.form) == {"exact": 181, "flagged": 5}
