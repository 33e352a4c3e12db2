"""Extract + parse: archived bytes → canonical reports, skipping bytes already parsed by this code."""

from __future__ import annotations

from prefect import task

from gongkai import ingest
from tasks import COMMON, Parcel, run_context


@task(name="extract-parse", **COMMON)  # deterministic: no retries
def extract_parse(fetched: Parcel[ingest.FetchBatch], force: bool = False) -> Parcel[ingest.ParsedBatch]:
    return Parcel(ingest.parse_batch(fetched.value, force=force, context=run_context()))
