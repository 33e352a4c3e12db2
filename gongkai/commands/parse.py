"""`gongkai parse PATH... [--json]`: parse report files (or folders of them) and print JSON Lines or
readable tables."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from gongkai.commands import report_files
from gongkai.extract import read_document_file
from gongkai.model import Report
from gongkai.pipeline import parse_bytes
from gongkai.render import render_report


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "parse",
        help="parse report files or folders of them (txt, md, html, pdf, docx, doc, images) and print them",
        description="Parse report files and print each as readable tables, or as JSON Lines with --json. "
        "Folders are searched for report files exactly as `gongkai load` does; the files skipped are "
        "listed on stderr with why. A path that does not exist fails the command (exit 2).",
    )
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="report files or folders of them")
    p.add_argument("--json", action="store_true", help="print JSON Lines (docs/report-json.md)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    files, skipped = report_files(args.paths)
    for item in skipped:
        print(f"gongkai parse: skipped {item.path}: {item.reason}", file=sys.stderr)
    if not files:
        print("gongkai parse: no report files found in " + " ".join(map(str, args.paths)), file=sys.stderr)
        return 2
    failures = 0
    for path in files:
        try:
            data = read_document_file(path)
        except OSError as exc:
            report = Report.refused(
                str(path), "", getattr(exc, "code", "unreadable_file"), f"cannot read {path}: {exc.strerror}"
            )
            failures += 1
        else:
            report = parse_bytes(data, str(path))
        if args.json:
            print(json.dumps(report.to_json(), ensure_ascii=False), flush=True)
        else:
            print(render_report(report), flush=True)
    return 2 if failures == len(files) else 0
