"""Discover: find a report year's documents for a group of agencies, then plan them against the lake."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from prefect import task

from gongkai import ingest
from tasks import COMMON, Parcel, jittered_backoff, run_context


@task(name="discover", retries=2, retry_delay_seconds=jittered_backoff(10), **COMMON)
def discover(agency_ids: Sequence[str], year: int, registry: str | None = None) -> ingest.Discovered:
    """Listing pages → links, for each agency of the group. An agency whose listing cannot be read is
    counted as failed in the result; only an error of the whole group (after retries) fails the task."""
    return ingest.discover(agency_ids, year, registry=registry, context=run_context())


@task(name="recent-discoveries", retries=2, retry_delay_seconds=jittered_backoff(5), **COMMON)
def recent(agency_ids: Sequence[str], year: int, lake: str | None,
           revalidate_after_hours: float = 12.0) -> ingest.Discovered:
    """Agencies whose listing was read within the window: their links, from the lake's lineage."""
    return ingest.recent_discoveries(agency_ids, year, lake, dt.timedelta(hours=revalidate_after_hours))


@task(name="plan", retries=2, retry_delay_seconds=jittered_backoff(5), **COMMON)
def plan(targets: Parcel[Sequence[ingest.Target]], lake: str | None,
         force: bool = False) -> Parcel[list[ingest.Target]]:
    """What the lake already holds for each document (one read of lineage and reports for the year)."""
    return Parcel(ingest.plan(targets.value, lake, force=force))
