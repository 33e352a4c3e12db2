"""Fetch: download and archive one batch of documents from one host (polite, conditional, resumable)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from prefect.client.orchestration import get_client

from gongkai.pipeline.batch import Batch
from gongkai.pipeline.fetch import fetch_batch
from gongkai.pipeline.record import DocumentRecord
from tasks import Parcel, run_context, stage_task


@stage_task("fetch", retries=2, base_delay=15)
def fetch(
    records: Parcel[Sequence[DocumentRecord]],
    lake: str | None,
    registry: str | None = None,
    revalidate_after_hours: float = 12.0,
) -> Parcel[Batch]:
    """One failing document is recorded as failed with its reason; the task itself fails (and is
    retried) only when the batch cannot run at all, e.g. the lake is unreachable."""
    return Parcel(
        fetch_batch(
            records.value,
            lake,
            registry=registry,
            revalidate_after=dt.timedelta(hours=revalidate_after_hours),
            context=run_context(),
        )
    )


def hosts_with_limits() -> set[str]:
    """Hosts with a tag concurrency limit ``host:<name>`` on the Prefect server (`prefect concurrency-limit
    create host:www.example.gov.cn 1`). Only their fetch tasks carry the tag: acquiring a slot is an API
    call per task, not worth making when no limit exists. Empty when the API cannot say."""
    names: list[str] = []
    try:
        with get_client(sync_client=True) as client:
            for offset in range(0, 100_000, 200):  # bounded
                page = client.read_global_concurrency_limits(limit=200, offset=offset)
                names += [limit.name for limit in page if limit.active]
                if len(page) < 200:
                    break
    except Exception:  # no API, an older server: flow-level per-host lanes still apply
        return set()
    return {name.removeprefix("tag:host:") for name in names if name.startswith("tag:host:")}
