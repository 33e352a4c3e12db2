"""Validate: the Great Expectations suites over a batch's parsed reports (and its lineage events).

A run validates in a process of its own (GONGKAI_VALIDATION=process, the default): Great Expectations
costs a process ~140 MiB, and a batch's frames and results more while it is checked, which a
national run's driver — holding the registry and the tallies of 100,000 agencies — should not carry. One
validation process per run process serves its batches one at a time (GX's context is not thread-safe in
any case); it starts with the first batch, is replaced when it dies, stops at exit, and leaves by itself
should the run be killed. GONGKAI_VALIDATION=inline validates in the calling process.
"""

from __future__ import annotations

import atexit
import logging
import os
import signal
import threading
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from gongkai.extract.limits import (
    HelperProcess,
    exit_with_parent,
    name_process,
    next_job,
    sync_environment,
)
from gongkai.model import LineageEvent, Report
from gongkai.outcome import ValidationOutcome
from gongkai.pipeline.batch import CPU_LOCK, Batch
from gongkai.pipeline.plan import lake_store
from gongkai.settings import get_settings


class ValidationProcessFailed(RuntimeError):
    """The validation process died or failed on a batch: the batch's validate task fails (and is retried)."""


def agencies_of(batch: Batch) -> dict[str, str]:
    """report_id → agency slug, for the records that have one (from the registry, not the printed name)."""
    return {r.report_id: r.agency_id for r in batch.parsed if r.report_id and r.agency_id}


def validate_batch(
    batch: Batch, *, run_id: str | None = None, docs: bool = True, docs_dir: Path | None = None
) -> ValidationOutcome | None:
    """Validate the batch's reports with the Great Expectations suites (None when nothing was parsed)."""
    reports = batch.reports
    if not reports:
        return None
    job: dict[str, Any] = {
        "reports": reports,
        "lake": batch.lake,
        "agencies": agencies_of(batch) or None,
        "lineage": batch.events,
        "run_id": run_id,
        "docs": docs,
        "docs_dir": docs_dir,
    }
    if get_settings().validation == "inline":
        with CPU_LOCK:
            return _validate(**job)
    return _validator.run(job)


def _validate(
    reports: list[Report],
    lake: str | None,
    agencies: dict[str, str] | None,
    lineage: list[LineageEvent],
    run_id: str | None,
    docs: bool,
    docs_dir: Path | None,
) -> ValidationOutcome:
    from gongkai.validate.runner import validate_reports

    # GX forces this logger to INFO on import and then announces a temporary folder per validation
    logging.getLogger("great_expectations.data_context.types.base").setLevel(logging.WARNING)
    return validate_reports(
        reports,
        lake_store(lake),
        agencies=agencies,
        lineage=lineage,
        run_id=run_id,
        docs=docs,
        docs_dir=docs_dir,
    )


def _serve(conn: Connection, lifeline: Connection) -> None:
    """The validation process: validate the batches the run sends, one at a time, until told to stop or
    the run closes the pipe."""
    exit_with_parent(lifeline)
    name_process("gongkai-valid")
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the process group: the run stops us
    while (job := next_job(conn)) is not None:
        environment, arguments = job
        sync_environment(environment)
        try:
            message: tuple[str, Any] = ("done", _validate(**arguments))
        except Exception as exc:
            message = ("error", f"{exc.__class__.__name__}: {exc!s:.300}")
        try:
            conn.send(message)
        except (OSError, EOFError):
            return
        except Exception as exc:  # an outcome that cannot be pickled: a bug, said so
            conn.send(("error", f"the outcome could not be sent back ({exc.__class__.__name__}: {exc})"))


class _Validator:
    """This process's validation process, started on first use; one batch at a time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._helper: HelperProcess | None = None
        self._registered = False

    def run(self, arguments: dict[str, Any]) -> ValidationOutcome:
        with self._lock:
            conn = self._start()
            try:
                conn.send((dict(os.environ), arguments))
                kind, value = conn.recv()
            except (EOFError, OSError) as exc:
                code = self._end(kill=True)
                raise ValidationProcessFailed(
                    f"the validation process died (exit code {code}) while validating a batch of "
                    f"{len(arguments['reports'])} reports; the batch is validated again in a new one"
                ) from exc
        if kind == "error":
            raise ValidationProcessFailed(f"validation failed: {value}")
        return value

    def _start(self) -> Connection:
        if self._helper is not None and self._helper.process.is_alive():
            return self._helper.conn
        self._end(kill=True)
        self._helper = HelperProcess(_serve, "gongkai-validate")
        if not self._registered:  # after multiprocessing's own exit handler, so it runs first
            atexit.register(self.stop)
            self._registered = True
        return self._helper.conn

    def stop(self) -> None:
        """Stop the validation process (at exit; and where code was patched after it started: tests)."""
        with self._lock:
            self._end(kill=False)

    def _end(self, *, kill: bool) -> int | None:
        helper, self._helper = self._helper, None
        if helper is None:
            return None
        return helper.kill() if kill else helper.stop(timeout=5)


_validator = _Validator()


def stop_validation_process() -> None:
    """Stop this process's validation process, if one runs (the next batch starts a new one)."""
    _validator.stop()
