"""A batch of reports → one pandas frame per lake table, shaped for the suites of checks.py.

Plain float64 and object columns only (GX mis-handles pandas' nullable Int64). A frame holds
several kinds of line, each filling only the columns its expectations read (the rest NaN/None,
which column expectations skip):

- `cell` lines: one per printed cell (key checks, value domains);
- `row` lines (applications): the six applicant parts `rs_*` and the negated 总计 `rs_neg_total`;
- `column` lines (applications): per applicant column, the result rows `rt_*` with the negated
  (七)总计, the balance `bal_*`, and the cross-year pair `xy_*`;
- `block` lines (review_litigation): `b_*` per 表四 block.

Every line has report_id, row and column (the cell a failure names); `unexpected_index_column_names`
returns those for failing lines.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import Any

import pandas as pd

from gongkai import forms
from gongkai.model import CellValue, LineageEvent, Report, report_id_for
from gongkai.validate.checks import (
    CROSS_YEAR_COLUMNS,
    CROSS_YEAR_DETAIL,
    active_metric_kind,
    expected_cells,
    identity_columns,
)

NAN = math.nan
INDEX_COLUMNS = ["report_id", "row", "column"]


@dataclass(frozen=True)
class Previous:
    """Last year's 结转下年度 of one agency and column, and the report it came from."""

    value: float
    report_id: str


def _f(value: Any) -> float:
    if value is None or isinstance(value, bool):
        return NAN
    try:
        return float(value)
    except (TypeError, ValueError):
        return NAN


def _fraction(value: float) -> float:
    return NAN if math.isnan(value) else abs(value - round(value))


