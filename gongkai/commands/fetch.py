"""`gongkai fetch --year Y [--agency SLUG ...] [--registry FILE] [--lake URI]`: discover, download and
archive a year's reports into the lake's raw zone, printing a table per agency (found, fetched,
unchanged, failed with reason). Every fetch, failed or not, is recorded in the lake's lineage.

Exit code 0: every agency's listing read and every document had; 1: some failed; 2: nothing could be
done (every agency failed, an unknown slug, an unreadable registry or lake).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from gongkai.commands import check_agencies
from gongkai.model import Problem
from gongkai.pipeline.record import DocumentRecord
from gongkai.runs import DEFAULT_BATCH_SIZE
from gongkai.settings import get_settings


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "fetch",
        help="download and archive a year's reports into the lake's raw zone",
        description="Discover each agency's reports for --year on its listing pages, download them politely "
        "(robots.txt, per-host rate limits, retries of transient errors, conditional GET) and archive "
        "them content-addressed in the lake's raw zone, with a fetch record in lineage.",
    )
    p.add_argument("--year", type=int, required=True, help="report year")
    p.add_argument(
        "--agency", action="append", default=[], metavar="SLUG", help="only these agencies (repeatable)"
    )
    p.add_argument(
        "--registry",
        help="registry TOML file or folder (default: $GONGKAI_REGISTRY, else the bundled gongkai/data/registry/)",
    )
    p.add_argument(
        "--lake", help="lake URI: a folder or s3://bucket/prefix (default $GONGKAI_LAKE or ./lake)"
    )
    p.add_argument(
        "--workers", type=int, default=4, help="agencies worked on at once (per-host limits still hold)"
    )
    p.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for an answer (default 60)")
    p.add_argument("--retries", type=int, default=3, help="retries of a transient failure (default 3)")
    p.add_argument(
        "--backoff", type=float, default=1.0, help="first retry delay in seconds, doubled each time"
    )
    p.add_argument("--json", action="store_true", help="print the outcome as JSON instead of a table")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from gongkai.fetch import RegistryError, load_registry, make_session
    from gongkai.lake.writer import write_lineage
    from gongkai.pipeline.discover import Discovered, discover_each
    from gongkai.pipeline.fetch import fetch_batch
    from gongkai.pipeline.plan import lake_store, make_batches, plan

    try:
        registry = load_registry(args.registry or get_settings().registry)
    except (OSError, RegistryError) as exc:
        print(f"gongkai fetch: {exc}", file=sys.stderr)
        return 2
    check_agencies(args.agency, [a.slug for a in registry.agencies], f"the registry {registry.path}")
    slugs = list(dict.fromkeys(args.agency)) or [a.slug for a in registry.agencies]
    try:
        store = lake_store(args.lake)
    except Exception as exc:  # a lake URI that cannot be opened: nothing to do
        print(f"gongkai fetch: cannot open the lake {args.lake!r}: {exc}", file=sys.stderr)
        return 2
    registry_key = str(registry.path) if args.registry or get_settings().registry else None
    session = make_session(
        registry, timeout=(min(10.0, args.timeout), args.timeout), retries=args.retries, backoff=args.backoff
    )
    try:
        # agencies host by host in turn: a slow site holds one worker, not all of them
        found: list[Discovered] = discover_each(
            slugs,
            args.year,
            registry=registry_key,
            lake=args.lake,
            page_cache=True,
            session=session,
            workers=max(1, args.workers),
        )
        with ThreadPoolExecutor(max_workers=max(1, args.workers), thread_name_prefix="fetch") as pool:
            # every document is asked for again (conditionally): revalidate_after=0
            records = plan([r for d in found for r in d.records], args.lake)
            batches = list(
                pool.map(
                    lambda batch: fetch_batch(
                        batch,
                        args.lake,
                        registry=registry_key,
                        revalidate_after=dt.timedelta(0),
                        session=session,
                    ),
                    make_batches(records, DEFAULT_BATCH_SIZE),
                )
            )
    except Exception as exc:  # the sites' failures are in the records: this is the lake failing under us
        print(f"gongkai fetch: the lake {store.uri} could not be written: {exc}", file=sys.stderr)
        return 2
    finally:
        session.close()
    fetched = [r for b in batches for r in b.records]
    outcomes = [AgencyFetch.of(d, fetched) for d in found]
    try:
        write_lineage(store, [e for d in found for e in d.events] + [e for r in fetched for e in r.events])
    except Exception as exc:  # the bytes are archived; the records could not be committed
        print(f"gongkai fetch: the fetch records could not be written to {store.uri}: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(
            json.dumps(
                {"year": args.year, "lake": store.uri, "agencies": [_row(o) for o in outcomes]},
                ensure_ascii=False,
                indent=1,
            )
        )
    else:
        _print_table(outcomes, args.year, store.uri)
    for outcome in outcomes:  # loud: a person must look at these
        for warning in outcome.warnings:
            print(f"WARNING {outcome.agency}: {warning}", file=sys.stderr)
    statuses = {o.status for o in outcomes}
    if statuses <= {"ok", "none"}:
        return 0
    return 2 if statuses <= {"failed"} else 1


@dataclass
class AgencyFetch:
    """One agency's discovery and downloads for the year, as the table shows them."""

    agency: str
    found: int
    problems: list[Problem]  # from discovery
    records: list[DocumentRecord]

    @classmethod
    def of(cls, found: Any, records: list[DocumentRecord]) -> AgencyFetch:
        slug = found.tallies[0].agency_id
        return cls(
            slug,
            found.tallies[0].found,
            found.problems.get(slug, []),
            [r for r in records if r.agency_id == slug],
        )

    def count(self, status: str) -> int:
        return sum(1 for r in self.records if r.outcomes.get("fetch") == status)

    @property
    def listing_failed(self) -> bool:
        """No listing page could be read (discovery errors and nothing found)."""
        return not self.found and any(p.severity == "error" for p in self.problems)

    @property
    def status(self) -> str:
        """ok | none (no report for the year) | partial | failed"""
        if self.listing_failed:
            return "failed"
        had = self.count("ok") + self.count("unchanged")
        if self.count("failed") or any(p.severity == "error" for p in self.problems):
            return "partial" if had else "failed"
        return "ok" if self.found else "none"

    @property
    def reasons(self) -> list[str]:
        """Failed documents and unreadable listing pages, for a person."""
        return [f"{p.code}: {p.message}" for p in self.problems if p.severity == "error"] + [
            f"{r.source.rsplit('/', 1)[-1][:60]}: {r.problems[-1].message}"
            for r in self.records
            if r.outcomes.get("fetch") == "failed" and r.problems
        ]

    @property
    def warnings(self) -> list[str]:
        return [f"{p.code}: {p.message}" for p in self.problems if p.severity == "warning"]


