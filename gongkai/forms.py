"""The two national forms as data (spec/forms.md): keys, Chinese labels, order, identities.

Parsing, validation, the lake schema and the data dictionary all read these definitions.
`patterns` are regular expressions matched against a label with whitespace and punctuation
removed (see `normalize_label`); they are the words that tell one row from another, tolerant
of typos seen in real reports (e.g. 其他法律行政止公开).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from gongkai.model import Severity
from gongkai.values import clean_text

FORM_VERSIONS = ("f2021", "f2019", "pre2019", "unknown")


@dataclass(frozen=True)
class Key:
    key: str
    label: str
    patterns: tuple[str, ...] = ()


# ---------------------------------------------------------------- 表三 applications

APPLICANT_COLUMNS: tuple[Key, ...] = (
    Key("natural_person", "自然人", (r"自然人",)),
    Key("commercial_enterprise", "法人或其他组织·商业企业", (r"商业企业", r"商业")),
    Key("research_institution", "法人或其他组织·科研机构", (r"科研",)),
    Key("public_interest_org", "法人或其他组织·社会公益组织", (r"公益",)),
    Key("legal_service_org", "法人或其他组织·法律服务机构", (r"法律服务",)),
    Key("other_org", "法人或其他组织·其他", (r"^其他$",)),
    Key("total", "总计", (r"总计",)),
)
APPLICANT_KEYS = tuple(c.key for c in APPLICANT_COLUMNS)
APPLICANT_PARTS = APPLICANT_KEYS[:-1]

_ROWS_HEAD = (
    Key("new_requests", "一、本年新收政府信息公开申请数量", (r"新收",)),
    Key("carried_over_from_last_year", "二、上年结转政府信息公开申请数量", (r"上年结转",)),
    Key("granted", "三、本年度办理结果（一）予以公开", (r"予以公开",)),
    Key("partially_granted", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", (r"部分公开",)),
    Key("denied_state_secret", "（三）不予公开 1.属于国家秘密", (r"国家秘密",)),
    Key(
        "denied_prohibited_by_law",
        "（三）不予公开 2.其他法律行政法规禁止公开",
        (r"禁止公开", r"其他法律行政", r"法律行政法规"),
    ),
    Key("denied_security_stability", "（三）不予公开 3.危及“三安全一稳定”", (r"三安全", r"一稳定", r"危及")),
    Key("denied_third_party_rights", "（三）不予公开 4.保护第三方合法权益", (r"第三方",)),
    Key("denied_internal_affairs", "（三）不予公开 5.属于三类内部事务信息", (r"内部事务",)),
    Key("denied_process_information", "（三）不予公开 6.属于四类过程性信息", (r"过程性",)),
    Key("denied_enforcement_files", "（三）不予公开 7.属于行政执法案卷", (r"执法案卷",)),
    Key("denied_administrative_query", "（三）不予公开 8.属于行政查询事项", (r"行政查询", r"查询事项")),
    Key("unable_not_held", "（四）无法提供 1.本机关不掌握相关政府信息", (r"不掌握",)),
    Key("unable_needs_creation", "（四）无法提供 2.没有现成信息需要另行制作", (r"另行制作", r"现成信息")),
    Key(
        "unable_unclear_after_correction", "（四）无法提供 3.补正后申请内容仍不明确", (r"仍不明确", r"补正后")
    ),
    Key("not_processed_petition_complaint", "（五）不予处理 1.信访举报投诉类申请", (r"信访", r"举报投诉")),
    Key("not_processed_repeated", "（五）不予处理 2.重复申请", (r"重复申请",)),
    Key("not_processed_publication", "（五）不予处理 3.要求提供公开出版物", (r"出版物",)),
    Key("not_processed_excessive", "（五）不予处理 4.无正当理由大量反复申请", (r"大量反复", r"大量")),
    Key(
        "not_processed_confirmation",
        "（五）不予处理 5.要求行政机关确认或重新出具已获取信息",
        (r"确认或重新", r"重新出具", r"已获取信息"),
    ),
)
_ROWS_OTHER_2021 = (
    Key(
        "other_overdue_correction",
        "（六）其他处理 1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        (r"不补正",),
    ),
    Key(
        "other_overdue_fee",
        "（六）其他处理 2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
        (r"缴纳费用", r"收费通知"),
    ),
    Key("other_other", "（六）其他处理 3.其他", (r"^\d?其他$",)),
)
OTHER_HANDLING = Key("other_handling", "（六）其他处理", (r"其他处理",))
_ROWS_TAIL = (
    Key("results_total", "（七）总计", (r"总计", r"^合计$")),
    Key("carried_forward_to_next_year", "四、结转下年度继续办理", (r"结转下", r"继续办理")),
)

APPLICATION_ROWS: dict[str, tuple[Key, ...]] = {
    "f2021": _ROWS_HEAD + _ROWS_OTHER_2021 + _ROWS_TAIL,
    "f2019": _ROWS_HEAD + (OTHER_HANDLING,) + _ROWS_TAIL,
}
# rows summed into results_total
RESULT_ROWS: dict[str, tuple[str, ...]] = {
    form: tuple(k.key for k in rows[2:-2]) for form, rows in APPLICATION_ROWS.items()
}
ALL_APPLICATION_ROW_KEYS = tuple(dict.fromkeys(k.key for rows in APPLICATION_ROWS.values() for k in rows))

# ---------------------------------------------------------------- 表四 review and litigation

REVIEW_BLOCKS: tuple[Key, ...] = (
    Key("review", "行政复议", (r"行政复议",)),
    Key("suit_direct", "行政诉讼·未经复议直接起诉", (r"未经复议", r"直接起诉")),
    Key("suit_after_review", "行政诉讼·复议后起诉", (r"复议后",)),
)
REVIEW_OUTCOMES: tuple[Key, ...] = (
    Key("upheld", "结果维持", (r"维持",)),
    Key("corrected", "结果纠正", (r"纠正",)),
    Key("other", "其他结果", (r"其他",)),
    Key("pending", "尚未审结", (r"未审结", r"审结")),
    Key("total", "总计", (r"总计", r"合计")),
)
REVIEW_COLUMNS: tuple[str, ...] = tuple(f"{b.key}_{o.key}" for b in REVIEW_BLOCKS for o in REVIEW_OUTCOMES)
REVIEW_LABELS: dict[str, str] = {
    f"{b.key}_{o.key}": f"{b.label}·{o.label}" for b in REVIEW_BLOCKS for o in REVIEW_OUTCOMES
}

# ---------------------------------------------------------------- 表二 active disclosure


@dataclass(frozen=True)
class Item:
    key: str
    label: str
    section: str
    metrics: tuple[Key, ...]
    patterns: tuple[str, ...]
    unit: str = "件"


_M2021_DOCS = (
    Key("issued", "本年制发件数", (r"制发",)),
    Key("repealed", "本年废止件数", (r"废止",)),
    Key("in_force", "现行有效件数", (r"现行有效",)),
)
_M2021_DECISIONS = (Key("decisions", "本年处理决定数量", (r"处理决定",)),)
_M2019_DOCS = (
    Key("newly_made", "本年新制作数量", (r"新制作",)),
    Key("newly_published", "本年新公开数量", (r"新公开",)),
    Key("total_published", "对外公开总数量", (r"公开总数",)),
)
_M2019_ITEMS = (
    Key("prior_year_items", "上一年项目数量", (r"上一年",)),
    Key("change", "本年增/减", (r"增",)),
    Key("decisions", "处理决定数量", (r"处理决定",)),
)

ACTIVE_ITEMS: dict[str, tuple[Item, ...]] = {
    "f2021": (
        Item("rules", "规章", "20(1)", _M2021_DOCS, (r"^规章",)),
        Item("normative_documents", "行政规范性文件", "20(1)", _M2021_DOCS, (r"规范性文件",)),
        Item("administrative_licensing", "行政许可", "20(5)", _M2021_DECISIONS, (r"^行政许可(?!类)",)),
        Item("administrative_penalty", "行政处罚", "20(6)", _M2021_DECISIONS, (r"^行政处罚(?!类)",)),
        Item("administrative_coercion", "行政强制", "20(6)", _M2021_DECISIONS, (r"^行政强制(?!类)",)),
        Item(
            "administrative_fees",
            "行政事业性收费",
            "20(8)",
            (Key("fee_amount", "本年收费金额（单位：万元）", (r"收费金额",)),),
            (r"事业性收费",),
            unit="万元",
        ),
    ),
    "f2019": (
        Item("rules", "规章", "20(1)", _M2019_DOCS, (r"^规章",)),
        Item("normative_documents", "规范性文件", "20(1)", _M2019_DOCS, (r"规范性文件",)),
        Item("administrative_licensing", "行政许可", "20(5)", _M2019_ITEMS, (r"^行政许可(?!类)",)),
        Item("other_external_services", "其他对外管理服务事项", "20(5)", _M2019_ITEMS, (r"对外管理服务",)),
        Item("administrative_penalty", "行政处罚", "20(6)", _M2019_ITEMS, (r"^行政处罚(?!类)",)),
        Item("administrative_coercion", "行政强制", "20(6)", _M2019_ITEMS, (r"^行政强制(?!类)",)),
        Item("administrative_fees", "行政事业性收费", "20(8)", _M2019_ITEMS[:2], (r"事业性收费",)),
        Item(
            "government_procurement",
            "政府集中采购",
            "20(9)",
            (
                Key("procurement_items", "采购项目数量", (r"项目",)),
                Key("procurement_amount", "采购总金额", (r"金额",)),
            ),
            (r"集中采购",),
        ),
    ),
}

# Header words that tell the two forms apart (表二 differs most).
FORM_MARKERS: dict[str, tuple[str, ...]] = {
    "f2021": ("本年制发件数", "本年废止件数", "现行有效件数", "本年收费金额"),
    "f2019": ("本年新制作数量", "本年新公开数量", "对外公开总数量", "上一年项目数量", "政府集中采购"),
}

# ---------------------------------------------------------------- identities
#
# Every sum the forms state between their cells (docs/forms.md), declared once. The parser reports a
# broken one as a problem (parse.check_identities), validation as a failed check (the GX suites of
# validate/checks.py and their frames in validate/frames.py). Neither ever changes a printed value.

# the f2021 rows that （六）其他处理 printed as one row (`other_handling`, the 2019 way) stands for
OTHER_SUBROWS: tuple[str, ...] = tuple(k.key for k in _ROWS_OTHER_2021)
# every row that counts toward (七)总计 in either form, other_handling included
RESULT_ROWS_ANY: tuple[str, ...] = tuple(dict.fromkeys(r for rows in RESULT_ROWS.values() for r in rows))


def single_other_row(row_keys: Iterable[str]) -> bool:
    """Does a report with these 表三 rows print （六）其他处理 as one row?"""
    return OTHER_HANDLING.key in set(row_keys)


def printed_rows(form: str, single_other: bool = False) -> tuple[str, ...]:
    """The 表三 rows a report of `form` prints; a 2021-form report printing （六）其他处理 as one row has
    other_handling in place of the three other_* rows. No rows for pre2019/unknown."""
    rows = tuple(k.key for k in APPLICATION_ROWS.get(form, ()))
    if single_other and OTHER_HANDLING.key not in rows:
        # in the place of the three, before (七)总计: the order is the table's (its sums take rows[2:-2])
        first = rows.index(OTHER_SUBROWS[0])
        rows = (*rows[:first], OTHER_HANDLING.key, *(r for r in rows[first:] if r not in OTHER_SUBROWS))
    return rows


@dataclass(frozen=True)
class Identity:
    """The printed `total` = Σ `plus` − Σ `minus`, checked for each `per`:

    - "row": each 表三 row, over its applicant columns (terms are column keys);
    - "column": each applicant column, over 表三 rows (terms are row keys);
    - "block": each 表四 block, over its outcomes (terms are outcome keys).

    A check is skipped where any of its cells is blank: a blank is not a zero.
    """

    check: str  # stable name in validation_results, e.g. applications.row_sum
    table: str  # applications | review_litigation
    per: Literal["row", "column", "block"]
    total: str
    plus: tuple[str, ...]
    minus: tuple[str, ...]
    statement: str  # what the form says: the GX description and the data dictionary
    short: str  # prefixes the identity's columns in the validation frames
    # the parser's problem when broken: templates over {over} (the row, column or block), {label} (a
    # block's label), {sum} (Σ plus − Σ minus), {printed} (the total) and every term's value by its key
    problem_code: str
    problem_where: str
    problem_message: str
    problem_severity: Severity
    # the validation check when broken: template over the fields of validate.runner.failures_from_result
    check_message: str
    check_severity: Severity
    # `plus` lists the rows of either form: a report sums only those its form prints (none when it has no
    # national form), so the 2019 way of printing （六）其他处理 as one row is summed right
    plus_by_form: bool = False
    # the parser also checks a partly printed line: the printed `plus` terms must add up to the total (a
    # blank adds nothing), with this message; a numbers shifted into the wrong column break it
    partial_message: str | None = None

    def overs(self, row_keys: Iterable[str]) -> tuple[str, ...]:
        """What the identity is checked for, given the 表三 rows a report holds."""
        if self.per == "row":
            return tuple(dict.fromkeys(row_keys))
        if self.per == "column":
            return APPLICANT_KEYS
        return tuple(b.key for b in REVIEW_BLOCKS)

    def cell(self, over: str, term: str) -> tuple[str, str] | str:
        """The key of a term's cell in Report.applications ((row, column)) or Report.review_litigation."""
        if self.per == "row":
            return (over, term)
        if self.per == "column":
            return (term, over)
        return f"{over}_{term}"

    def plus_for(self, form: str, row_keys: Iterable[str]) -> tuple[str, ...]:
        """The `plus` terms that count for a report of `form` holding these 表三 rows."""
        if not self.plus_by_form:
            return self.plus
        printed = set(printed_rows(form, single_other_row(row_keys)))
        return tuple(t for t in self.plus if t in printed)

    def label(self, over: str) -> str:
        return {b.key: b.label for b in REVIEW_BLOCKS}.get(over, over)


