"""Validate: run the Great Expectations suites over a batch of parsed reports."""

from __future__ import annotations

from typing import Any

from prefect import task

from gongkai.pipeline.batch import Batch
from gongkai.pipeline.validate import validate_batch
from tasks import COMMON, Parcel, retrying


@task(name="validate", **retrying(2, 5), **COMMON)  # failing checks are statuses, never an error
def validate(parsed: Parcel[Batch], run_id: str | None = None, docs: bool = True) -> Parcel[Any]:
    return Parcel(validate_batch(parsed.value, run_id=run_id, docs=docs))
