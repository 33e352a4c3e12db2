"""The CLI tells the truth: unknown slugs, missing lakes and missing paths are errors on stderr (exit 2),
read commands create nothing, `parse` walks folders like `load`, `--version`, help texts name real files."""

from __future__ import annotations

import argparse
import json
import re
import shutil
from pathlib import Path

import pytest

from gongkai.cli import build_parser, main
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


@pytest.mark.parametrize("command", ["parse", "load"])
def test_a_missing_path_fails_the_run_next_to_valid_ones(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lake = tmp_path / "lake"
    extra = ["--lake", str(lake)] if command == "load" else []
    missing = tmp_path / "no-such-report.pdf"
    assert main([command, str(SEED), str(missing), *extra]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"gongkai {command}: no such file or folder: {missing}" in captured.err
    assert not lake.exists()  # nothing done, nothing created


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
