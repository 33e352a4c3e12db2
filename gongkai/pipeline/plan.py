"""Plan: what the lake already holds for each document, read from its records — never from the orchestrator.

- what was fetched, when, which bytes came back and with which HTTP validators: ``lineage`` (fetch events);
- which bytes were parsed by which parser/extractor version, with which outcome: ``reports``.

From these, `plan` annotates each record with its `Prior`: a document fetched recently (within
`revalidate_after`) is not requested again, and is asked for conditionally otherwise; one whose bytes the
lake holds as a report of the current parser and extractor is not parsed again; one whose report was made
by older code is re-parsed from the raw zone without downloading it again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from gongkai.clock import now
from gongkai.extract import EXTRACTOR_VERSION
from gongkai.extract.limits import LIMIT_PROBLEMS
from gongkai.lake import log
from gongkai.lake.schemas import TABLES
from gongkai.lake.store import Store, open_store
from gongkai.lake.writer import Where, column_in, read_file, read_matching
from gongkai.parse import PARSER_VERSION
from gongkai.pipeline.record import DocumentRecord, Prior, tally_records
from gongkai.runs import DEFAULT_BATCH_SIZE, AgencyRun

DEFAULT_REVALIDATE_AFTER = dt.timedelta(hours=12)
# documents a flow plans at once as discovery finds them: each plan reads the year's lineage, so not
# too few; the run holds about two chunks between discovery and fetch, so not too many
PLAN_CHUNK = 2000
# agencies whose recent discoveries are looked up in the lineage at once: each look-up reads the year's
# discovery rows, so not too few; their links are held until planned, so not too many
RECENT_CHUNK = 5000


@functools.lru_cache(maxsize=8)
def lake_store(lake: str | None) -> Store:
    """One Store per lake URI per process (S3 clients are thread-safe and costly to create)."""
    return open_store(lake)


def _table_files(state: log.LakeState, table: str, years: Iterable[int] | None) -> list[str]:
    keys = list(state.table_files(table))
    if years is None:
        return keys
    wanted = {f"report_year={y}/" for y in years}
    return [k for k in keys if any(w in k for w in wanted)]


def read_columns(
    store: Store,
    state: log.LakeState,
    table: str,
    columns: list[str],
    years: Iterable[int] | None = None,
    where: Where | None = None,
) -> pa.Table:
    """Some columns of a lake table as of `state` (only the partitions of `years`, if given; only the rows
    `where` wants, if given — read a batch at a time, so the memory is the matches', not the table's).
    A file a newer commit compacted away while it was read (another batch's write deletes the files it
    replaces) means the state is stale: the table is read again as of the newest commit. Before, such a
    look-up failed its batch's task: 2 of the 500 batches of the 100,000-document benchmark."""
    schema = TABLES[table].schema
    present = [c for c in columns if c in schema.names]

    def read(state: log.LakeState) -> pa.Table:
        parts = []
        for key in _table_files(state, table, years):
            if where is None:
                parts.append(read_file(store, state, key, present))
            else:
                parts.extend(read_matching(store, state, key, present, where))
        if not parts:
            return pa.table({c: pa.array([], schema.field(c).type) for c in present})
        return pa.concat_tables(parts, promote_options="permissive")

    return log.read_consistently(store, read, table, state)


def details_of(value: Any) -> dict[str, Any]:
    """A lineage row's `details` (JSON text in the lake) as a dict; {} when absent or unreadable."""
    if isinstance(value, dict):
        return value
    if isinstance(value, str) and value:
        try:
            parsed = json.loads(value)
        except ValueError:
            return {}
        return parsed if isinstance(parsed, dict) else {}
    return {}


def known_reports(
    store: Store, sha256s: Iterable[str], state: log.LakeState | None = None
) -> dict[str, dict]:
    """sha256 → the lake's `reports` row for those bytes (report_id, status, parser/extractor versions…)."""
    wanted = sorted(set(s for s in sha256s if s))
    if not wanted:
        return {}
    state = state or log.read_state(store)
    columns = [
        "report_id",
        "agency_id",
        "sha256",
        "status",
        "problem_codes",
        "parser_version",
        "extractor_version",
        "report_year",
    ]
    table = read_columns(store, state, "reports", columns, where=column_in("sha256", pa.array(wanted)))
    return {row["sha256"]: row for row in table.to_pylist()}


def is_current(row: dict | None) -> bool:
    """Was this report made by the parser and extractor running now, and not stopped by a time or memory
    limit (LIMIT_PROBLEMS: done again by every run until it passes; one that never does costs its budget
    once per run)?"""
    if not row:
        return False
    if LIMIT_PROBLEMS.intersection(row.get("problem_codes") or ()):
        return False
    if row.get("parser_version") != PARSER_VERSION:
        return False
    extractor = row.get("extractor_version")
    return extractor is None or str(extractor) == EXTRACTOR_VERSION


