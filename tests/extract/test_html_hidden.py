"""What a reader of the page cannot see is not read: a hidden stale copy of a table, digits hidden inside
a number to trip crawlers. (Hidden by the element's own style or `hidden` attribute; no style sheet is
applied.)"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from gongkai.golden import differences
from gongkai.pipeline import parse_bytes

CORPUS = Path(__file__).parents[1] / "fixtures" / "corpus"
NAME = "003_03c3a6963c974949"


def page() -> str:
    return (CORPUS / f"{NAME}.utf8.html").read_text(encoding="utf-8")


def golden() -> dict:
    return json.loads((CORPUS / f"{NAME}.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("style", ["display:none", "DISPLAY: NONE;", "color:red; visibility:hidden"])
def test_a_hidden_stale_copy_of_a_table_is_not_read(style: str) -> None:
    text = page()
    applications = re.findall(r"<table.*?</table>", text, flags=re.S)[1]
    stale = re.sub(r">(\d+)<", lambda m: f">{int(m.group(1)) + 7}<", applications)
    assert stale != applications
    hidden = text.replace(applications, f'<div style="{style}">{stale}</div>{applications}', 1)
    report = parse_bytes(hidden.encode("utf-8"), "r.html", budget=False)
    assert differences(report, golden()) == []
    assert not [p for p in report.problems if p.code == "row_duplicate"]


def test_digits_hidden_inside_numbers_are_not_read() -> None:
    tricked = re.sub(r">(\d+)<", lambda m: f">{m.group(1)}<span hidden>9</span><", page())
    assert tricked != page()
    report = parse_bytes(tricked.encode("utf-8"), "r.html", budget=False)
    assert differences(report, golden()) == []


def test_a_style_that_only_mentions_none_hides_nothing() -> None:
    shown = page().replace("<table", '<table style="mso-display:none; border:none"', 1)
    assert differences(parse_bytes(shown.encode("utf-8"), "r.html", budget=False), golden()) == []


def test_an_empty_row_under_a_rowspan_is_a_row_and_a_stray_one_is_nothing() -> None:
    from gongkai.extract import extract_bytes
    from gongkai.model import Table

    page = (
        "<html><body><table>"
        "<tr><td rowspan=2>自然人</td><td rowspan=2>总计</td></tr><tr></tr>"
        "<tr><td>3</td><td>5</td></tr><tr></tr>"
        "</table></body></html>"
    ).encode()
    (table,) = [b for b in extract_bytes(page, "r.html").blocks if isinstance(b, Table)]
    # as a browser lays it out: the spans end above the numbers; the last, uncovered <tr> adds nothing
    assert table.grid() == [["自然人", "总计"], [None, None], ["3", "5"]]
