"""Extraction + parse time per page and per report for each format, and PDF extraction beside
`pdftotext -layout` on the same files. Usage: python -m benchmarks extract_bench"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

from gongkai.extract import extract_bytes
from gongkai.extract.pdf import extract_pdf
from gongkai.parse import parse_document

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures"


def _pages(path: Path) -> int:
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        return len(pdf.pages)


def _time(function, rounds: int) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    for _ in range(rounds):
        function()
    return (time.perf_counter() - started) / rounds


def main() -> None:
    groups = {
        "txt (seeds)": sorted((FIXTURES / "seeds").glob("*.txt")),
        "html utf-8": sorted((FIXTURES / "corpus").glob("*.utf8.html")),
        "html gbk": sorted((FIXTURES / "corpus").glob("*.gbk.html")),
        "docx": sorted((FIXTURES / "corpus").glob("*.docx")),
        "pdf (LibreOffice)": sorted((FIXTURES / "corpus").glob("*.pdf")),
        "pdf (real)": sorted((FIXTURES / "real").glob("*.pdf")),
    }
    print(f"{'format':20} {'reports':>7} {'ms/report':>10} {'ms/page':>8}")
    for name, paths in groups.items():
        total, pages = 0.0, 0
        for path in paths:
            data = path.read_bytes()
            total += _time(lambda data=data, path=path: parse_document(extract_bytes(data, path.name)), 3)
            pages += _pages(path) if path.suffix == ".pdf" else 1
        per_page = f"{1000 * total / pages:8.1f}" if "pdf" in name else "       -"
        print(f"{name:20} {len(paths):7d} {1000 * total / len(paths):10.1f} {per_page}")
    real = groups["pdf (real)"] + groups["pdf (LibreOffice)"]
    pages = sum(_pages(p) for p in real)
    print(f"PDF extraction, {pages} pages (ms/page)")
    ours = {
        backend: sum(_time(lambda p=p, b=backend: extract_pdf(p.read_bytes(), backend=b), 3) for p in real)
        for backend in ("pdfium", "pdfminer")
    }
    theirs = None
    if shutil.which("pdftotext"):
        theirs = sum(
            _time(
                lambda p=p: subprocess.run(
                    ["pdftotext", "-layout", str(p), "-"], capture_output=True, check=True
                ),
                3,
            )
            for p in real
        )
        print(f"  {'pdftotext -layout':24} {1000 * theirs / pages:6.1f}  (process start included)")
    for backend, seconds in ours.items():
        label = "gongkai, PDFium objects" if backend == "pdfium" else "gongkai, pdfminer objects"
        ratio = f"  {seconds / theirs:.1f}x pdftotext" if theirs else ""
        print(f"  {label:24} {1000 * seconds / pages:6.1f}{ratio}")


if __name__ == "__main__":
    main()
