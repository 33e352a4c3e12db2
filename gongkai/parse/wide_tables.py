"""表三 printed in parts side by side, joined back into one table before the tables are read.

A spreadsheet too wide for its paper prints its first columns on one page and the rest on the next
(Excel's and WPS's page order "down, then over"), the row labels printed again on every part (print
titles) or only on the first. Read as two tables, the second part's columns are lost, and where that part
holds only 总计 nothing else says so. The parts are joined where the evidence says they are one table:

- the first part's header names applicant columns (自然人 …) and the second's names others, none twice;
- both have as many grid rows below their header rows (those above the first number or row label; a
  part printing neither has as many rows in all), and every
  position of each covered by a cell (no ragged rows, whose columns could not be lined up);
- the second part repeats the first's row labels, text for text, or prints none;
- only page chrome (page numbers, running heads) stands between them.

Anything less is not joined: the tables are read as printed. A table whose header names only applicant
columns no table before it names, and prints numbers only under them (a part printed apart, unjoined),
is said (`table_parts_not_joined`): its rows may have been read into other columns, so all of 表三 is in
doubt.
"""

from __future__ import annotations

from dataclasses import replace

from gongkai import forms
from gongkai.forms import match_key, normalize_label
from gongkai.model import Document, Paragraph, Problem, Table
from gongkai.parse.stream import _APPLICATION_ROW_KEYS, _PAGE_NUMBER, _filled, classify
from gongkai.parse.tables import _head_word, column_classes


def columns_rejoined(document: Document) -> tuple[Document, list[Problem]]:
    """The document with each 表三 printed in column parts joined into one table, and the problems of the
    parts that could not be joined (see the module)."""
    out: list[Paragraph | Table] = []
    problems: list[Problem] = []
    last_table: int | None = None  # index in `out` of the last table, while only chrome follows it
    named_before: set[str] = set()  # the applicant columns the tables so far name in their headers
    joined_any = False
    for block in document.blocks:
        if isinstance(block, Paragraph):
            if not _is_chrome(block):
                last_table = None
            out.append(block)
            continue
        before = out[last_table] if last_table is not None else None
        joined = _joined(before, block) if isinstance(before, Table) else None
        named = _named_columns(block)
        if joined is not None and last_table is not None:
            out[last_table] = joined
            joined_any = True
            named_before |= named
            continue
        if named and named_before and named.isdisjoint(named_before) and _numbers_only_under(block, named):
            problems.append(_not_joined([k for k in forms.APPLICANT_KEYS if k in named], block.page))
        named_before |= named
        out.append(block)
        last_table = len(out) - 1
    return (replace(document, blocks=out) if joined_any else document), problems


def _named_columns(table: Table) -> set[str]:
    """The applicant columns a grid table's header rows name (a table of header rows alone included)."""
    if table.layout != "grid" or _width(table) is None:
        return set()
    header = _header_rows(table.grid())
    return {k for k in _classes(table, header) if k} if header > 0 else set()


def _numbers_only_under(table: Table, named: set[str]) -> bool:
    """Whether the table prints numbers, and only in the columns its header names as applicant columns
    (表四's 总计 columns stand beside columns of its own: no part of 表三)."""
    grid = table.grid()
    header = _header_rows(grid)
    classes = _classes(table, header)
    valued = {c for row in grid[header:] for c, text in enumerate(row) if text and classify(text) == "value"}
    return bool(valued) and all(c < len(classes) and classes[c] in named for c in valued)


def _not_joined(keys: list[str], page: int | None) -> Problem:
    where = f" (page {page})" if page else ""
    return Problem(
        "table_parts_not_joined",
        f"表三's columns {', '.join(keys)} are printed in a table of their own{where}, apart from the rest "
        "of 表三 (as a spreadsheet prints a sheet too wide for its paper), and its rows could not be lined up "
        "with the rest: 表三's cells are in doubt (that part's rows may have been read into other columns); "
        "read them off the document",
        "warning",
        "applications",
    )


def _is_chrome(paragraph: Paragraph) -> bool:
    text = paragraph.text.strip()
    return not text or paragraph.running or bool(_PAGE_NUMBER.match(text))


