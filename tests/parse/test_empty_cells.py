"""Empty cells keep their column: a CMS cell whose only content is whitespace, &nbsp;, <o:p> </o:p>,
<span></span> or a zero-width space is an empty cell in its column, also in a table whose first row holds
the section heading; a 表三 row that does not fit the grid is flagged, never silently shifted."""

from __future__ import annotations

import pytest

from gongkai import forms
from gongkai.extract.html import extract_html
from gongkai.parse import parse_document

EMPTY = [
    "&nbsp;",
    "<o:p> </o:p>",
    "<span></span>",
    "<p class=MsoNormal><span><o:p>&nbsp;</o:p></span></p>",
    "&#8203;",
    "\u3000",
    "<br>",
]


def _page(empty: str, heading_in_table: bool, drop_cell: bool = False) -> bytes:
    rows = []
    if heading_in_table:
        rows.append("<tr><td colspan=9><h3>三、收到和处理政府信息公开申请情况</h3></td></tr>")
    rows += [
        "<tr><td rowspan=3 colspan=2>（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</td>"
        "<td colspan=7>申请人情况</td></tr>",
        "<tr><td rowspan=2>自然人</td><td colspan=5>法人或其他组织</td><td rowspan=2>总计</td></tr>",
        "<tr>"
        + "".join(f"<td>{x}</td>" for x in ("商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"))
        + "</tr>",
    ]
    for index, row in enumerate(forms.APPLICATION_ROWS["f2021"]):
        label = row.label.split(" ")[-1]
        cells = [f"{index + 5}", empty, empty, empty, empty, empty, f"{index + 5}"]
        if drop_cell and row.key == "granted":
            cells = cells[:3] + cells[4:]  # the editor deleted a cell: six for seven columns
        rows.append(f"<tr><td colspan=2>{label}</td>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return (
        "<html><head><meta charset='utf-8'></head><body><p>某某市某某区人民政府2023年政府信息公开工作年度报告</p>"
        + ("" if heading_in_table else "<p>三、收到和处理政府信息公开申请情况</p>")
        + "<table border=1>"
        + "".join(rows)
        + "</table><p>五、存在的主要问题及改进情况</p></body></html>"
    ).encode("utf-8")


@pytest.mark.parametrize("heading_in_table", [False, True])
@pytest.mark.parametrize("empty", EMPTY)
def test_empty_cells_stay_in_their_columns(empty: str, heading_in_table: bool) -> None:
    report = parse_document(extract_html(_page(empty, heading_in_table)))
    for index, row in enumerate(forms.APPLICATION_ROWS["f2021"]):
        got = [report.applications[(row.key, c)].value for c in forms.APPLICANT_KEYS]
        assert got == [index + 5, None, None, None, None, None, index + 5], row.key


def test_a_row_that_does_not_fit_the_grid_is_flagged() -> None:
    report = parse_document(extract_html(_page("&nbsp;", False, drop_cell=True)))
    misfit = [p for p in report.problems if p.code == "grid_misfit"]
    assert [p.where for p in misfit] == ["applications.granted"]
    cells = [report.applications[("granted", c)] for c in forms.APPLICANT_KEYS]
    assert all("column_inferred" in c.flags for c in cells)


def test_a_cell_ocr_could_not_read_is_null_flagged_and_keeps_its_column() -> None:
    from gongkai.values import UNREADABLE, parse_value

    assert parse_value(UNREADABLE).value is None and parse_value(UNREADABLE).flags == ["ocr_unreadable"]
    page = _page("&nbsp;", False).replace(b"<td>5</td>", f"<td>{UNREADABLE}</td>".encode(), 1)
    report = parse_document(extract_html(page))
    cells = [report.applications[("new_requests", c)] for c in forms.APPLICANT_KEYS]
    assert [c.value for c in cells] == [None, None, None, None, None, None, 5]
    assert cells[0].flags == ["ocr_unreadable"]


def test_printed_parts_that_do_not_add_up_with_blank_columns_break_the_row_identity() -> None:
    page = _page("&nbsp;", False).replace(b"<td>6</td>", b"<td>0</td>", 1)  # 自然人 0, 总计 6
    report = parse_document(extract_html(page))
    broken = [p for p in report.problems if p.code == "identity_row_total"]
    assert [p.where for p in broken] == ["applications.carried_over_from_last_year.total"]


def test_an_active_row_with_fewer_cells_than_metrics_and_no_grid_is_flagged() -> None:
    from gongkai.extract.text import extract_text

    text = (
        "某某区人民政府2023年政府信息公开工作年度报告\n二、主动公开政府信息情况\n第二十条第（一）项\n"
        "信息内容\t本年制发件数\t本年废止件数\t现行有效件数\n规章\t3\n行政规范性文件\t1\t0\t9\n"
        "三、收到和处理政府信息公开申请情况\n一、本年新收政府信息公开申请数量\t1\t0\t0\t0\t0\t0\t1\n"
        "二、上年结转政府信息公开申请数量\t0\t0\t0\t0\t0\t0\t0\n"
    )
    report = parse_document(extract_text(text))
    assert report.active_disclosure[("rules", "issued")].value == 3
    assert "column_inferred" in report.active_disclosure[("rules", "issued")].flags
    codes = {(p.code, p.where) for p in report.problems}
    assert ("grid_misfit", "active_disclosure.rules") in codes
    assert ("item_missing", "active_disclosure.administrative_licensing") in codes
    assert [
        report.active_disclosure[("normative_documents", m)].value for m in ("issued", "repealed", "in_force")
    ] == [1, 0, 9]
