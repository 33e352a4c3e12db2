"""Every validation gate has a fixture that must fail it; valid reports pass them all.

The fixtures are real parsed reports with one thing broken each, validated together in one batch
(as the pipeline does). The test enumerates the suites in expectations/, so a gate added without a
fixture fails here.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest

from gongkai.lake.store import open_store
from gongkai.lake.writer import write_batch
from gongkai.model import CellValue, HistoricalFigure, LineageEvent, Problem, Report, report_id_for
from gongkai.validate import frames
from gongkai.validate.checks import all_checks
from gongkai.validate.runner import _Gx, failures_from_result, load_suites, validate_reports

F2021 = "003_03c3a6963c974949.txt"  # 晋江市残疾人联合会 2023: valid
F2019 = "001_88afcdf2753bf816.txt"  # 蚌山区残疾人联合会 2020: valid
PRE2019 = "county-2016-prose.txt"
HONGZE_2023 = "hongze-2023.pdftotext-layout.txt"
HONGZE_2024 = "hongze-2024.pdftotext-layout.txt"


def _cell(report: Report, row: str, column: str, value: float | None) -> None:
    report.applications[(row, column)] = CellValue(value, "" if value is None else str(value))


# check -> (base report, how to break it, the cell the failure must name as table.row.column)
Breaker = Callable[[Report], None]
GATES: dict[str, tuple[str, Breaker, str]] = {
    "reports.form_known": (F2021, lambda r: setattr(r, "form_version", "unknown"), "reports.form_version"),
    "reports.year_present": (F2021, lambda r: setattr(r, "report_year", None), "reports.report_year"),
    "reports.year_range": (F2021, lambda r: setattr(r, "report_year", 1999), "reports.report_year"),
    "reports.year_not_future": (
        F2021,
        lambda r: setattr(r, "report_year", dt.date.today().year + 3),
        "reports.report_year",
    ),
    "reports.agency_present": (F2021, lambda r: setattr(r, "agency_name", None), "reports.agency_id"),
    "reports.agency_slug": (F2021, lambda r: None, "reports.agency_id"),  # given a bad slug below
    "reports.sha256_format": (F2021, lambda r: setattr(r, "sha256", "ZZ" + r.sha256[2:]), "reports.sha256"),
    "reports.published_after_year": (
        F2021,
        lambda r: setattr(r, "published_date", "2012-05-01"),
        "reports.published_date",
    ),
    "reports.complete_applications": (
        F2021,
        lambda r: r.applications.pop(("granted", "natural_person")),
        "reports.applications",
    ),
    "reports.complete_review": (
        F2021,
        lambda r: r.review_litigation.pop("review_other"),
        "reports.review_litigation",
    ),
    "reports.complete_active": (
        F2021,
        lambda r: r.active_disclosure.pop(("rules", "issued")),
        "reports.active_disclosure",
    ),
    "reports.blank_application_totals": (
        F2021,
        lambda r: _cell(r, "granted", "total", None),
        "reports.total",
    ),
    "reports.blank_review_cells": (
        F2021,
        lambda r: r.review_litigation.__setitem__("review_other", CellValue(None, "")),
        "reports",
    ),
    "reports.historical_figures_present": (
        PRE2019,
        lambda r: r.historical_figures.clear(),
        "reports.historical_figures",
    ),
    "reports.parser_errors": (
        F2021,
        lambda r: r.problems.append(Problem("applications_unreadable", "x", "error")),
        "reports",
    ),
    "active_disclosure.allowed_keys": (
        F2021,
        lambda r: r.active_disclosure.__setitem__(("rules", "newly_made"), CellValue(1, "1")),
        "active_disclosure.rules.newly_made",
    ),
    "active_disclosure.count_domain": (
        F2021,
        lambda r: r.active_disclosure.__setitem__(("rules", "issued"), CellValue(-2, "-2")),
        "active_disclosure.rules.issued",
    ),
    "active_disclosure.count_integer": (
        F2021,
        lambda r: r.active_disclosure.__setitem__(
            ("administrative_penalty", "decisions"), CellValue(3.5, "3.5")
        ),
        "active_disclosure.administrative_penalty.decisions",
    ),
    "active_disclosure.count_plausible": (
        F2021,
        lambda r: r.active_disclosure.__setitem__(
            ("administrative_licensing", "decisions"), CellValue(20231231123, "20231231123")
        ),
        "active_disclosure.administrative_licensing.decisions",
    ),
    "active_disclosure.amount_domain": (
        F2021,
        lambda r: r.active_disclosure.__setitem__(
            ("administrative_fees", "fee_amount"), CellValue(-1.5, "-1.5")
        ),
        "active_disclosure.administrative_fees.fee_amount",
    ),
    "active_disclosure.change_integer": (
        F2019,
        lambda r: r.active_disclosure.__setitem__(
            ("administrative_licensing", "change"), CellValue(0.5, "0.5")
        ),
        "active_disclosure.administrative_licensing.change",
    ),
    "applications.allowed_rows": (
        F2019,
        lambda r: _cell(r, "other_overdue_fee", "total", 0),
        "applications.other_overdue_fee.total",
    ),
    "applications.allowed_columns": (
        F2021,
        lambda r: _cell(r, "granted", "individual", 1),
        "applications.granted.individual",
    ),
    "applications.value_domain": (
        F2021,
        lambda r: _cell(r, "denied_state_secret", "other_org", -1),
        "applications.denied_state_secret.other_org",
    ),
    "applications.value_integer": (
        F2021,
        lambda r: _cell(r, "granted", "legal_service_org", 0.5),
        "applications.granted.legal_service_org",
    ),
    "applications.value_plausible": (
        F2021,
        lambda r: _cell(r, "new_requests", "research_institution", 20_240_101),
        "applications.new_requests.research_institution",
    ),
    "applications.row_sum": (
        F2021,
        lambda r: _cell(r, "unable_not_held", "total", 7),
        "applications.unable_not_held.total",
    ),
    "applications.results_total": (
        F2021,
        lambda r: _cell(r, "results_total", "commercial_enterprise", 9),
        "applications.results_total.commercial_enterprise",
    ),
    "applications.balance": (
        F2021,
        lambda r: _cell(r, "carried_forward_to_next_year", "natural_person", 4),
        "applications.carried_forward_to_next_year.natural_person",
    ),
    # 2024's 上年结转 must equal 2023's 结转下年度 (0): hongze 2023 is in the same batch
    "applications.cross_year": (
        HONGZE_2024,
        lambda r: _cell(r, "carried_over_from_last_year", "total", 3),
        "applications.carried_over_from_last_year.total",
    ),
    "review_litigation.allowed_columns": (
        F2021,
        lambda r: r.review_litigation.__setitem__("review_withdrawn", CellValue(0, "0")),
        "review_litigation.review_withdrawn",
    ),
    "review_litigation.value_domain": (
        F2021,
        lambda r: r.review_litigation.__setitem__("suit_direct_pending", CellValue(-1, "-1")),
        "review_litigation.suit_direct_pending",
    ),
    "review_litigation.value_integer": (
        F2021,
        lambda r: r.review_litigation.__setitem__("suit_direct_other", CellValue(1.5, "1.5")),
        "review_litigation.suit_direct_other",
    ),
    "review_litigation.block_total": (
        F2021,
        lambda r: r.review_litigation.__setitem__("suit_direct_total", CellValue(6, "6")),
        "review_litigation.suit_direct_total",
    ),
    "historical_figures.allowed_metrics": (
        PRE2019,
        lambda r: r.historical_figures.append(HistoricalFigure("visitors", 5, "人", "year", "5", "prose")),
        "historical_figures.visitors.year",
    ),
    "historical_figures.allowed_periods": (
        PRE2019,
        lambda r: r.historical_figures.append(
            HistoricalFigure("requests_received", 5, "件", "month", "5", "prose")
        ),
        "historical_figures.requests_received.month",
    ),
    "historical_figures.value_domain": (
        PRE2019,
        lambda r: r.historical_figures.append(
            HistoricalFigure("requests_received", -5, "件", "cumulative", "-5", "table")
        ),
        "historical_figures.requests_received.cumulative",
    ),
}
LINEAGE_GATES = {  # check -> event that breaks it, the cell named
    "lineage.stage": (
        LineageEvent("teleport", "ok", "2025-01-01T00:00:00Z", "2025-01-01T00:00:01Z"),
        "lineage.teleport.stage",
    ),
    "lineage.status": (
        LineageEvent("fetch", "maybe", "2025-01-01T00:00:00Z", "2025-01-01T00:00:01Z"),
        "lineage.fetch.status",
    ),
    "lineage.time_order": (
        LineageEvent("fetch", "ok", "2025-01-01T00:00:05Z", "2025-01-01T00:00:01Z"),
        "lineage.fetch.ended_at",
    ),
    "lineage.input_sha256": (
        LineageEvent(
            "parse", "ok", "2025-01-01T00:00:00Z", "2025-01-01T00:00:01Z", input_sha256="not-a-hash"
        ),
        "lineage.parse.input_sha256",
    ),
}
RESULT_GATES = {  # validation_results rows that break each gate
    "validation_results.check_named": {"check": None, "severity": "error", "table": "reports"},
    "validation_results.severity": {"check": "x.y", "severity": "fatal", "table": "reports"},
    "validation_results.table": {"check": "x.y", "severity": "error", "table": "spreadsheet"},
}


def _unique(report: Report, tag: str) -> Report:
    """A copy with its own bytes' identity, so each broken fixture is its own report in the batch."""
    clone = copy.deepcopy(report)
    if clone.sha256 and all(c in "0123456789abcdef" for c in clone.sha256[:2]):
        clone.sha256 = hashlib.sha256(f"{tag}:{report.sha256}".encode()).hexdigest()
    else:
        clone.sha256 = clone.sha256[:2] + hashlib.sha256(tag.encode()).hexdigest()[2:]
    return clone


