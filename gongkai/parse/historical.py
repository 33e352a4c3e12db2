"""Figures of reports before 2019: from their 统计表 (指标名称 | 单位 | 本年度 | 历年累计) and their prose."""

from __future__ import annotations

import re

from gongkai.forms import normalize_label
from gongkai.historical import METRICS, Metric
from gongkai.model import Document, HistoricalFigure, Paragraph, Problem, Table
from gongkai.values import looks_numeric, parse_value

_UNITS = ("万元", "人次", "元", "件", "条", "个", "人", "次", "项", "份", "起", "宗", "例", "篇")
# a comma inside a number ("1,234条") does not end a clause
_CLAUSE_SPLIT = re.compile(r"[，；;。：:！!？?\n]|,(?!\d{3})")
# digits with an optional 万/亿 multiplier (not the 万 of 万元), or a Chinese numeral, then a unit word
_NUMBER_AFTER = re.compile(
    r"(\d[\d,]*(?:\.\d+)?\s*(?:[万亿](?!元))?|[零〇一二两三四五六七八九十][零〇一二两三四五六七八九十百千万]*)\s*("
    + "|".join(_UNITS)
    + r")"
)
_NONE_WORDS = re.compile(r"(未|没有|无|均无|尚无)")
_YEAR_TO_DATE = re.compile(r"(?:本|全|当)年度?(?:共)?累计")
_YEAR_HEADER = re.compile(r"(本年度?|统计数|本年|数量|数值|当年)")
_CUMULATIVE_HEADER = re.compile(r"(历年|累计)")
_INDICATOR_HEADER = re.compile(r"(指标|统计项目|项目名称|内容)")


def historical_figures(document: Document) -> tuple[list[HistoricalFigure], list[Problem]]:
    figures: list[HistoricalFigure] = []
    problems: list[Problem] = []
    for table in document.tables:
        figures.extend(_from_table(table, problems))
    lines: list[str] = []
    for block in document.blocks:
        if isinstance(block, Paragraph):
            lines.append(block.text)
            continue
        figures.extend(_from_prose(_running_text(lines)))
        lines = []
        if block.layout == "cell_stream":
            figures.extend(_from_prose("".join(c.text for row in block.rows for c in row)))
    figures.extend(_from_prose(_running_text(lines)))
    return _deduplicate(figures, problems), problems


_HEADING = re.compile(
    r"^\s*(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[）)]|第[一二三四五六七八九十]+[章节部分])"
)
_LINE_END = re.compile(r"[。！!？?；;：:]\s*$")


def _running_text(lines: list[str]) -> str:
    """Paragraph blocks as running text: a PDF or a converter breaks sentences at the end of each printed
    line ('…主动公开政府信息' / '5928' / '条，…'). A line joins the one before it unless that one ended a
    sentence, or either is a heading."""
    out: list[str] = []
    # the line being joined, as pieces: joining by `+` made a long run quadratic in its length
    pieces: list[str] = []
    length = 0
    for line in (x.strip() for x in lines):
        if not line:
            continue
        if (
            pieces
            and not _LINE_END.search(pieces[-1])
            and not _HEADING.match(line)
            and not (length <= 30 and _HEADING.match("".join(pieces)))
        ):
            pieces.append(line)
            length += len(line)
        else:
            if pieces:
                out.append("".join(pieces))
            pieces, length = [line], len(line)
    if pieces:
        out.append("".join(pieces))
    return "\n".join(out)


# ---------------------------------------------------------------- 统计表


def _match(text: str) -> Metric | None:
    """The metric whose words match the longest part of `text` (按时办结数 is not 办结数)."""
    best: tuple[int, Metric] | None = None
    for metric in METRICS:
        for pattern in metric.patterns:
            m = re.search(pattern, text)
            if m and (best is None or len(m.group(0)) > best[0]):
                best = (len(m.group(0)), metric)
    return best[1] if best else None


