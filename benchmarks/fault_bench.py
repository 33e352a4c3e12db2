"""The faults a national run meets, measured: a dripping host, huge documents, what the document budget
costs per document, racing writers, and a soak of concurrent writers killed with SIGKILL then recovered.

Usage: python -m benchmarks fault_bench  (all), or python -m benchmarks.fault_bench SECTION...
(drip huge budget race soak)
  GONGKAI_BENCH_HUGE="html:99,txt:2,txt:6,txt:20,txt:56,lines:2,lines:20"  documents to parse (kind:MiB;
    txt: prose in printed lines, lines: lines that never end a sentence)
  GONGKAI_SOAK_WRITERS=4 GONGKAI_SOAK_DOCS=200 GONGKAI_SOAK_KILLS=2  the soak (kills per writer)
  GONGKAI_BENCH_S3=s3://bucket/prefix  an S3 lake of your own (else SeaweedFS/moto on 127.0.0.1)
"""

from __future__ import annotations

import collections
import contextlib
import json
import os
import random
import resource
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from benchmarks.lake_bench import _s3_lake
from gongkai.settings import get_settings

ROOT = Path(__file__).resolve().parents[1]
SEEDS = sorted((ROOT / "tests" / "fixtures" / "seeds").glob("*.txt"))
MB = 2**20


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}


# ---------------------------------------------------------------- a dripping host


def drip() -> None:
    from gongkai.fetch import FetchError, make_session
    from gongkai.fetch.portal import Fault, start_portal

    path = "/huaian-gov/files/2024-annual-report.pdf"
    with start_portal(extras=True) as portal:
        for kind in ("drip", "drip_headers"):
            portal.faults[path] = Fault(kind, seconds=1.0)
            with make_session(portal.registry, deadline=5.0, timeout=(10.0, 60.0), backoff=0.05) as session:
                started = time.monotonic()
                try:
                    session.get(portal.base_url + path)
                    outcome = "fetched (!)"
                except FetchError as exc:
                    outcome = f"{exc.code} (transient={exc.transient})"
                print(
                    f"drip: {kind:<12} 1 byte/s, deadline 5 s, read timeout 60 s: failed after "
                    f"{time.monotonic() - started:.2f} s: {outcome}"
                )


# ---------------------------------------------------------------- huge documents


