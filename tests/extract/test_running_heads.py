"""Running heads and feet: the print date and title a browser puts at the head of each page, the page's
address and 'n/N' at its foot, page numbers. They are no part of any table: a table cut by the page break
continues across them, and no number of theirs lands in a cell (a URL line at the head of a page once
shifted a 表三 row a column: 746 read as 12 in huaian-2024). The print date is not the publication date."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gongkai.golden import differences
from gongkai.pipeline import parse_bytes
from gongkai.synth_files import stamped_pdf

FIXTURES = Path(__file__).parents[1] / "fixtures"
PDFS = sorted([*(FIXTURES / "corpus").glob("*.pdf"), *(FIXTURES / "real").glob("*.pdf")])
HEADER = "2024/1/20 10:32 www.example.gov.cn"
FOOTER = "https://www.example.gov.cn/art/2024/1/20/art_1229_4567.html"


@pytest.mark.parametrize("path", PDFS, ids=lambda p: p.stem)
def test_a_pdf_printed_by_a_browser_reads_as_the_report_itself(path: Path) -> None:
    expected = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    report = parse_bytes(stamped_pdf(path.read_bytes(), HEADER, FOOTER), path.name)
    assert differences(report, expected) == []
    assert report.published_date != "2024-01-20" or expected.get("published_date") == "2024-01-20"


def test_heads_without_feet_and_page_numbers_alone_read_the_same() -> None:
    path = FIXTURES / "real" / "huaian-2024.pdf"
    expected = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    for stamped in (stamped_pdf(path.read_bytes(), HEADER), stamped_pdf(path.read_bytes())):
        assert differences(parse_bytes(stamped, path.name), expected) == []
