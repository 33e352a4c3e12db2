"""Validate: the Great Expectations suites over a batch's parsed reports (and its lineage events)."""

from __future__ import annotations

import logging
from pathlib import Path

from gongkai.outcome import ValidationOutcome
from gongkai.pipeline.batch import CPU_LOCK, Batch
from gongkai.pipeline.plan import lake_store


def agencies_of(batch: Batch) -> dict[str, str]:
    """report_id → agency slug, for the records that have one (from the registry, not the printed name)."""
    return {r.report_id: r.agency_id for r in batch.parsed if r.report_id and r.agency_id}


def validate_batch(
    batch: Batch, *, run_id: str | None = None, docs: bool = True, docs_dir: Path | None = None
) -> ValidationOutcome | None:
    """Validate the batch's reports with the Great Expectations suites (None when nothing was parsed)."""
    reports = batch.reports
    if not reports:
        return None
    from gongkai.validate.runner import validate_reports

    # GX forces this logger to INFO on import and then announces a temporary folder per validation
    logging.getLogger("great_expectations.data_context.types.base").setLevel(logging.WARNING)
    with CPU_LOCK:
        return validate_reports(
            reports,
            lake_store(batch.lake),
            agencies=agencies_of(batch) or None,
            lineage=batch.events,
            run_id=run_id,
            docs=docs,
            docs_dir=docs_dir,
        )