def test_every_gate_has_a_fixture() -> None:
    assert sorted(all_checks()) == sorted([*GATES, *LINEAGE_GATES, *RESULT_GATES])


def test_the_base_reports_pass_every_gate(reports: dict[str, Report]) -> None:
    batch = [reports[n] for n in (F2021, F2019, PRE2019, HONGZE_2024, "huaian-2024.pdftotext-layout.txt")]
    outcome = validate_reports(batch, None, docs=False)
    for report in batch:
        result = outcome.for_report(report)
        assert result is not None and result.failures == [] and result.status == "valid", report.source


def test_each_broken_fixture_fails_its_gate(reports: dict[str, Report]) -> None:
    batch: list[Report] = [reports[HONGZE_2023]]
    wanted: dict[str, tuple[str, str]] = {}
    agencies: dict[str, str] = {}
    for check, (base, breaker, where) in GATES.items():
        report = _unique(reports[base], check)
        breaker(report)
        batch.append(report)
        rid = report_id_for(report.sha256)
        wanted[check] = (rid, where)
        if check == "reports.agency_slug":
            agencies[rid] = "Not_A-Slug!"
    lineage = []
    for check, (event, where) in LINEAGE_GATES.items():
        rid = report_id_for(batch[1 + list(GATES).index("reports.year_present")].sha256)
        event.report_id = rid
        lineage.append(event)
        wanted[check] = (rid, where)
    outcome = validate_reports(batch, None, agencies=agencies, lineage=lineage, docs=False)
    for check, (rid, where) in wanted.items():
        failures = [f for f in outcome.reports[rid].failures if f.check == check]
        assert failures, f"{check} did not fail; got {[f.check for f in outcome.reports[rid].failures]}"
        assert where in {f.where for f in failures}, (check, [f.where for f in failures])
        assert all(f.message and "{" not in f.message for f in failures), failures
        severity = failures[0].severity
        status = outcome.reports[rid].status
        if check != "reports.form_known":
            assert status == ("quarantined" if severity == "error" else status), (check, status)
            if severity == "error":
                assert status == "quarantined"
            else:
                assert status in ("warnings", "quarantined")


