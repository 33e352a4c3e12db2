"""Text dumps of the real PDF reports in tests/fixtures (the shared corpus and three more), made by seven
common PDF-to-text tools (gongkai.text_dumps), parsed back and scored against their golden files: cells
exact, flagged, silently wrong (must be 0).

    python -m benchmarks text_dumps
"""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path

from gongkai.golden import golden_cells
from gongkai.pipeline import parse_bytes
from gongkai.synth_files import score
from gongkai.text_dumps import DUMPS

FIXTURES = Path(__file__).parents[1] / "tests" / "fixtures"


def real_pdfs() -> list[Path]:
    """The real PDF reports that have a golden file."""
    pdfs = sorted((FIXTURES / "real").glob("*.pdf")) + sorted((FIXTURES / "corpus").glob("*.pdf"))
    return [p for p in pdfs if p.with_suffix(".json").exists()]


def score_dump(tool: str, pdf: Path) -> Counter[str]:
    golden = json.loads(pdf.with_suffix(".json").read_text(encoding="utf-8"))
    report = parse_bytes(DUMPS[tool](pdf).encode("utf-8"), f"{pdf.stem}.txt")
    return score(report, golden_cells(golden), golden["form_version"])


def main() -> None:
    started = time.perf_counter()
    pdfs = real_pdfs()
    print(f"{'tool':20} {'reports':>7} {'cells':>7} {'exact':>8} {'flagged':>8} {'silent':>7}")
    for tool in DUMPS:
        total: Counter[str] = Counter()
        for pdf in pdfs:
            total += score_dump(tool, pdf)
        cells = sum(total.values())
        print(
            f"{tool:20} {len(pdfs):>7} {cells:>7} {total['exact'] / cells:>8.1%} "
            f"{total['flagged']:>8} {total['silent']:>7}"
        )
    print(f"({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
