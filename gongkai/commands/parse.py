"""`gongkai parse PATH... [--json]`: parse report files (or folders of them) and print JSON Lines or
readable tables."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from gongkai.extract import read_document_file
from gongkai.model import Report
from gongkai.pipeline import parse_bytes
from gongkai.pipeline.archive import Skipped, find_files
from gongkai.render import render_report


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "parse",
        help="parse report files or folders of them (txt, md, html, pdf, docx, doc, images) and print them",
        description="Parse report files and print each as readable tables, or as JSON Lines with --json. "
        "Folders are searched for report files exactly as `gongkai load` does; the files skipped are "
        "listed on stderr with why. Every file gives one object; a path that does not exist gives one "
        "saying so and fails the command (exit 2).",
    )
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="report files or folders of them")
    p.add_argument("--json", action="store_true", help="print JSON Lines (docs/report-json.md)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """One object per input file, in the order given (a folder gives its report files); a path that does
    not exist gets an object saying so too, and fails the command (exit 2) however many others parsed."""
    missing = [p for p in args.paths if not p.exists()]
    printed = failures = 0
    for path in args.paths:
        if path in missing:
            _print(
                Report.refused(
                    str(path), "", "unreadable_file", f"cannot read {path}: no such file or folder"
                ),
                args.json,
            )
            continue
        skipped: list[Skipped] = []
        for file in find_files([path], skipped):
            try:
                data = read_document_file(file)
            except OSError as exc:
                report = Report.refused(
                    str(file),
                    "",
                    getattr(exc, "code", "unreadable_file"),
                    f"cannot read {file}: {exc.strerror}",
                )
                failures += 1
            else:
                report = parse_bytes(data, str(file))
            _print(report, args.json)
            printed += 1
        for item in skipped:
            print(f"gongkai parse: skipped {item.path}: {item.reason}", file=sys.stderr)
    if missing:
        print(f"gongkai parse: no such file or folder: {', '.join(map(str, missing))}", file=sys.stderr)
        return 2
    if not printed:
        print("gongkai parse: no report files found in " + " ".join(map(str, args.paths)), file=sys.stderr)
        return 2
    return 2 if failures == printed else 0


def _print(report: Report, as_json: bool) -> None:
    if as_json:
        print(json.dumps(report.to_json(), ensure_ascii=False), flush=True)
    else:
        print(render_report(report), flush=True)
