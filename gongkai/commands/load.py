"""`gongkai load PATH... [--lake URI] [--agency SLUG]`: extract, parse, validate and write local files
into the lake, printing a per-report table (status, problems) and where the Data Docs are."""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import gongkai
from gongkai.agency import is_valid_slug
from gongkai.lake import log
from gongkai.lake.raw import archive_raw, raw_key
from gongkai.lake.store import Store, open_store
from gongkai.model import LineageEvent, Problem, Report, report_id_for
from gongkai.validate.outcome import ValidationOutcome

SUFFIXES = {".pdf", ".html", ".htm", ".shtml", ".docx", ".doc", ".wps", ".txt", ".md", ".rtf"}
CODE_VERSION = f"gongkai {gongkai.__version__}"


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "load", help="parse, validate and write report files into the lake",
        description="Extract, parse, validate (Great Expectations) and write report files into the lake. "
                    "Directories are searched for report files. Loading the same files again changes nothing.")
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="report files or folders of them")
    p.add_argument("--lake", metavar="URI", help="lake folder, file:// or s3://bucket/prefix "
                   "(default: $GONGKAI_LAKE or ./lake)")
    p.add_argument("--agency", metavar="SLUG", help="agency slug for every file (default: from the printed name)")
    p.add_argument("--batch-size", type=int, default=50, metavar="N",
                   help="reports validated and committed together (default 50)")
    p.add_argument("--docs", type=Path, metavar="DIR", help="also keep the Data Docs in this local folder")
    p.add_argument("--json", action="store_true", help="print one JSON object per report instead of a table")
    p.set_defaults(func=run)


