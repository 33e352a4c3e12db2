"""Reports, validation outcomes and lineage events → rows of the lake tables (plain dicts → pyarrow)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from typing import Any

import pyarrow as pa

from gongkai import forms
from gongkai.agency import agency_slug
from gongkai.lake.schemas import TABLES, partition_value
from gongkai.model import LineageEvent, Report, report_id_for
from gongkai.outcome import CheckFailure, ReportOutcome
from gongkai.parse import PARSER_VERSION

_REVIEW_PARTS = {
    f"{b.key}_{o.key}": (b.key, o.key) for b in forms.REVIEW_BLOCKS for o in forms.REVIEW_OUTCOMES
}
_SECTIONS = {(form, item.key): item.section for form, items in forms.ACTIVE_ITEMS.items() for item in items}
_EXTRACTORS = {
    "application/pdf": "pdf",
    "text/html": "html",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/msword": "doc",
    "text/plain": "text",
    "text/markdown": "text",
}
# columns excluded from a report's content hash: they change on every run without the data changing
_VOLATILE = {"ingested_at", "validated_at", "run_id", "content_hash"}


def agency_id_for(report: Report, given: str | None = None) -> str | None:
    return given or (agency_slug(report.agency_name) if report.agency_name else None)


def _int_cell(value: int | float | None, flags: list[str]) -> tuple[int | None, list[str]]:
    """Count tables hold integers: a non-integer value is kept in `raw` and flagged, never rounded."""
    if value is None:
        return None, list(flags)
    if isinstance(value, bool):
        return int(value), list(flags)
    if float(value).is_integer():
        return int(value), list(flags)
    return None, [*flags, "value_not_integer"]


def _date(text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return None


def _ts(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def report_rows(
    report: Report,
    outcome: ReportOutcome | None,
    *,
    agency_id: str | None,
    raw_uri: str | None,
    run_id: str | None,
    validated_at: str | None,
    ingested_at: dt.datetime,
    source_url: str | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """All rows one report contributes to the report tables (without the partition column)."""
    rid = report_id_for(report.sha256)
    status = outcome.status if outcome else "valid"
    failures: list[CheckFailure] = outcome.failures if outcome else []
    ids = {"report_id": rid, "agency_id": agency_id}
    form = report.form_version
    active = []
    for (item, metric), v in report.active_disclosure.items():
        active.append(
            {
                **ids,
                "form_version": form,
                "section": _SECTIONS.get((form, item)),
                "item": item,
                "metric": metric,
                "value": None if v.value is None else float(v.value),
                "raw": v.raw,
                "flags": list(v.flags),
                "status": status,
                "unit": v.unit,
            }
        )
    applications = []
    for (row, column), v in report.applications.items():
        value, flags = _int_cell(v.value, v.flags)
        applications.append(
            {
                **ids,
                "form_version": form,
                "row": row,
                "applicant": column,
                "value": value,
                "raw": v.raw,
                "flags": flags,
                "status": status,
            }
        )
    review = []
    for column, v in report.review_litigation.items():
        value, flags = _int_cell(v.value, v.flags)
        block, outcome_key = _REVIEW_PARTS.get(column, (None, None))
        review.append(
            {
                **ids,
                "form_version": form,
                "key": column,
                "block": block,
                "outcome": outcome_key,
                "value": value,
                "raw": v.raw,
                "flags": flags,
                "status": status,
            }
        )
    historical = [
        {
            **ids,
            "form_version": form,
            "metric": h.metric,
            "period": h.period,
            "value": None if h.value is None else float(h.value),
            "unit": h.unit,
            "source": h.source,
            "raw": h.raw,
            "flags": list(h.flags),
            "status": status,
        }
        for h in report.historical_figures
    ]
    validated = _ts(validated_at)
    results = [
        {
            **ids,
            "run_id": run_id,
            "check_name": f.check,
            "expectation": f.expectation,
            "table_name": f.table,
            "row_key": f.row,
            "column_key": f.column,
            "expected": f.expected,
            "observed": f.observed,
            "severity": f.severity,
            "message": f.message,
            "validated_at": validated,
        }
        for f in failures
    ]
    problems = [
        {"code": p.code, "severity": p.severity, "message": p.message, "where": p.where}
        for p in report.problems
    ]
    problems += [
        {"code": f.check, "severity": f.severity, "message": f.message, "where": f.where} for f in failures
    ]
    codes = list(dict.fromkeys(p["code"] for p in problems))
    reports = [
        {
            **ids,
            "agency_name": report.agency_name,
            "form_version": form,
            "published_date": _date(report.published_date),
            "source_url": source_url or report.source,
            "raw_uri": raw_uri,
            "sha256": report.sha256,
            "media_type": report.media_type,
            "status": status,
            "problem_codes": codes,
            "problems": problems,
            "n_errors": sum(f.severity == "error" for f in failures),
            "n_warnings": sum(f.severity != "error" for f in failures),
            # a report refused before parsing was still refused by this parser: the same version
            "parser_version": report.parser_version or PARSER_VERSION,
            "extractor": report.extractor or _EXTRACTORS.get(report.media_type, report.media_type),
            "content_hash": None,
            "ingested_at": ingested_at,
        }
    ]
    rows: dict[str, list[dict[str, Any]]] = {
        "reports": reports,
        "active_disclosure": active,
        "applications": applications,
        "review_litigation": review,
        "historical_figures": historical,
        "validation_results": results,
    }
    reports[0]["content_hash"] = content_hash(rows)
    return rows


def content_hash(rows: dict[str, list[dict[str, Any]]]) -> str:
    """A hash of a report's rows that ignores run times: equal hashes mean a re-load changes nothing."""
    digest = hashlib.sha256()
    for table in sorted(rows):
        for row in rows[table]:
            stable = {k: v for k, v in row.items() if k not in _VOLATILE}
            digest.update(
                json.dumps([table, stable], sort_keys=True, default=str, ensure_ascii=False).encode()
            )
    return digest.hexdigest()[:32]


