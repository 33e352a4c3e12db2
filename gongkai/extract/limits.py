"""Untrusted documents are handled in a child process with a time limit and a memory cap.

- `run_within_budget`: the whole handling of one document (extract + parse + validate of its cells, every
  format) runs in a budget worker with one time and memory budget (GONGKAI_DOCUMENT_SECONDS,
  GONGKAI_DOCUMENT_MEMORY_BYTES); exceeding it is the problem `document_budget_exceeded`. OCR and
  LibreOffice conversion, slow by nature, add their own allowance to the time budget (`grant_time`).
- Budget workers are started once and reused, and replaced when a document overran its budget (killed),
  came near its memory limit, or left it much larger than it started. They are forked from a fork server
  (a clean, single-threaded process that imported the parsers once), not from the run: a fork of the run
  copies the locks its other threads hold at that instant (discovery parsing a listing with lxml), and
  the worker hangs on the first it needs until its budget kills it (GONGKAI_BUDGET_WORKER_START=fork
  forks from the run, which sees code patched in the run; tests use it).
- `extract_limited`: PDF/DOCX extraction's own limits (GONGKAI_EXTRACTION_SECONDS/_MEMORY_BYTES). Inside
  a budget worker it runs there, its time limit watched by the parent; elsewhere, and for OCR (whose
  timeout keeps the text layer already read), in a child process of its own.

A PDF that sends a parser into a loop, or a document that balloons in memory, costs its own
process — never the run.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import multiprocessing
import os
import resource
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from typing import Any, TypeVar

from gongkai.model import Document, Problem
from gongkai.settings import get_settings

BUDGET_EXCEEDED = "document_budget_exceeded"
EXTRACTION_TIMEOUT = "extraction_timeout"
# a report stopped by a limit says as much about the machine (its load, at that moment) as about the
# file: the next run handles its bytes again instead of keeping the failure (gongkai.pipeline.plan)
LIMIT_PROBLEMS = frozenset({BUDGET_EXCEEDED, EXTRACTION_TIMEOUT})

T = TypeVar("T")
_IDLE_WORKERS = 2  # kept between documents; a caller finding none idle forks its own
_RETIRE_GROWTH = 2**30  # a worker whose address space grew this much over its life is replaced
_NEAR_LIMIT = 64 * 2**20  # within this of its memory limit, a process counts as having reached it

_budget_conn: Connection | None = None  # in a budget worker: its pipe to the run (time grants, phases)
_retire = False  # in a budget worker: the document in hand left it unfit for another (a MemoryError)


def grant_time(seconds: float) -> None:
    """Inside a document's budget worker: add `seconds` to its time budget (OCR, office conversion: work
    that has its own, longer limit). Nothing elsewhere."""
    if _budget_conn is not None:
        _budget_conn.send(("grant", seconds))


def _status_bytes(field: str) -> int | None:
    """A size from /proc/self/status (VmPeak, VmSize...) in bytes; None where there is no /proc."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _address_space_bytes() -> int:
    """This process's mapped address space (VmSize), what RLIMIT_AS is measured against."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * resource.getpagesize()


def _lower_memory_limit(memory: int) -> tuple[int, int] | None:
    """Allow this process `memory` bytes of address space over what it maps now (never more than it was
    already allowed); returns the limits to restore, None when they cannot be set (no /proc, a sandbox)."""
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = _address_space_bytes() + memory
        if soft != resource.RLIM_INFINITY:
            limit = min(limit, soft)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ValueError, OSError):
        return None
    return soft, hard


def _restore_memory_limit(previous: tuple[int, int] | None) -> None:
    if previous is not None:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_AS, previous)


# ---------------------------------------------------------------- the budget worker (child side)


def exit_with_parent(lifeline: Connection | None = None) -> None:
    """A worker or an extraction child must not outlive the process waiting for it (a run killed with
    SIGKILL; a worker killed over its budget while its OCR child runs): it leaves within a second of being
    orphaned, or at once when `lifeline` (a pipe whose other end only the run holds) closes — a budget
    worker's parent is the fork server, which outlives the run while any of its children lives.
    (Not PR_SET_PDEATHSIG: that fires when the forking thread ends, and runs fork from task threads.)"""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent and not _closed(lifeline):
            pass
        os._exit(1)

    threading.Thread(target=watch, name="gongkai-orphan-watch", daemon=True).start()


def _closed(lifeline: Connection | None) -> bool:
    """Whether `lifeline`'s other end closed, waiting up to a second to know (a second in any case)."""
    if lifeline is not None:
        try:
            return lifeline.poll(1.0)  # the run never writes: readable means its end closed
        except (OSError, EOFError):
            pass
    time.sleep(1.0)
    return False