def _width(table: Table) -> int | None:
    """The grid's width when every position is covered by exactly one cell, else None."""
    taken: set[tuple[int, int]] = set()
    for r, c, cell in table.origins():
        spots = {(r + dr, c + dc) for dr in range(cell.row_span) for dc in range(cell.col_span)}
        if spots & taken:
            return None
        taken |= spots
    rows = len(table.rows)
    width = max((c + 1 for _, c in taken), default=0)
    return width if len(taken) == rows * width and all(r < rows for r, _ in taken) else None


def _header_rows(grid: list[list[str | None]]) -> int:
    """Rows above the first row printing a number or a row label of the form (总计 and 其他 name columns too:
    not row labels here)."""
    for r, row in enumerate(grid):
        if any(text and (classify(text) == "value" or _row_label(text)) for text in row):
            return r
    return len(grid)


def _row_label(text: str) -> bool:
    return _head_word(text) is None and match_key(text, _APPLICATION_ROW_KEYS) is not None


def _classes(table: Table, header_rows: int) -> list[str | None]:
    """The applicant column (a canonical key) each grid column's header cells name, else None."""
    return [k if k in forms.APPLICANT_KEYS else None for k in column_classes(_filled(table)[:header_rows])]


def _aligned(first: Table, second: Table) -> tuple[Table, Table]:
    """The parts with as many header rows each, where their bodies have as many rows: a PDF's rulings can
    split a header row in one part and not in the other, so the part with fewer has its top row stretched
    over the difference."""
    header_first, header_second = _header_rows(first.grid()), _header_rows(second.grid())
    rows_first, rows_second = len(first.rows), len(second.rows)
    if (
        rows_first == rows_second
        or header_first in (0, rows_first)
        or header_second in (0, rows_second)
        or rows_first - header_first != rows_second - header_second
    ):
        return first, second
    if header_first < header_second:
        return _stretched(first, header_second - header_first), second
    return first, _stretched(second, header_first - header_second)


def _stretched(table: Table, extra: int) -> Table:
    top = [replace(cell, row_span=cell.row_span + extra) for cell in table.rows[0]]
    return replace(table, rows=[top, *([] for _ in range(extra)), *(list(r) for r in table.rows[1:])])


def _joined(first: Table, second: Table) -> Table | None:
    """`first` with `second`'s columns after its own, when the two are one table printed in parts."""
    first, second = _aligned(first, second)
    if first.layout != "grid" or second.layout != "grid" or len(first.rows) != len(second.rows):
        return None
    width_first, width_second = _width(first), _width(second)
    if width_first is None or width_second is None:
        return None
    grid_first, grid_second = first.grid(), second.grid()
    # a part printing no number at all (every cell blank, or / or 无) has its header rows where the other's are
    header_first, header_second = _header_rows(grid_first), _header_rows(grid_second)
    rows = len(grid_first)
    header = min(header_first, header_second)
    if header == 0 or header == rows or max(header_first, header_second) not in (header, rows):
        return None
    named_first, named_second = _classes(first, header), _classes(second, header)
    keys_first = [k for k in named_first if k]
    keys_second = [k for k in named_second if k]
    if (
        not keys_first
        or not keys_second
        or len(set(keys_first + keys_second)) < len(keys_first + keys_second)
    ):
        return None
    labels = named_second.index(keys_second[0])  # the second part's columns before its first applicant one
    if labels and labels != named_first.index(keys_first[0]):
        return None
    for r in range(header, len(grid_first)):  # repeated row labels: the same text, row for row
        if [normalize_label(t or "") for t in grid_second[r][:labels]] != [
            normalize_label(t or "") for t in grid_first[r][:labels]
        ]:
            return None
    joined = [list(row) for row in first.rows]
    for r, c, cell in second.origins():
        if c < labels:
            if c + cell.col_span > labels:  # a cell across the labels' edge: not the labels printed again
                return None
            continue
        joined[r].append(cell)
    pages = sorted({*first.pages, *second.pages, *(p for p in (first.page, second.page) if p is not None)})
    return replace(first, rows=joined, pages=[p for p in pages if p != first.page])
