"""More layouts real publishers produce, for the round-trip harness (benchmarks/roundtrip.py): each renders a
synthetic report (gongkai.synth_files.consistent_report) the way one kind of publisher or tool writes it.

- `html_nested`: a CMS page that lays the article out in a table and puts the report's tables inside it;
  cells hold their text in <p>s, long labels broken with <br>, numbers wrapped in <span>s.
- `markdown_grid`: converter Markdown with grid tables (+---+---+, as pandoc writes them).
- `markdown_spans_repeated`: converter Markdown whose pipe tables repeat a spanning cell's text in every
  position it covers (as docling exports merged cells): labels over several rows, headers over several
  columns, a 表二 value over the metric columns.
- `html_value_spans`, `pdf_value_spans`: 表二 as the national template draws it, a one-metric row's value spanning the columns
  the other rows use for their metrics.
- `text_cell_lines`: a crawler's text dump with one cell per line and the empty cells gone;
  `lines_no_label`: the same with two 表三 rows' labels lost too.
- `html_transposed`: 表三 on its side (a row per applicant kind, 法人或其他组织 spanning its five).
- `pdf_unruled` (via DOCX → PDF): tables with no ruling lines, columns only by position.
- `pdf_split`: 表三 split over two pages with its header rows repeated on the second (DOCX → PDF).
- `html_legal_aggregate`, `pdf_legal_aggregate`: 表三 with 法人或其他组织 as one column (自然人 | 法人或其他组织 |
  总计): the five kinds are not printed, so the harness expects them null (`Layout.legal_persons_aggregated`).
- `html_legal_subtotal`, `docx_legal_subtotal`: a 小计 (or 合计) column after the five kinds, under 法人或其他组织.
- `html_columns_reordered`, `pdf_columns_reordered`: the applicant columns in another order (总计 first, the
  five kinds shuffled), the header over two or three rows.
- `docx_columns_split`, `pdf_columns_split`, `html_columns_split`: 表三 printed as a spreadsheet prints a
  sheet too wide for its paper: the first columns on one page, the rest on the next, the row labels
  printed again or not.

Every file must parse back to its values or flag what it cannot read — never a silent wrong number.
"""

from __future__ import annotations

import html
import random
from collections.abc import Callable
from dataclasses import dataclass, replace

from gongkai.model import Cell, Document, Paragraph, Table
from gongkai.synth import SynthReport, _fmt
from gongkai.synth_files import decorated, document_docx, tables_html

_CJK_BREAKS = ("（区分处理的", "、行政机关", "政府信息公开申请数量")


def _is_value(text: str) -> bool:
    return not any("\u4e00" <= ch <= "\u9fff" for ch in text) or text.endswith("件")


def _nested_cell(cell: Cell, rng: random.Random) -> str:
    text = html.escape(cell.text)
    if text and not _is_value(cell.text):
        for word in _CJK_BREAKS:  # a long label broken over lines by the editor
            if word in text and rng.random() < 0.7:
                text = text.replace(word, "<br>" + word, 1)
        text = f"<p style='text-align:left'>{text}</p>"
    elif text:
        text = f"<p align=center><span style='font-family:宋体'>{text}</span></p>"
    else:
        text = rng.choice(("<p>&nbsp;</p>", "<p><br></p>", ""))
    spans = (f" rowspan='{cell.row_span}'" if cell.row_span > 1 else "") + (
        f" colspan='{cell.col_span}'" if cell.col_span > 1 else ""
    )
    return f"<td{spans} valign=middle>{text}</td>"


def to_nested_html(synth: SynthReport, rng: random.Random) -> bytes:
    document = decorated(synth, rng)
    body: list[str] = []
    for block in document.blocks:
        if isinstance(block, Paragraph):
            body.append(f"<p style='text-indent:2em'>{html.escape(block.text)}</p>")
            continue
        rows = "".join("<tr>" + "".join(_nested_cell(c, rng) for c in row) + "</tr>" for row in block.rows)
        body.append(
            f"<table border=1 width='100%' style='border-collapse:collapse'><tbody>{rows}</tbody></table>"
        )
    title = html.escape(document.blocks[0].text)  # type: ignore[union-attr]
    page = (
        f"<html><head><meta charset='utf-8'><title>{title}</title></head><body>"
        "<table width='1000' align='center'><tr><td class='nav'>首页 &gt; 信息公开 &gt; 年度报告</td></tr>"
        f"<tr><td class='content'><div id='zoom'>{''.join(body)}</div></td></tr>"
        "<tr><td class='foot'>版权所有：某某人民政府 ICP备00000000号</td></tr></table></body></html>"
    )
    return page.encode("utf-8")


