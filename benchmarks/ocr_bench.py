"""OCR: pages per second and cell accuracy per scan resolution (the fixture PDFs scanned on the fly by
scripts/make_scans.py at 150, 200 and 300 dpi), and the two engines side by side on table cells.

Usage: python -m benchmarks ocr_bench        (GONGKAI_OCR_BENCH_DOCS=N limits the documents per resolution)
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
SOURCES = [*sorted((FIXTURES / "corpus").glob("*.pdf")), *sorted((FIXTURES / "real").glob("*.pdf"))]


def _accuracy_per_resolution() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    from make_scans import scan_pdf

    from gongkai.golden import differences
    from gongkai.pipeline import parse_bytes
    from gongkai.settings import get_settings

    limit = get_settings().ocr_bench_docs or len(SOURCES)
    print(
        "| dpi | documents | pages | s/page | pages/s | peak MB | cell accuracy | wrong numbers | metadata exact |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for dpi in (150, 200, 300):
        pages = cells = missing = wrong = meta = 0
        seconds = 0.0
        for seed, source in enumerate(SOURCES[:limit]):
            data = scan_pdf(source, dpi, seed * 1000 + dpi)
            import pypdfium2

            pages += len(pypdfium2.PdfDocument(data))
            started = time.perf_counter()
            report = parse_bytes(data, source.name)
            seconds += time.perf_counter() - started
            expected = json.loads(source.with_suffix(".json").read_text(encoding="utf-8"))
            diffs = differences(report, expected)
            cell_diffs = [
                d for d in diffs if d.startswith(("active_disclosure", "applications", "review_litigation"))
            ]
            cells += len(report.active_disclosure) + len(report.applications) + len(report.review_litigation)
            missing += sum(": got None," in d for d in cell_diffs)
            wrong += sum(": got None," not in d for d in cell_diffs)
            meta += len(diffs) == len(cell_diffs)
        n = min(limit, len(SOURCES))
        print(
            f"| {dpi} | {n} | {pages} | {seconds / pages:.1f} | {pages / seconds:.2f} | {_peak_mb():.0f} "
            f"| {1 - (missing + wrong) / cells:.4f} | {wrong} | {meta}/{n} |",
            flush=True,
        )


def _peak_mb() -> float:
    """The largest resident set so far of this process and of the children it waited for (OCR runs in
    a time-limited child): what a scanned report costs in memory at most."""
    import resource

    peak = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    )
    return peak / 1024  # kB on Linux


def _engines() -> None:
    """Both engines on the numeric cells of two real table pages, each cell cut tightly from a 150 dpi
    rendering (how gongkai reads cells): accuracy and seconds."""
    import re

    import numpy as np
    import pdfplumber
    import pypdfium2

    from gongkai.extract.ocr import recognise

    crops: list[tuple[np.ndarray, str]] = []
    path = FIXTURES / "real" / "huaian-2024.pdf"
    dpi = 150
    with pdfplumber.open(path) as pdf:
        doc = pypdfium2.PdfDocument(path)
        for index in (3, 4):
            page = pdf.pages[index]
            gray = np.asarray(doc[index].render(scale=dpi / 72, grayscale=True).to_pil().convert("L"))
            for table in page.find_tables():
                for row in table.rows:
                    for box in row.cells:
                        if box is None:
                            continue
                        text = re.sub(r"\s+", "", page.within_bbox(box).extract_text() or "")
                        if not re.fullmatch(r"\d+", text):
                            continue
                        b = [int(v * dpi / 72) for v in box]
                        cell = gray[b[1] + 4 : b[3] - 4, b[0] + 4 : b[2] - 4]
                        ys, xs = np.nonzero(cell < 128)
                        cell = cell[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
                        crops.append((np.pad(cell, 6, constant_values=255), text))
    print(f"\nengines on {len(crops)} numeric table cells (tight crops, {dpi} dpi):")
    import cv2

    started = time.perf_counter()
    read = recognise([cv2.cvtColor(c, cv2.COLOR_GRAY2BGR) for c, _ in crops])
    seconds = time.perf_counter() - started
    right = sum(t == expected for (t, _), (_, expected) in zip(read, crops, strict=True))
    print(f"  rapidocr-onnxruntime  {right}/{len(crops)} exact  {seconds / len(crops) * 1000:.0f} ms/cell")
    if shutil.which("tesseract") is None:
        print("  tesseract             not installed (apt-get install tesseract-ocr tesseract-ocr-chi-sim)")
        return
    from PIL import Image

    started = time.perf_counter()
    right = 0
    for cell, expected in crops:
        buffer = io.BytesIO()
        Image.fromarray(cell).save(buffer, "PNG")
        out = subprocess.run(
            ["tesseract", "-", "-", "-l", "chi_sim", "--psm", "7"],
            input=buffer.getvalue(),
            capture_output=True,
            check=False,
        ).stdout.decode()
        right += re.sub(r"\s+", "", out) == expected
    seconds = time.perf_counter() - started
    print(
        f"  tesseract 5 chi_sim   {right}/{len(crops)} exact  {seconds / len(crops) * 1000:.0f} ms/cell "
        "(one process per cell)"
    )


def main() -> None:
    from gongkai.extract.ocr import ocr_available

    if not ocr_available():
        print("rapidocr-onnxruntime is not installed: skipped")
        return
    _engines()
    print()
    _accuracy_per_resolution()


if __name__ == "__main__":
    main()
