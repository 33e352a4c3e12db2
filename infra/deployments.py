"""gongkai's Prefect deployments: the schedules, the work pool, and two ways to run them.

    .venv/bin/python infra/deployments.py apply   # create the work pool (if missing) and register the
                                                  # deployments with the server at PREFECT_API_URL;
                                                  # then run a worker: prefect worker start --pool gongkai
    .venv/bin/python infra/deployments.py serve   # one long-running process that schedules and runs
                                                  # the flows itself (no work pool, no worker)
    .venv/bin/python infra/deployments.py show    # print the deployments and schedules, touch nothing

Schedules (time zone Asia/Shanghai — cron would otherwise be UTC): reports on year Y are published by
31 January of Y+1, so the ingest runs daily at 06:00 from January to March (the reporting season)
and at 06:00 on the first of each month otherwise, for the default report year (last year).
The backfill deployment has no schedule: run it with parameters, e.g.
``prefect deployment run gongkai-backfill/backfill -p from_year=2019 -p to_year=2023``.

Settings come from the environment of the worker (GONGKAI_LAKE, AWS_* for an S3 lake,
GONGKAI_DASK_ADDRESS for a Dask cluster); parameters can override lake and registry per deployment.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout: flows/ and tasks/ importable even if not installed
from gongkai.settings import get_settings  # noqa: E402  (after the path is set)

WORK_POOL = get_settings().work_pool
TIMEZONE = "Asia/Shanghai"
SEASON_CRON = "0 6 * 1-3 *"  # every day at 06:00, January to March
OFF_SEASON_CRON = "0 6 1 4-12 *"  # 06:00 on the 1st of April to December


def schedules() -> list[Any]:
    from prefect.schedules import Cron

    return [
        Cron(SEASON_CRON, timezone=TIMEZONE, slug="reporting-season"),
        Cron(OFF_SEASON_CRON, timezone=TIMEZONE, slug="off-season"),
    ]


def _parameters() -> dict[str, Any]:
    """Deployment parameters from GONGKAI_DEPLOY_LAKE / GONGKAI_DEPLOY_REGISTRY (unset: the worker's
    GONGKAI_LAKE and the bundled registry decide at run time)."""
    settings = get_settings()
    params = {}
    if settings.deploy_lake:
        params["lake"] = settings.deploy_lake
    if settings.deploy_registry:
        params["registry"] = settings.deploy_registry
    return params


def runner_deployments(work_pool: str | None = None) -> list[Any]:
    """The deployments as Prefect RunnerDeployments. Entrypoints are module paths
    (``flows.ingest.ingest_year``): workers import the installed gongkai package, so no code is copied."""
    from prefect.deployments.runner import EntrypointType

    from flows.backfill import backfill
    from flows.ingest import ingest_year

    common = {
        "parameters": _parameters(),
        "work_pool_name": work_pool,
        "tags": ["gongkai"],
        "entrypoint_type": EntrypointType.MODULE_PATH,
    }
    return [
        ingest_year.to_deployment(
            "ingest-year",
            schedules=schedules(),
            concurrency_limit=1,
            description="Ingest the current report year for every agency of the registry.",
            **common,
        ),
        backfill.to_deployment(
            "backfill",
            concurrency_limit=1,
            description="Ingest a range of report years (resumable: re-run to retry what failed).",
            **common,
        ),
    ]


def ensure_work_pool(name: str = WORK_POOL, pool_type: str = "process") -> bool:
    """Create the work pool if it does not exist; True if created."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectAlreadyExists

    with get_client(sync_client=True) as client:
        try:
            client.create_work_pool(WorkPoolCreate(name=name, type=pool_type))
        except ObjectAlreadyExists:
            return False
    return True


def apply(work_pool: str = WORK_POOL) -> list[str]:
    ensure_work_pool(work_pool)
    ids = []
    for deployment in runner_deployments(work_pool):
        ids.append(str(deployment.apply(work_pool_name=work_pool)))
    return ids


def describe() -> list[dict[str, Any]]:
    out = []
    for deployment in runner_deployments(WORK_POOL):
        out.append(
            {
                "name": f"{deployment.flow_name}/{deployment.name}",
                "entrypoint": deployment.entrypoint,
                "work_pool": WORK_POOL,
                "parameters": deployment.parameters,
                "schedules": [
                    {"cron": s.schedule.cron, "timezone": s.schedule.timezone} for s in deployment.schedules
                ],
            }
        )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["apply", "serve", "show"])
    parser.add_argument("--pool", default=WORK_POOL, help=f"work pool (default {WORK_POOL})")
    args = parser.parse_args(argv)
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    if args.action == "show":
        print(json.dumps(describe(), indent=2, ensure_ascii=False))
        return 0
    if args.action == "apply":
        for deployment_id in apply(args.pool):
            print(f"deployment {deployment_id}")
        print(f"start a worker: prefect worker start --pool {args.pool}")
        return 0
    from prefect import serve

    serve(*[d for d in runner_deployments(None)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
