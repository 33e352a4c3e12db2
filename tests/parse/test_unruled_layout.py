"""Tables drawn without rulings, read from their text laid out in columns (an unruled PDF's layout text, as
pdfplumber or `pdftotext -layout` give it): each line of numbers is a row, its label the cell at its left,
wrapped over the lines below (or centred on it). A row printed blank leaves only its label's lines."""

from __future__ import annotations

from gongkai import forms
from gongkai.extract import extract_bytes
from gongkai.extract.text import extract_text
from gongkai.model import Table
from gongkai.parse import parse_document

# 表三 of a round-trip report (pdf_unruled, seed 1, report 2) as its PDF's layout text. 3.危及“三安全一稳定” and
# 6.属于四类过程性信息 are printed blank: their label lines have no numbers and stand right above the next
# row's label ('6.属于四类过 / 程性信息' over '7.属于行政执  0  0  29 …')
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
          3.危及“三安
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
TITLE = "某某省某某厅2019年政府信息公开工作年度报告\n"


def _row(report, key: str) -> list[int | float | None]:  # type: ignore[no-untyped-def]
    return [report.applications[(key, c)].value for c in forms.APPLICANT_KEYS]


def _labels(text: str) -> list[str]:
    table = next(b for b in extract_text(text).blocks if isinstance(b, Table))
    return [row[0].text for row in table.rows]


def test_a_blank_rows_label_lines_are_a_row_of_their_own_not_the_top_of_the_next_label() -> None:
    # extractor 11 put them in front of the next row's label cell, last line first
    # ('程性信息6.属于四类过7.属于行政执法案卷'): a cell naming two rows, whose numbers were left unplaced
    labels = _labels(TABLE_3)
    at = labels.index("6.属于四类过程性信息")
    assert labels[at - 1 : at + 2] == ["5.属于三类内部事务信息", "6.属于四类过程性信息", "7.属于行政执法案卷"]
    assert "3.危及“三安全一稳定”" in labels and "4.保护第三方合法权益" in labels


def test_a_label_centred_over_its_numbers_keeps_its_lines_in_order() -> None:
    # a label cell whose first two lines stand above its line of numbers (no enumerator starts that line);
    # extractor 11 put them in front of it last line first ('关确认或重新5.要求行政机出具已获取信息')
    text = TABLE_3.replace(
        "          5.要求行政机  0         4192     0        0         0        2495     6687\n"
        "          关确认或重新\n          出具已获取信\n",
        "          5.要求行政机\n          关确认或重新\n"
        "          出具已获取信  0         4192     0        0         0        2495     6687\n",
    )
    assert "          息\n" in text and text != TABLE_3
    assert "5.要求行政机关确认或重新出具已获取信息" in _labels(text)


def test_blank_rows_in_an_unruled_table_are_blank_and_every_other_row_is_read() -> None:
    report = parse_document(extract_bytes((TITLE + TABLE_3).encode("utf-8"), "r.txt"))
    assert report.form_version == "f2021"
    assert _row(report, "denied_security_stability") == [None] * 7
    assert _row(report, "denied_third_party_rights") == [0, 0, 0, 11, 0, 0, 11]
    assert _row(report, "denied_internal_affairs") == [1870, 43, 0, 0, 4393, 10, 6316]
    assert _row(report, "denied_process_information") == [None] * 7
    assert _row(report, "denied_enforcement_files") == [0, 0, 29, 0, 2607, 3675, 6311]
    assert _row(report, "results_total") == [14308, 14002, 10906, 163, 7034, 7109, 53522]
    for key in forms.APPLICATION_ROWS["f2021"]:
        for column in forms.APPLICANT_KEYS:
            flags = set(report.applications[(key.key, column)].flags)
            assert not {"column_inferred", "label_inferred"} & flags, (key.key, column)
    assert not [p for p in report.problems if p.where and p.where.startswith("applications")]


def test_a_row_whose_numbers_share_its_labels_line_keeps_them_when_the_row_below_lost_its_label() -> None:
    # 6.属于四类过程性信息's label lines lost altogether: the numbers on 5.属于三类内部事务信息's line are that
    # row's, and the row below whose label was lost printed no line of numbers, so it is blank. (Parser 1.5.0
    # also read the seven numbers as possibly the lost row's, with 5. printed blank: both add up, so it left
    # both rows null.)
    text = TABLE_3.replace("          6.属于四类过\n          程性信息\n", "")
    report = parse_document(extract_bytes((TITLE + text).encode("utf-8"), "r.txt"))
    assert report.form_version == "f2021"
    assert _row(report, "denied_internal_affairs") == [1870, 43, 0, 0, 4393, 10, 6316]
    cells = [report.applications[("denied_internal_affairs", c)] for c in forms.APPLICANT_KEYS]
    assert not any({"column_inferred", "label_inferred"} & set(c.flags) for c in cells)
    assert _row(report, "denied_process_information") == [None] * 7
    blank = report.applications[("denied_process_information", "total")]
    assert "label_inferred" in blank.flags and "column_inferred" not in blank.flags
    assert _row(report, "denied_enforcement_files") == [0, 0, 29, 0, 2607, 3675, 6311]
    codes = {(p.code, p.where) for p in report.problems}
    assert ("label_inferred", "applications.denied_process_information") in codes
    assert not [p for p in report.problems if p.code in ("row_missing", "row_values_unsure", "row_unplaced")]


# the top of a page of 表三 (round-trip seed 1, report 18): the page starts with rows printing fewer numbers
# than the table has columns, and no fuller row stands above them on this page
PAGE_TOP = """\
          全一稳定”
          4.保护第三方                     4742               0        0        4742件
          合法权益
          5.属于三类内                              0         4425     0        4425
          部事务信息
          6.属于四类过  0         2        12       305       1        12       332
          程性信息
          7.属于行政执  0         0        4        0         0        0        4
          法案卷
"""


def test_short_rows_at_the_top_of_a_page_are_placed_under_the_fuller_row_below() -> None:
    table = next(b for b in extract_text(PAGE_TOP).blocks if isinstance(b, Table))
    rows = {row[0].text: [c.text for c in row[1:]] for row in table.rows}
    # extractor 11 left them as four cells, placed by count: the column identities could not place every zero
    assert rows["4.保护第三方合法权益"] == ["", "", "4742", "", "0", "0", "4742件"]
    assert rows["5.属于三类内部事务信息"] == ["", "", "", "0", "4425", "0", "4425"]
    assert rows["6.属于四类过程性信息"] == ["0", "2", "12", "305", "1", "12", "332"]


def test_a_row_is_not_placed_under_another_tables_columns() -> None:
    # a line of words that is no row's label (表四's header) ends the table the short row can be placed by
    text = (
        "          4.保护第三方                     4742               0        0        4742件\n"
        "          行政复议   行政诉讼\n"
        "          6.属于四类过  0         2        12       305       1        12       332\n"
    )
    table = next(b for b in extract_text(text).blocks if isinstance(b, Table))
    assert [c.text for c in table.rows[0]] == ["4.保护第三方", "4742", "0", "0", "4742件"]
