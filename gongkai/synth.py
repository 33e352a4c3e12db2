"""Synthetic reports: random valid tables of both forms, rendered into the text layouts converters
produce. Used by the property tests (parse back to exactly these values) and the benchmarks."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from gongkai import forms
from gongkai.model import Cell, Document, Paragraph, Table

LAYOUTS = ("tab", "cell_per_line", "pipe", "markdown")
# what crawlers and converters degrade tables into
DEGRADED_LAYOUTS = ("glued", "fragmented_markdown")

# printed label cells of each 表三 row: (group label, sub-group label, row label)
_GROUPS = {
    "granted": "三、本年度办理结果",
    "denied_state_secret": "（三）不予公开",
    "unable_not_held": "（四）无法提供",
    "not_processed_petition_complaint": "（五）不予处理",
    "other_overdue_correction": "（六）其他处理",
}


@dataclass
class SynthReport:
    form: str
    year: int
    agency: str
    applications: dict[str, list[int | None]]
    review: list[int | None]
    active: dict[tuple[str, str], int | float | None]
    dropped_labels: set[str] = field(default_factory=set)
    rows: tuple[forms.Key, ...] = ()  # the 表三 rows as printed


def _year(form: str, drawn: int) -> int:
    """The 2021 form exists from the 2021 reports: a 2019 or 2020 drawn for it moves two years on (one draw
    either way, so a seed renders the same values whatever the form)."""
    return drawn + 2 if form == "f2021" and drawn < 2021 else drawn


def random_report(
    rng: random.Random,
    form: str,
    *,
    blanks: bool = True,
    totals_only_rows: bool = True,
    drop_labels: int = 0,
    single_other_row: bool = False,
) -> SynthReport:
    """`single_other_row`: a 2021-form report that prints （六）其他处理 as one row, the 2019 way."""
    rows = forms.APPLICATION_ROWS["f2019" if single_other_row else form]
    applications: dict[str, list[int | None]] = {}
    for row in rows:
        parts: list[int | None] = [
            rng.choice((0, 0, 0, rng.randint(0, 40), rng.randint(0, 5000))) for _ in range(6)
        ]
        style = rng.random()
        if totals_only_rows and style < 0.15:
            parts = [None] * 6  # the row fills only 总计
        elif blanks and style < 0.3:
            parts = [p if rng.random() < 0.6 else None for p in parts]
        total = sum(p or 0 for p in parts) if rng.random() < 0.97 else rng.randint(0, 99)
        applications[row.key] = [*parts, total]
    review: list[int | None] = [rng.choice((0, 0, rng.randint(0, 30))) for _ in range(15)]
    active: dict[tuple[str, str], int | float | None] = {}
    for item in forms.ACTIVE_ITEMS[form]:
        for metric in item.metrics:
            if "amount" in metric.key:
                active[(item.key, metric.key)] = round(rng.uniform(0, 9999), 2)
            elif metric.key == "change":
                active[(item.key, metric.key)] = rng.randint(-20, 20)
            else:
                active[(item.key, metric.key)] = rng.choice((0, rng.randint(0, 99999)))
    # labels can only be recovered by position between labelled neighbours: never drop the first/last
    candidates = [r.key for r in rows[1:-1]]
    dropped = set(rng.sample(candidates, min(drop_labels, len(candidates))))
    dropped = {k for k in dropped if not ({_neighbour(rows, k, -1), _neighbour(rows, k, 1)} & dropped)}
    return SynthReport(
        form,
        _year(form, rng.randint(2019, 2025)),
        rng.choice(("某某市某某区人民政府", "某县残疾人联合会", "某某省某某厅")),
        applications,
        review,
        active,
        dropped,
        rows,
    )


def _neighbour(rows: tuple[forms.Key, ...], key: str, step: int) -> str:
    keys = [r.key for r in rows]
    return keys[keys.index(key) + step]


def _clause(section: str) -> str:
    """'20(5)' → '五' (第二十条第（五）项)."""
    return "一二三四五六七八九"[int(section.split("(")[1].rstrip(")")) - 1]


def _fmt(value: int | float | None) -> str:
    if value is None:
        return ""
    return f"{value:g}" if isinstance(value, float) else str(value)


def _spaced(label: str, rng: random.Random) -> str:
    """Labels spaced out the way justified Word cells export them: '不 予 公 开'."""
    return " ".join(label) if rng.random() < 0.5 else label


def _app_label_cells(key: str, label: str, rng: random.Random, split: bool) -> list[str]:
    """[group cell, row cell]; the group is printed on its first row only, as a row span exports."""
    own = "（一）予以公开" if key == "granted" else label.split(" ", 1)[-1]
    group = _GROUPS.get(key, "")
    if split:
        group = _spaced(group, rng) if group else group
        own = _spaced(own, rng) if rng.random() < 0.3 else own
    return [group, own]


def render(report: SynthReport, layout: str, rng: random.Random, *, split_labels: bool = False) -> str:
    """The report as text in `layout` (tab, cell_per_line, pipe, markdown)."""
    tables: list[list[list[str]]] = []
    # 表二
    active_rows: list[list[str]] = []
    for item in forms.ACTIVE_ITEMS[report.form]:
        active_rows.append([f"第二十条第（{_clause(item.section)}）项", *[""] * len(item.metrics)])
        active_rows.append(["信息内容", *(m.label for m in item.metrics)])
        active_rows.append([item.label, *(_fmt(report.active[(item.key, m.key)]) for m in item.metrics)])
    tables.append(active_rows)
    # 表三
    header = [
        ["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", "", "申请人情况", *[""] * 6],
        ["", "", "自然人", "法人或其他组织", "", "", "", "", "总计"],
        ["", "", "", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", ""],
    ]
    app_rows = list(header)
    for row in report.rows:
        labels = (
            ["", ""]
            if row.key in report.dropped_labels
            else _app_label_cells(row.key, row.label, rng, split_labels)
        )
        app_rows.append([*labels, *(_fmt(v) for v in report.applications[row.key])])
    tables.append(app_rows)
    # 表四
    outcomes = [o.label for o in forms.REVIEW_OUTCOMES]
    tables.append(
        [
            ["行政复议", *[""] * 4, "行政诉讼", *[""] * 9],
            [*outcomes, "未经复议直接起诉", *[""] * 4, "复议后起诉", *[""] * 4],
            [*[""] * 5, *outcomes, *outcomes],
            [_fmt(v) for v in report.review],
        ]
    )
    headings = [
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况",
    ]
    out = [
        f"{report.agency}{report.year}年政府信息公开工作年度报告",
        "",
        f"本报告所列数据的统计期限自{report.year}年1月1日起至{report.year}年12月31日止。",
        "",
    ]
    for heading, table in zip(headings, tables, strict=True):
        out += [heading, ""] + _render_table(table, layout, rng) + [""]
    out += ["五、存在的主要问题及改进情况", "无。"]
    return "\n".join(out) + "\n"


def _render_table(rows: list[list[str]], layout: str, rng: random.Random) -> list[str]:
    if layout == "tab":
        return ["\t".join(r) for r in rows]
    if layout == "cell_per_line":
        lines: list[str] = []
        for r in rows:
            for cell in r:
                if len(cell) > 12 and rng.random() < 0.3 and not cell.strip().isdigit():
                    cut = rng.randint(4, len(cell) - 4)  # the cell's text wraps onto a second line
                    lines += ["\t" + cell[:cut], cell[cut:]]
                else:
                    lines.append("\t" + cell)
            lines.append("")
        return lines
    if layout == "pipe":
        return [" | ".join(r) + " |" for r in rows]
    if layout == "glued":  # every cell of a row run together, blanks gone
        return ["".join(r) for r in rows]
    if layout == "fragmented_markdown":  # the table cut into pieces, each under a made-up header
        lines = []
        i = 0
        while i < len(rows):
            size = rng.randint(1, 6)
            piece = rows[i : i + size]
            width = max(len(r) for r in piece)
            header = [f"列{k + 1}" for k in range(width)] if rng.random() < 0.5 else ["", *[""] * (width - 1)]
            lines += ["| " + " | ".join(header) + " |", "|" + "---|" * width]
            lines += ["| " + " | ".join(r + [""] * (width - len(r))) + " |" for r in piece] + [""]
            i += size
        return lines
    width = max(len(r) for r in rows)
    padded = [r + [""] * (width - len(r)) for r in rows]
    return ["| " + " | ".join(padded[0]) + " |", "|" + "---|" * width] + [
        "| " + " | ".join(r) + " |" for r in padded[1:]
    ]


_SUBGROUP_ROWS = {
    "denied_": "（三）不予公开",
    "unable_": "（四）无法提供",
    "not_processed_": "（五）不予处理",
    "other_o": "（六）其他处理",
}


def render_document(report: SynthReport, rng: random.Random, *, page_break: bool = False) -> Document:
    """The report as extractors of HTML/DOCX/PDF hand it over: grids with row and column spans, a
    sub-group label spanning its rows, and optionally 表三 split in two by a page break."""
    blocks: list[Paragraph | Table] = [
        Paragraph(f"{report.agency}{report.year}年政府信息公开工作年度报告", 1),
        Paragraph(f"本报告所列数据的统计期限自{report.year}年1月1日起至{report.year}年12月31日止。", 1),
        Paragraph("二、主动公开政府信息情况", 1),
    ]
    active: list[list[Cell]] = []
    for item in forms.ACTIVE_ITEMS[report.form]:
        width = len(item.metrics)
        active.append([Cell(f"第二十条第（{_clause(item.section)}）项", col_span=width + 1)])
        active.append([Cell("信息内容"), *(Cell(m.label) for m in item.metrics)])
        active.append(
            [Cell(item.label), *(Cell(_fmt(report.active[(item.key, m.key)])) for m in item.metrics)]
        )
    blocks += [Table(active, page=1), Paragraph("三、收到和处理政府信息公开申请情况", 2)]
    header = [
        [
            Cell(
                "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", row_span=3, col_span=2
            ),
            Cell("申请人情况", col_span=7),
        ],
        [Cell("自然人", row_span=2), Cell("法人或其他组织", col_span=5), Cell("总计", row_span=2)],
        [Cell(x) for x in ("商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他")],
    ]
    rows: list[list[Cell]] = list(header)
    keys = [r.key for r in report.rows]
    for row in report.rows:
        values = [Cell(_fmt(v)) for v in report.applications[row.key]]
        label = (
            ""
            if row.key in report.dropped_labels
            else ("三、本年度办理结果（一）予以公开" if row.key == "granted" else row.label.split(" ", 1)[-1])
        )
        prefix = next((p for p in _SUBGROUP_ROWS if row.key.startswith(p)), None)
        if prefix is None:
            rows.append([Cell(label, col_span=2), *values])
            continue
        members = [k for k in keys if k.startswith(prefix)]
        group = [Cell(_SUBGROUP_ROWS[prefix], row_span=len(members))] if members[0] == row.key else []
        rows.append([*group, Cell(label), *values])
    if page_break:
        cut = rng.randint(4, len(rows) - 2)
        blocks += [Table(rows[:cut], page=2), Paragraph("- 2 -", 2), Table(rows[cut:], page=3)]
    else:
        blocks.append(Table(rows, page=2))
    outcomes = [Cell(o.label) for o in forms.REVIEW_OUTCOMES]
    review = [
        [Cell("行政复议", col_span=5), Cell("行政诉讼", col_span=10)],
        [
            *(Cell(o.text, row_span=2) for o in outcomes),
            Cell("未经复议直接起诉", col_span=5),
            Cell("复议后起诉", col_span=5),
        ],
        [*(Cell(o.text) for o in outcomes), *(Cell(o.text) for o in outcomes)],
        [Cell(_fmt(v)) for v in report.review],
    ]
    blocks += [
        Paragraph("四、政府信息公开行政复议、行政诉讼情况", 3),
        Table(review, page=3),
        Paragraph("五、存在的主要问题及改进情况", 3),
    ]
    return Document(blocks=blocks, media_type="text/html", extractor="synthetic")
