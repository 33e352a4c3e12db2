"""`gongkai fetch --year Y [--agency SLUG ...] [--registry FILE] [--lake URI]`: discover, download and
archive a year's reports, printing a table per agency (found, fetched, unchanged, failed with reason)."""

from __future__ import annotations

import argparse

from rich.console import Console
from rich.table import Table

from gongkai.fetch import discover_reports, fetch_document, load_registry, make_session
from gongkai.lake.store import open_store
from gongkai.lake.writer import write_lineage


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("fetch", help="download and archive a year's reports into the lake's raw zone")
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--agency", action="append", default=[], metavar="SLUG", help="only these agencies (repeatable)")
    p.add_argument("--registry", help="registry TOML (default: the bundled gongkai/data/registry.toml)")
    p.add_argument("--lake", help="lake URI: a folder or s3://bucket/prefix (default $GONGKAI_LAKE or ./lake)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    registry = load_registry(args.registry)
    store = open_store(args.lake)
    slugs = args.agency or [a.slug for a in registry.agencies]
    table = Table(title=f"fetch {args.year} → {store.uri}")
    for column in ("agency", "found", "fetched", "unchanged", "failed", "reasons"):
        table.add_column(column)
    failed_agencies = 0
    session = make_session(registry)
    try:
        for slug in slugs:
            try:
                agency = registry.get(slug)
            except KeyError as exc:
                table.add_row(slug, "-", "-", "-", "-", str(exc))
                failed_agencies += 1
                continue
            links = discover_reports(agency, args.year, session)
            results = [fetch_document(link, session, store) for link in links]
            write_lineage(store, [r.event for r in results])
            counts = {s: sum(1 for r in results if r.status == s) for s in ("ok", "unchanged", "failed")}
            reasons = [r.reason or "" for r in results if r.status == "failed"] + [
                f"{p.code}: {p.message}" for p in links.problems]
            failed_agencies += bool(counts["failed"] or any(p.severity == "error" for p in links.problems))
            table.add_row(slug, str(len(links)), str(counts["ok"]), str(counts["unchanged"]), str(counts["failed"]),
                          "\n".join(reasons)[:400])
    finally:
        session.close()
    Console(width=160).print(table)
    return 0 if failed_agencies == 0 else (1 if failed_agencies < len(slugs) else 2)
