"""A CMS page that shows its tables as pictures says so: the missing tables are errors, and the
pictures are named so a person knows to look for the PDF or Word attachment."""

from __future__ import annotations

import re
from pathlib import Path

from gongkai.pipeline import parse_bytes

PAGE = Path(__file__).parents[1] / "fixtures" / "corpus" / "003_03c3a6963c974949.utf8.html"


def test_tables_shown_as_pictures_are_named_and_the_tables_are_missing() -> None:
    count = iter(range(1, 10))
    page = re.sub(
        r"<table.*?</table>",
        lambda _: f'<p><img src="/uploads/2024/01/table{next(count)}.png?v=2" width="600"></p>',
        PAGE.read_text(encoding="utf-8"),
        flags=re.S,
    )
    report = parse_bytes(page.encode("utf-8"), "r.html", budget=False)
    pictures = [p for p in report.problems if p.code == "page_pictures"]
    assert len(pictures) == 1 and pictures[0].severity == "info"
    assert (
        "3 picture(s)" in pictures[0].message and "table1.png, table2.png, table3.png" in pictures[0].message
    )
    missing = {p.where for p in report.problems if p.code == "national_table_missing"}
    assert missing == {"active_disclosure", "applications", "review_litigation"}


def test_a_page_with_its_tables_has_no_picture_note() -> None:
    report = parse_bytes(PAGE.read_bytes(), "r.html", budget=False)
    assert not [p for p in report.problems if p.code == "page_pictures"]
