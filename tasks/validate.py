"""Validate: run the Great Expectations suites over a batch of parsed reports."""

from __future__ import annotations

from typing import Any

from prefect import task

from gongkai import ingest
from tasks import COMMON, Parcel


@task(name="validate", **COMMON)  # deterministic: no retries
def validate(parsed: Parcel[ingest.ParsedBatch], run_id: str | None = None, docs: bool = True) -> Parcel[Any]:
    return Parcel(ingest.validate_batch(parsed.value, run_id=run_id, docs=docs))
