"""The validation gates, derived from the forms as data (gongkai/forms.py), as Great Expectations suites.

One suite per lake table. Each expectation carries in `meta`:
- `check`: a stable name (`applications.row_sum`), used in validation_results and in tests;
- `table`, `anchor_row`, `anchor_column`: the cell a failure names when the frame row does not;
- `observed_column` (sum identities): the helper column holding the negated printed total;
- `message`: a template for the person reading validation_results.
GX `severity` "critical" makes a failing report `quarantined`; "warning" gives it `warnings`.

The JSON files in expectations/ are generated from here (`python -m gongkai.validate.checks --write`);
a test keeps them in step. The frames these suites run on are built by gongkai/validate/frames.py.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from gongkai import forms
from gongkai.agency import SLUG_RE
from gongkai.historical import METRICS, PERIODS
from gongkai.lake.schemas import LINEAGE_STAGES, LINEAGE_STATUSES, REPORT_TABLES, SEVERITIES, TABLES

SUITE_TABLES = (*REPORT_TABLES, "lineage")
FIRST_REPORT_YEAR = 2007  # the 条例 took effect in 2008; its first reports cover 2008 (some 2007 prose)
PLAUSIBLE_MAX = 10_000_000  # a count above this is a misread number (joined cells, a year read as a count)
MAX_PUBLISH_LAG_YEARS = 3

# ---------------------------------------------------------------- derived from the forms


def allowed_application_rows() -> list[str]:
    """`<form>:<row>` pairs a report may hold; 2021-form reports may print （六）其他处理 as one row."""
    pairs = [f"{form}:{k.key}" for form, rows in forms.APPLICATION_ROWS.items() for k in rows]
    pairs.append(f"f2021:{forms.OTHER_HANDLING.key}")
    return sorted(set(pairs))


def allowed_active_keys() -> list[str]:
    return sorted(
        {
            f"{form}:{item.key}.{m.key}"
            for form, items in forms.ACTIVE_ITEMS.items()
            for item in items
            for m in item.metrics
        }
    )


def active_metric_kind(metric: str) -> str:
    """count (non-negative integer), amount (non-negative decimal) or change (signed integer)."""
    if metric == "change":
        return "change"
    if metric.endswith("_amount"):
        return "amount"
    return "count"


def expected_cells(form: str) -> dict[str, int]:
    """How many cells each table of a form has (report-json.md: every cell is present, null if blank)."""
    if form not in forms.APPLICATION_ROWS:
        return {}
    return {
        "applications": len(forms.APPLICATION_ROWS[form]) * len(forms.APPLICANT_KEYS),
        "review_litigation": len(forms.REVIEW_COLUMNS),
        "active_disclosure": sum(len(item.metrics) for item in forms.ACTIVE_ITEMS[form]),
    }


def identity_columns(identity: forms.Identity) -> list[str]:
    """The frame columns of an identity: its `plus` terms, then its `minus` terms and its total negated,
    so that a line that keeps the identity sums to 0."""
    return [
        *(f"{identity.short}_{t}" for t in identity.plus),
        *(f"{identity.short}_neg_{t}" for t in identity.minus),
        observed_column(identity),
    ]


def observed_column(identity: forms.Identity) -> str:
    return f"{identity.short}_neg_{identity.total}"


# the cross-year identity's frame columns: this year's cell, last year's negated, and last year's report
CROSS_YEAR_COLUMNS = (f"xy_{forms.CROSS_YEAR.row}", "xy_neg_previous_carried_forward")
CROSS_YEAR_DETAIL = "previous_report_id"

# ---------------------------------------------------------------- expectation builders


def _exp(
    type_: str, check: str, table: str, severity: str, message: str, description: str, **kwargs: Any
) -> dict[str, Any]:
    meta = {"check": check, "table": table, "message": message}
    for key in ("anchor_row", "anchor_column", "observed_column", "detail_column"):
        if key in kwargs:
            meta[key] = kwargs.pop(key)
    return {
        "type": type_,
        "kwargs": kwargs,
        "meta": meta,
        "severity": "critical" if severity == "error" else "warning",
        "description": description,
    }


def _in_set(
    check: str,
    table: str,
    severity: str,
    column: str,
    values: list[str],
    message: str,
    description: str,
    **extra: Any,
) -> dict[str, Any]:
    return _exp(
        "expect_column_values_to_be_in_set",
        check,
        table,
        severity,
        message,
        description,
        column=column,
        value_set=values,
        **extra,
    )


def _between(
    check: str,
    table: str,
    severity: str,
    column: str,
    lo: float | None,
    hi: float | None,
    message: str,
    description: str,
    **extra: Any,
) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"column": column}
    if lo is not None:
        kwargs["min_value"] = lo
    if hi is not None:
        kwargs["max_value"] = hi
    return _exp(
        "expect_column_values_to_be_between", check, table, severity, message, description, **kwargs, **extra
    )


def _sum_zero(
    check: str,
    table: str,
    severity: str,
    columns: list[str],
    observed: str,
    message: str,
    description: str,
    **extra: Any,
) -> dict[str, Any]:
    # GX has no "columns sum to another column": the frame carries the total negated, so the sum is 0.
    # Lines with any blank cell are skipped: a blank is not a zero (same rule as the parser's checks).
    return _exp(
        "expect_multicolumn_sum_to_equal",
        check,
        table,
        severity,
        message,
        description,
        column_list=columns,
        sum_total=0,
        ignore_row_if="any_value_is_missing",
        observed_column=observed,
        **extra,
    )


def _not_null(
    check: str, table: str, severity: str, column: str, message: str, description: str, **extra: Any
) -> dict[str, Any]:
    return _exp(
        "expect_column_values_to_not_be_null",
        check,
        table,
        severity,
        message,
        description,
        column=column,
        **extra,
    )


def _regex(
    check: str,
    table: str,
    severity: str,
    column: str,
    regex: str,
    message: str,
    description: str,
    **extra: Any,
) -> dict[str, Any]:
    return _exp(
        "expect_column_values_to_match_regex",
        check,
        table,
        severity,
        message,
        description,
        column=column,
        regex=regex,
        **extra,
    )


# ---------------------------------------------------------------- the suites


def _reports_suite() -> list[dict[str, Any]]:
    t = "reports"
    return [
        _in_set(
            "reports.form_known",
            t,
            "error",
            "form_version",
            ["f2021", "f2019", "pre2019"],
            "no statistical form could be recognised (form {observed}); check that the file is an annual "
            "report and that its tables were extracted",
            "The form is 2021, 2019 or pre-2019.",
            anchor_column="form_version",
        ),
        _not_null(
            "reports.year_present",
            t,
            "warning",
            "report_year",
            "the report year could not be read; it is filed under report_year=0 — give the year in the "
            "title or fix the metadata parser",
            "The report year is known.",
            anchor_column="report_year",
        ),
        _between(
            "reports.year_range",
            t,
            "error",
            "report_year",
            FIRST_REPORT_YEAR,
            None,
            "report year {observed} is before the 条例 existed; the year was misread",
            f"The report year is {FIRST_REPORT_YEAR} or later.",
            anchor_column="report_year",
        ),
        _between(
            "reports.year_not_future",
            t,
            "error",
            "years_after_now",
            None,
            1,
            "report year is {observed} years in the future; the year was misread",
            "The report year is at most next year.",
            anchor_column="report_year",
        ),
        _not_null(
            "reports.agency_present",
            t,
            "warning",
            "agency_id",
            "no agency name was found; pass --agency SLUG (or a registry slug) so the report can be "
            "joined with other years",
            "The agency is known.",
            anchor_column="agency_id",
        ),
        _regex(
            "reports.agency_slug",
            t,
            "error",
            "agency_id",
            SLUG_RE.pattern,
            "agency id {observed!r} is not an ASCII slug (lowercase letters, digits, hyphens)",
            "Agency ids are ASCII slugs.",
            anchor_column="agency_id",
        ),
        _regex(
            "reports.sha256_format",
            t,
            "error",
            "sha256",
            r"^[0-9a-f]{64}$",
            "sha256 {observed!r} is not 64 hex digits",
            "The source hash is a sha256.",
            anchor_column="sha256",
        ),
        _between(
            "reports.published_after_year",
            t,
            "warning",
            "publish_lag_years",
            0,
            MAX_PUBLISH_LAG_YEARS,
            "published {observed} years after the report year; check the report year and 成文日期",
            "A report is published within a few years after its year.",
            anchor_column="published_date",
        ),
        _between(
            "reports.complete_applications",
            t,
            "error",
            "missing_application_cells",
            0,
            0,
            "{observed} cells of 表三 are missing ({detail}) for this form; the table was not fully read",
            "Every 表三 cell of the form is present.",
            anchor_column="applications",
            detail_column="missing_application_detail",
        ),
        _between(
            "reports.complete_review",
            t,
            "error",
            "missing_review_cells",
            0,
            0,
            "{observed} cells of 表四 are missing ({detail}); the table was not fully read",
            "Every 表四 cell is present.",
            anchor_column="review_litigation",
            detail_column="missing_review_detail",
        ),
        _between(
            "reports.complete_active",
            t,
            "error",
            "missing_active_cells",
            0,
            0,
            "{observed} cells of 表二 are missing ({detail}) for this form; the table was not fully read",
            "Every 表二 cell of the form is present.",
            anchor_column="active_disclosure",
            detail_column="missing_active_detail",
        ),
        _between(
            "reports.blank_application_totals",
            t,
            "warning",
            "blank_application_totals",
            0,
            0,
            "{observed} rows of 表三 have a blank 总计 ({detail}); check whether the report left them "
            "blank or the parser missed them",
            "Every 表三 row has a 总计.",
            anchor_column="total",
            detail_column="blank_application_total_rows",
        ),
        _between(
            "reports.blank_review_cells",
            t,
            "warning",
            "blank_review_cells",
            0,
            0,
            "{observed} cells of 表四 are blank ({detail})",
            "Every 表四 cell has a value.",
            detail_column="blank_review_cell_names",
        ),
        _between(
            "reports.historical_figures_present",
            t,
            "warning",
            "n_historical_figures",
            1,
            None,
            "a report before 2019 with no figure read from its prose or 统计表",
            "Pre-2019 reports yield at least one historical figure.",
            anchor_column="historical_figures",
        ),
        _between(
            "reports.parser_errors",
            t,
            "error",
            "n_parser_errors",
            0,
            0,
            "the parser reported {observed} error(s): {detail}",
            "The parser reported no error.",
            detail_column="parser_error_detail",
        ),
    ]


def _active_suite() -> list[dict[str, Any]]:
    t = "active_disclosure"
    return [
        _in_set(
            "active_disclosure.allowed_keys",
            t,
            "error",
            "form_key",
            allowed_active_keys(),
            "item/metric {observed} is not in this form's 表二",
            "Item and metric keys belong to the form.",
        ),
        _between(
            "active_disclosure.count_domain",
            t,
            "error",
            "count_value",
            0,
            None,
            "{observed} is negative; a count cannot be",
            "Counts are not negative.",
        ),
        _between(
            "active_disclosure.count_integer",
            t,
            "error",
            "count_fraction",
            0,
            0,
            "a count with a fraction ({observed}); check the printed cell",
            "Counts are whole numbers.",
        ),
        _between(
            "active_disclosure.count_plausible",
            t,
            "warning",
            "count_value",
            None,
            PLAUSIBLE_MAX,
            "{observed} is implausibly large; cells may have been joined",
            "Counts are plausible.",
        ),
        _between(
            "active_disclosure.amount_domain",
            t,
            "error",
            "amount_value",
            0,
            None,
            "amount {observed} is negative",
            "Amounts are not negative.",
        ),
        _between(
            "active_disclosure.change_integer",
            t,
            "error",
            "change_fraction",
            0,
            0,
            "本年增/减 with a fraction ({observed})",
            "Changes are whole numbers (may be negative).",
        ),
    ]


def _identity_suite(table: str) -> list[dict[str, Any]]:
    """One sum-to-zero expectation per identity of forms.IDENTITIES on `table`; a failure names the total's cell."""
    out = []
    for identity in forms.IDENTITIES:
        if identity.table != table:
            continue
        anchor = {"row": {"anchor_column": identity.total}, "column": {"anchor_row": identity.total}}.get(
            identity.per, {}
        )
        out.append(
            _sum_zero(
                identity.check,
                table,
                identity.check_severity,
                identity_columns(identity),
                observed_column(identity),
                identity.check_message,
                identity.statement,
                **anchor,
            )
        )
    return out