def iter_files(paths: Sequence[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and child.suffix.lower() in SUFFIXES and \
                        not any(part.startswith(".") for part in child.relative_to(path).parts):
                    yield child
        else:
            yield path


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


def _read(store: Store, path: Path, events: list[LineageEvent]) -> Report:
    """Read, archive and parse one file; never raises: an unreadable file becomes a failed report."""
    from gongkai.extract import read_document_file
    from gongkai.pipeline import parse_bytes

    source_uri = path.resolve().as_uri()
    started = _now()
    try:
        data = read_document_file(path)  # the size cap checked before reading
    except OSError as exc:
        report = Report(source=str(path), sha256="", media_type="application/octet-stream")
        report.problems.append(Problem(getattr(exc, "code", "unreadable_file"), f"cannot read {path}: "
                                       f"{exc.strerror}; check the path and permissions", "error"))
        events.append(LineageEvent("archive", "failed", started, _now(), input_uri=source_uri,
                                   code_version=CODE_VERSION, error=str(exc)))
        return report
    already = store.exists(raw_key(hashlib.sha256(data).hexdigest()))
    sha256, raw_uri = archive_raw(store, data)
    rid = report_id_for(sha256)
    events.append(LineageEvent("archive", "unchanged" if already else "ok", started, _now(), report_id=rid,
                               input_uri=source_uri, input_sha256=sha256, output_uri=raw_uri, output_sha256=sha256,
                               code_version=CODE_VERSION))
    started = _now()
    try:
        report = parse_bytes(data, str(path))
    except Exception as exc:  # a parser bug must not lose the file: it is archived, and reported
        report = Report(source=str(path), sha256=sha256, media_type="application/octet-stream")
        report.problems.append(Problem("parser_crashed", f"the parser failed on this file ({type(exc).__name__}: "
                                       f"{exc}); please report it with the file", "error"))
    events.append(LineageEvent(
        "parse", "failed" if report.form_version == "unknown" else "ok", started, _now(), report_id=rid,
        input_uri=raw_uri, input_sha256=sha256, code_version=CODE_VERSION,
        error="; ".join(p.code for p in report.problems if p.severity == "error") or None,
        details={"form_version": report.form_version, "media_type": report.media_type},
        report_year=report.report_year))
    return report


def run(args: argparse.Namespace) -> int:
    if args.agency and not is_valid_slug(args.agency):
        print(f"gongkai load: --agency {args.agency!r} is not a slug (lowercase ASCII letters, digits, hyphens)",
              file=sys.stderr)
        return 2
    try:
        store = open_store(args.lake)
        log.recover(store)  # finish any batch a killed writer had committed
    except Exception as exc:
        print(f"gongkai load: cannot open the lake {args.lake or '(default)'}: {exc}", file=sys.stderr)
        return 2
    files = list(iter_files(args.paths))
    if not files:
        print("gongkai load: no report files found in " + " ".join(map(str, args.paths)), file=sys.stderr)
        return 2
    try:
        return _load(args, store, files)
    except (OSError, RuntimeError) as exc:
        print(f"gongkai load: the lake at {store.uri} failed: {exc}; rows of the batch in progress were not "
              "committed — run the command again", file=sys.stderr)
        return 2
    except Exception as exc:
        from botocore.exceptions import BotoCoreError, ClientError

        if isinstance(exc, BotoCoreError | ClientError):
            print(f"gongkai load: the lake at {store.uri} failed: {exc}; run the command again", file=sys.stderr)
            return 2
        raise


def _load(args: argparse.Namespace, store: Store, files: list[Path]) -> int:
    from gongkai.lake.writer import write_batch
    from gongkai.validate.runner import validate_reports

    counts = {"valid": 0, "warnings": 0, "quarantined": 0, "failed": 0}
    docs: list[str] = []
    unreadable = 0
    if not args.json:
        print(f"lake: {store.uri}")
        print(f"{'status':<12} {'report_id':<16} {'year':<5} {'form':<8} {'agency':<40} file")
    for start in range(0, len(files), max(1, args.batch_size)):
        chunk = files[start:start + max(1, args.batch_size)]
        events: list[LineageEvent] = []
        reports = [_read(store, path, events) for path in chunk]
        readable = [r for r in reports if r.sha256]
        unreadable += len(reports) - len(readable)
        agencies = {report_id_for(r.sha256): args.agency for r in readable} if args.agency else None
        started = _now()
        outcome = validate_reports(readable, store, agencies=agencies, lineage=events, docs_dir=args.docs)
        for report in readable:
            rid = report_id_for(report.sha256)
            events.append(LineageEvent("validate", "ok", started, _now(), report_id=rid,
                                       agency_id=outcome.reports[rid].agency_id, input_sha256=report.sha256,
                                       code_version=CODE_VERSION, report_year=report.report_year,
                                       details={"status": outcome.reports[rid].status, "run_id": outcome.run_id}))
        result = write_batch(store, readable, outcome, events, agencies=agencies,
                             sources={report_id_for(r.sha256): str(Path(r.source).resolve()) for r in readable})
        if outcome.docs_uri:
            docs.append(outcome.docs_uri)
        if outcome.docs_warning:
            print(f"WARNING: {outcome.docs_warning}", file=sys.stderr)
        for report in reports:
            _print_report(report, outcome if report.sha256 else None, result.unchanged, args.json, counts)
        if not args.json:
            print(f"  batch {start // max(1, args.batch_size) + 1}: {len(result.written)} written, "
                  f"{len(result.unchanged)} unchanged" + (f", commit {result.seq}" if result.seq else ""))
    if not args.json:
        print(", ".join(f"{n} {status}" for status, n in counts.items()))
        for uri in docs:
            print(f"Data Docs: {uri}")
    if unreadable == len(files) or counts["failed"] + unreadable == len(files):
        return 2
    return 1 if counts["failed"] or unreadable else 0


def _print_report(report: Report, outcome: ValidationOutcome | None, unchanged: list[str], as_json: bool,
                  counts: dict[str, int]) -> None:
    rid = report_id_for(report.sha256) if report.sha256 else ""
    ro = outcome.reports.get(rid) if outcome else None
    status = ro.status if ro else "failed"
    counts[status] = counts.get(status, 0) + 1
    problems = [p for p in report.problems if p.severity in ("error", "warning")]
    failures = ro.failures if ro else []
    if as_json:
        print(json.dumps({
            "source": report.source, "report_id": rid, "status": status, "unchanged": rid in unchanged,
            "report_year": report.report_year, "form_version": report.form_version,
            "agency_id": ro.agency_id if ro else None, "agency_name": report.agency_name,
            "problems": [p.to_json() for p in problems],
            "failures": [{"check": f.check, "where": f.where, "expected": f.expected, "observed": f.observed,
                          "severity": f.severity, "message": f.message} for f in failures],
        }, ensure_ascii=False), flush=True)
        return
    year = str(report.report_year or "-")
    agency = (ro.agency_id if ro and ro.agency_id else "-")[:40]
    print(f"{status:<12} {rid or '-':<16} {year:<5} {report.form_version:<8} {agency:<40} {report.source}", flush=True)
    for failure in failures[:12]:
        print(f"{'':<12} {failure.severity}: {failure.where}: {failure.message}")
    if len(failures) > 12:
        print(f"{'':<12} … {len(failures) - 12} more in validation_results")
    for problem in problems[:5]:
        print(f"{'':<12} {problem.severity}: {problem.code}: {problem.message}")


if __name__ == "__main__":
    from gongkai.cli import main

    sys.exit(main(["load", *sys.argv[1:]]))
