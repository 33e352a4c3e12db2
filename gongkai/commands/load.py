"""`gongkai load PATH... [--lake URI] [--agency SLUG]`: extract, parse, validate and write local files
into the lake, printing a per-report table (status, problems) and where the Data Docs are."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from gongkai.agency import is_valid_slug
from gongkai.clock import new_run_id, now_iso
from gongkai.commands import report_files
from gongkai.lake import log
from gongkai.lake.store import Store, open_store
from gongkai.model import Report, report_id_for
from gongkai.outcome import ValidationOutcome
from gongkai.pipeline.archive import Skipped
from gongkai.pipeline.record import DocumentRecord
from gongkai.run_report import write_run_pages
from gongkai.runs import DEFAULT_BATCH_SIZE, AgencyRun, RunSummary, merge_runs


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "load",
        help="parse, validate and write report files into the lake",
        description="Extract, parse, validate (Great Expectations) and write report files into the lake. "
        "Directories are searched for report files (every format `gongkai parse` reads, page "
        "images included); the files skipped are listed with why. Loading the same files again "
        "changes nothing.",
    )
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="report files or folders of them")
    p.add_argument(
        "--lake",
        metavar="URI",
        help="lake folder, file:// or s3://bucket/prefix (default: $GONGKAI_LAKE or ./lake)",
    )
    p.add_argument(
        "--agency", metavar="SLUG", help="agency slug for every file (default: from the printed name)"
    )
    p.add_argument(
        "--batch-size",
        type=int,
        default=DEFAULT_BATCH_SIZE,
        metavar="N",
        help=f"reports validated and committed together (default {DEFAULT_BATCH_SIZE})",
    )
    p.add_argument("--docs", type=Path, metavar="DIR", help="also keep the Data Docs in this local folder")
    p.add_argument("--json", action="store_true", help="print one JSON object per report instead of a table")
    p.set_defaults(func=run)


def _print_skipped(skipped: list[Skipped], as_json: bool) -> None:
    """Every file of a folder that is not loaded, and why (stderr: the report rows stay on stdout)."""
    for item in skipped:
        if as_json:
            print(
                json.dumps({"skipped": str(item.path), "reason": item.reason}, ensure_ascii=False),
                file=sys.stderr,
            )
        else:
            print(f"gongkai load: skipped {item.path}: {item.reason}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    if args.agency and not is_valid_slug(args.agency):
        print(
            f"gongkai load: --agency {args.agency!r} is not a slug (lowercase ASCII letters, digits, hyphens)",
            file=sys.stderr,
        )
        return 2
    # a missing path fails before the lake is opened (or created)
    files, skipped = report_files(args.paths)
    try:
        store = open_store(args.lake)
        log.recover(store)  # finish any batch a killed writer had committed
    except Exception as exc:
        print(f"gongkai load: cannot open the lake {args.lake or '(default)'}: {exc}", file=sys.stderr)
        return 2
    _print_skipped(skipped, args.json)
    if not files:
        print("gongkai load: no report files found in " + " ".join(map(str, args.paths)), file=sys.stderr)
        return 2
    try:
        return _load(args, store, files)
    except (OSError, RuntimeError) as exc:
        print(
            f"gongkai load: the lake at {store.uri} failed: {exc}; rows of the batch in progress were not "
            "committed — run the command again",
            file=sys.stderr,
        )
        return 2
    except Exception as exc:
        from botocore.exceptions import BotoCoreError, ClientError

        if isinstance(exc, BotoCoreError | ClientError):
            print(
                f"gongkai load: the lake at {store.uri} failed: {exc}; run the command again", file=sys.stderr
            )
            return 2
        raise


def _load(args: argparse.Namespace, store: Store, files: list[Path]) -> int:
    from gongkai.pipeline.archive import archive_and_parse
    from gongkai.pipeline.validate import validate_batch
    from gongkai.pipeline.write import write_batch

    counts = {"valid": 0, "warnings": 0, "quarantined": 0, "failed": 0}
    docs: list[str] = []
    unreadable = 0
    size = max(1, args.batch_size)
    if not args.json:
        print(f"lake: {store.uri}")
        print(f"{'status':<12} {'report_id':<16} {'year':<5} {'form':<8} {'agency':<40} file")
    summary = RunSummary(
        run_id=new_run_id(), lake=store.uri, years=[], started_at=now_iso("seconds"), kind="load"
    )
    parts: list[AgencyRun] = []
    for start in range(0, len(files), size):
        batch = archive_and_parse(files[start : start + size], args.lake, agency_id=args.agency)
        outcome = validate_batch(batch, docs_dir=args.docs)
        for record in batch.records:  # what the files turned out to be: the run report counts by them
            if record.report is not None and record.year is None:
                record.year = record.report.report_year
            if record.agency_id is None and outcome is not None and record.report_id in outcome.reports:
                record.agency_id = outcome.reports[record.report_id].agency_id
        result = write_batch(batch, outcome)
        parts.extend(result.tallies)
        parts.extend(_archived(batch.records))
        if outcome is not None and outcome.docs_uri:
            docs.append(outcome.docs_uri)
        if outcome is not None and outcome.docs_warning:
            print(f"WARNING: {outcome.docs_warning}", file=sys.stderr)
        for record in batch.records:
            unreadable += record.report is None
            _print_report(
                _report_of(record), outcome if record.report else None, result.unchanged, args.json, counts
            )
        if not args.json:
            print(
                f"  batch {start // size + 1}: {len(result.written)} written, "
                f"{len(result.unchanged)} unchanged" + (f", commit {result.seq}" if result.seq else "")
            )
    summary.agencies = merge_runs(parts)
    summary.years = sorted({a.year for a in summary.agencies if a.year})
    summary.ended_at = now_iso("seconds")
    try:
        report_page = write_run_pages(store, summary)
    except Exception as exc:  # a page for people: its failure must not fail a load whose rows are written
        report_page = None
        print(f"WARNING: the run report could not be written: {exc}", file=sys.stderr)
    if not args.json:
        print(", ".join(f"{n} {status}" for status, n in counts.items()))
        if report_page:
            print(f"Run report: {report_page}")
        if docs:
            print(f"Data Docs: {store.url('data_docs/index.html')}")
        if args.docs:
            print(f"Data Docs as Great Expectations renders them (online styles): {args.docs}")
    if unreadable == len(files) or counts["failed"] + unreadable == len(files):
        return 2
    return 1 if counts["failed"] or unreadable else 0


def _archived(records: list[DocumentRecord]) -> list[AgencyRun]:
    """What the run report counts as found and fetched for local files: each file, kept in the raw zone
    (new bytes) or already there (unchanged), or unreadable."""
    tallies: dict[tuple[str, int], AgencyRun] = {}
    for record in records:
        key = (record.agency_id or "", record.year or 0)
        tally = tallies.setdefault(key, AgencyRun(*key))
        tally.found += 1
        archived = record.outcomes.get("archive")
        tally.fetched += archived == "ok"
        tally.unchanged += archived == "unchanged"
        tally.fetch_failed += archived == "failed"
    return list(tallies.values())


def _report_of(record: DocumentRecord) -> Report:
    """The record's report, or for a file that could not be read, an empty one that says why."""
    if record.report is not None:
        return record.report
    report = Report(source=record.path or record.source, sha256="", media_type="application/octet-stream")
    report.problems.extend(record.problems)
    return report