def _huge_html(size: int) -> bytes:
    page = (ROOT / "tests" / "fixtures" / "corpus" / "000_79fb0eaf2da186ab.utf8.html").read_text()
    head, body = page.split("<body", 1)
    body = body.split(">", 1)[1].rsplit("</body>", 1)[0]
    return (head + "<body>" + body * (size // len(body.encode()) + 1) + "</body></html>").encode()


def _huge_text(size: int) -> bytes:
    """A prose report as a converter prints it: lines of 38 characters, sentences broken across them."""
    prose = (ROOT / "tests" / "fixtures" / "pre2019" / "county-2016-prose.txt").read_text()
    lines = [w for para in prose.splitlines() for w in (textwrap.wrap(para, 38) or [""])]
    block = "\n".join(lines) + "\n"
    return (block * (size // len(block.encode()) + 1)).encode()


def _unpunctuated_lines(size: int) -> bytes:
    """Printed lines that never end a sentence (a naive line joiner is quadratic in them)."""
    line = "本机关主动公开政府信息共计五千九百二十八条其中通过网站发布"
    return "\n".join(f"{line}{i % 10}" for i in range(size // len((line + "0\n").encode()) + 1)).encode()


_MAKERS = {"html": _huge_html, "txt": _huge_text, "lines": _unpunctuated_lines}

# runs `gongkai parse` and reports the peak RSS of the largest process it started, itself included: a
# small launcher, because Linux carries ru_maxrss across fork and exec (the benchmark's own would count)
_MEASURE = """
import resource, subprocess, sys, time
started = time.monotonic()
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
print(f"{time.monotonic() - started:.1f} {peak} {done.returncode}")
print(done.stdout.strip().splitlines()[-1] if done.stdout.strip() else "{}")
print(done.stderr[-300:].replace(chr(10), " "), file=sys.stderr)
"""


def _tree_rss(root: int) -> int:
    """Resident memory of a process and all its descendants now (bytes; shared pages count in each)."""
    import psutil

    try:
        processes = [psutil.Process(root), *psutil.Process(root).children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for process in processes:
        with contextlib.suppress(psutil.Error):  # one that just exited
            total += process.memory_info().rss
    return total


def huge() -> None:
    """Each huge document through `gongkai parse --json` as a process of its own: wall time, the peak RSS
    of its largest process (the CLI or its budget worker), and the sum over its processes, sampled."""
    settings = get_settings()
    budget_mib = settings.document_memory_bytes // MB
    print(
        f"huge: goal: within the {settings.document_seconds:g} s document budget, every process ≤ 1536 MiB "
        f"(budget GONGKAI_DOCUMENT_MEMORY_BYTES {budget_mib} MiB over the worker)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for item in settings.bench_huge.split(","):
            kind, size = item.split(":")
            path = Path(tmp) / f"huge-{size}mb.{'html' if kind == 'html' else 'txt'}"
            path.write_bytes(_MAKERS[kind](int(float(size) * MB)))
            command = [sys.executable, "-m", "gongkai.cli", "parse", "--json", str(path)]
            launcher = subprocess.Popen(
                [sys.executable, "-c", _MEASURE, *command],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=_env(),
            )
            tree_peak = 0
            while launcher.poll() is None:
                tree_peak = max(tree_peak, _tree_rss(launcher.pid))
                time.sleep(0.2)
            out, err = launcher.communicate()
            figures, report_line = (out.strip().splitlines() + ["", ""])[:2]
            try:
                seconds, peak, exit_code = figures.split()
                report = json.loads(report_line)
            except ValueError:
                print(f"huge: {kind} {size} MiB: the run failed: {err[-300:]}")
                continue
            problems = ",".join(p["code"] for p in report.get("problems", [])) or "-"
            print(
                f"huge: {kind:<5} {size:>3} MiB: {seconds:>6} s, exit {exit_code}, peak RSS of its largest "
                f"process {peak} MiB, of all its processes together {tree_peak // MB} MiB (sampled); "
                f"form {report.get('form_version')}, problems {problems}"
            )
            path.unlink()


# ---------------------------------------------------------------- the document budget's cost


def budget() -> None:
    """What the document budget costs per document, in a process that loaded Prefect and Great Expectations
    as a run does (forking such a process costs 25-45 ms: hence one reused budget worker)."""
    import great_expectations  # noqa: F401  (loaded for its size, as in a run)
    import prefect  # noqa: F401

    from gongkai.pipeline import parse_bytes
    from gongkai.synth import LAYOUTS, random_report, render

    rng = random.Random(18)
    documents = []
    for i in range(100):
        report = random_report(rng, ("f2021", "f2019")[i % 2])
        documents.append(render(report, LAYOUTS[i % len(LAYOUTS)], rng).encode())
    with open("/proc/self/status") as status:
        size = next(int(line.split()[1]) // 1024 for line in status if line.startswith("VmRSS:"))
    best: dict[bool, float] = {}
    for _ in range(2):  # alternate, keep the best of each: the machines are shared
        for within_budget in (False, True):
            started = time.perf_counter()
            for i, data in enumerate(documents):
                parse_bytes(data, f"{i}.txt", budget=within_budget)
            seconds = (time.perf_counter() - started) / len(documents)
            best[within_budget] = min(best.get(within_budget, seconds), seconds)
    print(
        f"budget: {len(documents)} text reports in a {size} MiB process: {best[False] * 1000:.1f} ms each in "
        f"the process, {best[True] * 1000:.1f} ms within the budget (worker) → the budget costs "
        f"{(best[True] - best[False]) * 1000:.1f} ms per document"
    )


# ---------------------------------------------------------------- concurrent writers


def _folders(root: Path, writers: int, docs: int) -> list[Path]:
    """Disjoint folders of distinct documents (seed reports made unique by trailing newlines)."""
    folders = []
    for w in range(writers):
        folder = root / f"writer-{w}"
        folder.mkdir(parents=True)
        for d in range(docs):
            seed = SEEDS[d % len(SEEDS)]
            (folder / f"{seed.stem}-{w}-{d}.txt").write_bytes(seed.read_bytes() + b"\n" * (1 + w * docs + d))
        folders.append(folder)
    return folders


def _load(folder: Path, lake: str, batch_size: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gongkai.cli",
            "load",
            str(folder),
            "--lake",
            lake,
            "--batch-size",
            str(batch_size),
            "--json",
        ],
        env=_env(),
        text=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def _count(lake: str, expected: int) -> tuple[int, int, int]:
    """(distinct documents, lost, duplicated rows) in the lake's reports table."""
    from gongkai.lake.reader import read_table
    from gongkai.lake.store import open_store

    ids = collections.Counter(read_table(open_store(lake), "reports").column("report_id").to_pylist())
    return len(ids), expected - len(ids), sum(n - 1 for n in ids.values())


def _race(lake: str, label: str, root: Path) -> None:
    folders = _folders(root, 4, 3)
    started = time.monotonic()
    procs = [_load(folder, lake, 1) for folder in folders]
    errors = [p.communicate(timeout=1800)[1] for p in procs]
    codes = [p.returncode for p in procs]
    docs, lost, duplicated = _count(lake, 12)
    crashed = sum("Traceback" in e for e in errors)
    print(
        f"race ({label}): 4 concurrent `gongkai load` × 3 documents, batches of 1: exit codes {codes}, "
        f"{crashed} tracebacks, {docs} documents, {lost} lost, {duplicated} duplicated, "
        f"{time.monotonic() - started:.0f} s"
    )


def race() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        _race(str(Path(tmp) / "lake"), "local", Path(tmp) / "in")
    with _s3_lake() as uri, tempfile.TemporaryDirectory() as tmp:
        if uri:
            _race(f"{uri}-race-{random.randrange(10**6)}", "s3", Path(tmp))


def soak() -> None:
    settings = get_settings()
    writers, docs, kills = settings.soak_writers, settings.soak_docs, settings.soak_kills
    rng = random.Random(18)
    with tempfile.TemporaryDirectory() as tmp:
        lake = str(Path(tmp) / "lake")
        folders = _folders(Path(tmp) / "in", writers, docs)
        started = time.monotonic()
        killed = 0
        for round_ in range(kills):  # each round: all writers start, each is killed at a random moment
            procs = [_load(folder, lake, 10) for folder in folders]
            for proc in procs:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout=rng.uniform(5, 40))
                if proc.poll() is None:
                    os.killpg(proc.pid, signal.SIGKILL)
                    killed += 1
                proc.wait()
            so_far = _count(lake, writers * docs)
            print(
                f"soak: round {round_ + 1}: {killed} writers killed so far; {so_far[0]} documents in the lake, "
                f"{so_far[2]} duplicated",
                flush=True,
            )
        procs = [
            _load(folder, lake, 10) for folder in folders
        ]  # the recovery run: every writer again, to the end
        errors = [p.communicate(timeout=7200)[1] for p in procs]
        codes = [p.returncode for p in procs]
        total, lost, duplicated = _count(lake, writers * docs)
        from gongkai.lake import log
        from gongkai.lake.store import open_store

        debris = len(open_store(lake).list(log.STAGING))
        print(
            f"soak: {writers} writers × {docs} documents, {killed} SIGKILLs, then a recovery run: exit codes "
            f"{codes}, {sum('Traceback' in e for e in errors)} tracebacks; {total} documents, LOST {lost}, "
            f"DUPLICATED {duplicated}; {debris} staging files left; {time.monotonic() - started:.0f} s"
        )


SECTIONS = {"drip": drip, "huge": huge, "budget": budget, "race": race, "soak": soak}


def main() -> None:
    wanted = [a for a in sys.argv[1:] if a in SECTIONS] or list(SECTIONS)
    for name in wanted:
        SECTIONS[name]()
    print(f"(this process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MiB)")


if __name__ == "__main__":
    main()
