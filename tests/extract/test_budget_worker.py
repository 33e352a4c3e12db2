"""The document budget's worker process: started once and reused document after document, replaced when a
document overran it, and never out of date with the run's settings. A test that takes `monkeypatch` gets
workers forked from the test process after this module was imported (tests/conftest.py); the others get
the run's default, workers forked from a clean fork server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import lxml.html
import pytest

from gongkai.extract import limits
from gongkai.model import Problem
from gongkai.pipeline import parse_bytes

FIXTURES = Path(__file__).parents[1] / "fixtures"
SEED = FIXTURES / "seeds" / "000_79fb0eaf2da186ab.txt"
MB = 2**20


def _whoami(data: bytes) -> int:
    return os.getpid()


def _sleep(data: bytes, seconds: float) -> int:
    time.sleep(seconds)
    return os.getpid()


def _allocate(data: bytes, megabytes: int) -> int:
    ballast = bytearray(megabytes * MB)  # touched: really allocated
    return len(ballast)


def _crash(data: bytes) -> None:
    os.kill(os.getpid(), signal.SIGKILL)  # as the OOM killer or a crashing C library would


_TABLE_PAGE = ("<table>" + "<tr><td>一、本年新收</td><td>2</td></tr>" * 400 + "</table>").encode()


def _html_cells(data: bytes) -> int:
    return len(lxml.html.document_fromstring(data).xpath("//td"))


def test_workers_started_while_other_threads_parse_html_do_not_hang() -> None:
    """A run's threads parse listings with lxml while parse tasks start budget workers. A worker forked
    from the run inherits lxml's state mid-parse and hung on its first page until its budget killed it
    (every fresh worker, on this test, with GONGKAI_BUDGET_WORKER_START=fork): the 100,000-document
    benchmark stalled on it. Workers come from a clean fork server instead."""
    busy = threading.Event()
    busy.set()

    def parse_listings() -> None:
        while busy.is_set():
            lxml.html.document_fromstring(_TABLE_PAGE)

    threads = [threading.Thread(target=parse_listings, daemon=True) for _ in range(2)]
    for thread in threads:
        thread.start()
    try:
        outcomes = []
        for _ in range(8):  # a fresh worker each time
            limits.stop_budget_workers()
            outcomes.append(limits.run_within_budget(_html_cells, _TABLE_PAGE, seconds=20))
    finally:
        busy.clear()
        for thread in threads:
            thread.join()
    assert outcomes == [800] * 8  # two cells a row


def test_workers_come_from_the_fork_server_by_default() -> None:
    worker = limits.run_within_budget(_parent, b"")
    assert isinstance(worker, int) and worker != os.getpid()  # the fork server is the worker's parent


def _parent(data: bytes) -> int:
    return os.getppid()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_one_worker_handles_document_after_document(monkeypatch: pytest.MonkeyPatch) -> None:
    first = limits.run_within_budget(_whoami, b"")
    assert isinstance(first, int) and first != os.getpid()
    data = SEED.read_bytes()
    assert parse_bytes(data, "a.txt").to_json() == parse_bytes(data, "a.txt", budget=False).to_json()
    assert limits.run_within_budget(_whoami, b"") == first  # no fork per document


def test_a_worker_over_the_time_budget_is_killed_and_replaced(monkeypatch: pytest.MonkeyPatch) -> None:
    worker = limits.run_within_budget(_whoami, b"")
    started = time.monotonic()
    outcome = limits.run_within_budget(_sleep, b"", 30.0, seconds=0.5)
    assert time.monotonic() - started < 5
    assert isinstance(outcome, Problem) and outcome.code == limits.BUDGET_EXCEEDED
    assert "0.5 s budget" in outcome.message
    assert isinstance(worker, int) and not _alive(worker)
    replacement = limits.run_within_budget(_whoami, b"")
    assert isinstance(replacement, int) and replacement != worker


def test_a_worker_over_the_memory_budget_is_replaced(monkeypatch: pytest.MonkeyPatch) -> None:
    assert limits.run_within_budget(_allocate, b"", 100, memory=400 * MB) == 100 * MB
    worker = limits.run_within_budget(_whoami, b"")
    outcome = limits.run_within_budget(_allocate, b"", 800, memory=400 * MB)
    assert isinstance(outcome, Problem) and outcome.code == limits.BUDGET_EXCEEDED
    assert "400 MiB memory budget" in outcome.message
    replacement = limits.run_within_budget(_whoami, b"")
    assert isinstance(worker, int) and replacement != worker


def test_a_worker_that_dies_is_replaced(monkeypatch: pytest.MonkeyPatch) -> None:
    outcome = limits.run_within_budget(_crash, b"")
    assert isinstance(outcome, Problem) and outcome.code == limits.BUDGET_EXCEEDED
    assert f"exit code -{signal.SIGKILL.value}" in outcome.message
    data = SEED.read_bytes()
    assert parse_bytes(data, "a.txt").form_version == parse_bytes(data, "a.txt", budget=False).form_version


def test_a_worker_sees_the_settings_of_the_run_as_they_are_now(monkeypatch: pytest.MonkeyPatch) -> None:
    data = SEED.read_bytes()
    worker = limits.run_within_budget(_whoami, b"")
    assert parse_bytes(data, "a.txt").form_version != "unknown"
    monkeypatch.setenv("GONGKAI_MAX_DOCUMENT_BYTES", "1000")
    report = parse_bytes(data, "a.txt")
    assert [p.code for p in report.problems] == ["too_large"]
    monkeypatch.delenv("GONGKAI_MAX_DOCUMENT_BYTES")
    assert parse_bytes(data, "a.txt").form_version != "unknown"
    assert limits.run_within_budget(_whoami, b"") == worker


def test_pdf_extraction_keeps_its_own_time_limit_inside_the_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    data = (FIXTURES / "real" / "huaian-2024.pdf").read_bytes()
    monkeypatch.setenv("GONGKAI_EXTRACTION_SECONDS", "0.05")
    started = time.monotonic()
    report = parse_bytes(data, "huaian-2024.pdf")
    assert time.monotonic() - started < 10
    codes = [p.code for p in report.problems]
    assert "extraction_timeout" in codes and limits.BUDGET_EXCEEDED not in codes
    assert report.form_version == "unknown" and report.media_type == "application/pdf"
    timeout = next(p for p in report.problems if p.code == "extraction_timeout")
    assert "within 0.05 s" in timeout.message
    monkeypatch.delenv("GONGKAI_EXTRACTION_SECONDS")
    assert parse_bytes(data, "huaian-2024.pdf").form_version == "f2021"


# jobs for a run in a process of its own: in a module of their own, as a worker imports a job's module to
# run it (never the run's script)
_JOBS = """
import os, time