def _applications_suite() -> list[dict[str, Any]]:
    t = "applications"
    cross = forms.CROSS_YEAR
    return [
        _in_set(
            "applications.allowed_rows",
            t,
            "error",
            "form_row",
            allowed_application_rows(),
            "row {observed} is not a row of this form's 表三",
            "Row keys belong to the form.",
        ),
        _in_set(
            "applications.allowed_columns",
            t,
            "error",
            "column",
            list(forms.APPLICANT_KEYS),
            "column {observed} is not an applicant column",
            "Column keys are the applicant columns.",
        ),
        _between(
            "applications.value_domain",
            t,
            "error",
            "value",
            0,
            None,
            "{observed} is negative; a number of applications cannot be",
            "Counts are not negative.",
        ),
        _between(
            "applications.value_integer",
            t,
            "error",
            "value_fraction",
            0,
            0,
            "a count with a fraction ({observed})",
            "Counts are whole numbers.",
        ),
        _between(
            "applications.value_plausible",
            t,
            "warning",
            "value",
            None,
            PLAUSIBLE_MAX,
            "{observed} is implausibly large; cells may have been joined",
            "Counts are plausible.",
        ),
        *_identity_suite(t),
        _sum_zero(
            cross.check,
            t,
            cross.check_severity,
            list(CROSS_YEAR_COLUMNS),
            CROSS_YEAR_COLUMNS[0],
            cross.check_message,
            cross.statement,
            anchor_row=cross.row,
            detail_column=CROSS_YEAR_DETAIL,
        ),
    ]