def _flat_rows(table: Table) -> list[list[str]]:
    """The grid with spanned positions written as empty cells (how converters flatten spans)."""
    return [[c or "" for c in row] for row in table.grid()]


def _grid_table(rows: list[list[str]]) -> list[str]:
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    widths = [max(2, *(len(r[c]) * 2 for r in rows)) for c in range(width)]
    rule = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
    head = "+" + "+".join("=" * (w + 2) for w in widths) + "+"
    out = [rule]
    for index, row in enumerate(rows):
        out.append(
            "| "
            + " | ".join(
                c + " " * (w - len(c) * (2 if not c.isascii() else 1))
                for c, w in zip(row, widths, strict=True)
            )
            + " |"
        )
        out.append(head if index == 0 else rule)
    return out


def _repeated_rows(table: Table) -> list[list[str]]:
    """The grid with every position a span covers holding the span's text."""
    width = max((c + cell.col_span for _, c, cell in table.origins()), default=0)
    height = max((r + cell.row_span for r, _, cell in table.origins()), default=0)
    rows = [[""] * width for _ in range(height)]
    for r, c, cell in table.origins():
        for dr in range(cell.row_span):
            for dc in range(cell.col_span):
                rows[r + dr][c + dc] = cell.text.replace("\n", " ")
    return rows


def _spanned_values(document: Document) -> Document:
    """表二 as the national template draws it: a row with fewer metrics than the table's widest spreads its
    last metric (value and header) over the columns left, e.g. 行政许可 | 2776 over three columns."""
    for block in document.blocks:
        if not isinstance(block, Table) or not block.rows or "第二十条" not in block.rows[0][0].text:
            continue
        width = max(sum(cell.col_span for cell in row) for row in block.rows)
        for row in block.rows:
            short = width - sum(cell.col_span for cell in row)
            if short > 0 and len(row) > 1:
                row[-1] = replace(row[-1], col_span=row[-1].col_span + short)
    return document


def to_value_spans_html(synth: SynthReport, rng: random.Random) -> bytes:
    body = "\n".join(tables_html(_spanned_values(decorated(synth, rng)), rng))
    return f'<html><head><meta charset="utf-8"></head><body>{body}</body></html>'.encode()


def to_value_spans_docx(synth: SynthReport, rng: random.Random) -> bytes:
    return document_docx(_spanned_values(decorated(synth, rng)), landscape=True)


