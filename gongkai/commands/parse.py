"""`gongkai parse PATH... [--json]`: parse files and print JSON Lines or readable tables."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from gongkai.extract import read_document_file
from gongkai.model import Report
from gongkai.pipeline import parse_bytes
from gongkai.render import render_report


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "parse", help="parse report files (txt, md, html, pdf, docx, doc) and print them"
    )
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    p.add_argument("--json", action="store_true", help="print JSON Lines (spec/report-json.md)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    failures = 0
    for path in args.paths:
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
    return 2 if failures == len(args.paths) else 0


if __name__ == "__main__":
    sys.exit(run(argparse.Namespace(paths=[Path(p) for p in sys.argv[1:]], json=True)))
