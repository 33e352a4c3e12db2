"""The metric vocabulary of reports before 2019 (no national table layout), as data.

Before 2019 agencies stated their figures in prose ("全年共受理政府信息公开申请12件，其中当面申请3件…")
and, from about 2015, in a 统计表 (指标名称 | 单位 | 统计数, some with 本年度 | 历年累计). Each metric
has a key, its Chinese label, a unit, the words that name it in prose and in table rows, and —
only where the meaning is the same — the canonical cell of the 2019/2021 forms it continues, so a
2008–2025 series is exact where `canonical` is set and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    unit: str
    # regular expressions, matched against a table label (whitespace removed) or a prose clause
    patterns: tuple[str, ...]
    # "table.row.column" of the national forms this metric is the same figure as, or None
    canonical: str | None = None
    # also read from prose sentences (words specific enough not to catch unrelated sentences)
    in_prose: bool = False


METRICS: tuple[Metric, ...] = (
    # 主动公开
    Metric(
        "active_disclosed_items",
        "主动公开政府信息数",
        "条",
        (r"主动公开(?:政府)?信息(?:数|总数)?(?!.*规范性)", r"主动公开.{0,12}信息"),
        in_prose=True,
    ),
    Metric("active_normative_documents", "主动公开规范性文件数", "条", (r"主动公开规范性文件",)),
    Metric("normative_documents_issued", "制发规范性文件总数", "件", (r"制发规范性文件",)),
    # 依申请公开: received, by channel
    Metric(
        "requests_received",
        "收到政府信息公开申请数",
        "件",
        (
            r"(?:收到|受理|接到|接收)(?:政府)?信息公开申请(?:数|总数)?",
            r"收到申请(?:数|总数)?",
            r"依申请公开(?:政府信息)?申请(?:数|总数)?",
            # 受理依申请公开事项二十三件, 收到各类公开申请15件
            r"(?:收到|受理|接到|接收)[^，。；]{0,8}?(?:依申请公开(?:事项|申请)?|公开申请|申请公开)",
        ),
        canonical="applications.new_requests.total",
        in_prose=True,
    ),
    Metric("requests_in_person", "当面申请数", "件", (r"当面(?:申请|提出)",), in_prose=True),
    Metric("requests_fax", "传真申请数", "件", (r"传真(?:申请|方式)",), in_prose=True),
    Metric("requests_online", "网络申请数", "件", (r"(?:网络|网上|在线)(?:申请|提交|方式)",), in_prose=True),
    Metric("requests_letter", "信函申请数", "件", (r"信函(?:申请|方式)",), in_prose=True),
    Metric("requests_email", "电子邮件申请数", "件", (r"电子邮件(?:申请|方式)",), in_prose=True),
    # 办结与答复
    Metric(
        "requests_closed", "申请办结数", "件", (r"办结(?:数|总数)?$", r"申请办结", r"已办结", r"全部办结")
    ),
    Metric("requests_closed_on_time", "按时办结数", "件", (r"按时办结",)),
    Metric("requests_closed_extended", "延期办结数", "件", (r"延期办结",)),
    Metric("answers_total", "申请答复数", "件", (r"申请答复(?:数|总数)", r"^答复(?:数|总数)")),
    Metric("answer_already_public", "属于已主动公开范围数", "件", (r"已主动公开范围",)),
    Metric(
        "answer_granted",
        "同意公开答复数",
        "件",
        (r"同意公开(?!.*部分)", r"^(?:予以)?公开答复"),
        in_prose=True,
    ),
    Metric("answer_partially_granted", "同意部分公开答复数", "件", (r"(?:同意)?部分公开",), in_prose=True),
    Metric("answer_denied", "不同意公开答复数", "件", (r"不(?:同意|予)公开",), in_prose=True),
    Metric(
        "answer_not_this_agency",
        "不属于本行政机关公开数",
        "件",
        (r"不属于本(?:行政)?机关", r"非本机关"),
        in_prose=True,
    ),
    Metric("answer_not_exist", "申请信息不存在数", "件", (r"信息不存在",), in_prose=True),
    Metric("answer_correction_notice", "告知作出更改补充数", "件", (r"更改补充",)),
    Metric("answer_other_channel", "告知通过其他途径办理数", "件", (r"其他途径",)),
    # 复议、诉讼、投诉
    Metric(
        "review_cases",
        "行政复议数量",
        "件",
        (r"行政复议(?:数量|案件|申请)?(?!.*维持|.*纠错|.*纠正)",),
        canonical="review_litigation.review_total",
        in_prose=True,
    ),
    Metric(
        "review_upheld",
        "行政复议·维持具体行政行为数",
        "件",
        (r"复议.*维持",),
        canonical="review_litigation.review_upheld",
    ),
    Metric(
        "review_corrected",
        "行政复议·被依法纠错数",
        "件",
        (r"复议.*纠错",),
        canonical="review_litigation.review_corrected",
    ),
    Metric(
        "litigation_cases",
        "行政诉讼数量",
        "件",
        (r"行政诉讼(?:数量|案件)?(?!.*维持|.*纠错|.*纠正)",),
        in_prose=True,
    ),
    Metric("complaints", "举报投诉数量", "件", (r"举报投诉", r"申诉")),
    # 收费
    Metric(
        "fees_collected",
        "依申请公开信息收取的费用",
        "万元",
        (r"收取[^，。；]{0,12}?(?:费用|检索费|复制费|工本费)", r"收费(?:金额|数额|总额)?"),
        in_prose=True,
    ),
    Metric("fees_exempted", "减免费用", "万元", (r"减免",)),
    # 机构、人员、经费、培训
    Metric("disclosure_offices", "政府信息公开工作专门机构数", "个", (r"专门机构",)),
    Metric("reading_points", "政府信息公开查阅点数", "个", (r"查阅(?:点|场所|室)",)),
    Metric("staff_total", "从事政府信息公开工作人员数", "人", (r"工作人员(?:数|总数)", r"从事.*人员")),
    Metric("staff_full_time", "专职人员数", "人", (r"专职",)),
    Metric("staff_part_time", "兼职人员数", "人", (r"兼职",)),
    Metric("special_funds", "政府信息公开专项经费", "万元", (r"专项经费",)),
    Metric("meetings_held", "召开政府信息公开工作会议次数", "次", (r"(?:工作)?会议",)),
    Metric("trainings_held", "举办各类培训班次数", "次", (r"培训班", r"培训(?:次数|数)")),
    Metric("trainees", "接受培训人员数", "人次", (r"培训人员", r"接受培训")),
)

METRIC_BY_KEY = {m.key: m for m in METRICS}
PERIODS = ("year", "cumulative")  # 本年度, 历年累计


def vocabulary_markdown() -> str:
    """The vocabulary as the Markdown table of docs/historical-metrics.md (kept in sync by a test)."""
    lines = [
        "# Metric vocabulary of reports before 2019 (`historical_figures`)",
        "",
        "Generated from `gongkai/historical.py` (`python -c 'import gongkai.historical as h; "
        "print(h.vocabulary_markdown())'`).",
        "A figure's `period` is `year` (本年度) or `cumulative` (历年累计). `canonical` names the cell of the",
        "2019/2021 forms that is the same figure: a 2008–2025 series is exact there and only there.",
        "",
        "| key | 标签 | unit | read from prose | canonical |",
        "|---|---|---|---|---|",
    ]
    for m in METRICS:
        lines.append(
            f"| `{m.key}` | {m.label} | {m.unit} | {'yes' if m.in_prose else 'tables only'} | "
            f"{f'`{m.canonical}`' if m.canonical else ''} |"
        )
    return "\n".join(lines) + "\n"
