"""Write: one atomic, idempotent commit per batch; and the run's record, summary and artifacts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from prefect import task
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from gongkai import ingest
from gongkai.model import LineageEvent
from gongkai.runs import RunSummary
from tasks import COMMON, Parcel, jittered_backoff, run_context


@task(name="write", retries=3, retry_delay_seconds=jittered_backoff(5), **COMMON)
def write(parsed: Parcel[ingest.ParsedBatch], outcome: Parcel[Any]) -> ingest.WriteResult:
    """Retried on store errors; a retry re-plans the commit, so it never duplicates rows."""
    return ingest.write_batch(parsed.value, outcome.value, context=run_context())


@task(name="record-run", retries=2, retry_delay_seconds=jittered_backoff(5), **COMMON)
def record_run(summary: Parcel[RunSummary], events: Parcel[Sequence[LineageEvent]] | None = None) -> str:
    """Discovery lineage, the run record in the lake, and the run summary as Prefect artifacts."""
    summary = summary.value
    uri = ingest.record_run(summary, events.value if events else (), context=run_context())
    years = sorted(set(summary.years)) or [0]
    slug = str(years[0]) if len(years) == 1 else f"{years[0]}-{years[-1]}"
    create_table_artifact(summary.table_rows(), key=f"gongkai-{summary.kind}-{slug}",
                          description=f"gongkai {summary.kind} {slug}: status {summary.status}, per agency")
    create_markdown_artifact(summary.markdown(), key=f"gongkai-{summary.kind}-{slug}-summary",
                             description=f"gongkai {summary.kind} {slug} summary")
    return uri
