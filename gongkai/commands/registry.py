"""`gongkai registry list|show|check|coverage`: the agency registry (gongkai/data/registry/) as an
operator sees it. Plain Python: reads the registry files and, for `coverage`, the lake's reports table.

Exit codes: 0 success; 1 `check` found problems; 2 the registry or the lake cannot be read, or an
unknown slug / province was given.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from typing import Any

from rich.console import Console
from rich.table import Table

WIDTH = 80  # tables fit an 80-column terminal


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "registry",
        help="the agency registry: list, show, check (lint) and coverage of the lake",
        description="The agency registry (default: the bundled gongkai/data/registry/): list and show "
        "agencies, lint registry files, and compare the registry with the reports a lake holds.",
    )
    commands = p.add_subparsers(dest="registry_command", required=True)

    def registry_option(sub: argparse.ArgumentParser) -> None:
        sub.add_argument(
            "--registry", metavar="PATH", help="registry file or folder (default: the bundled registry)"
        )

    listing = commands.add_parser("list", help="agencies, filtered by level and province")
    listing.add_argument("--level", help="national, province, prefecture, county, township or department")
    listing.add_argument(
        "--province",
        metavar="NAME_OR_CODE",
        help="广东 / 广东省 / guangdong / gd / 44 / 440000000000; national",
    )
    listing.add_argument("--json", action="store_true", help="print JSON (every field) instead of a table")
    registry_option(listing)
    listing.set_defaults(func=run_list)

    show = commands.add_parser("show", help="one agency: every field, where it is written, its parents")
    show.add_argument("slug")
    show.add_argument("--json", action="store_true", help="print JSON instead of text")
    registry_option(show)
    show.set_defaults(func=run_show)

    check = commands.add_parser("check", help="lint registry files: exit 1 listing every problem")
    check.add_argument("files", nargs="*", metavar="FILE", help="files (or folders) to check together")
    check.set_defaults(func=run_check)

    coverage = commands.add_parser(
        "coverage", help="per province and level: agencies, agencies with reports, years found/missing"
    )
    coverage.add_argument(
        "--lake", metavar="URI", help="lake folder, file:// or s3://bucket/prefix (default: $GONGKAI_LAKE)"
    )
    coverage.add_argument(
        "--year",
        type=int,
        action="append",
        dest="years",
        help="count this year only (repeatable); default: every year the lake holds",
    )
    coverage.add_argument("--province", metavar="NAME_OR_CODE", help="only this province (as for list)")
    coverage.add_argument("--json", action="store_true", help="print JSON instead of a table")
    registry_option(coverage)
    coverage.set_defaults(func=run_coverage)


def _console() -> Console:
    return Console(width=WIDTH, soft_wrap=False, highlight=False)


def _registry(args: argparse.Namespace) -> Any:
    """The registry, or None after saying on stderr why it cannot be read."""
    from gongkai.fetch.registry import RegistryError, load_registry

    try:
        return load_registry(args.registry)
    except (OSError, RegistryError) as exc:
        print(
            f"gongkai registry: cannot read the registry {args.registry or '(bundled)'}: {exc}",
            file=sys.stderr,
        )
        return None


def _province(text: str) -> str | None:
    """The 2-digit code of --province, or None after saying on stderr that it names none."""
    from gongkai.fetch.divisions import resolve_province

    province = resolve_province(text)
    if province is None:
        print(
            f"gongkai registry: --province {text!r} names no province: give its name (广东), code (44), "
            "pinyin (guangdong) or ISO code (gd), or 'national'",
            file=sys.stderr,
        )
    return province


def _agency_json(agency: Any) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(agency).items()}


def run_list(args: argparse.Namespace) -> int:
    from gongkai.fetch.registry import LEGACY_LEVELS, LEVELS

    registry = _registry(args)
    if registry is None:
        return 2
    agencies = registry.agencies
    if args.level:
        level = LEGACY_LEVELS.get(args.level, args.level)
        if level not in LEVELS:
            print(
                f"gongkai registry: --level {args.level!r} must be one of {', '.join(LEVELS)}",
                file=sys.stderr,
            )
            return 2
        agencies = [a for a in agencies if a.level == level]
    if args.province is not None:
        province = _province(args.province)
        if province is None:
            return 2
        agencies = [a for a in agencies if a.province == province]
    if args.json:
        print(json.dumps([_agency_json(a) for a in agencies], ensure_ascii=False, indent=1))
        return 0
    table = Table(box=None, pad_edge=False, header_style="bold")
    for name in ("slug", "level", "division code", "name"):
        table.add_column(name, no_wrap=name != "name", overflow="fold")
    for a in agencies:
        table.add_row(a.slug, a.level, a.division_code, a.name)
    out = _console()
    out.print(table)
    out.print(f"{len(agencies)} of {len(registry.agencies)} agencies")
    return 0


def run_show(args: argparse.Namespace) -> int:
    registry = _registry(args)
    if registry is None:
        return 2
    if args.slug not in registry.by_slug:
        close = registry.close_matches(args.slug)
        hint = f"; closest: {', '.join(close)}" if close else ""
        print(f"gongkai registry: no agency {args.slug!r} in the registry{hint}", file=sys.stderr)
        return 2
    agency = registry.get(args.slug)
    chain, parent = [], agency.parent
    while parent and parent in registry.by_slug and parent not in chain:
        chain.append(parent)
        parent = registry.by_slug[parent].parent
    children = [a.slug for a in registry.children(agency.slug)]
    if args.json:
        extra = {"location": registry.location(agency.slug), "parents": chain, "children": children}
        print(json.dumps({**_agency_json(agency), **extra}, ensure_ascii=False, indent=1))
        return 0
    fields: dict[str, Any] = _agency_json(agency)
    fields["hosts"] = sorted(agency.hosts)
    fields["written at"] = registry.location(agency.slug)
    fields["parents"] = " › ".join(chain)
    more = f" … ({len(children)})" if len(children) > 8 else ""
    fields["children"] = ", ".join(children[:8]) + more if children else ""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(justify="right", style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    for key, value in fields.items():
        text = ", ".join(map(str, value)) if isinstance(value, list) else "" if value is None else str(value)
        grid.add_row(key, text or "—")
    _console().print(grid)
    return 0


def run_check(args: argparse.Namespace) -> int:
    from gongkai.fetch.registry import lint_registry, registry_files

    files = [f for given in (args.files or [None]) for f in registry_files(given)]
    if not files:
        print(f"gongkai registry check: no *.toml file in {' '.join(args.files)}", file=sys.stderr)
        return 2
    agencies, problems = lint_registry(files)
    for problem in problems:
        print(problem)
    provinces = {a.province for a in agencies if a.province}
    verified = sum(1 for a in agencies if a.portal_host and a.host_verified)
    unverified = sum(1 for a in agencies if a.portal_host and not a.host_verified)
    no_host = sum(1 for a in agencies if not a.portal_host and not a.listing_urls)
    print(
        f"{len(files)} file(s), {len(agencies)} agencies, {len(provinces)} provinces; portal hosts: "
        f"{verified} verified, {unverified} not yet verified, {no_host} agencies with no host or listing URL"
    )
    if problems:
        print(f"{len(problems)} problem(s)", file=sys.stderr)
        return 1
    print("ok")
    return 0


def run_coverage(args: argparse.Namespace) -> int:
    from gongkai.fetch.divisions import province_names
    from gongkai.fetch.registry import registry_coverage
    from gongkai.lake.reader import read_table
    from gongkai.lake.store import open_store

    registry = _registry(args)
    if registry is None:
        return 2
    try:
        store = open_store(args.lake)
        table = read_table(store, "reports", columns=["agency_id", "report_year"])
    except Exception as exc:  # an unreachable bucket, bad credentials, a damaged commit log
        print(
            f"gongkai registry: cannot read the lake {args.lake or ''}: {type(exc).__name__}: {exc}",
            file=sys.stderr,
        )
        return 2
    reports = [(r["agency_id"] or "", int(r["report_year"])) for r in table.to_pylist()]
    rows, unknown = registry_coverage(registry, reports, args.years)
    if args.province is not None:
        province = _province(args.province)
        if province is None:
            return 2
        rows = [r for r in rows if r.province == (province or "00")]
    names = province_names()
    if args.json:
        print(
            json.dumps(
                {
                    "lake": store.uri,
                    "years": args.years,
                    "rows": [
                        {**dataclasses.asdict(r), "province_name": _place(r.province, names)} for r in rows
                    ],
                    "not_in_registry": unknown,
                },
                ensure_ascii=False,
                indent=1,
            )
        )
        return 0
    out = _console()
    view = Table(box=None, pad_edge=False, header_style="bold", title=f"registry coverage — {store.uri}")
    for name in ("province", "level", "agencies", "with reports", "years found", "missing"):
        view.add_column(name, justify="right" if name in ("agencies", "with reports", "missing") else "left")
    for row in rows:
        view.add_row(
            _place(row.province, names),
            row.level or "—",
            str(row.agencies),
            str(row.reporting),
            _years(row.years_found),
            str(row.missing),
        )
    view.add_row(
        "all",
        "",
        str(sum(r.agencies for r in rows)),
        str(sum(r.reporting for r in rows)),
        _years(sorted({y for r in rows for y in r.years_found})),
        str(sum(r.missing for r in rows)),
        style="bold",
    )
    out.print(view)
    years = ", ".join(map(str, args.years)) if args.years else "every year the lake holds"
    out.print(f"missing: agency-years without a report, over {years}", overflow="fold")
    if unknown:
        listed = ", ".join(f"{slug} ({_years(ys)})" for slug, ys in list(unknown.items())[:5])
        more = f" … ({len(unknown)})" if len(unknown) > 5 else ""
        out.print(f"reports of agencies not in the registry: {listed}{more}", overflow="fold")
    return 0


def _place(province: str, names: dict[str, str]) -> str:
    return "national" if province == "00" else names.get(province, province) or "(no code)"


def _years(years: list[int]) -> str:
    """2019–2021, 2023 (— for none)."""
    if not years:
        return "—"
    spans: list[list[int]] = []
    for year in years:
        if spans and year == spans[-1][1] + 1:
            spans[-1][1] = year
        else:
            spans.append([year, year])
    return ", ".join(str(a) if a == b else f"{a}–{b}" for a, b in spans)
