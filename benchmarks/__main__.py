"""`python -m benchmarks [NAME...]`: run every benchmark module here (each has `main()`) and print figures
(`roundtrip`: the parser's accuracy per input format, cells exact / flagged / silently wrong)."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

# benchmarks that measure accuracy rather than speed: `python -m benchmarks roundtrip`
HARNESSES = ("roundtrip", "text_dumps")


def main(names: list[str]) -> int:
    found = sorted(
        m.name
        for m in pkgutil.iter_modules([str(Path(__file__).parent)])
        if m.name.endswith("_bench") or m.name in HARNESSES
    )
    for name in names or found:
        print(f"\n## {name}", flush=True)
        importlib.import_module(f"benchmarks.{name}").main()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