def lineage_row(event: LineageEvent) -> dict[str, Any]:
    identity = {
        "stage": event.stage,
        "status": "ok" if event.status == "unchanged" else event.status,
        "report_id": event.report_id,
        "agency_id": event.agency_id,
        "input_uri": event.input_uri,
        "input_sha256": event.input_sha256,
        "output_uri": event.output_uri,
        "output_sha256": event.output_sha256,
        "code_version": event.code_version,
        "error": event.error,
    }
    event_id = hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:32]
    return {
        "event_id": event_id,
        "report_id": event.report_id,
        "agency_id": event.agency_id,
        "stage": event.stage,
        "status": event.status,
        "started_at": _ts(event.started_at),
        "ended_at": _ts(event.ended_at),
        "input_uri": event.input_uri,
        "input_sha256": event.input_sha256,
        "output_uri": event.output_uri,
        "output_sha256": event.output_sha256,
        "code_version": event.code_version,
        "flow_run_id": event.flow_run_id,
        "task_run_id": event.task_run_id,
        "error": event.error,
        "details": json.dumps(event.details, ensure_ascii=False, sort_keys=True, default=str)
        if event.details
        else None,
    }


def lineage_year(event: LineageEvent) -> int:
    year = getattr(event, "report_year", None)
    if year is None and isinstance(event.details, dict):
        year = event.details.get("report_year")
    return partition_value(year if isinstance(year, int) else None)


def to_arrow(table: str, rows: Iterable[dict[str, Any]]) -> pa.Table:
    """Rows → a pyarrow table with exactly the table's file schema (columns in order, types enforced)."""
    schema = TABLES[table].schema
    rows = list(rows)
    columns = {name: [r.get(name) for r in rows] for name in schema.names}
    return pa.Table.from_pydict(columns, schema=schema)


def report_partition(report: Report) -> int:
    return partition_value(report.report_year)