def _review_suite() -> list[dict[str, Any]]:
    t = "review_litigation"
    return [
        _in_set(
            "review_litigation.allowed_columns",
            t,
            "error",
            "column",
            list(forms.REVIEW_COLUMNS),
            "column {observed} is not a 表四 column",
            "Column keys are the 15 表四 columns.",
        ),
        _between(
            "review_litigation.value_domain",
            t,
            "error",
            "value",
            0,
            None,
            "{observed} is negative",
            "Counts are not negative.",
        ),
        _between(
            "review_litigation.value_integer",
            t,
            "error",
            "value_fraction",
            0,
            0,
            "a count with a fraction ({observed})",
            "Counts are whole numbers.",
        ),
        *_identity_suite(t),
    ]


def _historical_suite() -> list[dict[str, Any]]:
    t = "historical_figures"
    return [
        _in_set(
            "historical_figures.allowed_metrics",
            t,
            "error",
            "metric",
            sorted(m.key for m in METRICS),
            "metric {observed} is not in the historical vocabulary",
            "Metrics are in the vocabulary.",
        ),
        _in_set(
            "historical_figures.allowed_periods",
            t,
            "error",
            "period",
            list(PERIODS),
            "period {observed} is not year or cumulative",
            "Periods are year or cumulative.",
        ),
        _between(
            "historical_figures.value_domain",
            t,
            "error",
            "value",
            0,
            None,
            "{observed} is negative",
            "Figures are not negative.",
        ),
    ]


