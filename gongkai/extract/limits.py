"""Untrusted documents are extracted in a child process with a time limit and a memory cap.

A PDF that sends a parser into a loop, or a document that balloons in memory, costs its own
child process — never the run. The child returns the Document (pickled) or nothing.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import resource
from collections.abc import Callable
from multiprocessing.connection import Connection

from gongkai.model import Document, Problem
from gongkai.settings import get_settings


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
        conn.send(Problem("too_large", "extracting the document needed more memory than allowed "
                          f"({memory // 2**20} MiB): it is too large or malformed", "error"))
    except Exception as exc:  # a bug or a hostile file: a problem, never a crash of the run
        conn.send(Problem("extraction_failed", f"extraction failed: {exc.__class__.__name__}: {exc!s:.200}",
                          "error"))
    finally:
        conn.close()


def extract_limited(extract: Callable[[bytes], Document], data: bytes, media_type: str, *,
                    seconds: float | None = None, memory: int | None = None) -> Document:
    """Run `extract(data)` in a child process; a timeout or crash becomes a problem on an empty document."""
    settings = get_settings()
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
        return _empty(media_type, Problem("extraction_timeout", f"extraction did not finish within {seconds:g} s "
                                          "(a malformed or hostile file); it was stopped", "error"))
    if isinstance(outcome, Document):
        return outcome
    if isinstance(outcome, Problem):
        return _empty(media_type, outcome)
    return _empty(media_type, Problem("extraction_failed", f"the extracting process died (exit code "
                                      f"{child.exitcode}); the file is probably malformed", "error"))


def _empty(media_type: str, problem: Problem) -> Document:
    """The child sends its failure as a Problem (it cannot know the media type): refuse with it."""
    return Document.refused(media_type, problem.code, problem.message)
