"""The form is decided by evidence, never by fallback: a report of 2019 or later, or one citing the format
notices, or printing a row label of the national forms, is never read as a pre-2019 free-form report.
When its tables cannot be read it fails (or is quarantined when some are read), naming each table."""

from __future__ import annotations

from pathlib import Path

import pytest

from gongkai.extract.text import extract_text
from gongkai.outcome import status_for
from gongkai.parse import parse_document
from gongkai.pipeline import parse_bytes

PROSE = (
    "本年度，我局认真贯彻落实《中华人民共和国政府信息公开条例》，全年共受理政府信息公开申请12件，"
    "均已按时答复。主动公开政府信息235条。"
)


def _report(text: str):  # type: ignore[no-untyped-def]
    return parse_document(extract_text(text))


@pytest.mark.parametrize(
    ("text", "form", "evidence"),
    [
        (
            f"某某区教育局2023年政府信息公开工作年度报告\n{PROSE}\n二、主动公开政府信息情况\n（表格见附件图片）\n",
            "f2021",
            "the report year is 2023",
        ),
        (
            f"某某区教育局政府信息公开工作年度报告\n按照国办公开办函〔2021〕30号要求编制。\n{PROSE}\n",
            "f2021",
            "国办公开办函〔2021〕30号",
        ),
        (
            f"某某区教育局政府信息公开工作年度报告\n依据国办公开办函[2019]60号的格式。\n{PROSE}\n",
            "f2019",
            "国办公开办函〔2019〕60号",
        ),
        (
            f"某某区教育局政府信息公开工作年度报告\n{PROSE}\n表中“本年新收政府信息公开申请数量”一项见附件。\n",
            "f2021",
            "本年新收政府信息公开申请数量",
        ),
    ],
)
def test_a_national_form_report_without_readable_tables_fails_naming_them(
    text: str, form: str, evidence: str
) -> None:
    report = _report(text)
    assert report.form_version == form
    missing = {p.where: p for p in report.problems if p.code == "national_table_missing"}
    assert set(missing) == {"active_disclosure", "applications", "review_litigation"}
    assert all(p.severity == "error" and evidence in p.message for p in missing.values())
    assert "表三 (applications) not found" in missing["applications"].message
    assert all(c.value is None for c in report.applications.values()) and len(report.applications) >= 23 * 7
    assert "no_national_tables" not in {p.code for p in report.problems}
    assert status_for(report, []) == "failed"


def test_a_report_before_2019_with_no_form_words_is_still_pre2019() -> None:
    report = _report(f"某某区教育局2017年政府信息公开工作年度报告\n{PROSE}\n")
    assert report.form_version == "pre2019"
    assert status_for(report, []) != "failed"


@pytest.mark.parametrize("name", ["city-bureau-2017-table", "county-2016-prose", "county-2018-prose"])
def test_the_pre2019_fixtures_stay_pre2019(name: str) -> None:
    path = Path(__file__).parents[1] / "fixtures" / "pre2019" / f"{name}.txt"
    report = parse_bytes(path.read_bytes(), name)
    assert report.form_version == "pre2019"
    assert report.historical_figures


def test_a_report_whose_review_table_is_missing_is_quarantined() -> None:
    seed = Path(__file__).parents[1] / "fixtures" / "seeds" / "002_b390b720f2150a3b.txt"
    text = seed.read_text(encoding="utf-8")
    cut = text.index("四、政府信息公开行政复议")
    end = text.index("五、", cut)
    report = parse_document(extract_text(text[:cut] + text[end:]))
    assert report.form_version == "f2021"
    assert any(c.value is not None for c in report.applications.values())
    missing = [p for p in report.problems if p.code == "national_table_missing"]
    assert [p.where for p in missing] == ["review_litigation"]
    assert "表四 (review and litigation) not found" in missing[0].message
    assert status_for(report, []) == "quarantined"


def test_a_report_whose_applications_table_is_an_image_keeps_its_other_tables() -> None:
    seed = Path(__file__).parents[1] / "fixtures" / "seeds" / "002_b390b720f2150a3b.txt"
    text = seed.read_text(encoding="utf-8")
    cut = text.index("三、收到和处理政府信息公开申请情况")
    end = text.index("四、政府信息公开行政复议")
    report = parse_document(
        extract_text(text[:cut] + "三、收到和处理政府信息公开申请情况\n（见下图）\n" + text[end:])
    )
    assert report.form_version == "f2021"
    missing = [p.where for p in report.problems if p.code == "national_table_missing"]
    assert missing == ["applications"]
    assert report.active_disclosure[("rules", "issued")].value == 0
    assert all(c.value is not None for c in report.review_litigation.values())
    assert status_for(report, []) == "quarantined"
