"""Reports before 2019: the figures they state, from prose and from their 统计表."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gongkai.extract.text import extract_text
from gongkai.historical import METRIC_BY_KEY, METRICS
from gongkai.parse.historical import historical_figures
from gongkai.pipeline import parse_bytes
from gongkai.values import parse_value

PRE2019 = Path(__file__).parents[1] / "fixtures" / "pre2019"


def _figures(name: str) -> dict[tuple[str, str], tuple[object, str | None, list[str]]]:
    report = parse_bytes((PRE2019 / name).read_bytes(), name)
    assert report.form_version == "pre2019"
    assert report.applications == {}
    return {(f.metric, f.period): (f.value, f.unit, f.flags) for f in report.historical_figures}


def test_prose_figures() -> None:
    got = _figures("county-2016-prose.txt")
    assert got[("requests_received", "year")][:2] == (12, "件")
    assert got[("requests_in_person", "year")][0] == 3
    assert got[("requests_online", "year")][0] == 7
    assert got[("requests_letter", "year")][0] == 2
    assert got[("answer_granted", "year")][0] == 9
    assert got[("answer_partially_granted", "year")][0] == 1
    assert got[("answer_not_exist", "year")][0] == 2
    assert got[("active_disclosed_items", "year")][:2] == (3021, "条")
    assert got[("review_cases", "year")][0] == 1
    assert got[("litigation_cases", "year")] == (0, "件", ["stated_as_none"])
    assert got[("fees_collected", "year")] == (0, "万元", ["stated_as_none"])
    assert ("requests_fax", "year") not in got  # never stated: absent, not zero


def test_prose_with_multipliers_numerals_and_cumulative_figures() -> None:
    got = _figures("county-2018-prose.txt")
    assert got == {
        ("active_disclosed_items", "year"): (12000, "条", ["rounded_multiplier"]),
        ("active_disclosed_items", "cumulative"): (35678, "条", ["thousands_separator"]),
        ("requests_received", "year"): (23, "件", ["chinese_numeral"]),
        ("requests_in_person", "year"): (5, "件", []),
        ("requests_online", "year"): (15, "件", []),
        ("requests_letter", "year"): (3, "件", []),
        ("answer_granted", "year"): (14, "件", []),
        ("answer_partially_granted", "year"): (3, "件", []),
        ("answer_denied", "year"): (1, "件", []),
        ("answer_not_exist", "year"): (3, "件", []),
        ("answer_not_this_agency", "year"): (2, "件", []),
        ("fees_collected", "year"): (0, "万元", ["stated_as_none"]),
        ("review_cases", "year"): (2, "起", []),
        ("litigation_cases", "year"): (1, "起", []),
    }


def test_statistics_table_figures() -> None:
    got = _figures("city-bureau-2017-table.txt")
    expected = {
        "active_disclosed_items": 856,
        "active_normative_documents": 4,
        "normative_documents_issued": 5,
        "requests_received": 23,
        "requests_in_person": 5,
        "requests_fax": 0,
        "requests_online": 16,
        "requests_letter": 2,
        "requests_closed": 23,
        "requests_closed_on_time": 22,
        "requests_closed_extended": 1,
        "review_cases": 2,
        "review_upheld": 1,
        "review_corrected": 1,
        "litigation_cases": 0,
        "complaints": 0,
        "fees_collected": 0,
        "disclosure_offices": 1,
        "staff_total": 3,
        "staff_full_time": 1,
        "staff_part_time": 2,
        "special_funds": 2.5,
        "meetings_held": 2,
        "trainings_held": 1,
        "trainees": 40,
    }
    assert {k: v[0] for (k, _), v in got.items()} == expected
    assert got[("special_funds", "year")][1] == "万元"


def test_year_and_cumulative_columns() -> None:
    text = "\n".join(
        [
            "某省某厅2012年政府信息公开工作年度报告",
            "",
            "指标名称\t计量单位\t本年度\t历年累计",
            "主动公开政府信息数\t条\t120\t1,530",
            "收到政府信息公开申请数\t件\t8\t61",
        ]
    )
    report = parse_bytes(text.encode(), "t.txt")
    got = {(f.metric, f.period): f.value for f in report.historical_figures}
    assert got == {
        ("active_disclosed_items", "year"): 120,
        ("active_disclosed_items", "cumulative"): 1530,
        ("requests_received", "year"): 8,
        ("requests_received", "cumulative"): 61,
    }


def test_vocabulary_keys_are_unique_and_canonical_mappings_name_real_cells() -> None:
    from gongkai import forms

    assert len(METRIC_BY_KEY) == len(METRICS)
    rows = set(forms.ALL_APPLICATION_ROW_KEYS)
    for metric in METRICS:
        if metric.canonical:
            table, *rest = metric.canonical.split(".")
            if table == "applications":
                assert rest[0] in rows and rest[1] in forms.APPLICANT_KEYS
            else:
                assert table == "review_litigation" and rest[0] in forms.REVIEW_COLUMNS


def test_the_documented_vocabulary_is_the_code_vocabulary() -> None:
    from gongkai.historical import vocabulary_markdown

    doc = Path(__file__).parents[2] / "docs" / "historical-metrics.md"
    assert doc.read_text(encoding="utf-8") == vocabulary_markdown()


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        (
            "2017年，共受理政府信息公开申请56件（其中：当面申请12件，网上申请40件，信函申请4件）。",
            {
                "requests_received": (56, []),
                "requests_in_person": (12, []),
                "requests_online": (40, []),
                "requests_letter": (4, []),
            },
        ),
        (
            "本年度主动公开政府信息1.2万条，其中规范性文件30件。",
            {"active_disclosed_items": (12000, ["rounded_multiplier"])},
        ),
        (
            "2012年本局共主动公开政府信息1,234条。",
            {"active_disclosed_items": (1234, ["thousands_separator"])},
        ),
        ("本机关共受理依申请公开事项二十三件。", {"requests_received": (23, ["chinese_numeral"])}),
        (
            "其中，同意公开的10件，同意部分公开的2件，不予公开的1件，信息不存在的3件，非本机关掌握的2件。",
            {
                "answer_granted": (10, []),
                "answer_partially_granted": (2, []),
                "answer_denied": (1, []),
                "answer_not_exist": (3, []),
                "answer_not_this_agency": (2, []),
            },
        ),
        (
            "全年共发生政府信息公开行政复议案件3起，行政诉讼案件2起。",
            {"review_cases": (3, []), "litigation_cases": (2, [])},
        ),
        (
            "2015年，未发生因政府信息公开引起的行政复议和行政诉讼案件。",
            {"review_cases": (0, ["stated_as_none"]), "litigation_cases": (0, ["stated_as_none"])},
        ),
        ("本年度共收到各类申请，详见附表。", {}),  # no number stated: nothing invented
    ],
)
def test_prose_phrasings(sentence: str, expected: dict[str, tuple[int, list[str]]]) -> None:
    figures, _ = historical_figures(extract_text(sentence))
    assert {f.metric: (f.value, f.flags) for f in figures if f.period == "year"} == expected


def test_wan_after_digits_multiplies_but_wanyuan_is_a_unit() -> None:
    assert (parse_value("1.2万条").value, parse_value("1.2万条").unit) == (12000, "条")
    assert (parse_value("1.2万元").value, parse_value("1.2万元").unit) == (1.2, "万元")
    assert parse_value("万").value is None and parse_value("千").value is None


@pytest.mark.parametrize("suffix", [".gbk.html", ".doc"])
@pytest.mark.parametrize("stem", ["county-2016-prose", "city-bureau-2017-table", "county-2018-prose"])
def test_published_formats_give_the_figures_of_the_text(stem: str, suffix: str) -> None:
    """As agencies published them: a GBK CMS page (the article inside a layout table) and a Word 97 file."""
    if suffix == ".doc" and not shutil.which("soffice"):
        pytest.skip("DOC needs LibreOffice (.ci/run installs it)")
    assert _figures(stem + suffix) == _figures(stem + ".txt")
    assert len(_figures(stem + suffix)) >= 11


def test_prose_broken_at_every_printed_line_is_read_as_running_text() -> None:
    """PDFs of old reports break sentences where the printed line ends, numbers alone on a line."""
    text = "\n".join(
        [
            "某某区2012年政府信息公开工作年度报告",
            "二、主动公开政府信息情况",
            "本区到年底累计主动公开政府信息",
            "5928",
            "条，全文电子化率达",
            "90.3%",
            "，其中，本年度新增主动公开政府信息",
            "2110",
            "条。",
            "三、依申请公开政府信息情况",
            "2012年，全区共受理政府信息公开申请",
            "45件，其中当面申请12件，网上",
            "申请30件，信函申请3件。",
        ]
    )
    figures, _ = historical_figures(extract_text(text))
    assert {(f.metric, f.period): f.value for f in figures} == {
        ("active_disclosed_items", "cumulative"): 5928,
        ("active_disclosed_items", "year"): 2110,
        ("requests_received", "year"): 45,
        ("requests_in_person", "year"): 12,
        ("requests_online", "year"): 30,
        ("requests_letter", "year"): 3,
    }