def name_process(name: str) -> None:
    """Name this process as `ps`, `top` and psutil show it (Linux: at most 15 characters), so that a
    budget worker or the validation process can be told from the run it serves."""
    with contextlib.suppress(OSError), open("/proc/self/comm", "w") as comm:
        comm.write(name[:15])


def next_job(conn: Connection) -> Any | None:
    """A helper process's next job from the run; None when told to stop or when the run closed the pipe."""
    try:
        return conn.recv()
    except (EOFError, OSError):
        return None


def sync_environment(environment: dict[str, str]) -> None:
    """The run's environment as of this job: settings read GONGKAI_* at each call (tests set them)."""
    if dict(os.environ) != environment:
        os.environ.clear()
        os.environ.update(environment)


def _serve(conn: Connection, lifeline: Connection) -> None:
    """A budget worker: handle documents sent by the run, one at a time, until told to stop or the run
    closes the pipe. Each gets a fresh memory limit: what it may add to the worker as it is now."""
    global _budget_conn, _retire
    exit_with_parent(lifeline)
    name_process("gongkai-budget")
    # Ctrl-C reaches the whole process group: the run stops its workers, a worker need not say so itself
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for other in _workers:  # the run's ends of earlier workers' pipes (forked from the run): not this one's
        with contextlib.suppress(OSError):
            other.conn.close()
            other.lifeline.close()
    _workers.clear()
    _idle.clear()
    gc.freeze()  # what the run had built stays shared with it: the collector never touches those pages
    _budget_conn = conn
    started = _address_space_bytes()
    while (job := next_job(conn)) is not None:
        work, args, environment, memory = job
        sync_environment(environment)
        _retire = False
        limits = _lower_memory_limit(memory)
        limit = None if limits is None else resource.getrlimit(resource.RLIMIT_AS)[0]
        message: tuple[str, Any]
        try:
            message = ("done", work(conn.recv_bytes(), *args))
        except MemoryError:
            message, _retire = ("memory", None), True
        except Exception as exc:  # a bug or a hostile file: a problem, never a crash of the run
            message = ("error", f"{exc.__class__.__name__}: {exc!s:.200}")
        # C libraries report a failed allocation their own way (lxml: XMLSyntaxError 'unknown error'): a
        # process that came within reach of its limit is treated as having hit it, and is not reused
        peak = _status_bytes("VmPeak")
        if limit is not None and peak is not None and peak + _NEAR_LIMIT >= limit:
            message = ("memory", None) if message[0] != "done" else message
            _retire = True
        _restore_memory_limit(limits)
        retire = _retire or _address_space_bytes() - started > _RETIRE_GROWTH
        try:
            conn.send((*message, retire))
        except (OSError, EOFError):
            return
        except Exception as exc:  # a result that cannot be pickled: a bug, said so
            conn.send(("error", f"the result could not be sent back ({exc.__class__.__name__}: {exc})", True))
        if retire:
            return


# ---------------------------------------------------------------- the budget worker (run side)


