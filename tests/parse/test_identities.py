"""The parser's identity problems come from forms.IDENTITIES: each declared identity, broken in an
otherwise valid report, gives its own problem on its own cell; a blank cell is not a zero."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from gongkai import forms
from gongkai.model import CellValue, Report
from gongkai.parse import check_identities
from gongkai.pipeline import parse_bytes

SEEDS = Path(__file__).parents[1] / "fixtures" / "seeds"
F2021 = "003_03c3a6963c974949.txt"  # 晋江市残疾人联合会 2023: keeps every identity
F2019 = "001_88afcdf2753bf816.txt"  # 蚌山区残疾人联合会 2020


@pytest.fixture(scope="module")
def valid() -> dict[str, Report]:
    return {name: parse_bytes((SEEDS / name).read_bytes(), name) for name in (F2021, F2019)}


def _cells(report: Report, identity: forms.Identity) -> dict:  # type: ignore[type-arg]
    return report.applications if identity.table == "applications" else report.review_litigation


@pytest.mark.parametrize("name", [F2021, F2019])
def test_a_valid_report_keeps_every_identity(valid: dict[str, Report], name: str) -> None:
    assert check_identities(valid[name]) == []


@pytest.mark.parametrize("identity", forms.IDENTITIES, ids=lambda i: i.check)
@pytest.mark.parametrize("name", [F2021, F2019])
def test_each_declared_identity_broken_gives_its_problem(
    valid: dict[str, Report], name: str, identity: forms.Identity
) -> None:
    report = copy.deepcopy(valid[name])
    over = identity.overs(r for r, _ in report.applications)[0]
    key = identity.cell(over, identity.total)
    printed = _cells(report, identity)[key].value
    _cells(report, identity)[key] = CellValue(printed + 1, str(printed + 1))
    problems = [p for p in check_identities(report) if p.code == identity.problem_code]
    where = identity.problem_where.format(over=over)
    assert [(p.where, p.severity) for p in problems] == [(where, identity.problem_severity)]
    assert f"{printed + 1:g}" in problems[0].message


@pytest.mark.parametrize(
    "identity", [i for i in forms.IDENTITIES if i.partial_message is None], ids=lambda i: i.check
)
def test_a_blank_term_skips_the_identity(valid: dict[str, Report], identity: forms.Identity) -> None:
    report = copy.deepcopy(valid[F2021])
    over = identity.overs(r for r, _ in report.applications)[0]
    cells = _cells(report, identity)
    total = identity.cell(over, identity.total)
    cells[total] = CellValue(cells[total].value + 1, "broken")
    cells[
        identity.cell(over, identity.plus_for(report.form_version, [r for r, _ in report.applications])[0])
    ] = CellValue(None, "")
    assert not [
        p
        for p in check_identities(report)
        if p.code == identity.problem_code and p.where == identity.problem_where.format(over=over)
    ]


@pytest.mark.parametrize(
    "identity", [i for i in forms.IDENTITIES if i.partial_message is not None], ids=lambda i: i.check
)
def test_a_partly_printed_line_must_still_add_up(valid: dict[str, Report], identity: forms.Identity) -> None:
    """A blank adds nothing: the printed terms of a partly blank line still make its total (a number
    shifted into a neighbouring column breaks this); a line with every term blank is not checked."""
    report = copy.deepcopy(valid[F2021])
    over = identity.overs(r for r, _ in report.applications)[0]
    cells = _cells(report, identity)
    terms = identity.plus_for(report.form_version, [r for r, _ in report.applications])
    total = identity.cell(over, identity.total)
    cells[total] = CellValue(cells[total].value + 1, "broken")
    cells[identity.cell(over, terms[0])] = CellValue(None, "")
    where = identity.problem_where.format(over=over)
    problems = [p for p in check_identities(report) if p.code == identity.problem_code and p.where == where]
    assert len(problems) == 1 and "(the others blank)" in problems[0].message, problems
    for term in terms:
        cells[identity.cell(over, term)] = CellValue(None, "")
    assert not [p for p in check_identities(report) if p.code == identity.problem_code and p.where == where]


def test_a_2021_report_printing_other_handling_as_one_row_sums_it(valid: dict[str, Report]) -> None:
    report = copy.deepcopy(valid[F2021])
    for column in forms.APPLICANT_KEYS:
        subrows = [report.applications[(r, column)].value for r in forms.OTHER_SUBROWS]
        report.applications[("other_handling", column)] = CellValue(sum(subrows), str(sum(subrows)))
        for row in forms.OTHER_SUBROWS:
            report.applications[(row, column)] = CellValue(None, "")
    assert check_identities(report) == []
    report.applications[("other_handling", "natural_person")] = CellValue(99, "99")
    codes = {(p.code, p.where) for p in check_identities(report)}
    assert ("identity_results_total", "applications.results_total.natural_person") in codes
    assert ("identity_row_total", "applications.other_handling.total") in codes
