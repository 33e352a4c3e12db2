"""A document as one stream of segments, and the logical table rows recovered from it.

Every source row (a grid row, a text line's cells, a paragraph) becomes a `Segment`. The parser
reads a section of the report as a run of segments and rebuilds *logical rows* — a run of label
cells followed by a run of value cells — whatever the layout did to the row boundaries: rows
split over lines, labels on their own line, a table flattened to one cell per paragraph, two
rows glued together.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field, replace
from typing import Literal

from gongkai.forms import ACTIVE_ITEMS, APPLICATION_ROWS, match_key, normalize_label, strip_enumerator
from gongkai.model import Cell, Document, Paragraph, Table
from gongkai.values import clean_text, looks_numeric

CellKind = Literal["label", "value", "blank"]

_PAGE_NUMBER = re.compile(
    r"^\s*(?:[-—–－]\s*\d{1,3}\s*[-—–－]|第\s*\d{1,3}\s*页(?:\s*[,，/共]\s*共?\s*\d{1,3}\s*页)?|"
    r"\d{1,3}\s*/\s*\d{1,3})\s*$"
)
_CLAUSE = re.compile(r"^第.{1,6}条")
_DIGIT = re.compile(r"[0-9０-９]")
_SENTENCE_END = re.compile(r"[。；;！？!?]\s*$")
PROSE_MIN_LENGTH = 60


@dataclass
class Segment:
    cells: list[str]
    page: int | None
    kind: Literal["paragraph", "row"]
    block_index: int
    # a label and its numbers were run together in the source ('规章000'): its numbers may be too
    glued: bool = False
    source: str = "text"  # the block's: "ocr" when read from a page image
    # a row of a real grid (HTML, DOCX, PDF rulings): its blank cells are cells, not layout debris
    gridded: bool = False
    # of a grid row: the grid column of each cell, and the whole grid row with spanned positions holding
    # the text of the cell that spans them (what a header cell stands over)
    columns: tuple[int, ...] | None = None
    filled: tuple[str, ...] | None = None
    spans: tuple[int, ...] | None = None  # the column span of the cell at each position of `filled`

    @property
    def text(self) -> str:
        return "".join(self.cells)

    @property
    def is_prose(self) -> bool:
        """A sentence of the report's text, never part of a table."""
        t = self.text.strip()
        return (
            self.kind == "paragraph"
            and not self.glued
            and (len(t) > PROSE_MIN_LENGTH or bool(_SENTENCE_END.search(t)))
        )


@dataclass
class LogicalRow:
    labels: list[str] = field(default_factory=list)
    values: list[str] = field(default_factory=list)
    page: int | None = None
    # set when the row was split off a longer run of values (its label was lost)
    split_from_previous: bool = False
    glued: bool = False
    # sources of the segments the row was read from ("ocr": its values carry the flag ocr)
    sources: set[str] = field(default_factory=set)
    # every segment it was read from was a grid row: its cell positions are the table's columns
    gridded: bool = False
    # a row whose label is printed with nothing after it (text where empty cells leave nothing): blank
    printed_blank: bool = False
    # its values were all printed on the source row (a line of cells) that prints its label: none of them
    # can be a row's below whose label was lost (that row's numbers would be a line of their own)
    lined: bool = False
    # of a grid row: the grid column of each value, and the table (block index) it was read from
    columns: list[int] | None = None
    block: int | None = None

    @property
    def source_flags(self) -> tuple[str, ...]:
        return ("ocr",) if "ocr" in self.sources else ()

    def trimmed_values(self) -> list[str]:
        values = list(self.values)
        while values and not values[-1].strip():
            values.pop()
        return values


# characters that print nothing: a cell holding only these (&#8203; left by editors) is an empty cell
_INVISIBLE = re.compile(r"[\u200b-\u200f\u2060\ufeff\u00ad]")


def _clean(text: str) -> str:
    return clean_text(_INVISIBLE.sub("", text))


_APPLICATION_ROW_KEYS = tuple(dict.fromkeys(k for rows in APPLICATION_ROWS.values() for k in rows))


def _transposed(table: Table) -> Table:
    """The table turned on its diagonal: rows become columns, a row span a column span."""
    origins = table.origins()
    width = max((c + cell.col_span for _, c, cell in origins), default=0)
    rows: list[list[Cell]] = [[] for _ in range(width)]
    for _, c, cell in sorted(origins, key=lambda o: (o[1], o[0])):
        rows[c].append(Cell(cell.text, row_span=cell.col_span, col_span=cell.row_span))
    return replace(table, rows=[row for row in rows if row])


