"""Write: one atomic, idempotent commit per batch; and the run's record, summary and artifacts."""

from __future__ import annotations

from collections.abc import Sequence

from prefect.artifacts import create_markdown_artifact, create_table_artifact

from gongkai.model import LineageEvent
from gongkai.outcome import ValidationOutcome
from gongkai.pipeline import write as stage
from gongkai.pipeline.batch import Batch
from gongkai.runs import RunSummary
from tasks import Parcel, run_context, stage_task


@stage_task("write", retries=3, base_delay=5)
def write(parsed: Parcel[Batch], outcome: Parcel[ValidationOutcome | None]) -> stage.WriteResult:
    """Retried on store errors; a retry re-plans the commit, so it never duplicates rows."""
    return stage.write_batch(parsed.value, outcome.value, context=run_context())


# agencies in the run's table artifact: a national run has tens of thousands, which the Prefect UI cannot
# show usefully and the API stores as one JSON value; the run record in the lake lists them all
ARTIFACT_ROWS = 2000


@stage_task("record-discoveries", retries=3, base_delay=5)
def record_discoveries(lake: str | None, events: Parcel[Sequence[LineageEvent]]) -> int:
    """Discovery lineage of the agencies discovered so far, written as the run goes."""
    return stage.record_discoveries(lake, events.value, context=run_context())


@stage_task("record-run", retries=2, base_delay=5)
def record_run(summary: Parcel[RunSummary], events: Parcel[Sequence[LineageEvent]] | None = None) -> str:
    """Discovery lineage, the run record in the lake, and the run summary as Prefect artifacts."""
    run = summary.value
    uri = stage.record_run(run, events.value if events else (), context=run_context())
    years = sorted(set(run.years)) or [0]
    slug = str(years[0]) if len(years) == 1 else f"{years[0]}-{years[-1]}"
    rows = run.table_rows(limit=ARTIFACT_ROWS)
    shown = (
        ""
        if len(rows) == len(run.agencies)
        else f" ({len(rows)} of {len(run.agencies)}, failures first; all in {uri})"
    )
    create_table_artifact(
        rows,
        key=f"gongkai-{run.kind}-{slug}",
        description=f"gongkai {run.kind} {slug}: status {run.status}, per agency{shown}",
    )
    create_markdown_artifact(
        run.markdown(limit=ARTIFACT_ROWS),
        key=f"gongkai-{run.kind}-{slug}-summary",
        description=f"gongkai {run.kind} {slug} summary",
    )
    return uri