class HelperProcess:
    """A helper process of the run (a budget worker, the validation process) and the run's ends of its
    pipes: `conn` for jobs, and `lifeline`, which only the run holds, so the helper leaves when the run
    dies (`exit_with_parent`). `target(conn, lifeline)` runs in the helper; `None` sent asks it to stop."""

    def __init__(self, target: Callable[[Connection, Connection], None], name: str) -> None:
        context = worker_context()
        self.conn, child_end = context.Pipe()
        watched, self.lifeline = context.Pipe(duplex=False)  # the run holds its end until it exits
        # not a daemon: OCR starts its own child from a budget worker; stopped by the run at exit, and it
        # leaves by itself should the run be killed
        self.process = context.Process(target=target, args=(child_end, watched), name=name, daemon=False)
        with _main_not_rerun(context):
            self.process.start()
        child_end.close()
        watched.close()

    def stop(self, timeout: float = 2) -> int | None:
        """An idle helper: ask it to leave, then make sure it has; its exit code."""
        with contextlib.suppress(OSError, ValueError):
            self.conn.send(None)
        self.process.join(timeout=timeout)
        return self.kill()

    def kill(self) -> int | None:
        """Make sure the helper has left (killed if it has not) and close the run's ends; its exit code."""
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        with contextlib.suppress(OSError):
            self.conn.close()
            self.lifeline.close()
        return self.process.exitcode


class _Worker(HelperProcess):
    """One budget worker process."""

    def __init__(self) -> None:
        super().__init__(_serve, "gongkai-budget")

    def kill(self) -> int | None:
        code = super().kill()
        with _lock:
            if self in _workers:
                _workers.remove(self)
        return code


# what a budget worker runs: imported once by the fork server, not by each worker
_PRELOAD = ["gongkai.pipeline.parse"]


_main_lock = threading.Lock()


@contextlib.contextmanager
def _main_not_rerun(context: multiprocessing.context.BaseContext) -> Iterator[None]:
    """While a helper starts from the fork server, the caller's __main__ looks like an interactive
    session's: the helper would otherwise run the caller's script again before its own work, and a script
    calling gongkai without an `if __name__ == "__main__":` guard would fail ("An attempt has been made to
    start a new process before the current process has finished its bootstrapping phase"). Helpers need
    nothing of __main__: their work is in gongkai's modules."""
    main = sys.modules.get("__main__")
    if context.get_start_method() == "fork" or main is None:
        yield
        return
    with _main_lock:
        saved = {name: main.__dict__[name] for name in ("__file__", "__spec__") if name in main.__dict__}
        main.__dict__.pop("__file__", None)
        main.__spec__ = None
        try:
            yield
        finally:
            main.__dict__.pop("__spec__", None)
            main.__dict__.update(saved)


def worker_context() -> multiprocessing.context.BaseContext:
    """How this run starts its helper processes (budget workers, the validation process): from the fork
    server by default, forked from the run with GONGKAI_BUDGET_WORKER_START=fork."""
    start = get_settings().budget_worker_start
    context = multiprocessing.get_context(start)
    if start == "forkserver":
        context.set_forkserver_preload(_PRELOAD)
    return context


_lock = threading.Lock()
_workers: list[_Worker] = []  # every live worker of this process
_idle: list[_Worker] = []  # those waiting for a document
_stopped_at_exit = False


def _take_worker() -> _Worker:
    with _lock:
        while _idle:
            worker = _idle.pop()
            if worker.process.is_alive():
                return worker
            _workers.remove(worker)
    worker = _Worker()
    global _stopped_at_exit
    with _lock:
        _workers.append(worker)
        register, _stopped_at_exit = not _stopped_at_exit, True
    if register:  # after multiprocessing's own exit handler, so it runs first: nothing left to join
        atexit.register(stop_budget_workers)
    return worker