def whoami(data):
    return os.getpid()

def hang(data):
    time.sleep(600)
"""

_RUN_KILLED_MIDWAY = """
from gongkai.extract import limits
from budget_jobs import hang, whoami

if __name__ == "__main__":
    print(limits.run_within_budget(whoami, b""), flush=True)
    limits.run_within_budget(hang, b"")
"""

# a script as a data team writes one: no `if __name__ == "__main__":` guard
_UNGUARDED_RUN = """
from gongkai.extract import limits
from budget_jobs import whoami

print(limits.run_within_budget(whoami, b""), limits.run_within_budget(whoami, b""), flush=True)
"""


def test_a_script_without_a_main_guard_runs() -> None:
    """A budget worker comes from the fork server, which would run the caller's script again before its job
    (and, unguarded, the script would start a run inside the worker and fail): the script is not run again."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "budget_jobs.py").write_text(_JOBS)
        script = Path(folder) / "unguarded.py"
        script.write_text(_UNGUARDED_RUN)
        done = subprocess.run(
            [sys.executable, str(script)],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).parents[2]), *sys.path])},
        )
    assert done.returncode == 0, done.stderr[-2000:]
    first, second = done.stdout.split()
    assert first == second and int(first) > 0  # one worker, its pid, served both jobs
    assert "bootstrapping phase" not in done.stderr


def _running(pid: int) -> bool:
    """Alive and not a zombie (an orphan waits for whichever process adopts it to reap it)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            return not any(line.startswith("State:") and "Z" in line.split()[1] for line in status)
    except FileNotFoundError:
        return False


def _start_run(folder: Path) -> tuple[subprocess.Popen[str], int]:
    """A run in a session of its own, its budget worker in `hang`: (the run, the worker's pid)."""
    (folder / "budget_jobs.py").write_text(_JOBS)
    script = folder / "killed_run.py"
    script.write_text(_RUN_KILLED_MIDWAY)
    run = subprocess.Popen(
        [sys.executable, str(script)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).parents[2]), *sys.path])},
        start_new_session=True,
    )
    assert run.stdout is not None
    worker = int(run.stdout.readline())
    assert _running(worker)
    time.sleep(0.5)  # the worker is in `hang` now
    return run, worker


def _gone(pid: int) -> bool:
    deadline = time.monotonic() + 10
    while _running(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    return not _running(pid)


def test_a_worker_leaves_when_its_run_is_killed(tmp_path: Path) -> None:
    run, worker = _start_run(tmp_path)
    run.kill()  # the run alone, as the OOM killer would
    run.communicate(timeout=30)
    assert _gone(worker)


def test_ctrl_c_stops_the_run_and_its_worker_quietly(tmp_path: Path) -> None:
    run, worker = _start_run(tmp_path)
    os.killpg(run.pid, signal.SIGINT)  # what a terminal sends: to every process of the group
    _, stderr = run.communicate(timeout=30)
    assert "KeyboardInterrupt" in stderr  # the run's own, at run_within_budget
    assert "gongkai-budget" not in stderr  # and no second traceback from its worker
    assert _gone(worker)