def previous_fetches(
    store: Store, urls: Iterable[str], years: Iterable[int], state: log.LakeState | None = None
) -> dict[str, dict]:
    """URL → the latest successful fetch event (from `lineage`) among the given report years."""
    wanted = sorted(set(urls))
    if not wanted:
        return {}
    state = state or log.read_state(store)
    columns = [
        "stage",
        "status",
        "input_uri",
        "output_uri",
        "output_sha256",
        "input_sha256",
        "ended_at",
        "details",
    ]
    urls = pa.array(wanted)
    table = read_columns(
        store,
        state,
        "lineage",
        columns,
        years=[*years, 0],
        where=lambda t: pc.and_(pc.equal(t["stage"], "fetch"), pc.is_in(t["input_uri"], value_set=urls)),
    )
    latest: dict[str, dict] = {}
    for row in table.to_pylist():
        if row["status"] not in ("ok", "unchanged"):
            continue
        seen = latest.get(row["input_uri"])
        if seen is None or (row["ended_at"] and seen["ended_at"] and row["ended_at"] > seen["ended_at"]):
            latest[row["input_uri"]] = row
    return latest


def plan(records: Sequence[DocumentRecord], lake: str | None, *, force: bool = False) -> list[DocumentRecord]:
    """Annotate each record with what the lake knows about it (one read of lineage and reports)."""
    if not records:
        return []
    store = lake_store(lake)
    state = log.read_state(store)
    fetches = previous_fetches(store, [r.source for r in records], {r.year or 0 for r in records}, state)
    shas: set[str] = {row.get("output_sha256") or row.get("input_sha256") or "" for row in fetches.values()}
    reports = known_reports(store, shas, state) if not force else {}
    out = []
    for record in records:
        row = fetches.get(record.source)
        if row is None:
            out.append(record)
            continue
        sha = row.get("output_sha256") or row.get("input_sha256")
        details = details_of(row.get("details"))
        report = reports.get(sha or "")
        ended = row.get("ended_at")
        out.append(
            dataclasses.replace(
                record,
                prior=Prior(
                    sha256=sha,
                    fetched_at=ended.isoformat() if isinstance(ended, dt.datetime) else ended,
                    etag=details.get("etag"),
                    last_modified=details.get("last_modified"),
                    raw_uri=row.get("output_uri"),
                    report_status=report.get("status") if report else None,
                    current=is_current(report),
                ),
            )
        )
    return out


def is_fresh(prior: Prior | None, revalidate_after: dt.timedelta, at: dt.datetime | None = None) -> bool:
    """Fetched successfully recently enough that asking the server again is not worth a request."""
    if prior is None or not prior.sha256 or not prior.fetched_at:
        return False
    try:
        fetched = dt.datetime.fromisoformat(prior.fetched_at.replace("Z", "+00:00"))
    except ValueError:
        return False
    if fetched.tzinfo is None:
        fetched = fetched.replace(tzinfo=dt.UTC)
    return (at or now()) - fetched < revalidate_after


def settle_known(
    records: Sequence[DocumentRecord],
    revalidate_after: dt.timedelta = DEFAULT_REVALIDATE_AFTER,
) -> tuple[list[DocumentRecord], list[AgencyRun]]:
    """Split planned records into those that need work and tallies for those that need none: fetched
    recently (no request is due) and already in the lake as a report of this parser and extractor. A re-run
    of an unchanged year thus costs no task at all per document."""
    work: list[DocumentRecord] = []
    settled: list[DocumentRecord] = []
    for record in records:
        prior = record.prior
        if prior is not None and prior.current and is_fresh(prior, revalidate_after):
            settled.append(
                dataclasses.replace(
                    record, sha256=prior.sha256, outcomes={"fetch": "unchanged", "parse": "skipped"}
                )
            )
        else:
            work.append(record)
    return work, tally_records(settled)


def group_size(agencies: int, workers: int) -> int:
    """Agencies per discovery task: about two tasks per worker (so slow sites balance out), 10 to 100 each
    (fewer, bigger tasks cost less orchestration; smaller ones finish sooner)."""
    return max(10, min(100, -(-agencies // max(1, 2 * workers))))


def make_batches(
    records: Sequence[DocumentRecord], size: int = DEFAULT_BATCH_SIZE
) -> list[list[DocumentRecord]]:
    """Batches of at most `size` documents, each from one host (so per-host limits apply per batch),
    in a stable order."""
    size = max(1, size)
    by_host: dict[str, list[DocumentRecord]] = defaultdict(list)
    for record in sorted(records, key=lambda r: (r.host, r.agency_id or "", r.year or 0, r.source)):
        by_host[record.host].append(record)
    batches: list[list[DocumentRecord]] = []
    for host in sorted(by_host):
        items = by_host[host]
        batches.extend(items[i : i + size] for i in range(0, len(items), size))
    return batches
