"""What a long run's process holds, over time: RSS, the Python heap, glibc's and Arrow's pools, live objects
per type, and tracemalloc snapshots to compare between two moments of the steady state.

    python -m benchmarks.scale_bench --docs 5000 --memtrace DIR [--memtrace-frames 8]  # the flow process
    python -m benchmarks.memtrace compare DIR/snap-01000.pickle DIR/snap-04000.pickle
    python -m benchmarks.memtrace show DIR/samples.jsonl
    python -m benchmarks.memtrace peaks DIR/peaks.jsonl          # what ran at each new high of RSS

Started in the flow process (scale_bench's driver): a sample every 10 s into DIR/samples.jsonl, the live
objects per type every sixth sample, each new high of RSS with every thread's stack (DIR/peaks.jsonl),
and with `--memtrace-frames N` (default 0: none; tracemalloc makes a run 2–3× slower) a tracemalloc
snapshot of N frames each 1,000 documents done. A figure that grows between two moments taken after the
start is what the run holds per document.
"""

from __future__ import annotations

import ctypes
import gc
import json
import os
import sys
import threading
import time
import tracemalloc
from collections import Counter
from pathlib import Path
from typing import Any


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
        )
    ] + [("keepcost", ctypes.c_size_t)]


def _mallinfo() -> dict[str, float]:
    """glibc's heap: bytes in use (uordblks + hblkhd) and free but kept (fordblks), in MiB."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallinfo2.restype = _MallInfo2
        info = libc.mallinfo2()
    except (OSError, AttributeError):
        return {}
    mib = 2**20
    return {"malloc_used": (info.uordblks + info.hblkhd) / mib, "malloc_free": info.fordblks / mib}


def _rss_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


class MemTrace:
    def __init__(
        self, directory: Path, every_s: float = 10.0, snap_docs: int = 1000, frames: int = 8
    ) -> None:
        self.directory, self.every_s, self.snap_docs, self.frames = directory, every_s, snap_docs, frames
        directory.mkdir(parents=True, exist_ok=True)
        self.docs_done = self.docs_total = 0
        self.next_snap = snap_docs
        self.snap_due: list[int] = []
        self.stop_event = threading.Event()
        self.started = time.monotonic()
        if frames:
            tracemalloc.start(frames)
        from gongkai.runs import add_progress_listener

        self.remove_listener = add_progress_listener(self._progress)
        self.thread = threading.Thread(target=self._run, name="memtrace", daemon=True)
        self.thread.start()
        self.peak = 0.0
        self.peaks = threading.Thread(target=self._watch_peaks, name="memtrace-peaks", daemon=True)
        self.peaks.start()

    def _progress(self, what: str, done: int, total: int, failed: int) -> None:
        if what != "documents":
            return
        self.docs_done, self.docs_total = done, total
        while done >= self.next_snap:  # taken by the sampler's thread, not the flow's
            self.snap_due.append(self.next_snap)
            self.next_snap += self.snap_docs

    def _run(self) -> None:
        count = 0
        with open(self.directory / "samples.jsonl", "a") as out:
            while not self.stop_event.wait(self.every_s):
                out.write(json.dumps(self.sample(types=count % 6 == 0)) + "\n")
                out.flush()
                count += 1
                while self.snap_due and self.frames:
                    docs = self.snap_due.pop(0)
                    gc.collect()
                    tracemalloc.take_snapshot().dump(str(self.directory / f"snap-{docs:06d}.pickle"))

    def _watch_peaks(self) -> None:
        """RSS every 50 ms; each new high (by 4 MiB or more) is written to peaks.jsonl with what every
        thread was doing then: where a short rise comes from, which a sample every few seconds misses."""
        with open(self.directory / "peaks.jsonl", "a") as out:
            while not self.stop_event.wait(0.05):
                rss = _rss_mib()
                if rss < self.peak + 4:
                    continue
                self.peak = rss
                stacks = {}
                for ident, frame in sys._current_frames().items():
                    if ident == threading.get_ident():
                        continue
                    where = _where(frame)
                    if where:
                        stacks[str(ident)] = where
                row = {
                    "t": round(time.monotonic() - self.started, 2),
                    "docs": self.docs_done,
                    "rss": round(rss, 1),
                }
                out.write(json.dumps({**row, "stacks": stacks}) + "\n")
                out.flush()

    def sample(self, types: bool = False) -> dict[str, Any]:
        row: dict[str, Any] = {
            "t": round(time.monotonic() - self.started, 1),
            "docs": self.docs_done,
            "total": self.docs_total,
            "rss": round(_rss_mib(), 1),
            "threads": threading.active_count(),
            "py_blocks_k": sys.getallocatedblocks() // 1000,  # Python's small objects (pymalloc, not malloc)
            **{k: round(v, 1) for k, v in _mallinfo().items()},
        }
        if self.frames:
            row["traced"] = round(tracemalloc.get_traced_memory()[0] / 2**20, 1)
        if "pyarrow" in sys.modules:
            row["arrow"] = round(sys.modules["pyarrow"].total_allocated_bytes() / 2**20, 1)
        if types:
            row["types"] = _census()
        return row

    def stop(self) -> None:
        self.remove_listener()
        self.stop_event.set()
        self.thread.join()
        self.peaks.join()
        with open(self.directory / "samples.jsonl", "a") as out:
            out.write(json.dumps({**self.sample(types=True), "end": True}) + "\n")


def _where(frame: Any) -> list[str]:
    """A thread's stack, our code's frames (gongkai, tasks, flows) and the innermost three, innermost last."""
    frames = []
    while frame is not None:
        frames.append(frame)
        frame = frame.f_back
    frames.reverse()
    shown = [f for f in frames if any(p in f.f_code.co_filename for p in ("/gongkai/", "/tasks/", "/flows/"))]
    if not shown:
        return []
    inner = [f for f in frames[-3:] if f not in shown]
    return [f"{Path(f.f_code.co_filename).name}:{f.f_lineno} {f.f_code.co_name}" for f in shown + inner]


def compare(before: str, after: str, top: int = 25, key: str = "traceback") -> None:
    old, new = tracemalloc.Snapshot.load(before), tracemalloc.Snapshot.load(after)
    skip = [
        tracemalloc.Filter(False, tracemalloc.__file__),
        tracemalloc.Filter(False, "<frozen importlib._bootstrap>"),
    ]
    old, new = old.filter_traces(skip), new.filter_traces(skip)
    total_old = sum(s.size for s in old.statistics("filename"))
    total_new = sum(s.size for s in new.statistics("filename"))
    print(f"traced: {total_old / 2**20:.1f} → {total_new / 2**20:.1f} MiB")
    for stat in new.compare_to(old, key)[:top]:
        print(
            f"{stat.size_diff / 2**20:+8.2f} MiB {stat.count_diff:+8d} blocks (now {stat.size / 2**20:.1f} MiB)"
        )
        for line in stat.traceback.format()[-16:]:
            print("    " + line)


def show_peaks(peaks: str, last: int = 12) -> None:
    rows = [json.loads(line) for line in Path(peaks).read_text().splitlines() if line.strip()]
    for row in rows[-last:]:
        print(f"t={row['t']} docs={row['docs']} rss={row['rss']}")
        for stack in row["stacks"].values():
            print("    " + " > ".join(stack))


def show(samples: str) -> None:
    rows = [json.loads(line) for line in Path(samples).read_text().splitlines() if line.strip()]
    for row in rows:
        figures = " ".join(f"{k}={v}" for k, v in row.items() if k != "types")
        print(figures)
    typed = [r for r in rows if "types" in r]
    if len(typed) >= 3:
        a, b = typed[len(typed) // 3], typed[-2]
        print(f"objects per type, {a['docs']} → {b['docs']} documents (the most grown):")
        grown = {k: b["types"].get(k, 0) - a["types"].get(k, 0) for k in b["types"]}
        for name, diff in sorted(grown.items(), key=lambda kv: -kv[1])[:20]:
            print(f"  {name}: {a['types'].get(name, 0)} → {b['types'][name]} ({diff:+d})")


if __name__ == "__main__":
    command, *rest = sys.argv[1:]
    if command == "compare":
        compare(rest[0], rest[1], *(int(x) for x in rest[2:3]))
    elif command == "peaks":
        show_peaks(rest[0], *(int(x) for x in rest[1:2]))
    elif command == "show":
        show(rest[0])
    else:
        raise SystemExit(__doc__)


def _census() -> dict[str, int]:
    """The 40 commonest object types. gc.get_objects() also lists a tuple another thread is still building
    (tuple(generator)); holding it while that thread resumes makes its resize fail ("SystemError: bad
    argument to internal function": it killed a 100,000-document re-run at its very end). The census
    keeps the GIL from the other threads until the list is dropped."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(60.0)
    try:
        objects = gc.get_objects()
        counts = Counter(type(o).__qualname__ for o in objects)
        del objects
    finally:
        sys.setswitchinterval(interval)
    return dict(counts.most_common(40))
