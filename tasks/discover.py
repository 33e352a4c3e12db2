"""Discover: find a report year's documents for a group of agencies, then plan them against the lake."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from prefect import task

from gongkai.pipeline import discover as stage
from gongkai.pipeline import plan as planning
from gongkai.pipeline.record import DocumentRecord
from tasks import COMMON, Parcel, retrying, run_context


@task(name="discover", **retrying(2, 10), **COMMON)
def discover(agency_ids: Sequence[str], year: int, registry: str | None = None) -> stage.Discovered:
    """Listing pages → links, for each agency of the group. An agency whose listing cannot be read is
    counted as failed in the result; only an error of the whole group (after retries) fails the task."""
    return stage.discover(agency_ids, year, registry=registry, context=run_context())


@task(name="recent-discoveries", **retrying(2, 5), **COMMON)
def recent(agency_ids: Sequence[str], year: int, lake: str | None,
           revalidate_after_hours: float = 12.0) -> stage.Discovered:
    """Agencies whose listing was read within the window: their links, from the lake's lineage."""
    return stage.recent_discoveries(agency_ids, year, lake, dt.timedelta(hours=revalidate_after_hours))


@task(name="plan", **retrying(2, 5), **COMMON)
def plan(records: Parcel[Sequence[DocumentRecord]], lake: str | None,
         force: bool = False) -> Parcel[list[DocumentRecord]]:
    """What the lake already holds for each document (one read of lineage and reports for the year)."""
    return Parcel(planning.plan(records.value, lake, force=force))
