"""The CLI tells the truth: unknown slugs, missing lakes and missing paths are errors on stderr (exit 2),
read commands create nothing, `parse` walks folders like `load`, `--version`, help texts name real files."""

from __future__ import annotations

import argparse
import io
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from rich.cells import cell_len
from rich.console import Console

from gongkai.cli import build_parser, main
from gongkai.commands.run import print_summary
from gongkai.commands.status import print_status
from gongkai.runs import AgencyRun, ProgressLog, RunSummary
from gongkai.status import AgencyStatus
from gongkai.versions import code_version

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "tests" / "fixtures" / "seeds" / "000_79fb0eaf2da186ab.txt"


def _empty_lake(tmp_path: Path) -> Path:
    lake = tmp_path / "lake"
    (lake / "_lake").mkdir(parents=True)  # what any writer leaves: a commit log folder
    return lake


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out.strip()
    assert out == code_version() and out.startswith("gongkai ") and "parser" in out


def test_status_of_a_missing_lake_is_an_error_and_creates_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    typo = tmp_path / "typo"
    assert main(["status", "--lake", str(typo)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"no lake at {typo}" in captured.err and "no such folder" in captured.err
    assert not typo.exists()
    # a folder that exists but holds no lake is not a lake either
    assert main(["status", "--lake", str(tmp_path)]) == 2
    assert "no lake there" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_status_names_the_closest_slugs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lake = _empty_lake(tmp_path)
    assert main(["status", "--lake", str(lake), "--agency", "hongze"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "unknown agency slug 'hongze'" in captured.err and "huaian-hongze-gov" in captured.err
    assert main(["status", "--lake", str(lake), "--agency", "huaian-hongze-gv"]) == 2
    assert "did you mean huaian-hongze-gov" in capsys.readouterr().err
    # a known slug with nothing in the lake yet is an answer, not an error
    assert main(["status", "--lake", str(lake), "--agency", "huaian-hongze-gov", "--json"]) == 1
    rows = json.loads(capsys.readouterr().out)
    assert [r["agency_id"] for r in rows] == ["huaian-hongze-gov"]
    assert rows[0]["problems"] and rows[0]["problems"][0].startswith("never run")


def test_status_of_the_national_registry_lists_only_agencies_with_something_to_say(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from gongkai.fetch.registry import load_registry

    registry = load_registry()
    expecting = sorted(a.slug for a in registry.agencies if a.expected_years)
    assert 0 < len(expecting) < 20 < len(registry.agencies)
    lake = _empty_lake(tmp_path)
    assert main(["status", "--lake", str(lake), "--json"]) == 1  # the expected years are all missing
    assert [r["agency_id"] for r in json.loads(capsys.readouterr().out)] == expecting
    main(["status", "--lake", str(lake)])
    out = capsys.readouterr().out
    assert f"{len(registry.agencies) - len(expecting)} more agencies of the registry have no report" in out
    assert "guangzhou-gov" not in out


@pytest.mark.parametrize(
    "command", [["run", "--year", "2024"], ["backfill", "--from", "2023", "--to", "2024"]]
)
def test_flows_refuse_unknown_slugs_before_starting(
    command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lake = tmp_path / "lake"
    assert main([*command, "--agency", "hongze", "--lake", str(lake)]) == 2
    captured = capsys.readouterr()
    assert "unknown agency slug 'hongze'" in captured.err and "huaian-hongze-gov" in captured.err
    assert captured.out == "" and not lake.exists()


def test_parse_walks_folders_like_load(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "reports"
    (folder / "sub").mkdir(parents=True)
    shutil.copy(SEED, folder / "sub" / "a.txt")
    (folder / "notes.xyz").write_text("not a report")
    assert main(["parse", "--json", str(folder)]) == 0
    captured = capsys.readouterr()
    objects = [json.loads(line) for line in captured.out.splitlines()]
    assert [o["source"] for o in objects] == [str(folder / "sub" / "a.txt")]
    assert objects[0]["report_year"] and objects[0]["form_version"] != "unknown"
    assert f"skipped {folder / 'notes.xyz'}: not a report format" in captured.err


def test_a_missing_path_fails_the_load_before_anything_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lake = tmp_path / "lake"
    missing = tmp_path / "no-such-report.pdf"
    assert main(["load", str(SEED), str(missing), "--lake", str(lake)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"gongkai load: no such file or folder: {missing}" in captured.err
    assert not lake.exists()  # nothing done, nothing created


def test_a_missing_path_fails_the_parse_next_to_valid_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "no-such-report.pdf"
    assert main(["parse", "--json", str(SEED), str(missing)]) == 2
    captured = capsys.readouterr()
    objects = [json.loads(line) for line in captured.out.splitlines()]  # still one object per input
    assert [o["source"] for o in objects] == [str(SEED), str(missing)]
    assert objects[0]["form_version"] != "unknown" and objects[1]["problems"][0]["code"] == "unreadable_file"
    assert f"gongkai parse: no such file or folder: {missing}" in captured.err


def _help_texts() -> dict[str, str]:
    parser = build_parser()
    texts = {"gongkai": parser.format_help()}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                texts[name] = sub.format_help()
    return texts


def test_help_texts_name_only_files_that_exist() -> None:
    texts = _help_texts()
    assert {"parse", "load", "fetch", "run", "backfill", "status"} <= set(texts)
    named = {
        (command, path)
        for command, text in texts.items()
        for path in re.findall(r"(?<![\w/:.])((?:[\w.-]+/)+[\w.-]+\.(?:md|toml|py|json|yaml))\b", text)
    }
    assert ("parse", "docs/report-json.md") in named  # the pattern finds what help texts cite
    missing = sorted((command, path) for command, path in named if not (ROOT / path).exists())
    assert missing == []


def _rendered(draw: Callable[[Console], None]) -> list[str]:
    console = Console(width=80, record=True, soft_wrap=True, highlight=False, file=io.StringIO())
    draw(console)
    return console.export_text().splitlines()


def test_run_and_status_tables_fit_80_columns() -> None:
    slugs = ["jingmen-dongbao-bureau", "huaian-hongze-gov", "wuhan-dongxihu-dpf"]
    agencies = [
        AgencyRun(slug, year, found=120, fetched=97, unchanged=20, fetch_failed=3, parsed=117, written=117)
        for slug in slugs
        for year in (2023, 2024)
    ]
    for a in agencies:
        a.statuses = {"valid": 100, "warnings": 10, "quarantined": 6, "failed": 1}
    summary = RunSummary(
        run_id="r", lake="file:///lake", years=[2023, 2024], started_at="", agencies=agencies
    )
    lines = _rendered(lambda out: print_summary(summary, out))
    table = [line for line in lines if line.startswith(tuple(slugs))]
    assert len(table) == 6 and all(cell_len(line) <= 80 for line in lines if "│" in line or line in table)
    assert all(cell_len(line) <= 80 for line in lines[: lines.index(table[-1]) + 3])
    assert not any("…" in line for line in lines)
    assert any(line.split()[:3] == ["jingmen-dongbao-bureau", "2024", "partial"] for line in table)
    assert "100/10/6/1" in table[0] and "600/60/36/6" in "".join(lines)  # the (all) row adds them up

    statuses = [
        AgencyStatus(
            slug,
            years_present=[2016, 2017, 2019, 2020, 2021],
            years_missing=[2018, 2022, 2023, 2024],
            reports=5,
            last_run_at="2026-12-07T01:15:12+00:00",
            last_status="partial",
            problems=["x"] * 12,
        )
        for slug in slugs
    ]
    lines = _rendered(lambda out: print_status(statuses, "file:///lake", console=out))
    assert all(cell_len(line) <= 80 for line in lines) and not any("…" in line for line in lines)
    row = next(line for line in lines if line.startswith("jingmen-dongbao-bureau"))
    assert "2016–2017," in row and "2026-12-07 01:15" in row and "partial" in row and row.endswith("12")


def test_progress_lines_for_logs_say_done_total_rate_eta_and_failures() -> None:
    lines: list[str] = []
    now = [0.0]
    log = ProgressLog(lines.append, every_items=100, every_seconds=30, clock=lambda: now[0])
    log("documents", 0, 1000, 0)
    for done in range(10, 1001, 10):
        now[0] += 1.0  # 10 documents a second
        log("documents", done, 1000, done // 250)
    assert lines[0] == "documents 0/1000 (0%) · 0 failed"
    assert lines[1] == "documents 100/1000 (10%) · 10.0/s · ETA 1m30s · 0 failed"
    assert lines[-1] == "documents 1000/1000 (100%) · 10.0/s · done in 1m40s · 4 failed"
    assert len(lines) == 11  # start, every 100 documents (the last one is the end line)
    # slow work: a line every 30 s even when fewer than 100 documents were done
    slow: list[str] = []
    now[0] = 0.0
    log = ProgressLog(slow.append, every_items=100, every_seconds=30, clock=lambda: now[0])
    for done in range(0, 21):
        log("documents", done, 5000, 0)
        now[0] += 5.0
    assert len(slow) == 4 and slow[1].startswith("documents 6/5000") and "12.0/min · ETA 6h56m" in slow[1]


def test_a_new_round_of_the_same_work_is_counted_afresh() -> None:
    lines: list[str] = []
    now = [0.0]
    log = ProgressLog(lines.append, every_items=100, every_seconds=30, clock=lambda: now[0])
    log("documents", 0, 2, 0)
    now[0] = 50.0
    log("documents", 2, 2, 1)  # the first year of a backfill
    now[0] = 60.0
    log("documents", 0, 4, 0)  # the next year: its own start, rate and failures
    now[0] = 62.0
    log("documents", 4, 4, 0)
    assert lines == [
        "documents 0/2 (0%) · 0 failed",
        "documents 2/2 (100%) · 2.4/min · done in 50s · 1 failed",
        "documents 0/4 (0%) · 0 failed",
        "documents 4/4 (100%) · 2.0/s · done in 2s · 0 failed",
    ]


def test_a_growing_total_is_the_same_round() -> None:
    # a flow plans documents as discovery finds them: the total grows, the rate counts from the start
    lines: list[str] = []
    now = [0.0]
    log = ProgressLog(lines.append, every_items=100, every_seconds=30, clock=lambda: now[0])
    log("documents", 0, 0, 0)
    log("documents", 0, 200, 0)
    for done, total in ((100, 400), (200, 400), (300, 500), (500, 500)):
        now[0] += 10.0
        log("documents", done, total, 0)
    assert lines == [
        "documents 0/0 · 0 failed",
        "documents 100/400 (25%) · 10.0/s · ETA 30s · 0 failed",
        "documents 200/400 (50%) · 10.0/s · ETA 20s · 0 failed",
        "documents 300/500 (60%) · 10.0/s · ETA 20s · 0 failed",
        "documents 500/500 (100%) · 12.5/s · done in 40s · 0 failed",
    ]
