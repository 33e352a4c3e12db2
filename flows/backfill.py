"""Backfill: the ingest flow over a range of report years — the same code, with the year as a parameter.

Each year runs as a sub-flow of `ingest_year`, one after the other (each year is parallel inside).
Resumable with no state of its own: a re-run skips what the lake already holds (documents fetched
recently, bytes already parsed by this parser) and retries what failed (failed downloads and batches
have no report rows, so they are simply done again). A year that crashes does not stop the others.
"""

from __future__ import annotations

from prefect import flow

from flows.ingest import ingest_year, task_runner_from_env
from gongkai.clock import new_run_id, now_iso
from gongkai.pipeline.plan import lake_store
from gongkai.runs import DEFAULT_BATCH_SIZE, RunSummary, merge_runs, report_progress
from tasks import Parcel
from tasks.write import record_run


@flow(name="gongkai-backfill", task_runner=task_runner_from_env(), log_prints=False, persist_result=False)
def backfill(
    from_year: int,
    to_year: int,
    agencies: list[str] | None = None,
    lake: str | None = None,
    registry: str | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    per_host: int = 2,
    max_in_flight: int = 4,
    revalidate_after_hours: float = 12.0,
    force: bool = False,
    years: list[int] | None = None,
) -> Parcel[RunSummary]:
    """Ingest every report year from `from_year` to `to_year` (inclusive, either order); `years`, if given,
    picks the years to run instead (e.g. only those a corpus has)."""
    first, last = sorted((from_year, to_year))
    years = sorted(set(years)) if years else list(range(first, last + 1))
    summary = RunSummary(
        run_id=new_run_id(),
        lake=lake_store(lake).uri,
        years=years,
        started_at=now_iso("seconds"),
        kind="backfill",
    )
    parts = []
    failed = 0
    for done, year in enumerate(years):
        report_progress("years", done, len(years), failed)
        state = ingest_year(
            year=year,
            agencies=agencies,
            lake=lake,
            registry=registry,
            batch_size=batch_size,
            per_host=per_host,
            max_in_flight=max_in_flight,
            revalidate_after_hours=revalidate_after_hours,
            force=force,
            return_state=True,
        )
        if state.is_completed():
            year_summary: RunSummary = state.result().value
            parts.extend(year_summary.agencies)
            summary.data_docs.extend(year_summary.data_docs)
            summary.notes.extend(n for n in year_summary.notes if n not in summary.notes)
        else:
            failed += 1
            summary.notes.append(
                f"{year}: the year's flow run failed: {(state.message or state.name or 'failed')[:300]}"
            )
    report_progress("years", len(years), len(years), failed)
    summary.agencies = merge_runs(parts)
    summary.ended_at = now_iso("seconds")
    record_run.submit(Parcel(summary)).wait()
    return Parcel(summary)  # opaque to Prefect, as ingest_year's