def test_a_gate_failure_names_expected_and_observed(reports: dict[str, Report]) -> None:
    report = reports[F2021]
    _cell(report, "unable_not_held", "total", 7)
    outcome = validate_reports([report], None, docs=False)
    failure = next(f for f in outcome.for_report(report).failures if f.check == "applications.row_sum")
    parts = sum(
        report.applications[("unable_not_held", c)].value or 0
        for c in (
            "natural_person",
            "commercial_enterprise",
            "research_institution",
            "public_interest_org",
            "legal_service_org",
            "other_org",
        )
    )
    assert (failure.row, failure.column, failure.expected, failure.observed) == (
        "unable_not_held",
        "total",
        str(parts),
        "7",
    )
    assert "本机关不掌握相关政府信息" in failure.message and failure.severity == "error"


def test_validation_results_gates_fail_on_bad_rows() -> None:
    gx = _Gx.get()
    suite = load_suites()["validation_results"]
    for check, row in RESULT_GATES.items():
        frame = frames.validation_results_frame([{"report_id": "r1", "row": None, "column": None, **row}])
        result = gx.validate(suite, frame, f"gate-{check}")
        failed = {f.check for f in failures_from_result(result, frame)}
        assert check in failed, (check, failed)


def test_hongze_2023_breaks_its_own_review_identity(reports: dict[str, Report]) -> None:
    report = reports[HONGZE_2023]
    outcome = validate_reports([report], None, docs=False)
    result = outcome.for_report(report)
    assert result.status == "quarantined"
    broken = sorted((f.where, f.expected, f.observed) for f in result.failures)
    assert broken == [
        ("review_litigation.review_total", "11", "0"),
        ("review_litigation.suit_after_review_total", "5", "0"),
    ]


