"""Parsed reports to validate: seeds, real reports (as layout text) and pre-2019 reports."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from gongkai.model import Report
from gongkai.pipeline import parse_bytes

FIXTURES = Path(__file__).parents[1] / "fixtures"
FILES = [
    *sorted((FIXTURES / "seeds").glob("*.txt")),
    *sorted((FIXTURES / "real").glob("*.pdftotext-layout.txt")),
    *sorted((FIXTURES / "pre2019").glob("*.txt")),
]


@pytest.fixture(scope="session")
def _reports() -> dict[str, Report]:
    return {p.name: parse_bytes(p.read_bytes(), str(p)) for p in FILES}


@pytest.fixture
def reports(_reports: dict[str, Report]) -> dict[str, Report]:
    """A deep copy per test: tests change reports to make them fail a gate."""
    return copy.deepcopy(_reports)