def _give_back(worker: _Worker) -> None:
    # as many as documents are handled at once (GONGKAI_PARSE_WORKERS), so none is forked per document
    keep = max(_IDLE_WORKERS, get_settings().parse_workers or os.cpu_count() or 1)
    with _lock:
        if len(_idle) < keep:
            _idle.append(worker)
            return
    worker.stop()


def stop_budget_workers() -> None:
    """Stop every budget worker of this process: at exit, and where the process's code was changed after
    they were forked (a test's monkeypatch), so the next document sees the change."""
    with _lock:
        workers = list(_workers)
        _idle.clear()
    for worker in workers:
        worker.stop()


def run_within_budget(
    work: Callable[..., T], data: bytes, *args: Any, seconds: float | None = None, memory: int | None = None
) -> T | Problem:
    """`work(data, *args)` in a budget worker with a time and memory budget; its result, or a Problem
    saying which limit it exceeded (`document_budget_exceeded`, or extraction's own `extraction_timeout`)
    or how it failed. `work` is sent by reference (a module-level function), `data` as raw bytes."""
    settings = get_settings()
    seconds = settings.document_seconds if seconds is None else seconds
    memory = settings.document_memory_bytes if memory is None else memory
    job = (work, args, dict(os.environ), memory)
    for attempt in (1, 2):
        worker = _take_worker()
        try:
            worker.conn.send(job)
            worker.conn.send_bytes(data)
            break
        except (OSError, EOFError):  # an idle worker that died meanwhile (the OOM killer): another one
            worker.kill()
            if attempt == 2:
                raise
    reusable = False
    try:
        outcome, reusable = _await(worker, seconds, memory)
        return outcome
    finally:
        if reusable:
            _give_back(worker)
        else:
            worker.kill()


def _await(worker: _Worker, seconds: float, memory: int) -> tuple[Any, bool]:
    """The worker's answer within the budget (plus granted time): (outcome, whether to reuse the worker)."""
    conn = worker.conn
    deadline = time.monotonic() + seconds
    granted = 0.0
    extraction: tuple[float, float] | None = None  # while extracting in the worker: (its deadline, its limit)
    while True:
        limit = deadline if extraction is None else min(deadline, extraction[0])
        remaining = limit - time.monotonic()
        if remaining <= 0 or not conn.poll(remaining):
            if extraction is not None and extraction[0] < deadline:
                return _extraction_timeout(extraction[1]), False
            return (
                Problem(
                    BUDGET_EXCEEDED,
                    f"handling the document took more than its {seconds + granted:g} s "
                    "budget and was stopped: it is too large or malformed (raise "
                    "GONGKAI_DOCUMENT_SECONDS to allow more)",
                    "error",
                ),
                False,
            )
        try:
            kind, value, *retire = conn.recv()
        except (EOFError, OSError):
            worker.process.join(timeout=5)
            code = worker.process.exitcode
            if extraction is not None:
                return _died(code), False
            return (
                Problem(
                    BUDGET_EXCEEDED,
                    f"the process handling the document died (exit code {code}), most likely over its "
                    f"{memory // 2**20} MiB memory budget: the file is too large or malformed (raise "
                    "GONGKAI_DOCUMENT_MEMORY_BYTES to allow more)",
                    "error",
                ),
                False,
            )
        if kind == "grant":
            deadline += value
            granted += value
            continue
        if kind == "extracting":
            extraction = None if value is None else (time.monotonic() + value, value)
            continue
        reusable = not (retire and retire[0])
        if kind == "done":
            return value, reusable
        if kind == "memory":
            return (
                Problem(
                    BUDGET_EXCEEDED,
                    f"handling the document needed more than its {memory // 2**20} MiB "
                    "memory budget: it is too large or malformed (raise GONGKAI_DOCUMENT_MEMORY_BYTES to "
                    "allow more)",
                    "error",
                ),
                reusable,
            )
        return Problem("extraction_failed", f"handling the document failed: {value}", "error"), reusable


