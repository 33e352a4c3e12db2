"""Fetch: download a batch of documents (one host) and archive their bytes in the lake's raw zone.

Documents fetched recently are not requested (the lake's record answers); others get a GET through the
fetch library, conditional on the validators of their prior fetch (`DocumentRecord.prior`, from lineage).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from gongkai.clock import now_iso
from gongkai.fetch import fetch_document, make_session
from gongkai.fetch.http import PoliteSession
from gongkai.lake.store import Store
from gongkai.model import Problem
from gongkai.pipeline.batch import Batch
from gongkai.pipeline.discover import load_registry_cached
from gongkai.pipeline.plan import DEFAULT_REVALIDATE_AFTER, is_fresh, lake_store
from gongkai.pipeline.record import NO_CONTEXT, DocumentRecord, RunContext
from gongkai.pipeline.retry import is_transient


def fetch_batch(
    records: Sequence[DocumentRecord],
    lake: str | None,
    *,
    registry: str | None = None,
    revalidate_after: dt.timedelta = DEFAULT_REVALIDATE_AFTER,
    context: RunContext = NO_CONTEXT,
    session_options: Mapping[str, Any] | None = None,
    session: PoliteSession | None = None,
) -> Batch:
    """Download and archive a batch of documents. Never raises for one bad document (it is recorded as
    failed with its reason); raises a transient error of the lake, so the whole batch can be tried again."""
    store = lake_store(lake)
    out: list[DocumentRecord] = []
    pending: list[DocumentRecord] = []
    for record in records:
        record = dataclasses.replace(
            record, outcomes=dict(record.outcomes), problems=list(record.problems), events=list(record.events)
        )
        prior = record.prior
        # a recent successful fetch archived these bytes: trust the lake's record, ask the server nothing
        if prior is not None and prior.sha256 and is_fresh(prior, revalidate_after):
            record.sha256, record.raw_uri = prior.sha256, prior.raw_uri
            record.etag, record.last_modified = prior.etag, prior.last_modified
            record.outcomes["fetch"] = "unchanged"
        else:
            pending.append(record)
        out.append(record)
    if pending:
        _fetch_each(pending, store, registry, session_options, session)
    for record in pending:
        record.events = context.stamp(record.events)
    return Batch(lake, out)


def _fetch_each(
    records: Sequence[DocumentRecord],
    store: Store,
    registry: str | None,
    session_options: Mapping[str, Any] | None,
    session: PoliteSession | None,
) -> None:
    """The fetch library on each record, with one session for the batch (its politeness: retries of
    transient errors, per-host rate limit, conditional GET from the prior fetch)."""
    own = session is None
    session = session or make_session(load_registry_cached(registry), **dict(session_options or {}))
    try:
        for record in records:
            try:
                result = fetch_document(record.link, session, store, record.prior)
            except Exception as exc:
                if is_transient(exc):  # the lake is failing under us: the batch is retried, not one document
                    raise
                # a bug or an unforeseen error on one document must not lose the batch
                reason = f"{type(exc).__name__}: {exc}"
                record.fail("fetch", "fetch_error", reason[:300])
                stamp = now_iso()
                record.event(
                    "fetch", "failed", stamp, stamp, report_id=None, input_sha256=None, error=reason[:500]
                )
                continue
            status = result.status if result.status in ("ok", "unchanged", "failed") else "failed"
            details = result.event.details
            record.outcomes["fetch"] = status
            record.sha256, record.raw_uri = result.sha256, result.uri
            record.etag, record.last_modified = details.get("etag"), details.get("last_modified")
            record.events.append(
                dataclasses.replace(
                    result.event,
                    agency_id=result.event.agency_id or record.agency_id,
                    report_year=record.year,
                )
            )
            if (
                status == "ok" and result.uri
            ):  # new bytes kept in the raw zone: the archive stage, as `load`'s
                record.event(
                    "archive",
                    "ok",
                    result.event.ended_at,
                    result.event.ended_at,
                    agency_id=record.agency_id,
                    report_year=record.year,
                    input_uri=record.source,
                    output_uri=result.uri,
                    output_sha256=result.sha256,
                )
            if status == "failed":
                record.problems.append(_failure(record, result.reason))
    finally:
        if own:
            close = getattr(session, "close", None)
            if close:
                close()


def _failure(record: DocumentRecord, reason: str | None) -> Problem:
    code = (reason or "fetch_failed").split(":", 1)[0]
    return Problem(code, str(reason), "error", "fetch")