def test_cross_year_against_the_lake(tmp_path: Path, reports: dict[str, Report]) -> None:
    store = open_store(str(tmp_path / "lake"))
    last_year = reports[HONGZE_2023]
    write_batch(store, [last_year], validate_reports([last_year], store, docs=False))
    this_year = reports[HONGZE_2024]
    assert validate_reports([this_year], store, docs=False).for_report(this_year).status == "valid"
    _cell(this_year, "carried_over_from_last_year", "natural_person", 2)
    _cell(this_year, "carried_over_from_last_year", "total", 2)
    result = validate_reports([this_year], store, docs=False).for_report(this_year)
    cross = [f for f in result.failures if f.check == "applications.cross_year"]
    assert {(f.column, f.expected, f.observed) for f in cross} == {
        ("natural_person", "0", "2"),
        ("total", "0", "2"),
    }
    assert all(f.severity == "warning" and report_id_for(last_year.sha256) in f.message for f in cross)
    # another agency's last year does not count
    other = validate_reports([this_year], store, agencies={this_year.sha256: "another-agency"}, docs=False)
    assert not [f for f in other.for_report(this_year).failures if f.check == "applications.cross_year"]


def test_cross_year_reads_the_newer_commit_when_its_files_were_compacted_away(
    tmp_path: Path, reports: dict[str, Report], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Validation runs beside other batches' writes: a state read just before a compaction names files
    that are gone when they are read (a KeyError failed 13 of 500 batches at 100,000 documents). The
    check then reads the newest commit, and finds last year's report there."""
    from gongkai.lake import log
    from gongkai.lake.writer import compact

    store = open_store(str(tmp_path / "lake"))
    last_year = reports[HONGZE_2023]
    write_batch(store, [last_year], validate_reports([last_year], store, docs=False))
    other = copy.deepcopy(last_year)  # another report of that year: a second file in each partition
    other.sha256 = hashlib.sha256(b"another report").hexdigest()
    write_batch(
        store, [other], validate_reports([other], store, agencies={other.sha256: "other"}, docs=False)
    )
    stale = log.read_state(store)
    compact(store)
    assert not any(store.exists(key) for key in stale.table_files("applications"))
    read_state, reads = log.read_state, []

    def stale_first(store_: object) -> log.LakeState:
        reads.append(1)
        return stale if len(reads) == 1 else read_state(store_)  # type: ignore[arg-type]

    monkeypatch.setattr(log, "read_state", stale_first)
    this_year = reports[HONGZE_2024]
    _cell(this_year, "carried_over_from_last_year", "natural_person", 2)
    result = validate_reports([this_year], store, docs=False).for_report(this_year)
    cross = [f for f in result.failures if f.check == "applications.cross_year"]
    assert {(f.column, f.expected, f.observed) for f in cross} == {("natural_person", "0", "2")}
    assert len(reads) >= 2


def test_a_report_printing_other_handling_as_one_row_is_complete(reports: dict[str, Report]) -> None:
    report = reports[HONGZE_2024]  # f2021 form, （六）其他处理 printed as one row
    assert ("other_handling", "total") in report.applications
    outcome = validate_reports([report], None, docs=False)
    assert outcome.for_report(report).failures == []


def test_data_docs_are_built_into_the_lake(tmp_path: Path, reports: dict[str, Report]) -> None:
    store = open_store(str(tmp_path / "lake"))
    outcome = validate_reports([reports[HONGZE_2023]], store)
    assert outcome.docs_uri == store.url(f"data_docs/run-{outcome.run_id}.html")
    page = store.get(f"data_docs/run-{outcome.run_id}.html").decode()
    assert "review_litigation" in page
    pages = [k for k in store.list("data_docs/validations/review_litigation/") if outcome.run_id in k]
    assert len(pages) == 1
    assert (
        "In each block 总计 = 维持 + 纠正 + 其他 + 尚未审结" in store.get(pages[0]).decode()
    )  # the gate, as documented
    assert (
        outcome.suite_results["review_litigation"] is False
        and outcome.suite_results["active_disclosure"] is True
    )


@pytest.mark.parametrize(
    "name",
    [
        "reports",
        "applications",
        "review_litigation",
        "active_disclosure",
        "historical_figures",
        "validation_results",
        "lineage",
    ],
)
def test_each_lake_table_has_a_suite_in_expectations(name: str) -> None:
    suite = load_suites()[name]
    assert suite["name"] == name and suite["expectations"]
    for expectation in suite["expectations"]:
        assert expectation["meta"]["check"].startswith(f"{name}.")
        assert expectation["severity"] in ("critical", "warning")
