"""Write: a batch's reports, validation results and lineage (its records' stage events) in one atomic commit."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from gongkai.lake.writer import write_batch as lake_write_batch
from gongkai.lake.writer import write_lineage
from gongkai.model import LineageEvent, Report
from gongkai.outcome import ValidationOutcome, status_for
from gongkai.pipeline.batch import CPU_LOCK, Batch
from gongkai.pipeline.plan import lake_store
from gongkai.pipeline.record import NO_CONTEXT, DocumentRecord, RunContext, tally_records
from gongkai.run_report import write_run_pages
from gongkai.runs import AgencyRun, RunSummary, save_run


@dataclass
class WriteResult:
    tallies: list[AgencyRun]
    data_docs: str | None = None
    commit: str | None = None
    seq: int | None = None
    written: list[str] = field(default_factory=list)  # report ids whose rows were written or replaced
    unchanged: list[str] = field(default_factory=list)  # report ids whose rows were already in the lake


def write_batch(
    batch: Batch, outcome: ValidationOutcome | None, *, context: RunContext = NO_CONTEXT
) -> WriteResult:
    """Write the batch's reports, validation results and lineage (its records' events) in one atomic commit."""
    with CPU_LOCK:
        return _write_batch(batch, outcome, context=context)


def source_of(record: DocumentRecord) -> str:
    """What the reports table records as the document's source: its URL, or a local file's full path."""
    return str(Path(record.path).resolve()) if record.path else record.source


def _write_batch(batch: Batch, outcome: ValidationOutcome | None, *, context: RunContext) -> WriteResult:

    store = lake_store(batch.lake)
    records = [
        dataclasses.replace(r, outcomes=dict(r.outcomes), events=list(r.events)) for r in batch.records
    ]
    parsed = [r for r in records if r.outcomes.get("parse") == "parsed" and r.report is not None]
    for record in parsed:
        _validated(record, outcome)
    events = context.stamp(e for r in records for e in r.events)
    reports = [r.report for r in parsed if r.report is not None]
    if reports:
        agencies = {r.report_id: r.agency_id for r in parsed if r.report_id and r.agency_id}
        result = lake_write_batch(
            store,
            reports,
            outcome,
            events,
            agencies=agencies or None,
            sources={r.report_id: source_of(r) for r in parsed if r.report_id},
        )
    elif events:
        result = write_lineage(store, events)
    else:
        return WriteResult(tally_records(records))
    for record in parsed:
        record.outcomes["write"] = "written" if record.report_id in result.written else "unchanged"
    return WriteResult(
        tally_records(records),
        data_docs=getattr(outcome, "docs_uri", None),
        commit=result.commit_uri,
        seq=result.seq,
        written=list(result.written),
        unchanged=list(result.unchanged),
    )


def _validated(record: DocumentRecord, outcome: ValidationOutcome | None) -> None:
    """The report's status and failed checks from the validation outcome, with its validate event."""
    assert record.report is not None
    report_outcome = (
        outcome.reports.get(record.report_id) if outcome is not None and record.report_id else None
    )
    if outcome is None or report_outcome is None:
        record.report_status = _status_without_validation(record.report)
        return
    record.report_status = report_outcome.status
    record.failed_checks = [f.check for f in report_outcome.failures]
    record.event(
        "validate",
        "ok",
        outcome.validated_at,
        outcome.validated_at,
        agency_id=record.agency_id or report_outcome.agency_id,
        report_year=record.year if record.year is not None else record.report.report_year,
        details={"status": report_outcome.status, "run_id": outcome.run_id},
    )


def _status_without_validation(report: Report) -> str:
    return status_for(report, [])


def record_discoveries(
    lake: str | None, events: Sequence[LineageEvent], *, context: RunContext = NO_CONTEXT
) -> int:
    """Write discovery's lineage (one event per agency) as a run goes, so that a long run does not hold
    a year's worth of them until it ends; returns how many events were new."""
    if not events:
        return 0
    with CPU_LOCK:
        return write_lineage(lake_store(lake), context.stamp(events)).lineage_events


def record_run(
    summary: RunSummary, events: Sequence[LineageEvent] = (), *, context: RunContext = NO_CONTEXT
) -> str:
    """Write the run's discovery lineage, its run record (``runs/<run_id>.json``) and its report page
    (``runs/<run_id>.html``, gongkai.run_report) into the lake, and make the Data Docs open offline."""

    store = lake_store(summary.lake)
    if events:
        write_lineage(store, context.stamp(events))
    uri = save_run(store, summary)
    try:
        write_run_pages(store, summary)  # the run report and the offline Data Docs index
    except Exception as exc:  # pages for people: their failure must not fail a run whose data is written
        logging.getLogger(__name__).warning(
            "the run report of %s could not be written: %s", summary.run_id, exc
        )
    return uri
