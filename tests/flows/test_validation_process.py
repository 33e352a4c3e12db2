"""Validation in a process of its own (gongkai.pipeline.validate): the run never imports Great
Expectations, a validation process that dies costs one attempt of one batch, and its outcome is
the one the run's own threads would give."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from gongkai.lake.raw import archive_raw
from gongkai.pipeline import validate as validation
from gongkai.pipeline.batch import Batch
from gongkai.pipeline.parse import parse_batch
from gongkai.pipeline.plan import lake_store
from gongkai.pipeline.record import DocumentRecord

SEEDS = sorted((Path(__file__).parents[1] / "fixtures" / "seeds").glob("*.txt"))


def _parsed(lake: Path) -> Batch:
    store = lake_store(str(lake))
    records = []
    for number, seed in enumerate(SEEDS):
        sha, _ = archive_raw(store, seed.read_bytes())
        records.append(
            DocumentRecord(
                agency_id=f"agency-{number}",
                year=None,
                source=f"http://127.0.0.1:1/{seed.name}",
                sha256=sha,
                outcomes={"fetch": "ok"},
            )
        )
    return parse_batch(Batch(str(lake), records))


def _statuses(outcome: object) -> dict[str, tuple[str, list[str]]]:
    assert outcome is not None
    return {
        rid: (r.status, sorted(f"{f.check}@{f.where}" for f in r.failures))
        for rid, r in outcome.reports.items()  # type: ignore[attr-defined]
    }


def test_the_validation_process_gives_the_inline_outcome(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = _parsed(tmp_path / "lake")
    monkeypatch.setenv("GONGKAI_VALIDATION", "inline")
    inline = validation.validate_batch(batch, docs=False)
    monkeypatch.setenv("GONGKAI_VALIDATION", "process")
    in_process = validation.validate_batch(batch, docs=False)
    assert len(_statuses(inline)) == len(SEEDS)
    assert _statuses(in_process) == _statuses(inline)
    assert {status for status, _ in _statuses(inline).values()} & {"valid", "warnings"}
    helper = validation._validator._helper
    first = helper.process if helper is not None else None
    assert first is not None and first.is_alive() and first.pid != os.getpid()
    assert Path(f"/proc/{first.pid}/comm").read_text().strip() == "gongkai-valid"  # as ps shows it
    validation.validate_batch(batch, docs=False)
    assert validation._validator._helper is helper, "one validation process serves every batch"


def test_a_validation_process_that_dies_fails_that_attempt_and_the_next_gets_a_new_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = _parsed(tmp_path / "lake")
    real = validation._validate

    def dies(**arguments: object) -> object:
        os._exit(7)  # as the OOM killer would end it

    monkeypatch.setattr(validation, "_validate", dies)  # forked after the patch (tests/conftest.py)
    with pytest.raises(validation.ValidationProcessFailed, match=r"died \(exit code 7\).*5 reports"):
        validation.validate_batch(batch, docs=False)
    monkeypatch.setattr(validation, "_validate", real)
    validation.stop_validation_process()
    outcome = validation.validate_batch(batch, docs=False)
    assert len(_statuses(outcome)) == len(SEEDS)


def test_an_error_in_validation_fails_the_attempt_with_its_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = _parsed(tmp_path / "lake")

    def broken(**arguments: object) -> object:
        raise ValueError("suite file unreadable")

    monkeypatch.setattr(validation, "_validate", broken)
    with pytest.raises(validation.ValidationProcessFailed, match="ValueError: suite file unreadable"):
        validation.validate_batch(batch, docs=False)
    helper = validation._validator._helper
    assert helper is not None and helper.process.is_alive(), "a failed batch leaves the process serving"


def test_a_run_validates_without_importing_great_expectations(tmp_path: Path) -> None:
    """The demo's flow, run as a process, writes validated reports; the run itself never imported GX."""
    script = textwrap.dedent(
        f"""
        import sys, tempfile
        from pathlib import Path
        if __name__ == "__main__":
            from gongkai.commands.backfill import run_backfill
            from gongkai.fetch.portal import DEMO_YEARS, start_portal
            with tempfile.TemporaryDirectory() as scratch, start_portal() as portal:
                registry = portal.write_registry(Path(scratch) / "registry.toml")
                state = run_backfill(
                    min(DEMO_YEARS), max(DEMO_YEARS), years=list(DEMO_YEARS), registry=str(registry),
                    agencies=[a.slug for a in portal.registry.agencies], lake={str(tmp_path / "lake")!r},
                )
            summary = state.result().value
            print("STATUS", summary.status, sum(a.written for a in summary.agencies))
            print("GX", "great_expectations" in sys.modules)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "GONGKAI_VALIDATION": "process"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    lines = dict(line.split(" ", 1) for line in done.stdout.splitlines() if line.startswith(("STATUS", "GX")))
    assert lines["GX"] == "False"  # (pandas is loaded anyway: pyarrow imports it for pa.array)
    written = int(lines["STATUS"].split()[1])
    assert written > 0