# ---------------------------------------------------------------- extraction's own limits


def _extraction_timeout(seconds: float) -> Problem:
    return Problem(
        EXTRACTION_TIMEOUT,
        f"extraction did not finish within {seconds:g} s (a malformed or hostile file); it was stopped",
        "error",
    )


def _died(exit_code: int | None) -> Problem:
    return Problem(
        "extraction_failed",
        f"the extracting process died (exit code {exit_code}); the file is probably malformed",
        "error",
    )


def _too_large(memory: int) -> Problem:
    return Problem(
        "too_large",
        "extracting the document needed more memory than allowed "
        f"({memory // 2**20} MiB): it is too large or malformed",
        "error",
    )


def _failed(exc: Exception) -> Problem:
    return Problem("extraction_failed", f"extraction failed: {exc.__class__.__name__}: {exc!s:.200}", "error")


def _child(extract: Callable[[bytes], Document], data: bytes, conn: Connection, memory: int) -> None:
    exit_with_parent()
    _lower_memory_limit(memory)  # some sandboxes forbid it, or have no /proc: then no cap of its own
    try:
        conn.send(extract(data))
    except MemoryError:
        conn.send(_too_large(memory))
    except Exception as exc:  # a bug or a hostile file: a problem, never a crash of the run
        conn.send(_failed(exc))
    finally:
        conn.close()


def _extract_here(
    extract: Callable[[bytes], Document], data: bytes, media_type: str, seconds: float, memory: int
) -> Document:
    """In a budget worker: extract in the worker itself under extraction's memory cap, the run watching
    its time limit (over it, the worker is killed and the document gets `extraction_timeout`)."""
    global _retire
    assert _budget_conn is not None
    _budget_conn.send(("extracting", seconds))
    limits = _lower_memory_limit(memory)
    try:
        return extract(data)
    except MemoryError:
        _retire = True
        return _empty(media_type, _too_large(memory))
    except Exception as exc:  # a bug or a hostile file: a problem, never a crash of the run
        return _empty(media_type, _failed(exc))
    finally:
        _restore_memory_limit(limits)
        _budget_conn.send(("extracting", None))


def extract_limited(
    extract: Callable[[bytes], Document],
    data: bytes,
    media_type: str,
    *,
    seconds: float | None = None,
    memory: int | None = None,
) -> Document:
    """`extract(data)` within extraction's limits; a timeout or crash becomes a problem on an empty
    document. `seconds`: a longer limit of its own (OCR), which is also added to the document's budget."""
    settings = get_settings()
    # what extraction may add to the address space it starts from (a forked child inherits the parent's
    # mappings: a run that imported Prefect and GX starts at ~2.5 GB before reading a byte)
    memory = memory or settings.extraction_memory_bytes
    if _budget_conn is not None and seconds is None:
        return _extract_here(extract, data, media_type, settings.extraction_seconds, memory)
    if seconds is not None:
        grant_time(seconds)  # OCR's own, longer limit: added to the document's budget
    seconds = settings.extraction_seconds if seconds is None else seconds
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(extract, data, sender, memory), daemon=True)
    child.start()
    sender.close()
    outcome: Document | Problem | None = None
    finished = receiver.poll(seconds)
    if finished:
        try:
            outcome = receiver.recv()
        except EOFError:
            outcome = None
        child.join(timeout=5)
    receiver.close()
    if not finished or child.is_alive():
        child.kill()
        child.join()
    if not finished:
        return _empty(media_type, _extraction_timeout(seconds))
    if isinstance(outcome, Document):
        return outcome
    if isinstance(outcome, Problem):
        return _empty(media_type, outcome)
    return _empty(media_type, _died(child.exitcode))


def _empty(media_type: str, problem: Problem) -> Document:
    """The child sends its failure as a Problem (it cannot know the media type): refuse with it."""
    return Document.refused(media_type, problem.code, problem.message)