IDENTITIES: tuple[Identity, ...] = (
    Identity(
        "applications.row_sum",
        "applications",
        "row",
        "total",
        APPLICANT_PARTS,
        (),
        "总计 = the sum of the six applicant columns (every row).",
        "rs",
        "identity_row_total",
        "applications.{over}.total",
        "表三 row {over}: the six applicant columns sum to {sum:g} but 总计 prints {printed:g}",
        "warning",
        "表三 {row_label}: the six applicant columns sum to {expected} but 总计 prints {observed}",
        "error",
        partial_message="表三 row {over}: the applicant columns printed sum to {sum:g} (the others blank) but 总计 "
        "prints {printed:g}",
    ),
    Identity(
        "applications.results_total",
        "applications",
        "column",
        "results_total",
        RESULT_ROWS_ANY,
        (),
        "(七)总计 = the sum of the result rows (per column).",
        "rt",
        "identity_results_total",
        "applications.results_total.{over}",
        "表三 column {over}: the result rows sum to {sum:g} but (七)总计 prints {printed:g}",
        "warning",
        "表三 column {column_label}: the result rows (一)–(六) sum to {expected} but (七)总计 prints {observed}",
        "error",
        plus_by_form=True,
    ),
    Identity(
        "applications.balance",
        "applications",
        "column",
        "carried_forward_to_next_year",
        ("new_requests", "carried_over_from_last_year"),
        ("results_total",),
        "新收 + 上年结转 = 办理结果总计 + 结转下年度 (本列数据的勾稽关系).",
        "bal",
        "identity_balance",
        "applications.{over}",
        "表三 column {over}: 新收 {new_requests:g} + 上年结转 {carried_over_from_last_year:g} ≠ 总计 "
        "{results_total:g} + 结转下年 {carried_forward_to_next_year:g}",
        "warning",
        "表三 column {column_label}: 新收 + 上年结转 − (七)总计 = {expected} but 结转下年度继续办理 prints {observed}",
        "error",
    ),
    Identity(
        "review_litigation.block_total",
        "review_litigation",
        "block",
        "total",
        tuple(o.key for o in REVIEW_OUTCOMES if o.key != "total"),
        (),
        "In each block 总计 = 维持 + 纠正 + 其他 + 尚未审结.",
        "b",
        "identity_review_total",
        "review_litigation.{over}_total",
        "表四 {label}: 维持+纠正+其他+未审结 = {sum:g} but 总计 prints {printed:g}",
        "warning",
        "表四 {block_label}: 维持+纠正+其他+未审结 = {expected} but 总计 prints {observed}",
        "error",
    ),
)