def _print_report(
    report: Report,
    outcome: ValidationOutcome | None,
    unchanged: list[str],
    as_json: bool,
    counts: dict[str, int],
) -> None:
    rid = report_id_for(report.sha256) if report.sha256 else ""
    ro = outcome.reports.get(rid) if outcome else None
    status = ro.status if ro else "failed"
    counts[status] = counts.get(status, 0) + 1
    problems = [p for p in report.problems if p.severity in ("error", "warning")]
    failures = ro.failures if ro else []
    if as_json:
        print(
            json.dumps(
                {
                    "source": report.source,
                    "report_id": rid,
                    "status": status,
                    "unchanged": rid in unchanged,
                    "report_year": report.report_year,
                    "form_version": report.form_version,
                    "agency_id": ro.agency_id if ro else None,
                    "agency_name": report.agency_name,
                    "problems": [p.to_json() for p in problems],
                    "failures": [
                        {
                            "check": f.check,
                            "where": f.where,
                            "expected": f.expected,
                            "observed": f.observed,
                            "severity": f.severity,
                            "message": f.message,
                        }
                        for f in failures
                    ],
                },
                ensure_ascii=False,
            ),
            flush=True,
        )
        return
    year = str(report.report_year or "-")
    agency = (ro.agency_id if ro and ro.agency_id else "-")[:40]
    print(
        f"{status:<12} {rid or '-':<16} {year:<5} {report.form_version:<8} {agency:<40} {report.source}",
        flush=True,
    )
    for failure in failures[:12]:
        print(f"{'':<12} {failure.severity}: {failure.where}: {failure.message}")
    if len(failures) > 12:
        print(f"{'':<12} … {len(failures) - 12} more in validation_results")
    for problem in problems[:5]:
        print(f"{'':<12} {problem.severity}: {problem.code}: {problem.message}")
