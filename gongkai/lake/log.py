"""The lake's commit log: how a batch becomes visible all at once, or not at all.

A write goes through three steps:

1. **stage** — every new Parquet file is written under ``_lake/staging/<batch_id>/…``, outside
   ``tables/``, so no reader (plain ``*.parquet`` globs included) can see it;
2. **commit** — one JSON record ``_lake/commits/<seq>.json`` is written with a conditional put
   (if-absent): it lists the files the batch adds and removes and the complete file list of every
   table afterwards. Writing that object is the commit point; a writer that loses the race for a
   sequence number re-plans on the new state and tries the next one;
3. **publish** — staged files are moved to their final keys under ``tables/`` and the files the
   commit replaces are deleted; then ``_lake/HEAD`` records the sequence as published.

A writer killed before the commit point leaves only staging debris (invisible); one killed after it
leaves a commit that any later writer, `recover()` or `gongkai load` rolls forward. Each staging folder
holds an owner record (host, boot, pid, process start, lease): the next writer sweeps the debris as soon
as it can prove the owner dead — same host and its process gone, or its lease expired.

Writers race optimistically: each plans on the latest commit; the loser of a sequence number, or one
whose plan read a file a newer commit removed, plans again on the new state (gongkai/lake/writer.py).

Readers: `read_state` gives the latest committed file list (reading staged copies of files not yet
published), so `gongkai.lake.reader` never sees half a batch. Plain readers of ``tables/**/*.parquet``
see every file whole (a file appears by one rename or one object PUT) and see the lake exactly as
committed whenever no publish is in progress; during the short publish step — or after a writer died
in it, until the next recovery — they can see part of the newest batch. Object stores offer no
atomic multi-object change, so that window cannot be closed for readers that bypass the log.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from gongkai.lake.schemas import TABLES
from gongkai.lake.store import Store
from gongkai.settings import get_settings

T = TypeVar("T")

LOG_PREFIX = "_lake/"
COMMITS = "_lake/commits/"
HEAD = "_lake/HEAD"
STAGING = "_lake/staging/"
FORMAT = 1
# staging older than this with no commit and no owner record is debris from a dead writer
STALE_STAGING_SECONDS = 3600
OWNER = "_owner.json"  # in each batch's staging folder: who writes it, so a dead writer's debris can be told
# a writer renews its lease while it stages; a lease older than this (on another host) means the writer died


def commit_key(seq: int) -> str:
    return f"{COMMITS}{seq:012d}.json"


def new_batch_id() -> str:
    return f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:10]}"


def batch_age_seconds(batch_id: str) -> float | None:
    try:
        started = dt.datetime.strptime(batch_id[:15], "%Y%m%dT%H%M%S").replace(tzinfo=dt.UTC)
    except ValueError:
        return None
    return (dt.datetime.now(dt.UTC) - started).total_seconds()


def staging_key(batch_id: str, final_key: str) -> str:
    return f"{STAGING}{batch_id}/{final_key}"


def _boot_id() -> str:
    try:
        with open("/proc/sys/kernel/random/boot_id") as fh:
            return fh.read().strip()
    except OSError:
        return ""


def _process_start(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (tells a pid reused by another process); None
    when there is no such process. '' when it cannot be known (no /proc)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[19]
    except FileNotFoundError:
        return None
    except (OSError, IndexError):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass
        return ""


def owner_record(lease_at: float | None = None) -> dict[str, Any]:
    pid = os.getpid()
    return {
        "host": socket.gethostname(),
        "boot": _boot_id(),
        "pid": pid,
        "start": _process_start(pid) or "",
        "lease_at": time.time() if lease_at is None else lease_at,
    }


def claim_staging(store: Store, batch_id: str) -> None:
    """Write (or renew) the owner record of a batch's staging folder: before its first file, and while it
    stages, so a sweeper can tell this live writer from a dead one."""
    store.put(f"{STAGING}{batch_id}/{OWNER}", json.dumps(owner_record()).encode())


def release_staging(store: Store, batch_id: str) -> None:
    store.delete(f"{STAGING}{batch_id}/{OWNER}")


def owner_is_dead(owner: dict[str, Any], *, now: float | None = None) -> bool:
    """Provably dead: on this host (same boot) its process is gone or is another one; rebooted since;
    or, anywhere, its lease has expired."""
    now = time.time() if now is None else now
    if now - float(owner.get("lease_at", 0)) > get_settings().lake_lease_seconds:
        return True
    if owner.get("host") != socket.gethostname():
        return False  # another machine: only its lease can tell
    if owner.get("boot") and _boot_id() and owner["boot"] != _boot_id():
        return True
    start = _process_start(int(owner.get("pid", -1)))
    return start is None or bool(start and owner.get("start") and start != owner["start"])


@dataclass
class FileInfo:
    rows: int
    bytes: int

    def to_json(self) -> dict[str, int]:
        return {"rows": self.rows, "bytes": self.bytes}


@dataclass
class LakeState:
    """The lake as of one commit: every table's files, and where not-yet-published files are staged."""

    seq: int = 0
    published_seq: int = 0
    files: dict[str, dict[str, FileInfo]] = field(default_factory=dict)  # table -> key -> info
    staged: dict[str, str] = field(default_factory=dict)  # final key -> staging key (unpublished commits)
    records: list[dict[str, Any]] = field(default_factory=list)  # unpublished commit records, oldest first

    def table_files(self, table: str) -> dict[str, FileInfo]:
        return self.files.get(table, {})

    def partition_files(self, table: str, year: int) -> dict[str, FileInfo]:
        prefix = f"tables/{table}/report_year={year}/"
        return {k: v for k, v in self.table_files(table).items() if k.startswith(prefix)}

    def read_key(self, key: str) -> str:
        """Where the bytes of a committed file are right now (staged until published)."""
        return self.staged.get(key, key)


