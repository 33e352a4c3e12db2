"""Write: one atomic, idempotent commit per batch; and the run's record, summary and artifacts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from prefect import task
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from gongkai.model import LineageEvent
from gongkai.pipeline import write as stage
from gongkai.pipeline.batch import Batch
from gongkai.runs import RunSummary
from tasks import COMMON, Parcel, retrying, run_context


@task(name="write", **retrying(3, 5), **COMMON)
def write(parsed: Parcel[Batch], outcome: Parcel[Any]) -> stage.WriteResult:
    """Retried on store errors; a retry re-plans the commit, so it never duplicates rows."""
    return stage.write_batch(parsed.value, outcome.value, context=run_context())


@task(name="record-run", **retrying(2, 5), **COMMON)
def record_run(summary: Parcel[RunSummary], events: Parcel[Sequence[LineageEvent]] | None = None) -> str:
    """Discovery lineage, the run record in the lake, and the run summary as Prefect artifacts."""
    summary = summary.value
    uri = stage.record_run(summary, events.value if events else (), context=run_context())
    years = sorted(set(summary.years)) or [0]
    slug = str(years[0]) if len(years) == 1 else f"{years[0]}-{years[-1]}"
    create_table_artifact(summary.table_rows(), key=f"gongkai-{summary.kind}-{slug}",
                          description=f"gongkai {summary.kind} {slug}: status {summary.status}, per agency")
    create_markdown_artifact(summary.markdown(), key=f"gongkai-{summary.kind}-{slug}-summary",
                             description=f"gongkai {summary.kind} {slug} summary")
    return uri