def _from_table(table: Table, problems: list[Problem]) -> list[HistoricalFigure]:
    grid = [[(c or "").strip() for c in row] for row in table.grid()]
    header_index = next(
        (
            i
            for i, row in enumerate(grid[:4])
            if any(_INDICATOR_HEADER.search(c) for c in row)
            and any(_YEAR_HEADER.search(c) or _CUMULATIVE_HEADER.search(c) or "单位" in c for c in row)
        ),
        None,
    )
    if header_index is None:
        return []
    header = grid[header_index]
    periods = {
        i: ("cumulative" if _CUMULATIVE_HEADER.search(c) else "year")
        for i, c in enumerate(header)
        if _YEAR_HEADER.search(c) or _CUMULATIVE_HEADER.search(c)
    }
    unit_column = next((i for i, c in enumerate(header) if "单位" in c), None)
    out: list[HistoricalFigure] = []
    section = ""
    unmapped: list[str] = []
    for row in grid[header_index + 1 :]:
        label_cells = [
            c
            for i, c in enumerate(row)
            if c and i not in periods and i != unit_column and not looks_numeric(c)
        ]
        if not label_cells:
            continue
        label = normalize_label(label_cells[-1])
        if re.match(r"^[一二三四五六七八九十]+[、.．]", label_cells[0].strip()):
            section = label
        metric = _match(section + label) if section and section != label else None
        metric = metric or _match(label)
        unit = row[unit_column].strip() if unit_column is not None and unit_column < len(row) else None
        value_columns = periods or {i: "year" for i, c in enumerate(row) if c and looks_numeric(c)}
        for column, period in value_columns.items():
            if column >= len(row) or not row[column]:
                continue
            if metric is None:
                unmapped.append(label_cells[-1])
                continue
            parsed = parse_value(row[column])
            out.append(
                HistoricalFigure(
                    metric.key,
                    parsed.value,
                    parsed.unit or unit or metric.unit,
                    period,
                    row[column],
                    "table",
                    list(parsed.flags),
                )
            )
    if unmapped:
        problems.append(
            Problem(
                "historical_unmapped",
                "统计表 rows with no metric in the vocabulary (kept out of "
                f"historical_figures): {', '.join(dict.fromkeys(unmapped))}",
                "info",
                "historical_figures",
            )
        )
    return out


# ---------------------------------------------------------------- prose


def _from_prose(text: str) -> list[HistoricalFigure]:
    out: list[HistoricalFigure] = []
    for sentence in re.split(r"[。！!？?\n]", text):
        for clause in _CLAUSE_SPLIT.split(sentence):
            clause = clause.strip()
            if len(clause) < 4:
                continue
            out.extend(_figures_in_clause(clause, sentence))
    return out


def _figures_in_clause(clause: str, sentence: str) -> list[HistoricalFigure]:
    found: list[HistoricalFigure] = []
    # 累计 is since the start (到年底累计, 历年累计), except the year's own running total (本年累计)
    period = "cumulative" if "累计" in clause and not _YEAR_TO_DATE.search(clause) else "year"
    for metric in METRICS:
        if not metric.in_prose:
            continue
        match = next((m for p in metric.patterns for m in [re.search(p, clause)] if m), None)
        if match is None:
            continue
        number = _NUMBER_AFTER.search(clause, match.start())
        if number is not None:
            parsed = parse_value(number.group(1))
            if parsed.value is None:
                continue
            found.append(
                HistoricalFigure(
                    metric.key,
                    parsed.value,
                    number.group(2),
                    period,
                    sentence.strip(),
                    "prose",
                    list(parsed.flags),
                )
            )
        elif _NONE_WORDS.search(clause[: match.start()] + clause[match.end() :]):
            found.append(
                HistoricalFigure(
                    metric.key, 0, metric.unit, period, sentence.strip(), "prose", ["stated_as_none"]
                )
            )
    # a clause names one figure; when several metrics matched, keep the most specific (longest match)
    if len(found) > 1 and any(f.flags != ["stated_as_none"] for f in found):
        specific = [f for f in found if f.metric.startswith("requests_") and f.metric != "requests_received"]
        found = specific[:1] or found[:1]
    return found


def _deduplicate(figures: list[HistoricalFigure], problems: list[Problem]) -> list[HistoricalFigure]:
    """One figure per (metric, period): a table's over prose, the first statement over later ones."""
    kept: dict[tuple[str, str], HistoricalFigure] = {}
    for figure in sorted(figures, key=lambda f: f.source != "table"):
        key = (figure.metric, figure.period)
        first = kept.get(key)
        if first is None:
            kept[key] = figure
        elif first.value != figure.value and "conflicting_statements" not in first.flags:
            first.flags.append("conflicting_statements")
            problems.append(
                Problem(
                    "historical_conflict",
                    f"{figure.metric} is stated as {first.value} and as "
                    f"{figure.value}; the {first.source} figure is kept",
                    "warning",
                    f"historical_figures.{figure.metric}",
                )
            )
    return list(kept.values())
