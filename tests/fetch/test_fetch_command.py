"""`gongkai fetch` against the fixture portal with every fault switched on: what can be had is archived,
what cannot is recorded with its reason, and a second run downloads nothing that did not change."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gongkai.cli import main
from gongkai.fetch.portal import ALL_FAULTS, SITE_DIR, Fault, Portal
from gongkai.lake.raw import raw_key
from gongkai.lake.reader import read_table
from gongkai.lake.store import open_store

FAST = ["--timeout", "1", "--backoff", "0.05", "--retries", "2"]
FETCHED_PATHS = [
    "/huaian-gov/files/2024-annual-report.pdf",
    "/wuhan-dongxihu-dpf/art/2024.html",
    "/jingmen-dongbao-bureau/files/2024-annual-report.wps",
    "/picture/0/2024021411.pdf",
]


def _fetch(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict, str]:  # type: ignore[type-arg]
    code = main(["fetch", *args])
    out, err = capsys.readouterr()
    return code, json.loads(out), err


def test_every_fault_switched_on(portal: Portal, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    portal.faults.update({p: Fault(f.kind, f.times, f.seconds) for p, f in ALL_FAULTS.items()})
    registry = str(portal.write_registry(tmp_path / "registry.toml"))
    lake = str(tmp_path / "lake")
    args = ["--year", "2024", "--registry", registry, "--lake", lake, "--json", *FAST]

    code, first, err = _fetch(capsys, *args)
    rows = {a["agency"]: a for a in first["agencies"]}
    counts = {
        slug: (r["status"], r["found"], r["fetched"], r["unchanged"], r["failed"]) for slug, r in rows.items()
    }
    assert counts == {
        "huaian-hongze-gov": (
            "failed",
            1,
            0,
            0,
            1,
        ),  # listing timed out once (retried); the PDF is an error page
        "huaian-gov": ("ok", 1, 1, 0, 0),  # article 500 twice, PDF cut short once: both retried
        "wuhan-dongxihu-dpf": ("ok", 1, 1, 0, 0),  # listing 429 (Retry-After), article reset once
        "bengbu-bengshan-dpf": ("failed", 0, 0, 0, 0),  # listing redirects in a loop
        "jinjiang-dpf": ("failed", 0, 0, 0, 0),  # listing redirects to 127.0.0.2
        "zibo-zhangdian-dpf": ("failed", 0, 0, 0, 0),  # listing answers 500 for good
        "jingmen-dongbao-bureau": ("partial", 4, 2, 0, 2),  # .doc always cut short; a link to 127.0.0.2
        "moumou-county-gov": ("none", 0, 0, 0, 0),  # publishes only reports before 2019
        "moumou-city-justice": ("none", 0, 0, 0, 0),
    }
    assert code == 1  # partial
    assert any("error_page" in r for r in rows["huaian-hongze-gov"]["reasons"])
    assert any(r.startswith("listing_redirect_loop") for r in rows["bengbu-bengshan-dpf"]["reasons"])
    assert any(
        r.startswith("listing_address_refused") and "127.0.0.2" in r for r in rows["jinjiang-dpf"]["reasons"]
    )
    assert any(r.startswith("listing_http_500") for r in rows["zibo-zhangdian-dpf"]["reasons"])
    jingmen = " ".join(rows["jingmen-dongbao-bureau"]["reasons"])
    assert "truncated" in jingmen and "address_refused" in jingmen
    assert "WARNING jingmen-dongbao-bureau: unexpected_year" in err and "2022" in err

    # every document that could be had is in the raw zone, with a fetch record; every failure has its reason
    store = open_store(lake)
    for path in FETCHED_PATHS:
        data = portal.site.files[path].body
        assert store.get(raw_key(hashlib.sha256(data).hexdigest())) == data, path
    lineage = read_table(store, "lineage", ["stage", "status", "agency_id", "input_uri", "error"]).to_pylist()
    fetches = [r for r in lineage if r["stage"] == "fetch"]
    assert sorted(r["status"] for r in fetches) == ["failed"] * 3 + ["ok"] * 4
    assert all(r["error"] for r in fetches if r["status"] == "failed")
    assert {r["agency_id"] for r in lineage if r["stage"] == "discover" and r["status"] == "failed"} == {
        "bengbu-bengshan-dpf",
        "jinjiang-dpf",
        "zibo-zhangdian-dpf",
    }
    assert {portal.site.bodies.get(p, 0) for p in FETCHED_PATHS} == {1}  # an article that is the report: once
    bodies = dict(portal.site.bodies)

    # the second run, faults still on: nothing that did not change is downloaded again
    code, second, _ = _fetch(capsys, *args)
    again = {a["agency"]: (a["fetched"], a["unchanged"], a["failed"]) for a in second["agencies"]}
    assert again["huaian-gov"] == again["wuhan-dongxihu-dpf"] == (0, 1, 0)
    assert again["jingmen-dongbao-bureau"] == (0, 2, 2) and again["huaian-hongze-gov"] == (0, 0, 1)
    bodies["/robots.txt"] += 1  # read once per run
    assert portal.site.bodies == bodies  # not even a listing page: every answer was 304 or a fault
    assert code == 1


def test_command_errors_exit_2(portal: Portal, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    registry = str(portal.write_registry(tmp_path / "registry.toml"))
    assert main(["fetch", "--year", "2024", "--registry", registry, "--agency", "no-such-agency"]) == 2
    assert "unknown agency slug 'no-such-agency'" in capsys.readouterr().err
    bad = tmp_path / "bad.toml"
    bad.write_text('[[agency]]\nslug = "x"\nname = "甲"\n', encoding="utf-8")
    assert main(["fetch", "--year", "2024", "--registry", str(bad)]) == 2
    assert "lowercase ASCII" in capsys.readouterr().err


def test_portal_and_fetch_as_commands(tmp_path: Path) -> None:
    """`python -m gongkai.fetch.portal` in one process, `gongkai fetch` in another, a table in between."""
    registry = tmp_path / "registry.toml"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gongkai.fetch.portal",
            "--extras",
            "--write-registry",
            str(registry),
            "--fault",
            "/huaian-gov/nianbao/index.html=500:1",
        ],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert server.stdout is not None
        base_url = server.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:")
        command = [
            sys.executable,
            "-m",
            "gongkai.cli",
            "fetch",
            "--year",
            "2024",
            "--registry",
            str(registry),
            "--lake",
            str(tmp_path / "lake"),
            "--agency",
            "huaian-gov",
            "--agency",
            "wuhan-dongxihu-dpf",
            *FAST,
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)
        assert done.returncode == 0, done.stdout + done.stderr
        rows = [
            line for line in done.stdout.splitlines() if "huaian-gov" in line or "wuhan-dongxihu-dpf" in line
        ]
        assert len(rows) == 2 and all(" ok " in row for row in rows), done.stdout
        assert "found" in done.stdout and "same" in done.stdout
        assert "gongkai fetch 2024" in done.stdout
        table = [line for line in done.stdout.splitlines() if not line.startswith("gongkai fetch")]
        assert max(len(line) for line in table) <= 80, (
            done.stdout
        )  # piped: 80 columns (the title names the lake)
    finally:
        server.kill()
        server.wait(10)
    assert (SITE_DIR / "site.toml").is_file()