def _on_its_side(table: Table) -> bool:
    """表三 printed transposed: the applicant kinds (自然人 … 总计) down its first columns and the form's
    row labels along its first row."""
    grid = table.grid()
    if len(grid) < 3 or not grid[0]:
        return False
    down = {normalize_label(row[c] or "") for row in grid for c in range(min(2, len(row)))}
    along = [match_key(text or "", _APPLICATION_ROW_KEYS) for text in grid[0]]
    return {"自然人", "总计"} <= down and len({k for k in along if k}) >= 5


def _filled(table: Table) -> list[list[tuple[str, int]]]:
    """The grid with every position a span covers holding the spanning cell's text and column span
    (Table.grid() leaves None there): what each header cell stands over."""
    grid = table.grid()
    out = [[("", 1) for _ in row] for row in grid]
    for r, c, cell in table.origins():
        for dr in range(cell.row_span):
            for dc in range(cell.col_span):
                if r + dr < len(out) and c + dc < len(out[r + dr]):
                    out[r + dr][c + dc] = (cell.text, cell.col_span)
    return out


def upright(document: Document) -> Document:
    """The document with any table printed on its side (表三 with a row per applicant kind) turned upright."""
    if not any(isinstance(b, Table) and b.layout == "grid" and _on_its_side(b) for b in document.blocks):
        return document
    blocks = [
        _transposed(b) if isinstance(b, Table) and b.layout == "grid" and _on_its_side(b) else b
        for b in document.blocks
    ]
    return replace(document, blocks=blocks)


def segments_of(document: Document) -> list[Segment]:
    out: list[Segment] = []
    for index, block in enumerate(document.blocks):
        if isinstance(block, Paragraph):
            # running heads and feet (page numbers, a browser's URL and date) are no part of any table
            if _clean(block.text).strip() and not _PAGE_NUMBER.match(block.text) and not block.running:
                cells = unglue_label(_clean(block.text))
                out.append(
                    Segment(cells, block.page, "paragraph", index, glued=len(cells) > 1, source=block.source)
                )
            continue
        kind: Literal["paragraph", "row"] = "paragraph" if block.layout == "cell_stream" else "row"
        gridded = block.layout == "grid" and kind == "row"
        filled = _filled(block) if gridded else []
        for r, row in enumerate(block.grid()):
            # positions covered by spans drop out; a label glued to its number is two cells
            placed = [
                (c, part)
                for c, text in enumerate(row)
                if text is not None
                for part in unglue_label(_clean(text))
            ]
            cells = [part for _, part in placed]
            if any(cells) and not _PAGE_NUMBER.match("".join(cells)):
                glued = len(cells) > sum(1 for c in row if c is not None)
                out.append(
                    Segment(
                        cells,
                        block.page,
                        kind,
                        index,
                        glued=glued,
                        source=block.source,
                        gridded=gridded,
                        columns=tuple(c for c, _ in placed) if gridded else None,
                        filled=tuple(_clean(t) for t, _ in filled[r]) if gridded else None,
                        spans=tuple(n for _, n in filled[r]) if gridded else None,
                    )
                )
    return out


_GLUED_LABEL = re.compile(
    r"^(?P<label>.*[\u4e00-\u9fff）)”\"》])(?P<number>\d[\d,]*(?:\.\d+)?|-?\d[\d\-]*\d)$"
)


_INNER_ENUMERATOR = re.compile(r"\d{1,2}[.．、](?=[\u4e00-\u9fff])")


def _has_number(text: str) -> bool:
    """Digits other than enumerators ('1.属于国家秘密', '（三）不予公开1.属于…') are a number."""
    return bool(_DIGIT.search(_INNER_ENUMERATOR.sub("", strip_enumerator(text))))


# the forms' item labels shorter than four characters ('规章000'): glued to digits they are still a label
_SHORT_LABELS = frozenset(
    normalize_label(i.label) for items in ACTIVE_ITEMS.values() for i in items if len(i.label) < 4
)


