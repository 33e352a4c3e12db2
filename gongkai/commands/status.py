"""`gongkai status [--lake URI] [--agency SLUG ...]`: per agency, the report years the lake holds and
misses, its last run and that run's status, and its open problems. Reads the lake only (no Prefect).

Exit code 0: nothing open; 1: some agency has open problems or a last run that was not ok; 2: the
lake cannot be read.
"""

from __future__ import annotations

import argparse
import json

from rich.console import Console
from rich.table import Table

from gongkai.commands import CommandError, check_agencies, open_lake_for_reading


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
        "when absent (default: the bundled registry)",
    )
    p.add_argument("--problems", action="store_true", help="list every open problem under the table")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from gongkai.fetch.registry import load_registry
    from gongkai.status import lake_status, read_reports, registry_expectations

    try:
        registry = load_registry(args.registry)
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
    not_ok = any(s.open_problems or (s.last_status not in (None, "ok")) for s in statuses)
    return 1 if not_ok else 0


def print_status(
    statuses: list, lake_uri: str, *, show_problems: bool = False, console: Console | None = None
) -> None:
    from gongkai.status import status_rows

    out = console or Console(soft_wrap=True)
    if console is None and not out.is_terminal:
        out = Console(soft_wrap=True, width=200)
    rows = status_rows(statuses)
    table = Table(title=f"gongkai status — {lake_uri}")
    for name in ("agency", "present", "missing", "reports", "last run", "status", "open problems"):
        table.add_column(name, justify="right" if name in ("reports", "open problems") else "left")
    for row in rows:
        table.add_row(*(str(v) for v in row.values()))
    out.print(table)
    if not statuses:
        out.print("the lake holds no reports and no runs yet")
    if show_problems:
        for s in statuses:
            for problem in s.problems:
                out.print(f"{s.agency_id} {problem}", highlight=False)
