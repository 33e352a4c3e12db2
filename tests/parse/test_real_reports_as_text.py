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


def test_labels_wrapped_in_narrow_layout_cells_are_put_back_together() -> None:
    from gongkai.extract.text import extract_text

    layout = "\n".join(
        [
            "（三）    1.属于   0     0      0      0     0      0     0",
            "不予公    国家秘",
            "开      密",
            "       2.其他   0     1      0      0     0      0     1",
            "       法律行",
            "       政法规",
            "四、结转下年度       0            0      0     0      0     0",
            "继续办理",
        ]
    )
    rows = [[c.text for c in row] for row in extract_text(layout).tables[0].rows]
    assert rows == [
        ["（三）不予公开", "1.属于国家秘密", "0", "0", "0", "0", "0", "0", "0"],
        ["2.其他法律行政法规", "0", "1", "0", "0", "0", "0", "1"],
        # one cell left blank: its numbers stay under their columns, a blank where the cell is empty
        ["四、结转下年度继续办理", "0", "", "0", "0", "0", "0", "0"],
    ]
