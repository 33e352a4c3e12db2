"""What validation says about a batch of reports: plain data, no Great Expectations import."""

from __future__ import annotations

from dataclasses import dataclass, field

from gongkai.model import Report, report_id_for


@dataclass(frozen=True)
class CheckFailure:
    """One failed check on one report, naming the cell (table/row/column) it concerns."""

    report_id: str
    check: str  # e.g. applications.row_sum
    table: str
    row: str | None
    column: str | None
    expected: str | None
    observed: str | None
    severity: str  # error | warning
    message: str
    expectation: str | None = None  # GX expectation type

    @property
    def where(self) -> str:
        return ".".join(p for p in (self.table, self.row, self.column) if p)


@dataclass
class ReportOutcome:
    report_id: str
    agency_id: str | None
    status: str  # valid | warnings | quarantined | failed
    failures: list[CheckFailure] = field(default_factory=list)

    @property
    def errors(self) -> list[CheckFailure]:
        return [f for f in self.failures if f.severity == "error"]

    @property
    def warnings(self) -> list[CheckFailure]:
        return [f for f in self.failures if f.severity != "error"]


@dataclass
class ValidationOutcome:
    """The result of `validate_reports`: a status and failing cells per report, and the run's Data Docs."""

    run_id: str
    validated_at: str  # ISO 8601 UTC
    reports: dict[str, ReportOutcome] = field(default_factory=dict)  # by report_id
    docs_uri: str | None = None  # index.html of this run's Data Docs (in the lake)
    docs_path: str | None = None  # local folder the Data Docs were built in, if kept
    suite_results: dict[str, bool] = field(default_factory=dict)  # suite name → success
    docs_warning: str | None = None  # why this run's Data Docs could not be rendered (the data is unaffected)

    def for_report(self, report: Report) -> ReportOutcome | None:
        return self.reports.get(report_id_for(report.sha256))


# parser problems that keep a report out of the clean tables: a table its form must print was not read
QUARANTINING_PROBLEMS = frozenset({"national_table_missing", "applications_unreadable"})


def is_failed(report: Report) -> bool:
    """A report we could not read at all: no form, no cells, no historical figures — or a report on a
    national form none of whose tables could be read (every cell null, the tables named as missing)."""
    if (
        report.form_version == "unknown"
        and not report.applications
        and not report.active_disclosure
        and not report.review_litigation
        and not report.historical_figures
    ):
        return True
    cells = [
        *report.applications.values(),
        *report.active_disclosure.values(),
        *report.review_litigation.values(),
    ]
    return (
        report.form_version in ("f2021", "f2019")
        and all(c.value is None for c in cells)
        and any(p.code == "national_table_missing" for p in report.problems)
    )


def status_for(report: Report, failures: list[CheckFailure]) -> str:
    if is_failed(report):
        return "failed"
    if any(f.severity == "error" for f in failures) or any(
        p.code in QUARANTINING_PROBLEMS for p in report.problems
    ):
        return "quarantined"
    if failures or any(p.severity in ("error", "warning") for p in report.problems):
        return "warnings"
    return "valid"
