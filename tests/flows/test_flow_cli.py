"""`gongkai run`, `gongkai backfill`, `gongkai status`: output, progress and exit codes (0 ok, 1 partial,
2 failure), with Prefect's engine and the fixture portal."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gongkai.cli import main
from gongkai.fetch.portal import Fault, start_portal
from gongkai.runs import add_progress_listener

HONGZE_2024_PDF = "/huaian-hongze-gov/files/2024-annual-report.pdf"


@pytest.fixture
def portal(tmp_path: Path) -> Any:
    with start_portal() as running:
        running.registry_file = str(running.write_registry(tmp_path / "portal-registry.toml"))
        yield running


def test_run_backfill_and_status_exit_codes(
    prefect_api: str, portal: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lake = str(tmp_path / "lake")
    common = ["--registry", portal.registry_file, "--lake", lake]
    portal.faults[HONGZE_2024_PDF] = Fault("error200")
    progress: list[tuple[str, int, int]] = []
    remove = add_progress_listener(lambda what, done, total, failed: progress.append((what, done, total)))
    try:
        code = main(["run", "--year", "2024", *common])
    finally:
        remove()
    captured = capsys.readouterr()
    out = captured.out
    assert code == 1, out  # partial: one document could not be had
    # not a terminal: progress as log lines on stderr, the last with the failure; no library chatter
    assert "gongkai: documents 3/3 (100%)" in captured.err and "1 failed" in captured.err, captured.err
    assert "great_expectations" not in captured.err and "INFO" not in captured.err
    assert "gongkai ingest 2024: partial" in out and "error_page" in out and f"lake: file://{lake}" in out
    assert ("documents", 3, 3) in progress and ("agencies", 8, 8) in progress

    code = main(["status", "--lake", lake, "--registry", portal.registry_file])
    out = capsys.readouterr().out
    assert code == 1
    hongze = next(line for line in out.splitlines() if "huaian-hongze-gov" in line)
    assert "2023–2024" in hongze and "failed" in hongze  # both expected years missing; last run failed
    assert "huaian-gov" in out

    portal.faults.clear()
    code = main(["backfill", "--from", "2023", "--to", "2024", *common, "--json"])
    summary = json.loads(capsys.readouterr().out)
    assert code == 0 and summary["status"] == "ok" and summary["kind"] == "backfill"
    written = {(a["agency_id"], a["year"]): a["written"] for a in summary["agencies"]}
    assert written[("huaian-hongze-gov", 2024)] == 1 and written[("huaian-gov", 2024)] == 0

    code = main(
        ["status", "--lake", lake, "--registry", portal.registry_file, "--json", "--agency", "huaian-gov"]
    )
    rows = json.loads(capsys.readouterr().out)
    assert code == 0 and [(r["agency_id"], r["years_present"], r["years_missing"]) for r in rows] == [
        ("huaian-gov", [2024], [])
    ]


def test_failure_exit_codes(
    prefect_api: str, portal: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "run",
            "--year",
            "2024",
            "--agency",
            "no-such-agency",
            "--registry",
            portal.registry_file,
            "--lake",
            str(tmp_path / "lake"),
        ]
    )
    err = capsys.readouterr().err  # refused before the flow starts
    assert code == 2 and "unknown agency slug 'no-such-agency'" in err
    assert main(["status", "--lake", "s3://"]) == 2
    assert "cannot read the lake" in capsys.readouterr().err
    assert main(["backfill", "--from", "1900", "--to", "2024", "--lake", str(tmp_path / "lake")]) == 2