_checkpoint_hits: dict[str, int] = {}


def _checkpoint(name: str) -> None:
    """A named point in the write protocol. GONGKAI_LAKE_PAUSE_AT=<name> makes the writer announce it on
    stderr and sleep there (after GONGKAI_LAKE_PAUSE_AFTER earlier passes), so tests can kill a real
    writer process at an exact step."""
    settings = get_settings()
    if settings.lake_pause_at != name:
        return
    _checkpoint_hits[name] = _checkpoint_hits.get(name, 0) + 1
    if _checkpoint_hits[name] <= settings.lake_pause_after:
        return
    import sys

    print(f"GONGKAI_LAKE_PAUSED {name}", file=sys.stderr, flush=True)
    time.sleep(settings.lake_pause_seconds)


def _read_json(store: Store, key: str) -> dict[str, Any] | None:
    try:
        return json.loads(store.get(key))
    except KeyError:
        return None


def _files_from_record(record: dict[str, Any]) -> dict[str, dict[str, FileInfo]]:
    return {
        table: {k: FileInfo(v["rows"], v["bytes"]) for k, v in files.items()}
        for table, files in record.get("files", {}).items()
    }


def read_state(store: Store) -> LakeState:
    """The latest committed state. Cheap: one GET of HEAD, one HEAD request per newer commit, one GET."""
    head = _read_json(store, HEAD) or {}
    published = int(head.get("seq", 0))
    seq = published
    while store.exists(commit_key(seq + 1)):
        seq += 1
    if seq == 0:
        return LakeState()
    if seq == published and not store.exists(commit_key(seq)):
        # HEAD ahead of the log cannot happen unless the log was deleted: start over from what is left
        seq = max((int(k.rsplit("/", 1)[1].split(".")[0]) for k in store.list(COMMITS)), default=0)
        published = seq
        if seq == 0:
            return LakeState()
    records = []
    for s in range(published + 1, seq + 1):
        record = _read_json(store, commit_key(s))
        if record is not None:
            records.append(record)
    latest = records[-1] if records else _read_json(store, commit_key(seq))
    if latest is None:
        raise RuntimeError(f"lake commit {seq} vanished while being read; retry")
    state = LakeState(seq=seq, published_seq=published, files=_files_from_record(latest), records=records)
    current = {k for files in state.files.values() for k in files}
    for record in records:
        for final, staged in record.get("added", {}).items():
            if final in current:
                state.staged[final] = staged
    return state


READ_ATTEMPTS = 5  # a reader reads the newest commit again this often before giving up


def read_consistently(
    store: Store, read: Callable[[LakeState], T], what: str, state: LakeState | None = None
) -> T:
    """`read(state)`, `state` by default the latest commit. A file of the state gone while it was read (a
    newer commit's publish deletes the files it replaces, compaction's too: a KeyError) means the state is
    stale: read again as of the newest commit."""
    for _attempt in range(READ_ATTEMPTS):
        current = state or read_state(store)
        try:
            return read(current)
        except KeyError:
            state = None
    raise RuntimeError(f"the lake at {store.uri} kept changing while {what} was read")