def _frame(lines: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    """Columns named in TEXT_COLUMNS (or ending in _detail/_rows/_names) are Python objects, the rest float64:
    pandas 3 would infer its string dtype, and GX wants plain types."""
    names = list(dict.fromkeys([*INDEX_COLUMNS, *columns]))
    data: dict[str, Any] = {}
    for name in names:
        values = [line.get(name) for line in lines]
        if _is_text(name):
            data[name] = pd.Series(values, dtype=object)
        else:
            data[name] = pd.Series([NAN if v is None else v for v in values], dtype="float64")
    return pd.DataFrame(data, columns=names)


TEXT_COLUMNS = {
    "report_id",
    "row",
    "column",
    "form_version",
    "agency_id",
    "sha256",
    "form_row",
    "form_key",
    "previous_report_id",
    "metric",
    "period",
    "check",
    "severity",
    "table",
    "stage",
    "status",
    "input_sha256",
}


def _is_text(name: str) -> bool:
    return name in TEXT_COLUMNS or name.endswith(("_detail", "_rows", "_names"))


def _identity_lines(report: Report, table: str) -> list[dict[str, Any]]:
    """The lines of the identities of forms.IDENTITIES on `table` for one report: one line per row, column
    or block, holding the columns of every identity checked for it (checks.identity_columns). A `plus`
    term the report's form does not print is 0; a missing cell is NaN (the line is then skipped)."""
    cells: Mapping[Any, CellValue] = (
        report.applications if table == "applications" else report.review_litigation
    )
    row_keys = list(dict.fromkeys(r for r, _ in report.applications))
    rid = report_id_for(report.sha256)
    lines: list[dict[str, Any]] = []
    for _, group in groupby((i for i in forms.IDENTITIES if i.table == table), key=lambda i: i.per):
        identities = list(group)
        for over in identities[0].overs(row_keys):
            row, column = _anchor(identities[0], over)
            line: dict[str, Any] = {"report_id": rid, "row": row, "column": column}
            for identity in identities:
                counted = set(identity.plus_for(report.form_version, row_keys))
                value = {
                    t: _f(cell.value) if (cell := cells.get(identity.cell(over, t))) is not None else NAN
                    for t in (*identity.plus, *identity.minus, identity.total)
                }
                signed = [value[t] if t in counted else 0.0 for t in identity.plus] + [
                    -value[t] for t in (*identity.minus, identity.total)
                ]
                line.update(zip(identity_columns(identity), signed, strict=True))
            lines.append(line)
    return lines


def _anchor(identity: forms.Identity, over: str) -> tuple[str | None, str]:
    """(row, column) a failing line names: a 表三 row's 总计, an applicant column, a 表四 block's 总计."""
    if identity.per == "row":
        return over, identity.total
    if identity.per == "column":
        return None, over
    return None, str(identity.cell(over, identity.total))


def reports_frame(
    reports: Sequence[Report], agencies: Mapping[str, str | None], today: dt.date
) -> pd.DataFrame:
    lines = []
    for report in reports:
        rid = report_id_for(report.sha256)
        expected = expected_cells(report.form_version)
        year = _f(report.report_year)
        published = (
            _f(report.published_date[:4])
            if report.published_date and report.published_date[:4].isdigit()
            else NAN
        )
        line: dict[str, Any] = {
            "report_id": rid,
            "row": None,
            "column": None,
            "form_version": report.form_version,
            "report_year": year,
            "years_after_now": year - today.year,
            "agency_id": agencies.get(rid),
            "sha256": report.sha256,
            "publish_lag_years": published - year,
            "n_historical_figures": float(len(report.historical_figures))
            if report.form_version == "pre2019"
            else NAN,
        }
        if expected:
            present: dict[str, set[Any]] = {
                "applications": {(r, c) for r, c in report.applications},
                "review_litigation": set(report.review_litigation),
                "active_disclosure": set(report.active_disclosure),
            }
            wanted: dict[str, set[Any]] = {
                "applications": {
                    (k.key, c)
                    for k in forms.APPLICATION_ROWS[report.form_version]
                    for c in forms.APPLICANT_KEYS
                },
                "review_litigation": set(forms.REVIEW_COLUMNS),
                "active_disclosure": {
                    (i.key, m.key) for i in forms.ACTIVE_ITEMS[report.form_version] for m in i.metrics
                },
            }
            if report.form_version == "f2021" and forms.single_other_row(r for r, _ in report.applications):
                # printed the 2019 way: other_handling stands for the three other_* rows
                wanted["applications"] = {
                    (r, c)
                    for r in forms.printed_rows(report.form_version, True)
                    for c in forms.APPLICANT_KEYS
                }
                present["applications"] = {
                    (r, c) for r, c in present["applications"] if r not in forms.OTHER_SUBROWS
                }
            short = {
                "applications": "application",
                "review_litigation": "review",
                "active_disclosure": "active",
            }
            for table, name in short.items():
                missing = wanted[table] - present[table]
                line[f"missing_{name}_cells"] = float(len(missing))
                line[f"missing_{name}_detail"] = (
                    ", ".join(sorted(".".join(k) if isinstance(k, tuple) else k for k in missing)[:10])
                    or None
                )
            blank_rows = [
                r
                for r in dict.fromkeys(r for r, _ in report.applications)
                if (cell := report.applications.get((r, "total"))) is not None
                and cell.value is None
                and not (
                    r in forms.OTHER_SUBROWS and (forms.OTHER_HANDLING.key, "total") in report.applications
                )
            ]
            line["blank_application_totals"] = float(len(blank_rows))
            line["blank_application_total_rows"] = ", ".join(blank_rows[:10]) or None
            blank_review = [c for c, v in report.review_litigation.items() if v.value is None]
            line["blank_review_cells"] = float(len(blank_review))
            line["blank_review_cell_names"] = ", ".join(blank_review[:10]) or None
        errors = [p for p in report.problems if p.severity == "error"]
        line["n_parser_errors"] = float(len(errors))
        line["parser_error_detail"] = "; ".join(f"{p.code}: {p.message}" for p in errors)[:500] or None
        lines.append(line)
    return _frame(
        lines,
        [
            "form_version",
            "report_year",
            "years_after_now",
            "agency_id",
            "sha256",
            "publish_lag_years",
            "missing_application_cells",
            "missing_application_detail",
            "missing_review_cells",
            "missing_review_detail",
            "missing_active_cells",
            "missing_active_detail",
            "blank_application_totals",
            "blank_application_total_rows",
            "blank_review_cells",
            "blank_review_cell_names",
            "n_historical_figures",
            "n_parser_errors",
            "parser_error_detail",
        ],
    )


def active_frame(reports: Sequence[Report]) -> pd.DataFrame:
    lines = []
    for report in reports:
        rid = report_id_for(report.sha256)
        for (item, metric), cell in report.active_disclosure.items():
            value = _f(cell.value)
            kind = active_metric_kind(metric)
            lines.append(
                {
                    "report_id": rid,
                    "row": item,
                    "column": metric,
                    "form_key": f"{report.form_version}:{item}.{metric}",
                    "count_value": value if kind == "count" else NAN,
                    "count_fraction": _fraction(value) if kind == "count" else NAN,
                    "amount_value": value if kind == "amount" else NAN,
                    "change_fraction": _fraction(value) if kind == "change" else NAN,
                }
            )
    return _frame(lines, ["form_key", "count_value", "count_fraction", "amount_value", "change_fraction"])


def applications_frame(
    reports: Sequence[Report],
    agencies: Mapping[str, str | None],
    previous: Mapping[tuple[str, int, str], Previous],
) -> pd.DataFrame:
    """`previous[(agency_id, year, column)]` is that agency's 结转下年度 for `year` (from the lake or the batch)."""
    cross = forms.CROSS_YEAR
    lines: list[dict[str, Any]] = []
    for report in reports:
        rid = report_id_for(report.sha256)
        apps = report.applications
        for (row, column), cell in apps.items():
            value = _f(cell.value)
            lines.append(
                {
                    "report_id": rid,
                    "row": row,
                    "column": column,
                    "form_row": f"{report.form_version}:{row}",
                    "value": value,
                    "value_fraction": _fraction(value),
                }
            )
        if not apps:
            continue
        agency = agencies.get(rid)
        for line in _identity_lines(report, "applications"):
            if line["row"] is None:  # a column's line carries the cross-year pair too
                column = line["column"]
                this_year = apps.get((cross.row, column))
                prev = (
                    previous.get((agency, report.report_year - 1, column))
                    if agency and isinstance(report.report_year, int)
                    else None
                )
                line[CROSS_YEAR_COLUMNS[0]] = _f(this_year.value) if this_year is not None else NAN
                line[CROSS_YEAR_COLUMNS[1]] = -prev.value if prev else NAN
                line[CROSS_YEAR_DETAIL] = prev.report_id if prev else None
            lines.append(line)
    columns = [
        "form_row",
        "value",
        "value_fraction",
        *(c for i in forms.IDENTITIES if i.table == "applications" for c in identity_columns(i)),
        *CROSS_YEAR_COLUMNS,
        CROSS_YEAR_DETAIL,
    ]
    return _frame(lines, columns)


def review_frame(reports: Sequence[Report]) -> pd.DataFrame:
    lines: list[dict[str, Any]] = []
    for report in reports:
        rid = report_id_for(report.sha256)
        rl = report.review_litigation
        for column, cell in rl.items():
            value = _f(cell.value)
            lines.append(
                {
                    "report_id": rid,
                    "row": None,
                    "column": column,
                    "value": value,
                    "value_fraction": _fraction(value),
                }
            )
        if rl:
            lines.extend(_identity_lines(report, "review_litigation"))
    return _frame(
        lines,
        [
            "value",
            "value_fraction",
            *(c for i in forms.IDENTITIES if i.table == "review_litigation" for c in identity_columns(i)),
        ],
    )


def historical_frame(reports: Sequence[Report]) -> pd.DataFrame:
    lines = [
        {
            "report_id": report_id_for(r.sha256),
            "row": h.metric,
            "column": h.period,
            "metric": h.metric,
            "period": h.period,
            "value": _f(h.value),
        }
        for r in reports
        for h in r.historical_figures
    ]
    return _frame(lines, ["metric", "period", "value"])


def validation_results_frame(rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    lines = [
        {
            "report_id": r.get("report_id"),
            "row": r.get("row"),
            "column": r.get("column"),
            "check": r.get("check"),
            "severity": r.get("severity"),
            "table": r.get("table"),
        }
        for r in rows
    ]
    return _frame(lines, ["check", "severity", "table"])


def lineage_frame(events: Sequence[LineageEvent]) -> pd.DataFrame:
    def seconds(text: str | None) -> float:
        try:
            return dt.datetime.fromisoformat((text or "").replace("Z", "+00:00")).timestamp()
        except ValueError:
            return NAN

    lines = [
        {
            "report_id": e.report_id,
            "row": e.stage,
            "column": None,
            "stage": e.stage,
            "status": e.status,
            "duration_seconds": seconds(e.ended_at) - seconds(e.started_at),
            "input_sha256": e.input_sha256,
        }
        for e in events
    ]
    return _frame(lines, ["stage", "status", "duration_seconds", "input_sha256"])
