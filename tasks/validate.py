"""Validate: run the Great Expectations suites over a batch of parsed reports."""

from __future__ import annotations

from gongkai.outcome import ValidationOutcome
from gongkai.pipeline.batch import Batch
from gongkai.pipeline.validate import validate_batch
from tasks import Parcel, stage_task


@stage_task("validate", retries=2, base_delay=5)  # failing checks are statuses, never an error
def validate(
    parsed: Parcel[Batch], run_id: str | None = None, docs: bool = True
) -> Parcel[ValidationOutcome | None]:
    return Parcel(validate_batch(parsed.value, run_id=run_id, docs=docs))
