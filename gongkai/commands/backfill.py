"""`gongkai backfill --from Y1 --to Y2 [--agency SLUG ...] [--lake URI]`: the main job over a range of
report years (the Prefect backfill flow: one sub-flow per year).

Resumable: run it again to retry what failed; what succeeded is skipped (the lake's records say so).
Exit code 0: every agency-year ok; 1: partial; 2: failure.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from gongkai.commands.run import (
    add_common_options,
    check_request,
    finish,
    flow_options,
    prepare_environment,
    run_with_progress,
)


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "backfill",
        help="run the main job over a range of report years (resumable)",
        description="Ingest every report year from --from to --to (inclusive). Re-running skips what the lake "
        "already holds and retries what failed.",
    )
    p.add_argument(
        "--from", dest="from_year", type=int, required=True, metavar="Y1", help="first report year"
    )
    p.add_argument("--to", dest="to_year", type=int, required=True, metavar="Y2", help="last report year")
    add_common_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if abs(args.to_year - args.from_year) > 50:
        print("gongkai backfill: a range of more than 50 years is surely a typo", file=sys.stderr)
        return 2
    check_request(args)
    prepare_environment(args)
    state = run_backfill(args.from_year, args.to_year, quiet=args.json, **flow_options(args))
    return finish(state, args)


def run_backfill(from_year: int, to_year: int, *, quiet: bool = False, **options: Any) -> Any:
    """Run the backfill flow with progress bars; its final Prefect state. Commands are the one place that
    runs flows (the import contracts in pyproject.toml): `make demo` comes through here too."""
    from flows.backfill import backfill

    return run_with_progress(
        lambda: backfill(from_year=from_year, to_year=to_year, **options, return_state=True), quiet=quiet
    )
