"""Inputs that are not reports never crash the parser: form `unknown` with a clear problem code."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gongkai.pipeline import parse_bytes

CASES = {
    "empty": (b"", "empty_file"),
    "whitespace": (b"  \n\n\t \n", "empty_file"),
    "binary": (os.urandom(4096) + b"\x00" * 64, "unsupported_format"),
    "prose": (
        "今天天气很好。我们去公园散步，看到了很多花。\n第二段没有任何表格。\n".encode(),
        "not_a_report",
    ),
    "listing": ("政府信息公开年报\n2023年度报告\n2022年度报告\n".encode(), "not_a_report"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_non_reports_get_unknown_with_a_code(name: str) -> None:
    data, code = CASES[name]
    report = parse_bytes(data, f"{name}.txt")
    assert report.form_version == "unknown"
    assert code in {p.code for p in report.problems}
    assert report.applications == {} and report.review_litigation == {}
    assert all(p.message for p in report.problems)


def test_cli_prints_an_object_per_file_even_for_junk(tmp_path: Path) -> None:
    junk = tmp_path / "junk.bin"
    junk.write_bytes(os.urandom(2048))
    missing = tmp_path / "missing.txt"
    seed = sorted((Path(__file__).parents[1] / "fixtures" / "seeds").glob("*.txt"))[0]
    out = subprocess.run(
        [sys.executable, "-m", "gongkai.cli", "parse", "--json", str(junk), str(missing), str(seed)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 2, out.stderr  # a missing path fails the run (issue 19), objects all the same
    assert f"no such file or folder: {missing}" in out.stderr
    objects = [json.loads(line) for line in out.stdout.splitlines()]
    assert [o["source"] for o in objects] == [str(junk), str(missing), str(seed)]
    assert objects[0]["form_version"] == "unknown"
    assert objects[1]["problems"][0]["code"] == "unreadable_file"
    assert objects[2]["form_version"] == "f2021"
    assert "Traceback" not in out.stderr


def test_cli_fails_only_when_no_object_can_be_made(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "gongkai.cli", "parse", str(tmp_path / "nope.txt")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 2
