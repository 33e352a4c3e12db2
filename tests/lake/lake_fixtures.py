"""Paths of the report files the lake tests load (a uniquely named module: `conftest` is ambiguous)."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).parents[1] / "fixtures"
SEED_FILES = sorted((FIXTURES / "seeds").glob("*.txt"))
REAL_TEXT_FILES = sorted((FIXTURES / "real").glob("*.pdftotext-layout.txt"))
REAL_PDFS = sorted((FIXTURES / "real").glob("*.pdf"))