def _validation_results_suite() -> list[dict[str, Any]]:
    t = "validation_results"
    return [
        _not_null(
            "validation_results.check_named",
            t,
            "error",
            "check",
            "a validation result without a check name",
            "Every result names its check.",
        ),
        _in_set(
            "validation_results.severity",
            t,
            "error",
            "severity",
            list(SEVERITIES),
            "severity {observed} is not error or warning",
            "Severities are error or warning.",
        ),
        _in_set(
            "validation_results.table",
            t,
            "error",
            "table",
            sorted(TABLES),
            "table {observed} is not a lake table",
            "Results name a lake table.",
        ),
    ]


def _lineage_suite() -> list[dict[str, Any]]:
    t = "lineage"
    return [
        _in_set(
            "lineage.stage",
            t,
            "warning",
            "stage",
            list(LINEAGE_STAGES),
            "lineage stage {observed!r} is unknown",
            "Stages are the pipeline's stages.",
            anchor_column="stage",
        ),
        _in_set(
            "lineage.status",
            t,
            "warning",
            "status",
            list(LINEAGE_STATUSES),
            "lineage status {observed!r} is unknown",
            "Statuses are ok, unchanged, skipped, failed.",
            anchor_column="status",
        ),
        _between(
            "lineage.time_order",
            t,
            "warning",
            "duration_seconds",
            0,
            None,
            "a stage ended {observed} s before it started",
            "A stage ends after it starts.",
            anchor_column="ended_at",
        ),
        _regex(
            "lineage.input_sha256",
            t,
            "warning",
            "input_sha256",
            r"^[0-9a-f]{64}$",
            "input sha256 {observed!r} is not 64 hex digits",
            "Input hashes are sha256.",
            anchor_column="input_sha256",
        ),
    ]


