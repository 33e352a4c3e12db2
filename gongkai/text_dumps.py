"""PDF reports as text dumps: what common PDF-to-text tools give a crawler or a data team that extracted
the text themselves. Each tool orders a table's cells its own way — row by row with wrapped labels
(`pdftotext -layout`), a cell per line down each column (pdfminer), run into one another (pypdf) — and the
parser must read each back exactly or flag what it cannot place, never place it wrong in silence.
For the text-dump harness (benchmarks/text_dumps.py) and its test."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path


def _pdftotext(*options: str) -> Callable[[Path], str]:
    def dump(path: Path) -> str:
        done = subprocess.run(
            ["pdftotext", *options, str(path), "-"], capture_output=True, check=True, timeout=120
        )
        return done.stdout.decode("utf-8", errors="replace")

    return dump


def _pdfminer(path: Path) -> str:
    from pdfminer.high_level import extract_text

    return str(extract_text(str(path)))


def _pypdf(path: Path) -> str:
    import pypdf

    return "\n".join(page.extract_text() or "" for page in pypdf.PdfReader(str(path)).pages)


def _pdfplumber(layout: bool) -> Callable[[Path], str]:
    def dump(path: Path) -> str:
        import pdfplumber

        with pdfplumber.open(str(path)) as pdf:
            return "\n".join(page.extract_text(layout=layout) or "" for page in pdf.pages)

    return dump


# tool → the PDF's text as that tool gives it
DUMPS: dict[str, Callable[[Path], str]] = {
    "pdftotext": _pdftotext(),
    "pdftotext_raw": _pdftotext("-raw"),
    "pdftotext_layout": _pdftotext("-layout"),
    "pdfminer": _pdfminer,
    "pypdf": _pypdf,
    "pdfplumber": _pdfplumber(False),
    "pdfplumber_layout": _pdfplumber(True),
}
