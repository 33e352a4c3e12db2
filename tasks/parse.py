"""Extract + parse: archived bytes → canonical reports, skipping bytes already parsed by this code."""

from __future__ import annotations

from prefect import task

from gongkai.pipeline.batch import Batch
from gongkai.pipeline.parse import parse_batch
from tasks import COMMON, Parcel, retrying, run_context


@task(name="extract-parse", **retrying(2, 5), **COMMON)  # a bad document is a failed report, never an error
def extract_parse(fetched: Parcel[Batch], force: bool = False) -> Parcel[Batch]:
    return Parcel(parse_batch(fetched.value, force=force, context=run_context()))