def suites() -> dict[str, dict[str, Any]]:
    """Suite name (= lake table) → GX suite as a JSON-able dict."""
    builders = {
        "reports": _reports_suite,
        "active_disclosure": _active_suite,
        "applications": _applications_suite,
        "review_litigation": _review_suite,
        "historical_figures": _historical_suite,
        "validation_results": _validation_results_suite,
        "lineage": _lineage_suite,
    }
    return {
        name: {
            "name": name,
            "expectations": build(),
            "meta": {"generated_by": "gongkai.validate.checks", "table": name},
        }
        for name, build in builders.items()
    }


def all_checks() -> list[str]:
    return [e["meta"]["check"] for suite in suites().values() for e in suite["expectations"]]


EXPECTATIONS_DIR = Path(__file__).resolve().parents[2] / "expectations"


def suite_json(suite: dict[str, Any]) -> str:
    return json.dumps(suite, ensure_ascii=False, indent=1) + "\n"


def write_suites(directory: Path = EXPECTATIONS_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, suite in suites().items():
        path = directory / f"{name}.json"
        path.write_text(suite_json(suite), encoding="utf-8")
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Generate the GX suites in expectations/ from gongkai/forms.py"
    )
    parser.add_argument("--write", action="store_true", help="write expectations/*.json")
    parser.add_argument("--check", action="store_true", help="exit 1 if expectations/*.json are out of date")
    args = parser.parse_args(argv)
    stale = [
        name
        for name, suite in suites().items()
        if not (EXPECTATIONS_DIR / f"{name}.json").is_file()
        or (EXPECTATIONS_DIR / f"{name}.json").read_text(encoding="utf-8") != suite_json(suite)
    ]
    if args.write:
        for path in write_suites():
            print(path)
        return 0
    if stale:
        print("out of date: " + ", ".join(stale) + " (run python -m gongkai.validate.checks --write)")
        return 1
    print("expectations/ is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
