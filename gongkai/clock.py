"""The one clock and the one run-id generator: every timestamp the lake, lineage and run records carry."""

from __future__ import annotations

import datetime as dt
import uuid


def now() -> dt.datetime:
    """The current time, timezone-aware UTC."""
    return dt.datetime.now(dt.UTC)


def now_iso(timespec: str = "milliseconds") -> str:
    """The current time as ISO 8601 (UTC), e.g. for lineage events (milliseconds) or run records (seconds)."""
    return now().isoformat(timespec=timespec)


def new_run_id() -> str:
    """A run id that sorts by start time: ``20250131T060000-1a2b3c4d``."""
    return f"{now():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
