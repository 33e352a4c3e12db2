"""Golden files: a report's printed values in the shape of ../shared/corpus/expected/*.json.

`golden_of` writes one (once, then a person checks it); `differences` lists every cell where a
parsed report disagrees with one — the golden tests of every format use it.
"""

from __future__ import annotations

from typing import Any

from gongkai.model import Report


def golden_of(report: Report, file_name: str, notes: list[str]) -> dict[str, Any]:
    applications: dict[str, dict[str, object]] = {}
    for (row, column), cell in report.applications.items():
        applications.setdefault(row, {})[column] = cell.value
    return {
        "file": file_name,
        "form_version": report.form_version,
        "report_year": report.report_year,
        "agency_name": report.agency_name,
        "published_date": report.published_date,
        "active_disclosure": {f"{i}.{m}": c.value for (i, m), c in report.active_disclosure.items()},
        "applications": applications,
        "review_litigation": {k: c.value for k, c in report.review_litigation.items()},
        "notes": notes,
    }


def differences(report: Report, expected: dict[str, Any]) -> list[str]:
    """Every disagreement between a report and its golden file, one line each; [] when exact."""
    got = golden_of(report, expected.get("file", ""), [])
    out: list[str] = []
    for field in ("form_version", "report_year", "agency_name", "published_date"):
        if field in expected and got[field] != expected[field]:
            out.append(f"{field}: got {got[field]!r}, expected {expected[field]!r}")
    for table in ("active_disclosure", "review_litigation"):
        for key in sorted(set(expected[table]) | set(got[table])):
            a, b = got[table].get(key, "<missing>"), expected[table].get(key, "<missing>")
            if a != b:
                out.append(f"{table}.{key}: got {a!r}, expected {b!r}")
    for row in list(expected["applications"]) + [
        r for r in got["applications"] if r not in expected["applications"]
    ]:
        exp_row = expected["applications"].get(row, {})
        got_row = got["applications"].get(row, {})
        for column in sorted(set(exp_row) | set(got_row)):
            a, b = got_row.get(column, "<missing>"), exp_row.get(column, "<missing>")
            if a != b:
                out.append(f"applications.{row}.{column}: got {a!r}, expected {b!r}")
    return out


def golden_cells(golden: dict[str, Any]) -> dict[str, Any]:
    """A golden file's cells by 'table.row.column' (the names `gongkai.synth_files.score` scores)."""
    cells = {
        f"{table}.{key}": value
        for table in ("active_disclosure", "review_litigation")
        for key, value in golden[table].items()
    }
    for row, columns in golden["applications"].items():
        cells.update({f"applications.{row}.{column}": value for column, value in columns.items()})
    return cells
