"""`gongkai run --year Y [--agency SLUG ...] [--lake URI]`: the main job for one report year, through
the Prefect flow (a local temporary Prefect API unless PREFECT_API_URL points at a server).

Prints progress, then a table per agency (status, counts, problems) and where the lake and the Data
Docs are. Exit code 0: every agency ok; 1: partial (some documents or agencies failed); 2: failure.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
import warnings
from collections.abc import Callable, Iterator
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table

from gongkai.commands import check_agencies, registry_slugs
from gongkai.run_report import run_report_key
from gongkai.runs import DEFAULT_BATCH_SIZE, AgencyRun, ProgressListener, RunSummary, rate_text
from gongkai.settings import get_settings

MAX_ROWS = 40  # longer runs show only the rows that need a look


def add_common_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--agency",
        action="append",
        metavar="SLUG",
        dest="agencies",
        help="registry slug of an agency (repeatable; default: every agency in the registry)",
    )
    p.add_argument(
        "--lake",
        metavar="URI",
        help="lake folder, file:// or s3://bucket/prefix (default: $GONGKAI_LAKE or ./lake)",
    )
    p.add_argument(
        "--registry",
        metavar="FILE",
        help="agency registry TOML file or folder (default: $GONGKAI_REGISTRY, else the bundled gongkai/data/registry/)",
    )
    p.add_argument(
        "--batch-size",
        type=int,
        default=DEFAULT_BATCH_SIZE,
        metavar="N",
        help=f"documents per task (default {DEFAULT_BATCH_SIZE})",
    )
    p.add_argument(
        "--per-host",
        type=int,
        default=2,
        metavar="N",
        help="fetch batches running at once per host (default 2)",
    )
    p.add_argument(
        "--revalidate",
        action="store_true",
        help="ask the servers about every document again, even ones fetched in the last 12 hours",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="re-parse and re-write documents the lake already holds from this parser version",
    )
    p.add_argument(
        "--dask",
        metavar="ADDRESS",
        help="run tasks on a Dask cluster: a scheduler address, "
        "or 'local' for a LocalCluster on this machine",
    )
    p.add_argument("--json", action="store_true", help="print the run summary as JSON")
    p.add_argument("--verbose", action="store_true", help="show Prefect's logs")


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "run",
        help="fetch, parse, validate and write one report year (Prefect flow)",
        description="Run the main job for one report year: discover the agencies' reports, fetch, extract, "
        "parse, validate and write them into the lake. Re-running skips what the lake already holds.",
    )
    p.add_argument("--year", type=int, metavar="Y", help="report year (default: last year)")
    add_common_options(p)
    p.set_defaults(func=run)


def check_request(args: argparse.Namespace) -> None:
    """Refuse, before any flow starts, agency slugs the registry does not know (CommandError)."""
    if args.agencies:
        slugs, where = registry_slugs(args.registry or get_settings().registry)
        check_agencies(args.agencies, slugs, where)


def prepare_environment(args: argparse.Namespace) -> None:
    """Settings that must be in place before Prefect is imported."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    # the client's usage telemetry, and its first-run notice on the console, off like the server's
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
    if not getattr(args, "verbose", False):
        os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
        os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "CRITICAL")
        quiet_libraries()
    # the flow reads its task runner from these (gongkai.settings): written here, read there
    dask = getattr(args, "dask", None)
    if dask:
        if dask == "local" or dask.startswith("local:"):
            os.environ["GONGKAI_DASK"] = dask
        else:
            os.environ["GONGKAI_DASK_ADDRESS"] = dask


class _WarningsAndAbove(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING


# loggers that set their own level to INFO when imported, so a level set here would not hold
_SELF_LEVELLED_LOGGERS = ("great_expectations.data_context.types.base",)


def quiet_libraries() -> None:
    """No library chatter in a person's console: Great Expectations' INFO lines (its ephemeral Data Docs
    site, …) are dropped; warnings and errors still show. `--verbose` skips this."""
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    # its imports of deprecated stdlib modules (sre_constants …): shown when warnings are on (tests, -W)
    warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"great_expectations(\.|$)")
    for name in _SELF_LEVELLED_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, _WarningsAndAbove) for f in logger.filters):
            logger.addFilter(_WarningsAndAbove())


def flow_options(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "agencies": args.agencies,
        "lake": args.lake,
        "registry": args.registry or get_settings().registry,
        "batch_size": args.batch_size,
        "per_host": args.per_host,
        "revalidate_after_hours": 0.0 if args.revalidate else 12.0,
        "force": args.force,
    }


def run_with_progress(call: Callable[[], Any], *, quiet: bool = False) -> Any:
    """Run `call` (a flow with return_state=True) while showing its progress on stderr: on a terminal a
    bar per kind of work with rate, ETA and failures (none with `quiet`); otherwise — piped, cron, CI — a
    log line every N documents or seconds (GONGKAI_PROGRESS_EVERY_DOCUMENTS / _SECONDS)."""
    from gongkai.runs import ProgressLog, add_progress_listener

    console = Console(stderr=True)
    if not console.is_terminal:
        settings = get_settings()
        lines = ProgressLog(
            lambda line: print(f"gongkai: {line}", file=sys.stderr, flush=True),
            every_items=settings.progress_every_documents,
            every_seconds=settings.progress_every_seconds,
        )
        remove = add_progress_listener(lines)
        try:
            return call()
        finally:
            remove()
    with progress_bars(console, disable=quiet) as listener:
        remove = add_progress_listener(listener)
        try:
            return call()
        finally:
            remove()


