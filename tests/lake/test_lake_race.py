"""Concurrent writers into one lake, local and S3: four `gongkai load` processes of disjoint folders all
land (each re-plans when another's commit removed a file it meant to merge), no row lost or doubled;
and the staging left by a dead writer is swept by the next writer that can prove it dead."""

from __future__ import annotations

import collections
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from lake_fixtures import SEED_FILES

from gongkai.lake import log
from gongkai.lake.reader import read_table
from gongkai.lake.store import open_store
from gongkai.settings import get_settings

WRITERS = 4
DOCS_PER_WRITER = 3


def _folders(root: Path) -> dict[str, list[Path]]:
    """Disjoint folders of distinct documents: seed reports, each copy made unique by trailing newlines."""
    folders: dict[str, list[Path]] = {}
    for w in range(WRITERS):
        folder = root / f"writer-{w}"
        folder.mkdir(parents=True)
        for d in range(DOCS_PER_WRITER):
            seed = SEED_FILES[d % len(SEED_FILES)]
            path = folder / f"{seed.stem}-{w}-{d}.txt"
            path.write_bytes(seed.read_bytes() + b"\n" * (1 + w * DOCS_PER_WRITER + d))
            folders.setdefault(str(folder), []).append(path)
    return folders


def test_four_concurrent_loads_all_land(lake_uri: str, tmp_path: Path) -> None:
    folders = _folders(tmp_path / "in")
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(Path(__file__).parents[2]), os.environ.get("PYTHONPATH", "")]),
    }
    # batches of one: twelve commits racing, each touching the same partitions and compacting them
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gongkai.cli",
                "load",
                folder,
                "--lake",
                lake_uri,
                "--batch-size",
                "1",
                "--json",
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for folder in folders
    ]
    outputs = [p.communicate(timeout=600) for p in procs]
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, f"a writer exited {proc.returncode}:\n{err[-4000:]}"
        assert "Traceback" not in err, err[-4000:]
        assert len([line for line in out.splitlines() if line.startswith("{")]) == DOCS_PER_WRITER
    loaded = {
        json.loads(line)["report_id"]
        for out, _ in outputs
        for line in out.splitlines()
        if line.startswith("{")
    }
    assert len(loaded) == WRITERS * DOCS_PER_WRITER

    store = open_store(lake_uri)
    per_report = collections.Counter(read_table(store, "reports").column("report_id").to_pylist())
    assert set(per_report) == loaded
    assert set(per_report.values()) == {1}, f"reports with more than one row: {per_report}"
    applications = collections.Counter(read_table(store, "applications").column("report_id").to_pylist())
    assert set(applications) == {rid for rid in loaded if applications[rid]} and len(applications) >= 9
    writes = [r for r in log.commit_history(store) if r["kind"] == "write"]
    assert sorted(rid for r in writes for rid in r["summary"]["reports"]) == sorted(
        loaded
    )  # each written once
    assert store.list(log.STAGING) == []  # every writer cleaned up after itself


def _stage_debris(store: object, batch_id: str, owner: dict[str, object] | None) -> list[str]:
    keys = [log.staging_key(batch_id, "tables/reports/report_year=2023/part-x.parquet")]
    store.put(keys[0], b"half a batch")  # type: ignore[attr-defined]
    if owner is not None:
        keys.append(f"{log.STAGING}{batch_id}/{log.OWNER}")
        store.put(keys[1], json.dumps(owner).encode())  # type: ignore[attr-defined]
    return keys


def test_staging_of_dead_writers_is_swept_at_once_and_of_live_ones_kept(lake_uri: str) -> None:
    store = open_store(lake_uri)
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True
    )
    mine = log.owner_record()
    now = time.time()
    cases = {
        "dead-pid": ({**mine, "pid": int(dead.stdout)}, True),  # this host, its process gone
        "reused-pid": ({**mine, "start": "1"}, True),  # this host, the pid now another process's
        "rebooted": ({**mine, "boot": "another-boot"}, True),
        "alive": (mine, False),  # this very process: alive
        "other-host-fresh": ({**mine, "host": f"not-{socket.gethostname()}", "lease_at": now}, False),
        "other-host-expired": (
            {
                **mine,
                "host": f"not-{socket.gethostname()}",
                "lease_at": now - get_settings().lake_lease_seconds - 5,
            },
            True,
        ),
        "no-owner-recent": (None, False),  # written before owner records: the age rule, an hour
    }
    keys = {}
    for name, (owner, _) in cases.items():
        batch_id = f"{log.new_batch_id()}-{name}"
        keys[name] = _stage_debris(store, batch_id, owner)
    log.recover(store)
    for name, (_, swept) in cases.items():
        assert [store.exists(k) for k in keys[name]] == [not swept] * len(keys[name]), name
