"""Grids keep their blank cells where they are: a CMS table that leaves 总计 blank, rows whose seven cells
are all blank, a 表四 row of 15 cells with blanks among them — and a title that puts the year first."""

from __future__ import annotations

from gongkai import forms
from gongkai.pipeline import parse_bytes


def _td(text: str, colspan: int = 1, rowspan: int = 1) -> str:
    spans = (f' colspan="{colspan}"' if colspan > 1 else "") + (
        f' rowspan="{rowspan}"' if rowspan > 1 else ""
    )
    return f'<td nowrap="nowrap"{spans}><p align="center">{text or "&nbsp;"}</p></td>'


def _tr(*cells: str) -> str:
    return "<tr>" + "".join(cells) + "</tr>"


# 表三 rows as printed (seven cells each, "" = blank); the 2019 form, as a city government office printed it
ROWS = {
    "new_requests": ["821", "35", "", "", "2", "1", "859"],
    "carried_over_from_last_year": ["18", "", "", "", "", "", "18"],
    "granted": ["258", "12", "", "", "1", "1", ""],  # 总计 left blank: null, not inferred
    "partially_granted": ["3", "", "", "", "", "", ""],
    "denied_state_secret": ["14", "", "", "", "", "", ""],
    "denied_prohibited_by_law": [""] * 7,  # every cell blank: still the row, all null
    "results_total": ["767", "35", "", "", "2", "1", "805"],
    "carried_forward_to_next_year": ["72", "", "", "", "", "", "72"],
}
LABELS = {
    "new_requests": "一、本年新收政府信息公开申请数量",
    "carried_over_from_last_year": "二、上年结转政府信息公开申请数量",
    "granted": "（一）予以公开",
    "partially_granted": "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
    "denied_state_secret": "1.属于国家秘密",
    "denied_prohibited_by_law": "2.其他法律行政法规禁止公开",
    "results_total": "（七）总计",
    "carried_forward_to_next_year": "四、结转下年度继续办理",
}
REVIEW = ["5", "", "", "2", "7", "8", "", "", "1", "9", "", "", "", "", ""]


def _page() -> bytes:
    t3 = [
        _tr(
            _td("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", 3, 3),
            _td("申请人情况", 7),
        ),
        _tr(_td("自然人", 1, 2), _td("法人或其他组织", 5), _td("总计", 1, 2)),
        _tr(*[_td(x) for x in ("商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他")]),
    ]
    for key in ("new_requests", "carried_over_from_last_year"):
        t3.append(_tr(_td(LABELS[key], 3), *[_td(v) for v in ROWS[key]]))
    t3.append(
        _tr(_td("三、本年度办理结果", 1, 5), _td(LABELS["granted"], 2), *[_td(v) for v in ROWS["granted"]])
    )
    t3.append(_tr(_td(LABELS["partially_granted"], 2), *[_td(v) for v in ROWS["partially_granted"]]))
    t3.append(
        _tr(
            _td("（三）不予公开", 1, 2),
            _td(LABELS["denied_state_secret"]),
            *[_td(v) for v in ROWS["denied_state_secret"]],
        )
    )
    t3.append(
        _tr(_td(LABELS["denied_prohibited_by_law"]), *[_td(v) for v in ROWS["denied_prohibited_by_law"]])
    )
    t3.append(_tr(_td(LABELS["results_total"], 2), *[_td(v) for v in ROWS["results_total"]]))
    t3.append(
        _tr(
            _td(LABELS["carried_forward_to_next_year"], 3),
            *[_td(v) for v in ROWS["carried_forward_to_next_year"]],
        )
    )
    t4 = [
        _tr(_td("行政复议", 5), _td("行政诉讼", 10)),
        _tr(
            *[_td(x, 1, 2) for x in ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")],
            _td("未经复议直接起诉", 5),
            _td("复议后起诉", 5),
        ),
        _tr(*[_td(x) for x in ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计") * 2]),
        _tr(*[_td(v) for v in REVIEW]),
    ]
    return (
        "<html><head><meta charset='utf-8'></head><body>"
        "<p style='text-align:center'>2019年上海市人民政府办公厅政府信息公开工作年度报告</p>"
        "<p>发布日期：2020-01-31</p>"
        "<p>二、主动公开政府信息情况</p><table border='1'><tbody>"
        + _tr(_td("第二十条第（一）项", 4))
        + _tr(
            _td("信息内容"), _td("本年新<br />制作数量"), _td("本年新<br />公开数量"), _td("对外公开总数量")
        )
        + _tr(_td("规章"), _td("13"), _td("13"), _td("524"))
        + "</tbody></table><p>三、收到和处理政府信息公开申请情况</p><table border='1'><tbody>"
        + "".join(t3)
        + "</tbody></table><p>四、政府信息公开行政复议、行政诉讼情况</p><table border='1'><tbody>"
        + "".join(t4)
        + "</tbody></table><p>五、政府信息公开工作存在的主要问题及改进情况</p><p>无。</p></body></html>"
    ).encode()


def test_blank_cells_of_a_grid_stay_in_their_columns() -> None:
    report = parse_bytes(_page(), "report.html")
    assert (report.form_version, report.report_year, report.agency_name, report.published_date) == (
        "f2019",
        2019,
        "上海市人民政府办公厅",
        "2020-01-31",
    )
    for key, printed in ROWS.items():
        cells = [report.applications[(key, c)] for c in forms.APPLICANT_KEYS]
        assert [c.value for c in cells] == [int(v) if v else None for v in printed], key
        assert not any({"column_inferred", "label_inferred"} & set(c.flags) for c in cells)
    assert not [
        p
        for p in report.problems
        if p.code in ("row_missing", "row_unplaced")
        and ("denied_prohibited_by_law" in p.message or "granted" in p.message)
    ]
    review = [report.review_litigation[c].value for c in forms.REVIEW_COLUMNS]
    assert review == [int(v) if v else None for v in REVIEW]
