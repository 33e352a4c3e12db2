"""The stages chained without an orchestrator, and the accounting of a batch whose stage failed.

The flows (flows/) run the same stage functions as Prefect tasks; what they learn from the tasks' states
comes back here (`batch_tallies`), so the counting lives in one place.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from gongkai.pipeline.batch import Batch
from gongkai.pipeline.fetch import fetch_batch
from gongkai.pipeline.parse import parse_batch
from gongkai.pipeline.plan import DEFAULT_REVALIDATE_AFTER, make_batches, plan
from gongkai.pipeline.record import DocumentRecord
from gongkai.pipeline.validate import validate_batch
from gongkai.pipeline.write import WriteResult, write_batch
from gongkai.runs import DEFAULT_BATCH_SIZE, AgencyRun, RunSummary, merge_runs

# the stages of a batch after planning, in order (the names of their Prefect tasks)
BATCH_STAGES = ("fetch", "extract-parse", "validate", "write")


def stage_failed(
    records: Sequence[DocumentRecord], stage: str, error: str, reached: Sequence[AgencyRun] | None = None
) -> list[AgencyRun]:
    """Tallies for a batch whose `stage` failed after its retries: its documents that had not already
    failed to download count as failed at that stage; `reached` are the tallies of the last stage done."""
    tallies = {(t.agency_id, t.year): dataclasses.replace(t) for t in reached or ()}
    per_agency: dict[tuple[str, int], int] = defaultdict(int)
    for record in records:
        per_agency[(record.agency_id or "", record.year or 0)] += 1
    for key, count in per_agency.items():
        tally = tallies.setdefault(key, AgencyRun(*key))
        if stage == "fetch" or not reached:
            lost = count
        elif stage in ("validate", "write"):
            lost = tally.parsed  # documents skipped as unchanged were not affected
        else:
            lost = count - tally.fetch_failed
        tally.stage_failed += max(0, lost)
        tally.add_error(f"{stage} failed for {lost} document(s): {error}")
    return list(tallies.values())


def batch_tallies(
    records: Sequence[DocumentRecord],
    results: Sequence[Any | None],
    failure: tuple[str, str] | None,
    summary: RunSummary | None = None,
) -> list[AgencyRun]:
    """A batch's tallies once its stages are done: from its write, or — if a stage failed — from the last
    stage that completed, with the batch's documents counted as failed at the stage that did not.

    results: each stage's value, in `BATCH_STAGES` order (None for a stage that did not complete);
    failure: (stage, reason) of the first stage that did not complete; summary: gets the Data Docs link."""
    fetched, parsed, _outcome, written = (*results, None, None, None, None)[:4]
    if isinstance(written, WriteResult):
        if summary is not None and written.data_docs and written.data_docs not in summary.data_docs:
            summary.data_docs.append(written.data_docs)
        return written.tallies
    stage, error = failure or ("write", "did not complete")
    reached = None
    if stage in ("validate", "write") and isinstance(parsed, Batch):
        reached = parsed.tallies
    elif stage != "fetch" and isinstance(fetched, Batch):
        reached = fetched.tallies
    return stage_failed(records, stage, error, reached)


def run_library(
    records: Sequence[DocumentRecord],
    lake: str | None,
    *,
    registry: str | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    revalidate_after: dt.timedelta = DEFAULT_REVALIDATE_AFTER,
    force: bool = False,
) -> list[AgencyRun]:
    """Plan, then fetch → parse → validate → write each batch in this thread (the benchmark baseline)."""
    parts: list[AgencyRun] = []
    for batch in make_batches(plan(records, lake, force=force), batch_size):
        fetched = fetch_batch(batch, lake, registry=registry, revalidate_after=revalidate_after)
        parsed = parse_batch(fetched, force=force)
        outcome = validate_batch(parsed)
        parts.extend(write_batch(parsed, outcome).tallies)
    return merge_runs(parts)
