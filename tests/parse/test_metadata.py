"""The agency's name as printed, from the title wherever it puts the year; null when nothing names it."""

from __future__ import annotations

import pytest

from gongkai.parse import metadata
from gongkai.parse.metadata import agency_name, report_year


@pytest.mark.parametrize(
    ("lines", "name"),
    [
        (["淮安市人民政府2024年政府信息公开工作年度报告"], "淮安市人民政府"),
        (["2019年上海市人民政府办公厅政府信息公开工作年度报告"], "上海市人民政府办公厅"),
        (["2023年度某某县卫生健康委员会政府信息公开工作年度报告"], "某某县卫生健康委员会"),
        (["杭州市2025年政府信息公开工作年度报告"], "杭州市"),  # a place alone: its government's report
        (["本市2025年政府信息公开工作年度报告"], None),
        (["2024年政府信息公开工作年度报告", "", "（此处无机关名称）"], None),
        # a title name with no place ('区残联') gives way to the source line that has one
        (
            ["2020年区残联政府信息公开工作年度报告", "发布时间:2021-01-19 信息来源:蚌山区残疾人联合会"],
            "蚌山区残疾人联合会",
        ),
        (["2020年区残联政府信息公开工作年度报告"], "区残联"),  # nothing better printed: as printed
    ],
)
def test_agency_name(lines: list[str], name: str | None) -> None:
    assert agency_name(lines) == name


def test_year_from_a_title_with_the_agency_after_it() -> None:
    assert report_year(["2019年上海市人民政府办公厅政府信息公开工作年度报告"]) == 2019


@pytest.mark.parametrize(
    ("lines", "year", "date"),
    [
        (
            ["二〇二三年度政府信息公开工作年度报告", "……", "某某县人民政府", "二〇二四年一月二十五日"],
            2023,
            "2024-01-25",
        ),
        (["某某县人民政府二○二三年政府信息公开工作年度报告", "二○二四年十二月三十一日"], 2023, "2024-12-31"),
        (["二零二零年政府信息公开工作年度报告"], 2020, None),
        (["二〇二四年一月"], None, None),  # no day: not a date
    ],
)
def test_years_and_dates_in_chinese_numerals(lines: list[str], year: int | None, date: str | None) -> None:
    assert metadata.report_year(lines) == year
    assert metadata.published_date(lines) == date
