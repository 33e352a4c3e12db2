"""Tables drawn without rulings, read from their text laid out in columns (an unruled PDF's layout text, as
pdfplumber or `pdftotext -layout` give it): each line of numbers is a row, its label the cell at its left.
A row printed blank leaves only its label's lines, which run into the next row's label cell."""

from __future__ import annotations

from gongkai import forms
from gongkai.extract import extract_bytes
from gongkai.parse import parse_document

# 表三 of a round-trip report (pdf_unruled, seed 1, report 2) as its PDF's layout text: 6.属于四类过程性信息 is
# printed blank and its two label lines ran into 7.属于行政执法案卷's label cell ('程性信息6.属于四类过7.属于…'),
# so no label names the row
TABLE_3 = """\
三、收到和处理政府信息公开申请情况
（本列数据的勾稽关系为：第      申请人情况
一项加第二项之和，等于第三
                   自然人       法人或其他组织                                       总计
项加第四项之和）
                             商业企业     科研机构     社会公益组织    法律服务机构   其他
一、本年新收政府信息公开申      14311     11029    6751     163       7034     7109     46397件
请数量
二、上年结转政府信息公开申      0         2974     4156     1         0        0        7131
请数量
三、本年度办理结果（一）予      0件        10       0件       0         0        0        10
以公开
（二）部分公开（区分处理       0         27       17       25        3        0        72
的，只计这一情形，不计其他
情形）
（三）不予公    1.属于国家秘  0         2219     0        0         0件       0        2219
开         密
          2.其他法律行            27       0                           929      956
          政法规禁止公
          开
          3.危及“三安  0         0        0        0         0        0        0
          全一稳定”
          4.保护第三方  0         0        0        11        0        0        11
          合法权益
          5.属于三类内  1870      43       0        0         4393     10       6316
          部事务信息
          6.属于四类过
          程性信息
          7.属于行政执  0         0        29       0         2607     3675     6311
          法案卷
          8.属于行政查  0         0        2125件                       0        2125
          询事项
（四）无法提    1.本机关不掌  4403      12       0        35        0        0        4450
供         握相关政府信
          息
          2.没有现成信  4841      4411     4件       0         0        0        9256
          息需要另行制
          作
          3.补正后申请  0件        0        0        39        0件       0        39
          内容仍不明确
（五）不予处    1.信访举报投  6         0        4130     0         0        0        4136
理         诉类申请
          2.重复申请   36        0        1374     32        17       0        1459
          3.要求提供公  0         29       3227     0         4        0        3260
          开出版物
          4.无正当理由  3152      0        0        21        0        0        3173
          大量反复申请
          5.要求行政机  0         4192     0        0         0        2495     6687
          关确认或重新
          出具已获取信
          息
（六）其他处    1.申请人无正            -                           /
理         当理由逾期不
          补正、行政机
          关不再处理其
          政府信息公开
          申请
          2.申请人逾期            3032     0        0         0                 3032
          未按收费通知
          要求缴纳费
          用、行政机关
          不再处理其政
          府信息公开申
          请
          3.其他     0         0        0        0件        10       0        10
（七）总计              14308     14002    10906    163       7034     7109     53522
四、结转下年度继续办理        3         1        1        1         0        0        6
"""
REPORT = "某某省某某厅2019年政府信息公开工作年度报告\n" + TABLE_3


def _row(report, key: str) -> list[int | float | None]:  # type: ignore[no-untyped-def]
    return [report.applications[(key, c)].value for c in forms.APPLICANT_KEYS]


def test_a_row_whose_numbers_share_its_labels_line_keeps_them_when_the_row_below_lost_its_label() -> None:
    # the numbers on 5.属于三类内部事务信息's line are that row's: the row below whose label was lost printed
    # no line of numbers, so it is blank. (Parser 1.5.0 also read the seven numbers as possibly the lost
    # row's, with 5. printed blank: both add up, so it left both rows null.)
    report = parse_document(extract_bytes(REPORT.encode("utf-8"), "r.txt"))
    assert report.form_version == "f2021"
    assert _row(report, "denied_internal_affairs") == [1870, 43, 0, 0, 4393, 10, 6316]
    cells = [report.applications[("denied_internal_affairs", c)] for c in forms.APPLICANT_KEYS]
    assert not any({"column_inferred", "label_inferred"} & set(c.flags) for c in cells)
    assert _row(report, "denied_process_information") == [None] * 7
    blank = report.applications[("denied_process_information", "total")]
    assert "label_inferred" in blank.flags and "column_inferred" not in blank.flags
    assert _row(report, "denied_enforcement_files") == [0, 0, 29, 0, 2607, 3675, 6311]
    assert _row(report, "denied_prohibited_by_law") == [None, 27, 0, None, None, 929, 956]
    assert _row(report, "results_total") == [14308, 14002, 10906, 163, 7034, 7109, 53522]
    codes = {(p.code, p.where) for p in report.problems}
    assert ("label_inferred", "applications.denied_process_information") in codes
    assert not [p for p in report.problems if p.code in ("row_missing", "row_values_unsure", "row_unplaced")]
