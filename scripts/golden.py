"""Write a parsed report as a golden file (the shape of ../shared/corpus/expected/*.json).

Golden files are written once, then read and checked by a person; they are never regenerated to
make a failing test pass. Usage: python scripts/golden.py REPORT_FILE OUT.json [--note TEXT ...]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from gongkai.golden import golden_of
from gongkai.pipeline import parse_bytes


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("report", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--note", action="append", default=[])
    args = parser.parse_args()
    report = parse_bytes(args.report.read_bytes(), str(args.report))
    golden = golden_of(report, args.report.name, args.note)
    args.out.write_text(json.dumps(golden, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
