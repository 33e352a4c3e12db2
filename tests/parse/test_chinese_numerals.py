"""gongkai.values.chinese_numeral: the one reader of Chinese numerals (cells, and years in titles)."""

from __future__ import annotations

import pytest

from gongkai.fetch.discover import report_year
from gongkai.values import chinese_numeral, parse_value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("十二", 12),
        ("十", 10),
        ("二十三", 23),
        ("一百零五", 105),
        ("一千零一", 1001),
        ("十万", 100_000),
        ("一万二千", 12_000),
        ("二十万零五", 200_005),
        ("两", 2),
        ("两百", 200),
        ("两千零二十三", 2023),
        ("〇", 0),
        ("零", 0),
        ("二〇二三", 2023),
        ("二零二三", 2023),
        ("一〇五", 105),  # digit by digit
        ("１２", 12),
        ("1万2千", 12_000),
        ("１万２千", 12_000),
        ("12万3千", 123_000),
    ],
)
def test_well_formed_numerals(text: str, value: int) -> None:
    assert chinese_numeral(text) == value


@pytest.mark.parametrize(
    "text",
    [
        "",
        "万",
        "千",
        "百",
        "三五十",
        "六〇百三",
        "一五千〇",
        "八一百五",
        "二零万零",
        "一万二",
        "两百五",  # abbreviations: 12000 or 10002, 250 or 205 — a guess, so no number
        "年",
        "一二三a",
    ],
)
def test_malformed_or_ambiguous_numerals_are_no_number(text: str) -> None:
    assert chinese_numeral(text) is None


def test_cells_flag_a_chinese_numeral_and_refuse_a_guess() -> None:
    assert (parse_value("二十三件").value, parse_value("二十三件").flags, parse_value("二十三件").unit) == (
        23,
        ["chinese_numeral"],
        "件",
    )
    assert (parse_value("1万2千件").value, parse_value("1万2千件").unit) == (12_000, "件")
    abbreviated = parse_value("一万二")
    assert abbreviated.value is None and abbreviated.flags == ["text_in_cell"]


@pytest.mark.parametrize(
    ("title", "year"),
    [
        ("二〇二三年政府信息公开工作年度报告", 2023),
        ("二○二三年度报告", 2023),
        ("二Ｏ二三年年报", 2023),
        ("二零一九年度政府信息公开年报", 2019),
    ],
)
def test_years_in_titles_use_the_same_reader(title: str, year: int) -> None:
    assert report_year(title) == year
