"""The lake's own commit log (gongkai/lake/log.py, writer.py) against Delta Lake (`deltalake`, delta-rs), on
a local folder and on S3 (the tests' SeaweedFS, else moto, on 127.0.0.1).

    python -m benchmarks table_format_bench                      # 1,000 reports, local and S3
    python -m benchmarks.table_format_bench --reports 300 --stores local

The same reports (the seed reports parsed once, each copy with its own sha256 — its own report_id) go
into both formats in batches, as the flow writes them:
- gongkai: `write_batch` — one commit per batch over every report table; a re-processed report's rows
  replace the old ones; partitions are compacted as they grow (DEFAULT_MAX_FILES);
- Delta: per batch, per report table, a MERGE on the table's key (report_id first) — update when
  matched, insert when not — partitioned by report_year as the lake is. Delta has no multi-table
  transaction: a batch is four commits, one per table.
Then: a MERGE of 10 % of the reports with changed content, a full read of `applications`, files and
bytes, `optimize.compact`, `vacuum` (retention 0), time travel to the first version, and two writer
processes writing at once (disjoint reports plus a shared tenth both write): rows lost or duplicated.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import datetime as dt
import hashlib
import multiprocessing
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "tests" / "fixtures" / "seeds"
BATCH = 50
# the report tables a parsed report fills (validation_results: keyed on nullable columns, and empty here)
DELTA_TABLES = ("reports", "active_disclosure", "applications", "review_litigation")


# ---------------------------------------------------------------- the data


def seed_reports() -> list[Any]:
    from gongkai.pipeline import parse_bytes

    return [parse_bytes(p.read_bytes(), str(p)) for p in sorted(SEEDS.glob("*.txt"))]


def clones(base: list[Any], count: int, tag: str) -> list[Any]:
    """`count` report versions of their own (own sha256), cloned from the seeds."""
    out = []
    for i in range(count):
        report = copy.deepcopy(base[i % len(base)])
        report.sha256 = hashlib.sha256(f"{tag}-{i}".encode()).hexdigest()
        out.append(report)
    return out


def changed(reports: list[Any]) -> list[Any]:
    """The same report versions re-parsed with different content (as a new parser version would)."""
    out = []
    for report in reports:
        report = copy.deepcopy(report)
        report.agency_name = (report.agency_name or "") + "（更正）"
        out.append(report)
    return out


def arrow_tables(reports: list[Any]) -> dict[str, pa.Table]:
    """The rows gongkai writes for these reports, per table, with report_year as a column (Delta partitions)."""
    from gongkai.lake.rows import report_partition, report_rows, to_arrow
    from gongkai.lake.schemas import PARTITION_COLUMN

    now = dt.datetime.now(dt.UTC)
    out: dict[str, pa.Table] = {}
    for table in DELTA_TABLES:
        parts = []
        for report in reports:
            rows = report_rows(
                report, None, agency_id="bench", raw_uri=None, run_id=None, validated_at=None, ingested_at=now
            )[table]
            data = to_arrow(table, rows)
            year = report_partition(report)
            parts.append(data.append_column(PARTITION_COLUMN, pa.array([year] * data.num_rows, pa.int32())))
        out[table] = pa.concat_tables(parts)
    return out


# ---------------------------------------------------------------- the two formats


class GongkaiLake:
    name = "gongkai log"

    def __init__(self, uri: str) -> None:
        from gongkai.lake.store import open_store

        self.store = open_store(uri)

    def write(self, reports: list[Any]) -> int:
        from gongkai.lake.writer import write_batch

        return write_batch(self.store, reports).attempts

    def read(self, table: str) -> pa.Table:
        from gongkai.lake.reader import read_table

        return read_table(self.store, table)

    def folder(self, table: str) -> str:
        return f"{self.store.uri.rstrip('/')}/tables/{table}"

    def files(self) -> tuple[int, int]:
        """Files and bytes of the current table version (what a reader reads)."""
        from gongkai.lake import log

        state = log.read_state(self.store)
        infos = [info for table in DELTA_TABLES for info in state.table_files(table).values()]
        return len(infos), sum(i.bytes for i in infos)

    def compact(self) -> None:
        from gongkai.lake.writer import compact

        compact(self.store, DELTA_TABLES)

    def vacuum(self) -> int:
        return 0  # a commit deletes the files it replaces when it publishes: nothing is left to vacuum

    def first_version(self, table: str) -> pa.Table | None:
        return None  # replaced files are deleted at publish: no time travel


class DeltaLake:
    name = "Delta"

    def __init__(self, uri: str, options: dict[str, str] | None) -> None:
        self.uri, self.options = uri.rstrip("/"), options

    def path(self, table: str) -> str:
        return f"{self.uri}/{table}"

    folder = path

    def write(self, reports: list[Any]) -> int:
        """One MERGE per table; a commit lost to another writer is retried (delta-rs raises, never merges)."""
        from deltalake import DeltaTable, write_deltalake
        from deltalake.exceptions import CommitFailedError

        from gongkai.lake.schemas import TABLES

        attempts = 0
        for table, data in arrow_tables(reports).items():
            for attempt in range(30):
                attempts += 1
                try:
                    if not DeltaTable.is_deltatable(self.path(table), storage_options=self.options):
                        write_deltalake(
                            self.path(table),
                            data,
                            partition_by=["report_year"],
                            mode="append",
                            storage_options=self.options,
                        )
                    else:
                        key = " AND ".join(f"t.{c} = s.{c}" for c in TABLES[table].key)
                        (
                            DeltaTable(self.path(table), storage_options=self.options)
                            .merge(data, predicate=key, source_alias="s", target_alias="t")
                            .when_matched_update_all()
                            .when_not_matched_insert_all()
                            .execute()
                        )
                    break
                except (CommitFailedError, OSError, Exception) as exc:  # noqa: B014 - named for the reader
                    if attempt == 29 or not _is_conflict(exc):
                        raise
                    time.sleep(0.05 * 2 ** min(attempt, 5))
        return attempts

    def table(self, table: str, version: int | None = None) -> Any:
        from deltalake import DeltaTable

        return DeltaTable(self.path(table), version=version, storage_options=self.options)

    def read(self, table: str) -> pa.Table:
        return self.table(table).to_pyarrow_table()

    def files(self) -> tuple[int, int]:
        count = size = 0
        for table in DELTA_TABLES:
            actions = pa.table(self.table(table).get_add_actions(flatten=True))
            count += actions.num_rows
            size += pc.sum(actions["size_bytes"]).as_py() or 0
        return count, size

    def compact(self) -> None:
        for table in DELTA_TABLES:
            self.table(table).optimize.compact()

    def vacuum(self) -> int:
        return sum(
            len(self.table(t).vacuum(retention_hours=0, dry_run=False, enforce_retention_duration=False))
            for t in DELTA_TABLES
        )

    def first_version(self, table: str) -> pa.Table | None:
        return self.table(table, version=0).to_pyarrow_table()


def _is_conflict(exc: BaseException) -> bool:
    from deltalake.exceptions import CommitFailedError

    text = str(exc).lower()
    return (
        isinstance(exc, CommitFailedError) or "conflict" in text or "concurrent" in text or "version" in text
    )


# ---------------------------------------------------------------- storage


def plain_parquet_rows(folder: str) -> int:
    """Rows a reader with no table-format support sees: every *.parquet file under the folder, as pandas'
    read_parquet, DuckDB's read_parquet glob and Polars' scan_parquet read a folder."""
    import pyarrow.dataset as ds

    from gongkai.lake.reader import arrow_filesystem
    from gongkai.lake.store import open_store

    if folder.startswith("s3://"):
        filesystem, base = arrow_filesystem(open_store(folder.rsplit("/", 1)[0]))
        path = f"{base}/{folder.rsplit('/', 1)[1]}"
    else:
        filesystem, path = None, folder
    dataset = ds.dataset(
        path,
        filesystem=filesystem,
        format="parquet",
        partitioning="hive",
        exclude_invalid_files=False,
        ignore_prefixes=["_", "."],
    )
    return dataset.count_rows()


def storage_bytes(uri: str) -> tuple[int, int]:
    """Every object under the lake (tables, logs, tombstoned files): count and bytes."""
    if not uri.startswith("s3://"):
        paths = [p for p in Path(uri).rglob("*") if p.is_file()]
        return len(paths), sum(p.stat().st_size for p in paths)
    from gongkai.lake.store import make_s3_client

    bucket, _, prefix = uri.removeprefix("s3://").partition("/")
    count = size = 0
    for page in make_s3_client().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            count, size = count + 1, size + item["Size"]
    return count, size


def delta_options() -> dict[str, str] | None:
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    if not endpoint:
        return None
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": os.environ["AWS_ACCESS_KEY_ID"],
        "AWS_SECRET_ACCESS_KEY": os.environ["AWS_SECRET_ACCESS_KEY"],
        "AWS_REGION": "us-east-1",
        "AWS_ALLOW_HTTP": "true",
        "AWS_S3_ADDRESSING_STYLE": "path",
    }


def make_format(kind: str, uri: str) -> Any:
    return (
        GongkaiLake(uri)
        if kind == "gongkai"
        else DeltaLake(uri, delta_options() if uri.startswith("s3://") else None)
    )


# ---------------------------------------------------------------- the measurements


def timed(call: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    result = call()
    return time.perf_counter() - start, result


def one_format(kind: str, uri: str, base: list[Any], count: int) -> None:
    lake = make_format(kind, uri)
    reports = clones(base, count, f"{kind}-{uri}")
    rows = sum(t.num_rows for t in arrow_tables(reports[:BATCH]).values()) * (count / BATCH)
    write_s, attempts = timed(lambda: sum(lake.write(reports[i : i + BATCH]) for i in range(0, count, BATCH)))
    files, size = lake.files()
    merge_s, _ = timed(lambda: lake.write(changed(reports[: count // 10])))
    read_s, data = timed(lambda: lake.read("applications"))
    expected = sum(len(r.applications) for r in reports)
    plain = plain_parquet_rows(lake.folder("applications"))
    stored = storage_bytes(uri)
    compact_s, _ = timed(lake.compact)
    files_after, size_after = lake.files()
    travel_s, first = timed(lambda: lake.first_version("applications"))
    vacuum_s, removed = timed(lake.vacuum)
    stored_after = storage_bytes(uri)
    try:
        after = "still readable" if lake.first_version("applications") is not None else "none"
    except Exception as exc:  # vacuum removed the files version 0 names
        after = f"gone ({type(exc).__name__})"
    print(
        f"  {lake.name:11s} write {count} reports in batches of {BATCH}: {write_s:6.1f} s "
        f"({rows / write_s:,.0f} rows/s, {attempts} commit attempts); merge of {count // 10} changed: "
        f"{merge_s:5.1f} s; read applications: {read_s:5.2f} s ({data.num_rows} rows, expected {expected}); "
        f"a plain Parquet reader of the folder (pyarrow.dataset, hive partitions) reads {plain} rows"
    )
    print(
        f"  {'':11s} files {files} ({size / 2**20:.1f} MiB) → compact {compact_s:.1f} s → {files_after} files "
        f"({size_after / 2**20:.1f} MiB); everything stored {stored[0]} objects {stored[1] / 2**20:.1f} MiB → "
        f"vacuum {vacuum_s:.1f} s removed {removed} → {stored_after[0]} objects {stored_after[1] / 2**20:.1f} MiB; "
        + (
            f"time travel to version 0: {travel_s:.2f} s, {first.num_rows} rows; after vacuum: {after}"
            if first is not None
            else "time travel: none (replaced files are deleted at publish)"
        )
    )
    sys.stdout.flush()


def writer_process(kind: str, uri: str, tag: str, count: int, shared: int, env: dict[str, str]) -> None:
    """One of two concurrent writers: `count` reports of its own and `shared` reports both write."""
    os.environ.update(env)
    base = seed_reports()
    lake = make_format(kind, uri)
    reports = clones(base, shared, "shared") + clones(base, count, tag)
    attempts = sum(lake.write(reports[i : i + BATCH // 5]) for i in range(0, len(reports), BATCH // 5))
    batches = -(-len(reports) // (BATCH // 5))
    print(
        f"    writer {tag}: {batches} batches, {attempts} commit attempts (a Delta batch is 4 commits)",
        flush=True,
    )


def concurrent_writers(kind: str, uri: str, base: list[Any], count: int) -> None:
    """Two processes write at once; then every row is counted against what both meant to write."""
    from gongkai.model import report_id_for

    shared = count // 10
    context = multiprocessing.get_context("spawn")
    env = {k: v for k, v in os.environ.items() if k.startswith("AWS_")}
    writers = [
        context.Process(target=writer_process, args=(kind, uri, tag, count, shared, env))
        for tag in ("w1", "w2")
    ]
    start = time.perf_counter()
    for process in writers:
        process.start()
    for process in writers:
        process.join()
    seconds = time.perf_counter() - start
    codes = [p.exitcode for p in writers]
    lake = make_format(kind, uri)
    expected_reports = {report_id_for(r.sha256) for r in clones(base, shared, "shared")} | {
        report_id_for(r.sha256) for tag in ("w1", "w2") for r in clones(base, count, tag)
    }
    expected_cells = sum(
        len(r.applications)
        for r in clones(base, shared, "shared") + clones(base, count, "w1") + clones(base, count, "w2")
    )
    try:
        reports = lake.read("reports")
        cells = lake.read("applications")
    except Exception as exc:  # a table a failed writer never created
        print(f"  {lake.name:11s} two writers: exit codes {codes}; the lake cannot be read: {str(exc)[:200]}")
        return
    ids = reports.column("report_id").to_pylist()
    keys = list(zip(*(cells.column(c).to_pylist() for c in ("report_id", "row", "applicant")), strict=True))
    print(
        f"  {lake.name:11s} two writers at once ({count} own + {shared} shared reports each, batches of "
        f"{BATCH // 5}): {seconds:.1f} s, exit codes {codes}; reports {len(ids)} (expected {len(expected_reports)}): "
        f"lost {len(expected_reports - set(ids))}, duplicated {len(ids) - len(set(ids))}; applications rows "
        f"{len(keys)} (expected {expected_cells}): lost {expected_cells - len(set(keys))}, duplicated "
        f"{len(keys) - len(set(keys))}"
    )
    sys.stdout.flush()


@contextlib.contextmanager
def s3_bucket(work: Path) -> Iterator[str]:
    sys.path.insert(0, str(ROOT / "tests" / "lake"))
    from lake_s3server import s3_env, s3_server

    from gongkai.lake.store import make_s3_client

    with s3_server(work / "s3") as (endpoint, kind):
        saved = dict(os.environ)
        os.environ.update(s3_env(endpoint))
        try:
            print(f"S3: {kind} at {endpoint}")
            bucket = f"formats-{uuid.uuid4().hex[:8]}"
            make_s3_client().create_bucket(Bucket=bucket)
            yield f"s3://{bucket}"
        finally:
            os.environ.clear()
            os.environ.update(saved)


def run_store(label: str, root: str, base: list[Any], count: int, writers: int) -> None:
    print(f"{label}:")
    for kind in ("gongkai", "delta"):
        one_format(kind, f"{root}/{kind}-single", base, count)
    for kind in ("gongkai", "delta"):
        concurrent_writers(kind, f"{root}/{kind}-concurrent", base, writers)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=1000, help="reports per format (default 1000)")
    parser.add_argument("--writer-reports", type=int, default=200, help="reports per concurrent writer")
    parser.add_argument("--stores", default="local,s3", help="local, s3 or both (default)")
    args = parser.parse_args(argv if argv is not None else [])
    import deltalake

    print(f"deltalake {deltalake.__version__}")
    base = seed_reports()
    with tempfile.TemporaryDirectory(prefix="gongkai-formats-") as scratch:
        work = Path(scratch)
        if "local" in args.stores:
            run_store("local folder", str(work / "local"), base, args.reports, args.writer_reports)
        if "s3" in args.stores:
            with s3_bucket(work) as root:
                run_store("S3", root, base, args.reports, args.writer_reports)


if __name__ == "__main__":
    main(sys.argv[1:])
