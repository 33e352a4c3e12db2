"""Discover: find a report year's documents for a group of agencies, then plan them against the lake."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from gongkai.pipeline import discover as stage
from gongkai.pipeline import plan as planning
from gongkai.pipeline.record import DocumentRecord
from tasks import Parcel, run_context, stage_task


@stage_task("discover", retries=2, base_delay=10)
def discover(agency_ids: Sequence[str], year: int, registry: str | None = None) -> stage.Discovered:
    """Listing pages → links, for each agency of the group. An agency whose listing cannot be read is
    counted as failed in the result; only an error of the whole group (after retries) fails the task."""
    return stage.discover(agency_ids, year, registry=registry, context=run_context())


@stage_task("recent-discoveries", retries=2, base_delay=5)
def recent(
    agency_ids: Sequence[str], year: int, lake: str | None, revalidate_after_hours: float = 12.0
) -> stage.Discovered:
    """Agencies whose listing was read within the window: their links, from the lake's lineage."""
    return stage.recent_discoveries(agency_ids, year, lake, dt.timedelta(hours=revalidate_after_hours))


@stage_task("plan", retries=2, base_delay=5)
def plan(
    records: Parcel[Sequence[DocumentRecord]], lake: str | None, force: bool = False
) -> Parcel[list[DocumentRecord]]:
    """What the lake already holds for each document (one read of lineage and reports for the year)."""
    return Parcel(planning.plan(records.value, lake, force=force))
