"""Write reports, validation results and lineage into the lake: idempotent, atomic, compact.

Library API (no Prefect; the flows call these):

- `write_batch(store, reports, outcome, lineage)` — one commit for a batch of reports: their rows in
  every report table, their validation results, their lineage. Re-processing a report (same bytes,
  same report_id) replaces its rows; a report whose rows would be identical is skipped, so loading
  twice changes nothing.
- `write_lineage(store, events)` — lineage only (fetch/discover stages); identical events are kept once.
- `compact(store)` — merge each partition's files down to `max_files` (writes already keep partitions
  bounded; this is for an explicit full compaction).

Atomicity and recovery are the commit log's (gongkai/lake/log.py). Concurrent writers (CLI loads,
flows, Dask workers; local or S3) race optimistically: a writer that loses the commit sequence number,
or whose plan read a file that a newer commit removed meanwhile, plans again on the new state after a
short random pause — up to MAX_ATTEMPTS times — so every writer lands, with no row lost or doubled.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import random
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, BinaryIO

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from gongkai.clock import now
from gongkai.lake import log
from gongkai.lake.log import FileInfo, LakeState
from gongkai.lake.raw import raw_key
from gongkai.lake.rows import (
    agency_id_for,
    lineage_row,
    lineage_year,
    report_partition,
    report_rows,
    to_arrow,
)
from gongkai.lake.schemas import REPORT_TABLES, TABLES, UNKNOWN_YEAR, partition_dir
from gongkai.lake.store import Store, open_stream
from gongkai.model import LineageEvent, Report, report_id_for
from gongkai.outcome import ValidationOutcome, status_for
from gongkai.versions import code_version

DEFAULT_MAX_FILES = 8  # per table partition
TARGET_FILE_BYTES = 64 << 20  # files smaller than this are merged first
MAX_ATTEMPTS = 30  # commit attempts when other writers race us
RACE_BACKOFF_SECONDS = 0.05  # the first pause after a lost race; doubles, up to RACE_BACKOFF_CAP, with jitter
RACE_BACKOFF_CAP = 3.0
LEASE_RENEW_SECONDS = 60.0  # a writer staging for longer renews its staging lease this often
MERGED_ROW_GROUP_ROWS = 64 * 1024  # rows a compaction holds at once, and the row groups it writes
SCAN_BATCH_ROWS = 32 * 1024  # rows decoded at once when a file is searched for some of its rows


@dataclass
class BatchResult:
    """What one write did. `seq` is the commit number, None when nothing changed."""

    batch_id: str
    seq: int | None = None
    written: list[str] = field(default_factory=list)  # report ids written (new or changed)
    unchanged: list[str] = field(default_factory=list)  # report ids whose rows were already there
    rows: dict[str, int] = field(default_factory=dict)  # rows written per table
    lineage_events: int = 0
    files_added: int = 0
    files_removed: int = 0
    compacted_partitions: int = 0
    attempts: int = 0
    commit_uri: str | None = None


# ---------------------------------------------------------------- reading committed files


def read_file(store: Store, state: LakeState, key: str, columns: list[str] | None = None) -> pa.Table:
    """One committed data file (from staging if its commit is not yet published)."""
    with open_file(store, state, key) as fh, pq.ParquetFile(fh) as source:
        # no reader threads over a Python file object: pyarrow may still be closing it from a thread at
        # interpreter exit and abort the process (apache/arrow#33975); these files are small anyway
        return source.read(columns=columns, use_threads=False)


def open_file(store: Store, state: LakeState, key: str) -> Any:
    """A binary file object for one committed data file (from staging if not yet published)."""
    for candidate in dict.fromkeys((state.read_key(key), key)):
        try:
            return open_stream(store, candidate)
        except KeyError:
            continue
    raise KeyError(key)


Where = Callable[[pa.Table], Any]  # a batch of rows → a boolean mask of those wanted


def matching_rows(source: pq.ParquetFile, columns: list[str] | None, where: Where) -> Iterator[pa.Table]:
    """The rows of a Parquet file that `where` wants, `columns` only, in the file's order: decoded
    SCAN_BATCH_ROWS at a time, so that looking up a few hundred ids holds a batch and the matches, never
    the file (a year's lineage is ~7 rows a report, ~700,000 rows in one file at 100,000 reports)."""
    for batch in source.iter_batches(batch_size=SCAN_BATCH_ROWS, columns=columns, use_threads=False):
        part = pa.Table.from_batches([batch])
        part = part.filter(where(part))
        if part.num_rows:
            yield part


def column_in(column: str, values: pa.Array) -> Where:
    """A `where`: the rows whose `column` is one of `values`."""
    return lambda table: pc.is_in(table[column], value_set=values)


def read_matching(
    store: Store, state: LakeState, key: str, columns: list[str] | None, where: Where
) -> list[pa.Table]:
    """`matching_rows` of one committed data file (from staging if its commit is not yet published)."""
    with open_file(store, state, key) as fh, pq.ParquetFile(fh) as source:
        return list(matching_rows(source, columns, where))


def _year_of(key: str) -> int:
    return int(key.split("/report_year=", 1)[1].split("/", 1)[0])


def existing_reports(
    store: Store, state: LakeState, report_ids: set[str]
) -> dict[str, tuple[int, str | None]]:
    """report_id → (partition year, content_hash) for the given ids already in the lake."""
    found: dict[str, tuple[int, str | None]] = {}
    if not report_ids:
        return found
    wanted = pa.array(sorted(report_ids))
    for key in state.table_files("reports"):
        for table in read_matching(
            store,
            state,
            key,
            ["report_id", "content_hash"],
            column_in("report_id", wanted),
        ):
            for rid, digest in zip(
                table["report_id"].to_pylist(), table["content_hash"].to_pylist(), strict=True
            ):
                found[rid] = (_year_of(key), digest)
    return found


# ---------------------------------------------------------------- planning a commit


def _parquet_bytes(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue()


def _release(body: bytes | BinaryIO) -> None:
    """Close a pending file's temporary file (a merge's output); bytes need nothing."""
    if not isinstance(body, bytes):
        body.close()


class _Plan:
    """A commit being prepared: the new file list, files to stage, files to drop."""

    def __init__(self, store: Store, state: LakeState, batch_id: str) -> None:
        self.store, self.state, self.batch_id = store, state, batch_id
        self.files: dict[str, dict[str, FileInfo]] = {t: dict(fs) for t, fs in state.files.items()}
        # final key -> the Parquet file to stage: bytes, or a temporary file for a merge's output (a
        # compacted partition of a national year is tens of MiB, never held in memory nor copied)
        self.pending: dict[str, bytes | BinaryIO] = {}
        self.removed: list[str] = []
        self.touched: set[tuple[str, int]] = set()
        self._n = 0

    def add(self, table: str, year: int, data: pa.Table, *, allow_empty: bool = False) -> None:
        if data.num_rows == 0 and not allow_empty:
            return
        data = (
            data.sort_by([("report_id", "ascending")])
            if "report_id" in data.column_names and data.column("report_id").null_count == 0
            else data
        )
        self._put(table, year, _parquet_bytes(data), data.num_rows)

    def _put(self, table: str, year: int, body: bytes | BinaryIO, rows: int) -> None:
        key = f"{partition_dir(table, year)}/part-{self.batch_id}-{self._n:04d}.parquet"
        self._n += 1
        self.pending[key] = body
        size = len(body) if isinstance(body, bytes) else body.seek(0, io.SEEK_END)
        self.files.setdefault(table, {})[key] = FileInfo(rows, size)
        self.touched.add((table, year))

    def drop(self, table: str, key: str) -> None:
        self.files[table].pop(key, None)
        if key in self.pending:
            _release(self.pending.pop(key))
        else:
            self.removed.append(key)

    def _open_pending(self, key: str) -> Any:
        body = self.pending[key]
        if isinstance(body, bytes):
            return pa.BufferReader(body)
        body.seek(0)
        return contextlib.nullcontext(body)  # the plan keeps it open until staged or dropped

    def close(self) -> None:
        """Let go of the merges' temporary files (staged, or a plan given up after a lost race)."""
        for body in self.pending.values():
            _release(body)

    def read_matching(self, key: str, columns: list[str] | None, where: Where) -> list[pa.Table]:
        if key in self.pending:
            with self._open_pending(key) as fh, pq.ParquetFile(fh) as source:
                return list(matching_rows(source, columns, where))
        return read_matching(self.store, self.state, key, columns, where)

    def remove_rows(self, table: str, year: int, column: str, values: set[str]) -> int:
        """Rewrite the partition's files that hold rows whose `column` is in `values`, without them."""
        removed = 0
        value_set = pa.array(sorted(values))
        prefix = f"{partition_dir(table, year)}/"
        for key in [k for k in self.files.get(table, {}) if k.startswith(prefix)]:
            if not self.read_matching(key, [column], column_in(column, value_set)):
                continue
            before = self.files[table][key].rows
            # a row group at a time: a compacted file of a national year holds millions of rows
            body, rows = self._merged([key], keep=lambda part: pc.invert(pc.is_in(part[column], value_set)))
            removed += before - rows
            self.drop(table, key)
            if rows:
                self._put(table, year, body, rows)
        return removed

    def compact(self, table: str, year: int, max_files: int, target_bytes: int = TARGET_FILE_BYTES) -> bool:
        """Merge files of a partition holding more than `max_files`, size-tiered: the smallest files that
        must go, then each next small one no bigger than those chosen together (or else the smallest
        files, when too few are small). A merge thus rewrites files of about the same total size: merging
        every small file each time rewrote the whole partition every `max_files` batches, a cost growing
        with the square of a year's batches (10x the bytes at 500 batches)."""
        files = self.state_partition(table, year)
        if len(files) <= max_files:
            return False
        by_size = sorted(files.items(), key=lambda kv: (kv[1].bytes, kv[0]))
        small = [(k, info.bytes) for k, info in by_size if info.bytes < target_bytes]
        need = len(files) - max_files + 1
        if len(small) >= need:
            chosen = [k for k, _ in small[:need]]
            total = sum(size for _, size in small[:need])
            for key, size in small[need:]:
                if size > total:
                    break
                chosen.append(key)
                total += size
        else:
            chosen = [k for k, _ in by_size[:need]]
        body, rows = self._merged(chosen)
        for key in chosen:
            self.drop(table, key)
        self._put(table, year, body, rows)
        return True

    def _merged(self, keys: list[str], keep: Where | None = None) -> tuple[BinaryIO, int]:
        """The files' row groups into one Parquet file, gathered into row groups of MERGED_ROW_GROUP_ROWS:
        a merge holds that many rows in memory, never the partition (a 10,000-report year's `applications`
        is ~2M rows), and readers get row groups of a useful size, not one per small run. `keep`: a mask of
        the rows of each row group to keep (all when None). The file is a temporary file the plan owns."""
        sink = tempfile.TemporaryFile()  # noqa: SIM115 (the plan owns it until staged or dropped)
        writer: pq.ParquetWriter | None = None
        gathered: list[pa.Table] = []
        rows = 0

        def flush() -> None:
            if gathered and writer is not None:
                writer.write_table(pa.concat_tables(gathered), row_group_size=MERGED_ROW_GROUP_ROWS)
                gathered.clear()

        try:
            try:
                for key in keys:
                    with (
                        self._open_pending(key)
                        if key in self.pending
                        else open_file(self.store, self.state, key) as fh,
                        pq.ParquetFile(fh) as source,
                    ):
                        if writer is None:
                            writer = pq.ParquetWriter(sink, source.schema_arrow, compression="zstd")
                        for group in range(source.num_row_groups):
                            part = source.read_row_group(group, use_threads=False)
                            if keep is not None:
                                part = part.filter(keep(part))
                            rows += part.num_rows
                            if sum(t.num_rows for t in gathered) + part.num_rows > MERGED_ROW_GROUP_ROWS:
                                flush()
                            gathered.append(part)
                flush()
            finally:
                if writer is not None:
                    writer.close()
        except BaseException:
            sink.close()
            raise
        return sink, rows

    def state_partition(self, table: str, year: int) -> dict[str, FileInfo]:
        prefix = f"{partition_dir(table, year)}/"
        return {k: v for k, v in self.files.get(table, {}).items() if k.startswith(prefix)}

    def ensure_tables(self) -> None:
        """Every table has at least one file, so a reader of an empty table gets its schema, not an error:
        an empty file under report_year=0 stands in until the table has rows, then goes."""
        for name, definition in TABLES.items():
            files = self.files.get(name, {})
            if not files:
                self.add(name, UNKNOWN_YEAR, definition.schema.empty_table(), allow_empty=True)
            elif len(files) > 1:
                for key in [k for k, info in files.items() if info.rows == 0]:
                    self.drop(name, key)

    def stage(self) -> dict[str, str]:
        """Stage the new files under the batch's staging folder, claimed first by its owner record."""
        added: dict[str, str] = {}
        log.claim_staging(self.store, self.batch_id)
        renewed = time.monotonic()
        try:
            for key, body in self.pending.items():
                staged = log.staging_key(self.batch_id, key)
                if isinstance(body, bytes):
                    self.store.put(staged, body)
                else:
                    self.store.put_file(staged, body)
                added[key] = staged
                if time.monotonic() - renewed > LEASE_RENEW_SECONDS:
                    log.claim_staging(self.store, self.batch_id)
                    renewed = time.monotonic()
        except BaseException:
            self.discard(added)
            raise
        return added

    def discard(self, added: dict[str, str]) -> None:
        for staged in added.values():
            self.store.delete(staged)
        log.release_staging(self.store, self.batch_id)


def _commit(
    store: Store, plan: _Plan, kind: str, summary: dict[str, Any], max_files: int, result: BatchResult
) -> bool:
    """Compact the touched partitions, stage, commit and publish. False if another writer won the race."""
    try:
        return _stage_and_commit(store, plan, kind, summary, max_files, result)
    finally:
        plan.close()


def _stage_and_commit(
    store: Store, plan: _Plan, kind: str, summary: dict[str, Any], max_files: int, result: BatchResult
) -> bool:
    plan.ensure_tables()
    for table, year in sorted(plan.touched):
        if plan.compact(table, year, max_files):
            result.compacted_partitions += 1
    added = plan.stage()
    log._checkpoint("staged")
    record = log.try_commit(
        store,
        plan.state,
        batch_id=plan.batch_id,
        kind=kind,
        added=added,
        removed=plan.removed,
        files=plan.files,
        summary=summary,
    )
    if record is None:
        plan.discard(added)
        return False
    log._checkpoint("committed")
    log.publish(store, record)
    log.release_staging(store, plan.batch_id)
    result.seq = record["seq"]
    result.files_added = len(added)
    result.files_removed = len(plan.removed)
    result.commit_uri = store.url(log.commit_key(record["seq"]))
    return True


def _lost_race(exc: BaseException) -> bool:
    """Did planning fail because another writer's commit moved files from under it (a file of the state we
    planned on deleted by its publish, a commit record read mid-change)? Then planning again fixes it."""
    seen: BaseException | None = exc
    for _ in range(10):
        if seen is None:
            return False
        if isinstance(seen, KeyError | FileNotFoundError):
            return True
        response = getattr(seen, "response", None)  # botocore ClientError
        if isinstance(response, dict) and (
            response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound")
            or response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404
        ):
            return True
        text = str(seen)
        if isinstance(seen, RuntimeError) and ("vanished" in text or "staged file" in text):
            return True
        if isinstance(seen, OSError) and ("NoSuchKey" in text or "KeyError" in text):  # through pyarrow
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _race_pause(attempt: int) -> float:
    return min(RACE_BACKOFF_CAP, RACE_BACKOFF_SECONDS * 2 ** (attempt - 1)) * (0.5 + random.random())


def _until_committed(store: Store, attempt_once: Callable[[int], BatchResult | None]) -> BatchResult:
    """Run `attempt_once(attempt)` — plan on the latest state and commit; None when another writer won —
    until it lands, pausing a random, growing while between attempts."""
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            result = attempt_once(attempt)
        except Exception as exc:
            if attempt == MAX_ATTEMPTS or not _lost_race(exc):
                raise
            result = None
        if result is not None:
            return result
        time.sleep(_race_pause(attempt))
    raise RuntimeError(
        f"could not commit to {store.uri} after {MAX_ATTEMPTS} attempts: too many concurrent writers"
    )


# ---------------------------------------------------------------- lineage


def _lineage_plan(plan: _Plan, events: Iterable[LineageEvent]) -> int:
    """Add the events not already in the lake (by event_id) to the plan; returns how many."""
    by_year: dict[int, dict[str, dict[str, Any]]] = defaultdict(dict)
    for event in events:
        row = lineage_row(event)
        by_year[lineage_year(event)].setdefault(row["event_id"], row)
    added = 0
    for year, rows in sorted(by_year.items()):
        ids = pa.array(sorted(rows))
        # an event is filed under its report year, or 0 when it came without one: look in both
        for key in {**plan.state_partition("lineage", year), **plan.state_partition("lineage", UNKNOWN_YEAR)}:
            for seen in plan.read_matching(key, ["event_id"], column_in("event_id", ids)):
                for event_id in seen["event_id"].to_pylist():
                    rows.pop(event_id, None)
        if rows:
            plan.add("lineage", year, to_arrow("lineage", rows.values()))
            added += len(rows)
    return added


# ---------------------------------------------------------------- public API


def write_batch(
    store: Store,
    reports: Sequence[Report],
    outcome: ValidationOutcome | None = None,
    lineage: Iterable[LineageEvent] = (),
    *,
    agencies: Mapping[str, str] | None = None,
    sources: Mapping[str, str] | None = None,
    max_files: int = DEFAULT_MAX_FILES,
) -> BatchResult:
    """Write a batch of parsed reports into the lake in one atomic commit; returns what was written.

    - `outcome` is `validate_reports(...)`'s result: gives each report its status and the failing cells
      (`validation_results`). Without it reports get status valid/failed from their content alone.
    - `lineage`: events of earlier stages (fetch, extract, parse, validate, …); a `write` event per
      report is added here. Each event is filed under its `report_year` (0 when it carries none).
    - `agencies` maps report_id or sha256 → agency slug; otherwise the outcome's agency id, else the
      slug of the printed name (gongkai.agency).
    - `sources` maps report_id or sha256 → source URL to record instead of `Report.source`.

    Idempotent: a report is keyed by report_id (its bytes' sha256); its old rows are replaced, and a
    report whose rows would not change is skipped (`unchanged`). Retries on a lost commit race.
    """
    agencies = agencies or {}
    sources = sources or {}
    batch: dict[str, Report] = {}
    for report in reports:
        batch[report_id_for(report.sha256)] = report  # the same bytes twice: last wins
    ingested_at = now()
    events = list(lineage)

    def agency_of(rid: str, report: Report) -> str | None:
        given = agencies.get(rid) or agencies.get(report.sha256)
        if not given and outcome and rid in outcome.reports:
            given = outcome.reports[rid].agency_id
        return agency_id_for(report, given)

    prepared: dict[str, tuple[int, dict[str, list[dict[str, Any]]]]] = {}
    for rid, report in batch.items():
        raw = raw_key(report.sha256) if report.sha256 else None
        rows = report_rows(
            report,
            outcome.reports.get(rid) if outcome else None,
            agency_id=agency_of(rid, report),
            raw_uri=raw if raw and store.exists(raw) else None,  # relative to the lake root
            run_id=outcome.run_id if outcome else None,
            validated_at=outcome.validated_at if outcome else None,
            ingested_at=ingested_at,
            source_url=sources.get(rid) or sources.get(report.sha256),
        )
        if outcome is None or rid not in outcome.reports:
            status = status_for(report, [])
            for table_rows in rows.values():
                for row in table_rows:
                    if "status" in row:
                        row["status"] = status
        prepared[rid] = (report_partition(report), rows)

    def attempt_once(attempt: int) -> BatchResult | None:
        state = log.recover(store)
        plan = _Plan(store, state, log.new_batch_id())
        result = BatchResult(batch_id=plan.batch_id, attempts=attempt)
        existing = existing_reports(store, state, set(prepared))
        changed = {}
        for rid, (year, rows) in prepared.items():
            old = existing.get(rid)
            if old is not None and old[1] == rows["reports"][0]["content_hash"] and old[0] == year:
                result.unchanged.append(rid)
            else:
                changed[rid] = (year, rows)
        # old rows of changed reports go, wherever they were filed
        old_years: dict[int, set[str]] = defaultdict(set)
        for rid in changed:
            if rid in existing:
                old_years[existing[rid][0]].add(rid)
        for year, ids in sorted(old_years.items()):
            for table in REPORT_TABLES:
                plan.remove_rows(table, year, "report_id", ids)
        by_partition: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
        for _rid, (year, rows) in sorted(changed.items()):
            for table, table_rows in rows.items():
                by_partition[(table, year)].extend(table_rows)
        for (table, year), table_rows in sorted(by_partition.items()):
            plan.add(table, year, to_arrow(table, table_rows))
            result.rows[table] = result.rows.get(table, 0) + len(table_rows)
        write_events = [_write_event(store, rid, batch[rid], prepared[rid], ingested_at) for rid in prepared]
        result.lineage_events = _lineage_plan(plan, [*events, *write_events])
        result.written = sorted(changed)
        if not changed and not result.lineage_events:
            return result
        summary = {
            "reports": sorted(changed),
            "unchanged": sorted(result.unchanged),
            "rows": result.rows,
            "lineage_events": result.lineage_events,
        }
        return result if _commit(store, plan, "write", summary, max_files, result) else None

    return _until_committed(store, attempt_once)


def _write_event(
    store: Store,
    rid: str,
    report: Report,
    prepared: tuple[int, dict[str, list[dict[str, Any]]]],
    at: dt.datetime,
) -> LineageEvent:
    year, rows = prepared
    stamp = at.isoformat(timespec="milliseconds")
    head = rows["reports"][0]
    return LineageEvent(
        stage="write",
        status="ok",
        started_at=stamp,
        ended_at=stamp,
        report_id=rid,
        agency_id=head["agency_id"],
        input_uri=head["raw_uri"] or head["source_url"],
        input_sha256=report.sha256,
        output_uri=partition_dir("reports", year),
        output_sha256=None,
        code_version=code_version(),
        details={
            "content_hash": head["content_hash"],
            "status": head["status"],
            "rows": {t: len(r) for t, r in rows.items()},
        },
        report_year=year or None,
    )


def write_lineage(
    store: Store, events: Sequence[LineageEvent], *, max_files: int = DEFAULT_MAX_FILES
) -> BatchResult:
    """Append lineage events (one commit). Events identical to ones already in the lake — same stage,
    ids, inputs, outputs, code version, status and error; times and run ids aside — are not added again."""
    events = list(events)

    def attempt_once(attempt: int) -> BatchResult | None:
        state = log.recover(store, sweep_staging=False)
        plan = _Plan(store, state, log.new_batch_id())
        result = BatchResult(batch_id=plan.batch_id, attempts=attempt)
        result.lineage_events = _lineage_plan(plan, events)
        if not result.lineage_events:
            return result
        ok = _commit(store, plan, "lineage", {"lineage_events": result.lineage_events}, max_files, result)
        return result if ok else None

    return _until_committed(store, attempt_once)


def compact(store: Store, tables: Iterable[str] | None = None, *, max_files: int = 1) -> BatchResult:
    """Merge every partition of `tables` (default all) down to at most `max_files` files, in one commit."""
    names = list(tables or TABLES)

    def attempt_once(attempt: int) -> BatchResult | None:
        state = log.recover(store)
        plan = _Plan(store, state, log.new_batch_id())
        result = BatchResult(batch_id=plan.batch_id, attempts=attempt)
        for table in names:
            for year in sorted({_year_of(k) for k in state.table_files(table)}):
                if plan.compact(table, year, max_files, target_bytes=1 << 62):
                    result.compacted_partitions += 1
        if not result.compacted_partitions:
            return result
        ok = _commit(
            store,
            plan,
            "compact",
            {"compacted_partitions": result.compacted_partitions},
            max_files=1 << 30,
            result=result,
        )
        return result if ok else None

    return _until_committed(store, attempt_once)
