"""The image's Python environment, built from requirements.lock exactly as infra/Dockerfile builds it
(infra/install-env.sh, into a fresh venv: no Docker needed), runs `gongkai --version` and the demo flow.

It installs ~150 packages: from the machine's wheel cache when it has them, else from the package index.
With no index reachable it is skipped, saying so."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name

from gongkai.versions import code_version

ROOT = Path(__file__).resolve().parents[1]
INSTALL = ROOT / "infra" / "install-env.sh"
OFFLINE = re.compile(
    r"Failed to establish a new connection|Temporary failure in name resolution|Network is unreachable"
    r"|No matching distribution found|Could not find a version that satisfies",
    re.I,
)


def _pins(lines: list[str]) -> dict[str, str]:
    """name → version of `name==version` lines, names normalised (PEP 503: ruamel.yaml = ruamel-yaml)."""
    pins = (line.split("==", 1) for line in lines if "==" in line and not line.startswith("#"))
    return {canonicalize_name(name): version.strip() for name, version in pins}


def _run(args: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=1800, **kwargs)  # type: ignore[call-overload]


def test_the_dockerfile_builds_its_environment_with_the_shared_script() -> None:
    dockerfile = (ROOT / "infra" / "Dockerfile").read_text()
    assert "RUN sh install-env.sh deps /opt/venv requirements.lock" in dockerfile
    assert "RUN sh infra/install-env.sh package /opt/venv /opt/gongkai" in dockerfile
    lock = (ROOT / "requirements.lock").read_text().splitlines()
    pins = [line for line in lock if line and not line.startswith("#")]
    assert pins and all(re.fullmatch(r"[a-z0-9._-]+==[^\s=]+", line) for line in pins), "exact pins only"
    makefile = (ROOT / "Makefile").read_text()
    assert "uv pip compile pyproject.toml" in makefile and "-o requirements.lock" in makefile


def test_the_locked_environment_runs_the_demo(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    # python3 on PATH is what the image's script calls: make it this interpreter's version
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python3").symlink_to(getattr(sys, "_base_executable", sys.executable))
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    env.pop("PYTHONPATH", None)  # the venv must import its own installation, not this checkout's path
    deps = _run(
        ["sh", str(INSTALL), "deps", str(venv), str(ROOT / "requirements.lock")], env=env, cwd=tmp_path
    )
    if deps.returncode != 0 and OFFLINE.search(deps.stderr + deps.stdout):
        pytest.skip(f"the package index is not reachable: {deps.stderr.strip().splitlines()[-1][:200]}")
    assert deps.returncode == 0, deps.stderr[-3000:]
    package = _run(["sh", str(INSTALL), "package", str(venv), str(ROOT)], env=env, cwd=tmp_path)
    assert package.returncode == 0, package.stderr[-3000:]

    version = _run([str(venv / "bin" / "gongkai"), "--version"], env=env, cwd=tmp_path)
    assert version.returncode == 0 and version.stdout.strip() == code_version(), version.stderr
    # the venv holds exactly the locked versions
    frozen = _run([str(venv / "bin" / "python"), "-m", "pip", "freeze", "--exclude-editable"], env=env)
    locked = (ROOT / "requirements.lock").read_text().splitlines()
    installed = _pins(frozen.stdout.splitlines())
    installed.pop("gongkai", None)  # the package itself (pip lists an editable install or not by version)
    assert installed == _pins(locked)

    demo_env = {**env, "PREFECT_HOME": str(tmp_path / "prefect")}
    demo = _run(
        [str(venv / "bin" / "python"), "-m", "gongkai.demo", "--lake", str(tmp_path / "lake")],
        env=demo_env,
        cwd=tmp_path,
    )
    assert demo.returncode == 0, demo.stdout[-2000:] + demo.stderr[-3000:]
    assert "gongkai backfill" in demo.stdout and ": ok" in demo.stdout
    assert list((tmp_path / "lake" / "runs").glob("*.html"))  # the run report