def try_commit(
    store: Store,
    state: LakeState,
    *,
    batch_id: str,
    kind: str,
    added: dict[str, str],
    removed: list[str],
    files: dict[str, dict[str, FileInfo]],
    summary: dict[str, Any],
) -> dict[str, Any] | None:
    """Write commit `state.seq + 1` and return its record; None if another writer took that number first."""
    seq = state.seq + 1
    record = {
        "format": FORMAT,
        "seq": seq,
        "batch_id": batch_id,
        "kind": kind,
        "committed_at": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
        "schema_versions": {name: t.version for name, t in TABLES.items()},
        "added": added,
        "removed": removed,
        "files": {
            table: {k: v.to_json() for k, v in sorted(fs.items())} for table, fs in sorted(files.items())
        },
        "summary": summary,
    }
    body = json.dumps(record, ensure_ascii=False, indent=1).encode()
    if not store.put(commit_key(seq), body, if_absent=True):
        return None
    return record


def _promote(store: Store, src: str, dst: str) -> None:
    promote = getattr(store, "promote", None)
    if promote is not None:
        promote(src, dst)
        return
    try:
        data = store.get(src)
    except KeyError:
        if store.exists(dst):
            return
        raise
    store.put(dst, data)
    store.delete(src)


def publish(store: Store, record: dict[str, Any], latest: set[str] | None = None) -> None:
    """Make a committed record visible under tables/: new files first, then the replaced ones go.
    Idempotent, so a crashed publish can simply be run again. `latest`: the files of the newest commit
    when rolling forward an older one (its files a later commit removed may be gone already)."""
    current = {k for files in record.get("files", {}).values() for k in files}
    if latest is not None:
        current &= latest
    for final, staged in sorted(record.get("added", {}).items()):
        _checkpoint("publish_file")
        if final not in current:
            store.delete(staged)  # added and already replaced within a later part of the same commit
            continue
        try:
            _promote(store, staged, final)
        except KeyError:
            # gone from staging and from tables/: fine only if a newer commit replaced it (and was published)
            if not store.exists(final) and not store.exists(commit_key(record["seq"] + 1)):
                raise RuntimeError(f"lake commit {record['seq']}: staged file {staged} is missing") from None
    for key in record.get("removed", []):
        store.delete(key)
    _checkpoint("published")
    head = _read_json(store, HEAD) or {}
    if int(head.get("seq", 0)) < record["seq"]:  # a slower publisher of an older commit never moves HEAD back
        store.put(HEAD, json.dumps({"seq": record["seq"]}).encode())


def recover(store: Store, *, sweep_staging: bool = True) -> LakeState:
    """Roll forward every committed-but-unpublished batch, sweep old staging debris; returns the state."""
    state = read_state(store)
    latest = {k for files in state.files.values() for k in files}
    for record in state.records:
        publish(store, record, latest)
    if state.records:
        state = read_state(store)
    if sweep_staging:
        sweep(store, state)
    return state


def sweep(store: Store, state: LakeState, *, older_than: float = STALE_STAGING_SECONDS) -> int:
    """Delete staged files of batches that never committed and whose writer is provably dead (its owner
    record says so), or, with no owner record, that are older than `older_than`. Returns files deleted."""
    live = {rec.get("batch_id") for rec in state.records}
    by_batch: dict[str, list[str]] = {}
    for key in store.list(STAGING):
        by_batch.setdefault(key[len(STAGING) :].split("/", 1)[0], []).append(key)
    removed = 0
    for batch_id, keys in by_batch.items():
        if batch_id in live:
            continue  # committed, not yet published: recovery publishes it
        owner_key = f"{STAGING}{batch_id}/{OWNER}"
        owner = _read_json(store, owner_key) if owner_key in keys else None
        if owner is not None:
            dead = owner_is_dead(owner)
        else:
            age = batch_age_seconds(batch_id)
            dead = age is not None and age > older_than
        if not dead:
            continue
        if _read_json(store, owner_key) != owner:
            continue  # the writer renewed its lease while we looked: alive
        if any(rec.get("batch_id") == batch_id for rec in read_state(store).records):
            continue  # it committed in the meantime
        for key in sorted(keys, key=lambda k: k == owner_key):  # the owner record last
            with contextlib.suppress(KeyError):
                store.delete(key)
            removed += 1
    return removed


def commit_history(store: Store) -> list[dict[str, Any]]:
    """Every commit record, oldest first (for audits and tests)."""
    out = []
    for key in store.list(COMMITS):
        record = _read_json(store, key)
        if record is not None:
            out.append(record)
    return out