def unglue_label(text: str) -> list[str]:
    """'一、本年新收政府信息公开申请数量21' → [label, '21']: a row label with its numbers glued on."""
    m = _GLUED_LABEL.match(text.strip())
    label = m.group("label") if m else ""
    if m and (len(label) >= 4 or normalize_label(label) in _SHORT_LABELS) and not _has_number(label):
        return [m.group("label"), m.group("number")]
    return [text]


@functools.lru_cache(maxsize=8192)  # a pure function of the text, asked of every cell more than once
def classify(text: str) -> CellKind:
    t = text.strip()
    if not t:
        return "blank"
    if looks_numeric(t):
        return "value"
    if _CLAUSE.match(t):
        return "label"  # 第二十条第（1）项: a clause heading, whatever numerals it uses
    if _has_number(t):
        return "value"  # text with a number in it: a value cell carrying words
    return "label"


def _is_header_like(labels: list[str], header_words: tuple[str, ...]) -> bool:
    joined = "".join(normalize_label(x) for x in labels)
    return len([x for x in labels if x.strip()]) >= 3 or any(w in joined for w in header_words)


def logical_rows(segments: list[Segment], width: int, header_words: tuple[str, ...] = ()) -> list[LogicalRow]:
    """Rebuild label+values rows. `width` is the number of value columns the table has; a run of
    values that is a whole multiple of it with no label in between is several rows whose labels
    were lost."""
    rows: list[LogicalRow] = []
    current: LogicalRow | None = None

    def start(labels: list[str], page: int | None, gridded: bool = False) -> LogicalRow:
        row = LogicalRow(labels=labels, page=page, gridded=gridded)
        rows.append(row)
        return row

    for seg in segments:
        if seg.is_prose:
            current = None
            continue
        kinds = [classify(c) for c in seg.cells]
        label_positions = [i for i, k in enumerate(kinds) if k == "label"]
        if seg.kind == "row" and len(seg.cells) > 1:
            if label_positions:
                last = label_positions[-1]
                labels = [seg.cells[i] for i in label_positions]
                values = seg.cells[last + 1 :]
                columns = list(seg.columns[last + 1 :]) if seg.columns is not None else None
                if (
                    current is not None
                    and not current.values
                    and current.labels
                    and not _is_header_like(current.labels, header_words)
                    and not _is_header_like(labels, header_words)
                    and len(current.labels) + len(labels) <= 4
                ):
                    current.labels.extend(labels)  # a label wrapped onto the next source row
                    current.values = values
                    current.gridded = current.gridded and seg.gridded
                else:
                    current = start(labels, seg.page, seg.gridded)
                    current.values = values
                current.lined = bool(values)
            elif (
                current is not None
                and current.labels
                and not current.values
                and not _is_header_like(current.labels, header_words)
            ):
                current.values = list(seg.cells)  # label on its own row, values on the next
                current.gridded = current.gridded and seg.gridded
                current.lined = False
                columns = list(seg.columns) if seg.columns is not None else None
            else:
                current = start([], seg.page, seg.gridded)
                current.values = list(seg.cells)
                columns = list(seg.columns) if seg.columns is not None else None
            current.columns, current.block = columns, seg.block_index
            current.sources.add(seg.source)
            continue
        # a single cell: a paragraph, a line of a cell stream, a one-cell row
        for cell, kind in zip(seg.cells, kinds, strict=True):
            if kind == "label":
                if current is None or current.values:
                    current = start([cell], seg.page)
                else:
                    current.labels.append(cell)
            elif kind == "value":
                if current is None:
                    current = start([], seg.page)
                current.values.append(cell)
                current.glued = current.glued or seg.glued
                current.columns = None
                current.lined = False
            elif current is not None and current.values:
                current.values.append(cell)
                current.columns = None
                current.lined = False
        if current is not None:
            current.sources.add(seg.source)
    return _split_glued_rows(rows, width)


def _split_glued_rows(rows: list[LogicalRow], width: int) -> list[LogicalRow]:
    out: list[LogicalRow] = []
    for row in rows:
        values = row.trimmed_values()
        if width > 0 and len(values) >= 2 * width and len(values) % width == 0:
            for k in range(0, len(values), width):
                out.append(
                    LogicalRow(
                        labels=row.labels if k == 0 else [],
                        values=values[k : k + width],
                        page=row.page,
                        split_from_previous=k > 0,
                        sources=set(row.sources),
                    )
                )
        else:
            out.append(row)
    return out
