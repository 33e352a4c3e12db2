"""A writer process killed (SIGKILL) at each step of a commit leaves no partial batch: readers of the
commit log see the old batch or the new one whole, and after recovery so do plain Parquet readers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pyarrow.dataset as ds
import pytest
from lake_fixtures import SEED_FILES

from gongkai.lake import log
from gongkai.lake.reader import dataset, read_table
from gongkai.lake.store import open_store

WRITER = """
import sys
from pathlib import Path
from gongkai.pipeline import parse_bytes
from gongkai.lake.store import open_store
from gongkai.lake.writer import write_batch
lake, agency, *paths = sys.argv[1:]
reports = [parse_bytes(Path(p).read_bytes(), p) for p in paths]
write_batch(open_store(lake), reports, agencies={r.sha256: agency for r in reports})
print("DONE", flush=True)
"""
REPORT_TABLES = ("reports", "applications", "review_litigation", "active_disclosure")


def _run_writer(
    lake: str, agency: str, paths: list[Path], pause_at: str | None = None, pause_after: int = 0
) -> subprocess.Popen:
    env = dict(os.environ)
    if pause_at:
        env.update(
            GONGKAI_LAKE_PAUSE_AT=pause_at,
            GONGKAI_LAKE_PAUSE_AFTER=str(pause_after),
            GONGKAI_LAKE_PAUSE_SECONDS="120",
        )
    return subprocess.Popen(
        [sys.executable, "-X", "faulthandler", "-c", WRITER, lake, agency, *map(str, paths)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _finish(proc: subprocess.Popen) -> None:
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0 and "DONE" in out, f"writer exited {proc.returncode}:\n{err[-4000:]}"


def _kill_when_paused(proc: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    assert proc.stderr is not None
    for line in proc.stderr:  # ends when the writer exits; bounded by the deadline below
        if line.startswith("GONGKAI_LAKE_PAUSED"):
            break
        if time.monotonic() > deadline:
            break
    else:
        pytest.fail(f"writer exited without pausing: {proc.wait()}")
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL


def _state_of(tables: dict[str, list[dict]]) -> tuple[str, int]:
    """('batch-a'|'batch-b', reports) if every table holds exactly one batch's rows; fails otherwise."""
    agencies = {r["agency_id"] for rows in tables.values() for r in rows}
    assert len(agencies) == 1, f"rows of two batches are visible: {agencies}"
    ids = {t: sorted({r["report_id"] for r in rows}) for t, rows in tables.items()}
    assert len({tuple(v) for v in ids.values()}) == 1, f"tables disagree on reports: {ids}"
    for table, rows in tables.items():
        keys = [
            (r["report_id"], r.get("row"), r.get("applicant"), r.get("key"), r.get("item"), r.get("metric"))
            for r in rows
        ]
        assert len(keys) == len(set(keys)), f"duplicate rows in {table}"
    return agencies.pop(), len(ids["reports"])


def _snapshot(lake: str) -> tuple[str, int]:
    store = open_store(lake)
    return _state_of(
        {
            t: read_table(
                store,
                t,
                columns=[
                    "report_id",
                    "agency_id",
                    *(
                        c
                        for c in ("row", "applicant", "key", "item", "metric")
                        if c in read_table(store, t).column_names
                    ),
                ],
            ).to_pylist()
            for t in REPORT_TABLES
        }
    )


def _plain(lake: str) -> tuple[str, int]:
    """What a reader that just lists tables/ sees: pyarrow.dataset over the folder, and DuckDB on top."""
    store = open_store(lake)
    tables = {}
    for table in REPORT_TABLES:
        data = dataset(store, table, snapshot=False)
        tables[table] = data.to_table().to_pylist()
        assert duckdb.sql("select count(*) from data").fetchall()[0][0] == len(tables[table])
    if not lake.startswith("s3://"):
        root = Path(lake) / "tables"
        n = duckdb.sql(
            f"select count(*) from read_parquet('{root}/applications/*/*.parquet', hive_partitioning=true)"
        ).fetchall()[0][0]
        assert n == len(tables["applications"])
        assert ds.dataset(root / "reports", partitioning="hive").count_rows() == len(tables["reports"])
    return _state_of(tables)


@pytest.mark.parametrize(
    "pause_at, pause_after, committed",
    [
        ("staged", 0, False),  # new files staged, no commit record yet
        ("committed", 0, True),  # commit record written, nothing published
        ("publish_file", 5, True),  # killed in the middle of publishing
        ("published", 0, True),  # everything published, HEAD not yet moved
    ],
)
def test_killed_writer_leaves_no_partial_batch(
    lake_uri: str, pause_at: str, pause_after: int, committed: bool
) -> None:
    _finish(_run_writer(lake_uri, "batch-a", SEED_FILES[:3]))
    assert _plain(lake_uri) == ("batch-a", 3)
    # batch B re-processes the three reports (new agency: every row changes) and adds a fourth
    writer = _run_writer(lake_uri, "batch-b", SEED_FILES[:4], pause_at, pause_after)
    _kill_when_paused(writer)
    expected = ("batch-b", 4) if committed else ("batch-a", 3)
    assert _snapshot(lake_uri) == expected
    if not committed:
        assert _plain(lake_uri) == expected  # nothing of B ever reached tables/
    log.recover(open_store(lake_uri))  # what the next writer or `gongkai load` does first
    assert _plain(lake_uri) == expected
    assert _snapshot(lake_uri) == expected
    # and the lake goes on: the batch can be loaded again, completely
    _finish(_run_writer(lake_uri, "batch-b", SEED_FILES[:4]))
    assert _plain(lake_uri) == ("batch-b", 4) == _snapshot(lake_uri)