@contextlib.contextmanager
def progress_bars(console: Console, *, disable: bool = False) -> Iterator[ProgressListener]:
    """Rich progress bars (one per kind of work: years, agencies, documents) with done/total, rate, ETA
    and failures so far; yields the listener that moves them."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from rich.text import Text

    class RateColumn(ProgressColumn):
        def render(self, task: Any) -> Text:
            speed = task.finished_speed or task.speed
            return Text(f"{rate_text(speed):>8}" if speed else "       –", style="progress.data.speed")

    with Progress(
        TextColumn("{task.description:<9}"),
        BarColumn(bar_width=24),
        MofNCompleteColumn(),
        RateColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[failed]}"),
        console=console,
        disable=disable,
        transient=False,
    ) as progress:
        bars: dict[str, Any] = {}

        def listener(what: str, done: int, total: int, failed: int = 0) -> None:
            text = f"[red]{failed} failed[/]" if failed else ""
            if what not in bars:
                bars[what] = progress.add_task(what, total=total, failed=text)
            task = progress.tasks[bars[what]] if bars[what] < len(progress.tasks) else None
            if task is not None and ((task.total or 0) > total or done < task.completed):
                # a new round of the same work (the next year of a backfill): its own rate and ETA; within
                # a round the total may grow (documents are planned as discovery finds them)
                progress.reset(bars[what], total=total, completed=done, failed=text)
            else:
                progress.update(bars[what], completed=done, total=total, failed=text)

        yield listener


def finish(state: Any, args: argparse.Namespace) -> int:
    """Print the run summary (or why the run failed) and return the exit code."""
    out = report_console()
    if not state.is_completed():
        message = (state.message or state.name or "the flow run failed").strip()
        print(f"gongkai: the run failed: {message}", file=sys.stderr)
        return 2
    summary: RunSummary = state.result().value
    if args.json:
        print(json.dumps(summary.to_json(), ensure_ascii=False, indent=1))
        return summary.exit_code
    print_summary(summary, out)
    return summary.exit_code


def report_console() -> Console:
    """Where tables go: stdout, at the terminal's width, or 80 columns when piped (logs, CI, files) —
    the tables are laid out to fit 80."""
    out = Console(soft_wrap=True, highlight=False)
    return out if out.is_terminal else Console(soft_wrap=True, highlight=False, width=80)


def print_summary(summary: RunSummary, out: Console) -> None:
    """The run's table per agency and year, laid out for 80 columns: agencies whose listing showed no
    report that year (status `none`) are folded into one line, a long run shows only the rows that need a
    look, and `--json` has every count (parsed, skipped, per-problem)."""
    table = Table(
        title=f"gongkai {summary.kind} {', '.join(map(str, sorted(set(summary.years))))}: {summary.status}",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        padding=0,
    )
    longest = max([len(a.agency_id) for a in summary.agencies] + [6])
    table.add_column("agency", no_wrap=True, min_width=min(longest, 30), overflow="fold")
    table.add_column("year", no_wrap=True)
    table.add_column("status", no_wrap=True)
    for name in ("found", "new", "same", "failed", "written", "v/w/q/f"):
        table.add_column(name, justify="right", no_wrap=True)

    def cells(a: AgencyRun) -> list[str]:
        reports = "/".join(str(a.statuses.get(s, 0)) for s in ("valid", "warnings", "quarantined", "failed"))
        return [str(a.found), str(a.fetched), str(a.unchanged), str(a.failures), str(a.written), reports]

    shown = [a for a in summary.agencies if a.status != "none"]
    if len(shown) > MAX_ROWS:
        shown = [
            a for a in shown if a.status != "ok" or a.statuses.get("quarantined") or a.statuses.get("failed")
        ]
    for a in shown:
        table.add_row(a.agency_id, str(a.year), a.status, *cells(a))
    table.add_row("(all)", "", summary.status, *cells(summary.totals()), end_section=True)
    out.print(table)
    out.print("new: downloaded · same: known unchanged · failed: documents not had")
    out.print("v/w/q/f: reports valid / with warnings / quarantined / failed")
    hidden = len([a for a in summary.agencies if a.status != "none"]) - len(shown)
    if hidden:
        out.print(f"{hidden} agency-years ok with only valid reports are not listed (--json shows all)")
    none = [f"{a.agency_id} ({a.year})" for a in summary.agencies if a.status == "none"]
    if none:
        out.print(f"no report listed on the site: {', '.join(none)}", highlight=False)
    for note in summary.notes:
        out.print(f"[yellow]note:[/] {note}")
    for a in summary.agencies:
        for message in a.errors:
            out.print(f"[red]{a.agency_id} {a.year}:[/] {message}", highlight=False)
    out.print(f"lake: {summary.lake}", highlight=False)
    # written by the run (gongkai.run_report): self-contained pages that open offline
    out.print(f"Run report: {summary.lake}/{run_report_key(summary.run_id)}", highlight=False)
    if summary.data_docs:
        out.print(f"Data Docs: {summary.lake}/data_docs/index.html", highlight=False)


def run(args: argparse.Namespace) -> int:
    check_request(args)
    prepare_environment(args)
    from flows.ingest import ingest_year

    state = run_with_progress(
        lambda: ingest_year(year=args.year, **flow_options(args), return_state=True), quiet=args.json
    )
    return finish(state, args)