def _row(o: AgencyFetch) -> dict[str, Any]:
    return {
        "agency": o.agency,
        "status": o.status,
        "found": o.found,
        "fetched": o.count("ok"),
        "unchanged": o.count("unchanged"),
        "failed": o.count("failed"),
        "reasons": o.reasons,
        "warnings": o.warnings,
    }


def _print_table(outcomes: list[AgencyFetch], year: int, lake: str) -> None:
    """Counts per agency in a table laid out for 80 columns; the reasons of failures under it, one per
    line (a reason is a sentence, not a cell)."""
    from rich import box
    from rich.table import Table

    from gongkai.commands.run import report_console

    out = report_console()
    table = Table(
        title=f"gongkai fetch {year} → {lake}",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        padding=0,
    )
    table.add_column("agency", no_wrap=True, overflow="fold")
    table.add_column("status", no_wrap=True)
    for column in ("found", "fetched", "same", "failed"):  # same: unchanged since the last fetch
        table.add_column(column, justify="right", no_wrap=True)
    reasons: list[str] = []
    for o in outcomes:
        row = _row(o)
        table.add_row(
            o.agency, o.status, *(f" {row[k]}" for k in ("found", "fetched", "unchanged", "failed"))
        )
        reasons += [f"{o.agency}: {r[:300]}" for r in row["reasons"][:8]]
        if len(row["reasons"]) > 8:
            reasons.append(f"{o.agency}: … {len(row['reasons']) - 8} more")
    out.print(table)
    for reason in reasons:
        out.print(reason, markup=False)