def to_repeated_markdown(synth: SynthReport, rng: random.Random) -> bytes:
    document = _spanned_values(decorated(synth, rng))
    parts: list[str] = []
    for block in document.blocks:
        if isinstance(block, Paragraph):
            parts.append(block.text)
        else:
            rows = _repeated_rows(block)
            lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
            parts.append("\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows[1:]]))
    return ("\n\n".join(parts) + "\n").encode("utf-8")


def to_grid_markdown(synth: SynthReport, rng: random.Random) -> bytes:
    document = decorated(synth, rng)
    parts: list[str] = []
    for block in document.blocks:
        if isinstance(block, Paragraph):
            parts.append(block.text)
        else:
            parts.append("\n".join(_grid_table(_flat_rows(block))))
    return ("\n\n".join(parts) + "\n").encode("utf-8")


def to_cell_lines(synth: SynthReport, rng: random.Random) -> bytes:
    """One cell per line, as `get_text("\\n")` of a page gives it; empty cells leave no line."""
    document = decorated(synth, rng)
    lines: list[str] = ["首页 > 政务公开 > 政府信息公开年报"]
    for block in document.blocks:
        if isinstance(block, Paragraph):
            lines.append(block.text)
            continue
        for row in block.rows:
            lines += [c.text for c in row if c.text.strip()]
    lines.append("打印本页 关闭窗口")
    return ("\n".join(lines) + "\n").encode("utf-8")


def to_unlabelled_cell_lines(synth: SynthReport, rng: random.Random) -> bytes:
    """One cell per line with two 表三 rows' labels lost as well (a crawler that skipped cells it took for
    layout): their numbers follow the row above with nothing between."""
    keys = [r.key for r in synth.rows[2:-3]]
    first = rng.randrange(len(keys) - 3)
    lost = replace(
        synth, dropped_labels={keys[first], keys[first + 2 + rng.randrange(len(keys) - first - 2)]}
    )
    return to_cell_lines(lost, rng)


def to_unruled_docx(synth: SynthReport, rng: random.Random) -> bytes:
    return document_docx(decorated(synth, rng), ruled=False, landscape=True, font_size=9)


def to_split_docx(synth: SynthReport, rng: random.Random) -> bytes:
    """表三 cut in two after a random row, its three header rows printed again above the second part, and
    a page break between (what an office suite's "repeat header rows" gives)."""
    document = decorated(synth, rng)
    blocks: list[Paragraph | Table] = []
    for block in document.blocks:
        if isinstance(block, Table) and any("自然人" in c.text for row in block.rows[:3] for c in row):
            header, body = block.rows[:3], block.rows[3:]
            cut = rng.randint(4, len(body) - 3)
            while _inside_span(body, cut):
                cut += 1
            blocks += [
                Table(header + body[:cut], page=block.page),
                Paragraph(PAGE_BREAK),
                Table([list(r) for r in header] + body[cut:], page=(block.page or 0) + 1),
            ]
        else:
            blocks.append(block)
    return _with_page_break(document_docx(Document(blocks=blocks), landscape=True, font_size=9))


PAGE_BREAK = "- 2 -"  # the page number printed where the page ends (the parser drops page numbers)


def _with_page_break(data: bytes) -> bytes:
    import io

    import docx
    from docx.enum.text import WD_BREAK

    out = docx.Document(io.BytesIO(data))
    for paragraph in out.paragraphs:
        if paragraph.text == PAGE_BREAK:
            paragraph.runs[-1].add_break(WD_BREAK.PAGE)
    buffer = io.BytesIO()
    out.save(buffer)
    return buffer.getvalue()


def _columns_cut(table: Table, at: int, labels: int, repeat_labels: bool, rng: random.Random) -> list[Table]:
    """A table printed on two pages side by side, as a spreadsheet too wide for its paper prints (columns
    from `at` on go to the next page). A merged cell across the cut is cut too, its text printed on one
    side only; with `repeat_labels` the first `labels` columns are printed on both (print titles)."""
    left: list[list[Cell]] = [[] for _ in table.rows]
    right: list[list[Cell]] = [[] for _ in table.rows]
    for r, col, cell in table.origins():
        end = col + cell.col_span
        text_left = rng.random() < 0.5  # where a spreadsheet centres a cut merged cell's text
        if col < at:
            text = cell.text if end <= at or text_left else ""
            left[r].append(replace(cell, text=text, col_span=min(end, at) - col))
        if end > at:
            text = cell.text if col >= at or not text_left else ""
            right[r].append(replace(cell, text=text, col_span=end - max(col, at)))
        elif repeat_labels and end <= labels:
            right[r].append(cell)
    return [Table(left, page=table.page), Table(right, page=(table.page or 0) + 1)]


def to_columns_split_docx(synth: SynthReport, rng: random.Random) -> bytes:
    """表三 printed as a spreadsheet prints a sheet too wide for the paper: its first columns on one page,
    the rest (总计 among them) on the next, the row labels printed again there or not."""
    document = _columns_split(synth, rng)
    return _with_page_break(document_docx(document, landscape=rng.random() < 0.5, font_size=9))


def to_columns_split_html(synth: SynthReport, rng: random.Random) -> bytes:
    """The same parts pasted into a CMS page as two tables (an editor copying the printed sheet)."""
    return _page(_columns_split(synth, rng), rng)


def _columns_split(synth: SynthReport, rng: random.Random) -> Document:
    document = decorated(synth, rng)
    blocks: list[Paragraph | Table] = []
    for block in document.blocks:
        if not _is_applications(block):
            blocks.append(block)
            continue
        assert isinstance(block, Table)
        width = sum(c.col_span for c in block.rows[3])
        labels = width - 7
        at = rng.randint(labels + 1, width - 1)  # after 自然人 and up to all five kinds
        first, second = _columns_cut(block, at, labels, rng.random() < 0.5, rng)
        blocks += [first, Paragraph(PAGE_BREAK), second]
    return Document(blocks=blocks)


def _inside_span(rows: list[list[Cell]], cut: int) -> bool:
    """Whether a row span from above reaches row `cut` (a merged label cannot be cut across pages here)."""
    return any(c.row_span > cut - r for r in range(cut) for c in rows[r] if c.row_span > 1)


def to_transposed_html(synth: SynthReport, rng: random.Random) -> bytes:
    """表三 turned on its side, as some agencies print it to fit a portrait page: a row per applicant column
    (自然人, the five 法人或其他组织 kinds under a spanned group cell, 总计), a column per row of the form."""
    document = decorated(synth, rng)
    out: list[Paragraph | Table] = []
    for block in document.blocks:
        if not (isinstance(block, Table) and any("自然人" in c.text for row in block.rows[:3] for c in row)):
            out.append(block)
            continue
        rows = block.rows[3:]
        labels = [" ".join(c.text for c in row[:-7] if c.text) for row in rows]
        values = [[c.text for c in row[-7:]] for row in rows]
        kinds = ("商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他")
        grid: list[list[Cell]] = [[Cell("申请人情况", col_span=2), *(Cell(label) for label in labels)]]
        grid.append([Cell("自然人", col_span=2), *(Cell(v[0]) for v in values)])
        for k, kind in enumerate(kinds, start=1):
            head = [Cell("法人或其他组织", row_span=5)] if k == 1 else []
            grid.append([*head, Cell(kind), *(Cell(v[k]) for v in values)])
        grid.append([Cell("总计", col_span=2), *(Cell(v[6]) for v in values)])
        out.append(Table(grid, page=block.page))
    transposed = Document(blocks=out)
    rows_html = [
        (
            f"<p>{html.escape(b.text)}</p>"
            if isinstance(b, Paragraph)
            else "<table border=1>"
            + "".join("<tr>" + "".join(_nested_cell(c, rng) for c in row) + "</tr>" for row in b.rows)
            + "</table>"
        )
        for b in transposed.blocks
    ]
    return (
        "<html><head><meta charset='utf-8'></head><body>" + "".join(rows_html) + "</body></html>"
    ).encode()


_KINDS = ("商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他")
_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"


def _is_applications(block: Paragraph | Table) -> bool:
    return isinstance(block, Table) and any("自然人" in c.text for row in block.rows[:3] for c in row)


def _legal_sum(values: list[int | None]) -> int | None:
    parts = values[1:6]
    return None if all(p is None for p in parts) else sum(p or 0 for p in parts)


def _aggregate_table(table: Table, synth: SynthReport, rng: random.Random) -> Table:
    """自然人 | 法人或其他组织 | 总计: the five kinds of legal person printed as one column (their sum)."""
    body = table.rows[3:]
    if rng.random() < 0.5:
        header = [
            [Cell(_NOTE, row_span=2, col_span=2), Cell("申请人情况", col_span=3)],
            [Cell("自然人"), Cell("法人或其他组织"), Cell("总计")],
        ]
    else:
        header = [[Cell(_NOTE, col_span=2), Cell("自然人"), Cell("法人或其他组织"), Cell("总计")]]
    rows = [
        [*row[:-7], row[-7], Cell(_fmt(_legal_sum(synth.applications[key]))), row[-1]]
        for row, key in zip(body, (r.key for r in synth.rows), strict=True)
    ]
    return replace(table, rows=[*header, *rows])


def _subtotal_table(table: Table, synth: SynthReport, rng: random.Random) -> Table:
    """The national columns with a 小计 (or 合计) of the five kinds after them, under 法人或其他组织."""
    body = table.rows[3:]
    word = rng.choice(("小计", "合计"))
    header = [
        [Cell(_NOTE, row_span=3, col_span=2), Cell("申请人情况", col_span=8)],
        [Cell("自然人", row_span=2), Cell("法人或其他组织", col_span=6), Cell("总计", row_span=2)],
        [*(Cell(k) for k in _KINDS), Cell(word)],
    ]
    rows = [
        [*row[:-1], Cell(_fmt(_legal_sum(synth.applications[key]))), row[-1]]
        for row, key in zip(body, (r.key for r in synth.rows), strict=True)
    ]
    return replace(table, rows=[*header, *rows])


def _reordered_table(table: Table, synth: SynthReport, rng: random.Random) -> Table:
    """The applicant columns in another order: 总计 first (or 自然人 after the group), the five kinds
    shuffled; the header over three rows, or two with no 申请人情况 above."""
    body = table.rows[3:]
    kinds = list(range(1, 6))
    rng.shuffle(kinds)
    tops = rng.choice(
        (("total", "natural", "legal"), ("legal", "natural", "total"), ("total", "legal", "natural"))
    )
    spread = rng.random() < 0.5  # 申请人情况 over the columns
    lead = [Cell(_NOTE, row_span=3 if spread else 2, col_span=2)]
    first: list[Cell] = [*lead, Cell("申请人情况", col_span=7)] if spread else []
    second: list[Cell] = [] if spread else list(lead)
    order: list[int] = []
    for top in tops:
        if top == "legal":
            second.append(Cell("法人或其他组织", col_span=5))
            order += kinds
        else:
            second.append(Cell("总计" if top == "total" else "自然人", row_span=2))
            order.append(6 if top == "total" else 0)
    third = [Cell(_KINDS[k - 1]) for k in kinds]
    header = [r for r in (first, second, third) if r]
    rows = [[*row[:-7], *(row[-7:][i] for i in order)] for row in body]
    return replace(table, rows=[*header, *rows])


def _recolumned(synth: SynthReport, rng: random.Random, style: Callable[..., Table]) -> Document:
    document = decorated(synth, rng)
    blocks = [style(b, synth, rng) if _is_applications(b) else b for b in document.blocks]
    return replace(document, blocks=blocks)


def _page(document: Document, rng: random.Random) -> bytes:
    title = html.escape(document.blocks[0].text)  # type: ignore[union-attr]
    return (
        f"<html><head><meta charset='utf-8'><title>{title}</title></head><body><div class='article'>"
        f"{''.join(tables_html(document, rng))}</div></body></html>"
    ).encode()


def to_aggregate_html(synth: SynthReport, rng: random.Random) -> bytes:
    return _page(_recolumned(synth, rng, _aggregate_table), rng)


def to_aggregate_docx(synth: SynthReport, rng: random.Random) -> bytes:
    return document_docx(_recolumned(synth, rng, _aggregate_table), landscape=True, font_size=9)


def to_subtotal_html(synth: SynthReport, rng: random.Random) -> bytes:
    return _page(_recolumned(synth, rng, _subtotal_table), rng)


def to_subtotal_docx(synth: SynthReport, rng: random.Random) -> bytes:
    return document_docx(_recolumned(synth, rng, _subtotal_table), landscape=True, font_size=9)


def to_reordered_html(synth: SynthReport, rng: random.Random) -> bytes:
    return _page(_recolumned(synth, rng, _reordered_table), rng)


def to_reordered_docx(synth: SynthReport, rng: random.Random) -> bytes:
    return document_docx(_recolumned(synth, rng, _reordered_table), landscape=True, font_size=9)


@dataclass(frozen=True)
class Layout:
    render: Callable[[SynthReport, random.Random], bytes]
    file_name: str
    via_pdf: bool = False  # the rendering is a Word file the harness converts to PDF with LibreOffice
    # 表三 prints 法人或其他组织 as one column: its five kinds are not printed, and must be read as null
    legal_persons_aggregated: bool = False


LAYOUTS: dict[str, Layout] = {
    "html_nested": Layout(to_nested_html, "r.html"),
    "html_transposed": Layout(to_transposed_html, "r.html"),
    "markdown_grid": Layout(to_grid_markdown, "r.md"),
    "markdown_spans_repeated": Layout(to_repeated_markdown, "r.md"),
    "html_value_spans": Layout(to_value_spans_html, "r.html"),
    "pdf_value_spans": Layout(to_value_spans_docx, "r.pdf", via_pdf=True),
    "text_cell_lines": Layout(to_cell_lines, "r.txt"),
    "lines_no_label": Layout(to_unlabelled_cell_lines, "r.txt"),
    "pdf_unruled": Layout(to_unruled_docx, "r.pdf", via_pdf=True),
    "pdf_split": Layout(to_split_docx, "r.pdf", via_pdf=True),
    "html_legal_aggregate": Layout(to_aggregate_html, "r.html", legal_persons_aggregated=True),
    "pdf_legal_aggregate": Layout(to_aggregate_docx, "r.pdf", via_pdf=True, legal_persons_aggregated=True),
    "html_legal_subtotal": Layout(to_subtotal_html, "r.html"),
    "docx_legal_subtotal": Layout(to_subtotal_docx, "r.docx"),
    "html_columns_reordered": Layout(to_reordered_html, "r.html"),
    "pdf_columns_reordered": Layout(to_reordered_docx, "r.pdf", via_pdf=True),
    "docx_columns_split": Layout(to_columns_split_docx, "r.docx"),
    "html_columns_split": Layout(to_columns_split_html, "r.html"),
    "pdf_columns_split": Layout(to_columns_split_docx, "r.pdf", via_pdf=True),
}
