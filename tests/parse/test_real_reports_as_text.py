"""The three real reports as `pdftotext -layout` renders them (columns aligned with spaces, labels
wrapped over lines, page numbers inside tables) parse to the values a careful reader finds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gongkai.golden import differences
from gongkai.pipeline import parse_bytes

REAL = Path(__file__).parents[1] / "fixtures" / "real"
NAMES = ("hongze-2023", "hongze-2024", "huaian-2024")


@pytest.mark.parametrize("name", NAMES)
def test_layout_text_parses_exactly(name: str) -> None:
    expected = json.loads((REAL / f"{name}.json").read_text(encoding="utf-8"))
    report = parse_bytes((REAL / f"{name}.pdftotext-layout.txt").read_bytes(), name)
    assert differences(report, expected) == []


def test_a_broken_identity_is_reported_not_fixed() -> None:
    report = parse_bytes((REAL / "hongze-2023.pdftotext-layout.txt").read_bytes(), "hongze-2023")
    assert report.review_litigation["review_total"].value == 0  # printed 0, kept
    broken = {p.where for p in report.problems if p.code == "identity_review_total"}
    assert broken == {"review_litigation.review_total", "review_litigation.suit_after_review_total"}
