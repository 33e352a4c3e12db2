"""Untrusted documents are handled in a child process with a time limit and a memory cap.

- `run_within_budget`: the whole handling of one document (extract + parse, every format) runs in a
  forked child with one time and memory budget (GONGKAI_DOCUMENT_SECONDS, GONGKAI_DOCUMENT_MEMORY_BYTES);
  exceeding it is the problem `document_budget_exceeded`. OCR and LibreOffice conversion, slow by
  nature, add their own allowance to the time budget (`grant_time`).
- `extract_limited`: PDF/DOCX/OCR extraction in its own child with its own limits, inside that.

A PDF that sends a parser into a loop, or a document that balloons in memory, costs its own
child process — never the run. The child returns the result (pickled) or nothing.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import resource
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, TypeVar

from gongkai.model import Document, Problem
from gongkai.settings import get_settings

BUDGET_EXCEEDED = "document_budget_exceeded"

T = TypeVar("T")
_budget_conn: Connection | None = None  # set in a budget child: where it asks for more time


def grant_time(seconds: float) -> None:
    """Inside a document's budget child: add `seconds` to its time budget (OCR, office conversion: work
    that has its own, longer limit). Nothing elsewhere."""
    if _budget_conn is not None:
        _budget_conn.send(("grant", seconds))


def _peak_address_space_bytes() -> int | None:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmPeak:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _budget_child(work: Callable[[], Any], conn: Connection, memory: int) -> None:
    global _budget_conn
    limit = None
    with contextlib.suppress(ValueError, OSError):
        limit = _address_space_bytes() + memory
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    _budget_conn = conn
    try:
        result = work()
        conn.send(("done", result))
    except MemoryError:
        with contextlib.suppress(Exception):
            conn.send(("memory", None))
    except Exception as exc:  # a bug or a hostile file: a problem, never a crash of the run
        # C libraries report a failed allocation their own way (lxml: XMLSyntaxError 'unknown error'):
        # an error raised once the process had reached its memory limit is the limit's
        peak = _peak_address_space_bytes()
        at_limit = limit is not None and peak is not None and peak + 64 * 2**20 >= limit
        with contextlib.suppress(Exception):
            conn.send(("memory", None) if at_limit else ("error", f"{exc.__class__.__name__}: {exc!s:.200}"))
    finally:
        conn.close()


def run_within_budget(
    work: Callable[[], T], *, seconds: float | None = None, memory: int | None = None
) -> T | Problem:
    """`work()` in a forked child with a time and memory budget; its result, or a Problem saying which
    limit it exceeded (`document_budget_exceeded`) or how it failed."""
    settings = get_settings()
    seconds = settings.document_seconds if seconds is None else seconds
    memory = settings.document_memory_bytes if memory is None else memory
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    # not a daemon: PDF/DOCX/OCR extraction starts its own child from it; it is always joined or killed below
    child = context.Process(target=_budget_child, args=(work, sender, memory), daemon=False)
    child.start()
    sender.close()
    deadline = time.monotonic() + seconds
    granted = 0.0
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not receiver.poll(remaining):
                return Problem(
                    BUDGET_EXCEEDED,
                    f"handling the document took more than its {seconds + granted:g} s "
                    "budget and was stopped: it is too large or malformed (raise "
                    "GONGKAI_DOCUMENT_SECONDS to allow more)",
                    "error",
                )
            try:
                kind, value = receiver.recv()
            except (EOFError, OSError):
                child.join(timeout=5)
                return Problem(
                    BUDGET_EXCEEDED,
                    f"the process handling the document died (exit code "
                    f"{child.exitcode}), most likely over its {memory // 2**20} MiB memory budget: the "
                    "file is too large or malformed (raise GONGKAI_DOCUMENT_MEMORY_BYTES to allow more)",
                    "error",
                )
            if kind == "grant":
                deadline += value
                granted += value
                continue
            if kind == "done":
                return value  # type: ignore[no-any-return]
            if kind == "memory":
                return Problem(
                    BUDGET_EXCEEDED,
                    f"handling the document needed more than its {memory // 2**20} MiB "
                    "memory budget: it is too large or malformed (raise GONGKAI_DOCUMENT_MEMORY_BYTES to "
                    "allow more)",
                    "error",
                )
            return Problem("extraction_failed", f"handling the document failed: {value}", "error")
    finally:
        receiver.close()
        if child.is_alive():
            child.join(timeout=1)
        if child.is_alive():
            child.kill()
            child.join()


def _address_space_bytes() -> int:
    """This process's mapped address space (VmSize), what RLIMIT_AS is measured against."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * resource.getpagesize()


def _child(extract: Callable[[bytes], Document], data: bytes, conn: Connection, memory: int) -> None:
    with contextlib.suppress(ValueError, OSError):  # some sandboxes forbid lowering limits; no /proc
        limit = _address_space_bytes() + memory
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        conn.send(extract(data))
    except MemoryError:
        conn.send(
            Problem(
                "too_large",
                "extracting the document needed more memory than allowed "
                f"({memory // 2**20} MiB): it is too large or malformed",
                "error",
            )
        )
    except Exception as exc:  # a bug or a hostile file: a problem, never a crash of the run
        conn.send(
            Problem(
                "extraction_failed", f"extraction failed: {exc.__class__.__name__}: {exc!s:.200}", "error"
            )
        )
    finally:
        conn.close()


def extract_limited(
    extract: Callable[[bytes], Document],
    data: bytes,
    media_type: str,
    *,
    seconds: float | None = None,
    memory: int | None = None,
) -> Document:
    """Run `extract(data)` in a child process; a timeout or crash becomes a problem on an empty document."""
    settings = get_settings()
    if seconds is not None:
        grant_time(seconds)  # OCR's own, longer limit: added to the document's budget
    seconds = settings.extraction_seconds if seconds is None else seconds
    # what extraction may add to the address space it was forked with (a forked child inherits the parent's
    # mappings: a run that imported Prefect and GX starts at ~2.5 GB before reading a byte)
    memory = memory or settings.extraction_memory_bytes
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
    if not finished or child.is_alive():
        child.kill()
        child.join()
    if not finished:
        return _empty(
            media_type,
            Problem(
                "extraction_timeout",
                f"extraction did not finish within {seconds:g} s "
                "(a malformed or hostile file); it was stopped",
                "error",
            ),
        )
    if isinstance(outcome, Document):
        return outcome
    if isinstance(outcome, Problem):
        return _empty(media_type, outcome)
    return _empty(
        media_type,
        Problem(
            "extraction_failed",
            f"the extracting process died (exit code {child.exitcode}); the file is probably malformed",
            "error",
        ),
    )


def _empty(media_type: str, problem: Problem) -> Document:
    """The child sends its failure as a Problem (it cannot know the media type): refuse with it."""
    return Document.refused(media_type, problem.code, problem.message)
