"""Spaces inside a number are thousands groups only ("1 234"); two numbers in one cell ("5 12": a
ruling not printed, two columns' cells run together) are null and flagged, never read as 512."""

from __future__ import annotations

import pytest

from gongkai.extract.html import extract_html
from gongkai.parse import parse_document
from gongkai.values import parse_value


@pytest.mark.parametrize(
    ("text", "value"), [("1 234", 1234), ("12\u00a0345", 12345), ("1 234 567", 1234567), ("3\u3000000", 3000)]
)
def test_thousands_in_groups_of_three_are_one_number(text: str, value: int) -> None:
    assert parse_value(text).value == value
    assert parse_value(text).flags == ["thousands_separator"]


@pytest.mark.parametrize("text", ["5 12", "12 3", "1 2", "0 0", "1 2345", "12 34 567"])
def test_numbers_apart_by_spaces_are_null_and_flagged(text: str) -> None:
    assert parse_value(text).value is None
    assert parse_value(text).flags == ["numbers_in_one_cell"]


def test_a_cell_holding_two_columns_numbers_is_flagged_in_the_report() -> None:
    head = "<tr><td>申请人情况</td>" + "".join(
        f"<td>{c}</td>"
        for c in ("自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计")
    )
    cells = "<td>5 12</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>17</td>"
    page = (
        "<html><body><p>2023年度政府信息公开工作年度报告</p><p>三、收到和处理政府信息公开申请情况</p>"
        f"<table>{head}</tr><tr><td>一、本年新收政府信息公开申请数量</td>{cells}</tr></table></body></html>"
    )
    report = parse_document(extract_html(page.encode("utf-8")))
    cell = report.applications[("new_requests", "natural_person")]
    assert cell.value is None and "numbers_in_one_cell" in cell.flags
    assert report.applications[("new_requests", "total")].value == 17