@dataclass(frozen=True)
class CrossYearIdentity:
    """This year's `row` = last year's `previous_row`, per applicant column, for one agency."""

    check: str
    row: str
    previous_row: str
    statement: str
    check_message: str
    check_severity: Severity


CROSS_YEAR = CrossYearIdentity(
    "applications.cross_year",
    "carried_over_from_last_year",
    "carried_forward_to_next_year",
    "上年结转 = last year's 结转下年度 (same agency).",
    "表三 column {column_label}: last year's report ({detail}) carried {expected} forward but this report's "
    "上年结转 is {observed}",
    "warning",
)

# ---------------------------------------------------------------- labels

_PUNCT = re.compile(r"[\s\u3000\u00a0:：,，、。.．;；()（）\[\]【】“”\"'‘’「」《》<>〈〉·•\-—_/|*#]+")
_ENUM = re.compile(r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[)）]|\d+[.．、])")


def strip_enumerator(label: str) -> str:
    """'三、本年度办理结果' → '本年度办理结果'; '（二）部分公开' → '部分公开'; '1.属于国家秘密' → '属于国家秘密'."""
    label = clean_text(label).replace(" ", "").replace("\u3000", "")
    previous = None
    while previous != label:
        previous = label
        label = _ENUM.sub("", label)
    return label


def normalize_label(label: str) -> str:
    """Strip enumerators, whitespace and punctuation: what label patterns are matched against."""
    return _PUNCT.sub("", strip_enumerator(label))


def match_key(label: str, keys: tuple[Key, ...] | tuple[Item, ...]) -> str | None:
    norm = normalize_label(label)
    if not norm:
        return None
    for key in keys:
        if any(re.search(p, norm) for p in key.patterns):
            return key.key
    return None
