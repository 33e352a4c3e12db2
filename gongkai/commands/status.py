"""`gongkai status [--lake URI] [--agency SLUG ...]`: per agency, the report years the lake holds and
misses, its last run and that run's status, and its open problems. Reads the lake only (no Prefect).

Exit code 0: nothing open; 1: some agency has open problems or a last run that was not ok; 2: the
lake cannot be read.
"""

from __future__ import annotations

import argparse
import json

from rich import box
from rich.console import Console
from rich.table import Table

from gongkai.commands import CommandError, check_agencies, open_lake_for_reading
from gongkai.settings import get_settings


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "status",
        help="per agency: years present and missing, last run, status, open problems",
        description="Show each agency's state in the lake: report years present and missing, its last run and "
        "status, and its open problems (quarantined or failed reports, failures of the last run).",
    )
    p.add_argument(
        "--lake",
        metavar="URI",
        help="lake folder, file:// or s3://bucket/prefix (default: $GONGKAI_LAKE or ./lake)",
    )
    p.add_argument(
        "--agency", action="append", metavar="SLUG", dest="agencies", help="only this agency (repeatable)"
    )
    p.add_argument(
        "--registry",
        metavar="FILE",
        help="agency registry whose expected years count as missing "
        "when absent (default: $GONGKAI_REGISTRY, else the bundled registry)",
    )
    p.add_argument("--problems", action="store_true", help="list every open problem under the table")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from gongkai.fetch.registry import load_registry
    from gongkai.status import lake_status, read_reports, registry_expectations

    try:
        registry = load_registry(args.registry or get_settings().registry)
    except (OSError, ValueError) as exc:
        raise CommandError(f"cannot read the registry {args.registry or '(bundled)'}: {exc}") from exc
    store = open_lake_for_reading(args.lake)
    try:
        if args.agencies:
            # a slug is known when the registry has it or the lake holds reports of it (`gongkai load`
            # may file reports under an agency the registry does not list)
            known = [a.slug for a in registry.agencies]
            missing = [s for s in args.agencies if s not in known]
            if missing:
                known += [r["agency_id"] for r in read_reports(store) if r.get("agency_id")]
                check_agencies(args.agencies, known, f"the registry {registry.path} and the lake {store.uri}")
        statuses = lake_status(store, args.agencies, expected_years=registry_expectations(registry))
    except CommandError:
        raise
    except Exception as exc:  # an unreachable bucket, bad credentials, a damaged commit log
        raise CommandError(f"cannot read the lake {store.uri}: {type(exc).__name__}: {exc}") from exc
    if args.json:
        print(json.dumps([s.__dict__ for s in statuses], ensure_ascii=False, indent=1))
    else:
        print_status(statuses, store.uri, show_problems=args.problems)
        shown = {s.agency_id for s in statuses}
        others = sum(1 for a in registry.agencies if a.slug not in shown)
        if others and not args.agencies:
            print(
                f"{others} more agencies of the registry have no report, run or expected year in this lake "
                "(per province: gongkai registry coverage)"
            )
    not_ok = any(s.open_problems or (s.last_status not in (None, "ok")) for s in statuses)
    return 1 if not_ok else 0


def print_status(
    statuses: list, lake_uri: str, *, show_problems: bool = False, console: Console | None = None
) -> None:
    """The status table, laid out for 80 columns (piped output is 80 wide)."""
    from gongkai.commands.run import report_console
    from gongkai.status import status_rows

    out = console or report_console()
    rows = status_rows(statuses)
    table = Table(
        title=f"gongkai status — {lake_uri}", box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=0
    )
    longest = max([len(s.agency_id) for s in statuses] + [6])
    table.add_column("agency", no_wrap=True, min_width=min(longest, 30), overflow="fold")
    # "2016–2017, 2019" wraps after its comma: 10 columns keep a range and its comma on one line
    table.add_column("present", min_width=10)
    table.add_column("missing", min_width=10)
    table.add_column("rpts", justify="right", no_wrap=True)  # reports in the lake
    table.add_column("last run", no_wrap=True)  # UTC
    table.add_column("status", no_wrap=True)
    table.add_column("open", justify="right", no_wrap=True)  # open problems (--problems lists them)
    for row in rows:
        last_run = str(row["last run"]).replace("T", " ").removesuffix("Z")[:16]
        table.add_row(
            str(row["agency"]),
            str(row["present"]),
            str(row["missing"]),
            str(row["reports"]),
            last_run,
            str(row["status"]),
            str(row["open problems"]),
        )
    out.print(table)
    if not statuses:
        out.print("the lake holds no reports and no runs yet")
    if show_problems:
        for s in statuses:
            for problem in s.problems:
                out.print(f"{s.agency_id} {problem}", highlight=False)
