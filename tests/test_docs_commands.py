"""Every command block of docs/operations.md runs, as printed, against the demo lake (`make demo`'s) with
the fixture portal standing in for the agencies' sites. A block the test cannot run here says why in the
doc itself (`<!-- doc-test: skip — reason -->` right above it); that list is checked to stay short."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from gongkai.fetch.portal import start_portal

ROOT = Path(__file__).resolve().parents[1]
OPERATIONS = ROOT / "docs" / "operations.md"
BLOCK = re.compile(r"(?:<!-- doc-test: skip — (?P<skip>[^\n]*?) -->\n)?```sh\n(?P<body>.*?)```", re.S)
# the only blocks allowed to be skipped, and why: a server that runs until Ctrl-C, its deployments, Docker
ALLOWED_SKIPS = {
    "starts a Prefect server that runs until Ctrl-C",
    "needs the Prefect server of the block above; tests/flows/test_flow_infra.py runs these",
    "needs a Docker engine",
}


def doc_blocks() -> list[tuple[str | None, list[str]]]:
    """(skip reason or None, the block's command lines) for each ```sh block, continuations joined."""
    blocks = []
    for match in BLOCK.finditer(OPERATIONS.read_text(encoding="utf-8")):
        text = match["body"].replace("\\\n", " ")
        lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
        blocks.append((match["skip"], lines))
    return blocks


def test_the_skipped_blocks_are_few_and_say_why() -> None:
    blocks = doc_blocks()
    skipped = [reason for reason, _ in blocks if reason is not None]
    assert set(skipped) <= ALLOWED_SKIPS and len(skipped) <= 3
    assert any(reason is None for reason, _ in blocks)


@pytest.fixture(scope="module")
def demo_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The demo lake (`python -m gongkai.demo`, as `make demo` runs it) and an environment whose
    GONGKAI_LAKE and GONGKAI_REGISTRY point at it and at a running fixture portal."""
    home = tmp_path_factory.mktemp("docs")
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        "PREFECT_HOME": str(home / "prefect"),
        "GONGKAI_LAKE": str(home / "lake"),
        "COLUMNS": "100",
    }
    demo = subprocess.run(
        [sys.executable, "-m", "gongkai.demo", "--lake", env["GONGKAI_LAKE"]],
        cwd=home,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert demo.returncode == 0, demo.stderr[-3000:]
    with start_portal() as portal:
        env["GONGKAI_REGISTRY"] = str(portal.write_registry(home / "portal-registry.toml"))
        yield env


def _as_run_here(line: str) -> str:
    """The doc's `.venv/bin/...` commands with this interpreter and this source tree."""
    python = shlex.quote(sys.executable)
    commands = {"gongkai": f"{python} -m gongkai.cli", "python": python}
    return re.sub(r"(?<![\w/])\.venv/bin/(gongkai|python)\b", lambda m: commands[m[1]], line)


@pytest.mark.parametrize(
    "index", [i for i, (reason, _) in enumerate(doc_blocks()) if reason is None], ids=lambda i: f"block{i}"
)
def test_doc_block_runs(index: int, demo_env: dict[str, str]) -> None:
    _, lines = doc_blocks()[index]
    for line in lines:
        done = subprocess.run(
            ["bash", "-c", _as_run_here(line)],
            cwd=ROOT,
            env=demo_env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        # 0 success, 1 partial or open problems (the demo lake holds a quarantined report): both answers
        assert done.returncode in (0, 1), f"{line}\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
        assert "Traceback" not in done.stderr, f"{line}\n{done.stderr[-3000:]}"
        assert done.stdout.strip(), line
        if " status" in line:
            assert "huaian-hongze-gov" in done.stdout and "2023–2024" in done.stdout, done.stdout
        if " run " in line or " backfill " in line:
            assert "lake: file://" + demo_env["GONGKAI_LAKE"] in done.stdout, done.stdout
