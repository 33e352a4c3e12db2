"""Joining a document's pages: what PDF extraction and OCR of page images share."""

from __future__ import annotations

from gongkai.model import Cell, Paragraph, Table
from gongkai.values import join_wrapped


def append_joining_tables(blocks: list[Paragraph | Table], page_blocks: list[Paragraph | Table]) -> None:
    """A table that opens a page and has the width of the table that closed the previous page
    continues it: join them (page breaks inside 表三 are common). Running heads and feet between the two
    parts (page numbers, a browser's URL and date) are passed over and kept."""
    footer = 0  # page numbers and running footers between the two parts
    while footer < len(blocks) and _is_footer(blocks[-1 - footer]):
        footer += 1
    heads = 0  # running heads above the new page's first table
    while heads < len(page_blocks) and _is_running(page_blocks[heads]):
        heads += 1
    previous, first = (
        (blocks[-1 - footer], page_blocks[heads])
        if len(page_blocks) > heads and len(blocks) > footer
        else (None, None)
    )
    if (
        isinstance(previous, Table)
        and isinstance(first, Table)
        and table_width(previous) == table_width(first)
    ):
        if previous.source != first.source:
            blocks.extend(page_blocks)
            return
        if previous.open_bottom and first.open_top:
            _join_cut_row(previous, first)
        previous.rows.extend(first.rows)
        previous.open_bottom = first.open_bottom
        if first.page is not None:
            previous.pages.append(first.page)
        page_blocks = page_blocks[:heads] + page_blocks[heads + 1 :]
    blocks.extend(page_blocks)


def _is_footer(block: Paragraph | Table) -> bool:
    return isinstance(block, Paragraph) and (len(block.text) <= 12 or block.running)


def _is_running(block: Paragraph | Table) -> bool:
    return isinstance(block, Paragraph) and block.running


def table_width(table: Table) -> int:
    """Columns of the widest row, spans counted."""
    return max((sum(c.col_span for c in row) for row in table.rows), default=0)


def _join_cut_row(previous: Table, first: Table) -> None:
    """`first` opens with the rest of `previous`' last row (a row cut by the page break, its rulings left
    open on both pages): each piece of text joins the cell it continues, column by column, and the piece
    row goes. Left as two rows when a piece has no cell above it to continue."""
    last = len(previous.rows) - 1
    covering: dict[int, Cell] = {}
    for r, c, cell in previous.origins():
        if r <= last < r + cell.row_span:
            covering.update((c + dc, cell) for dc in range(cell.col_span))
    head = [(c, cell) for r, c, cell in first.origins() if r == 0]
    if not first.rows or any(cell.text and c not in covering for c, cell in head):
        return
    for c, cell in head:
        if cell.text:
            covering[c].text = join_wrapped([covering[c].text, cell.text])
    # a cell of the piece row spanning rows below it keeps covering them
    moved = [
        (c, Cell("", row_span=cell.row_span - 1, col_span=cell.col_span))
        for c, cell in head
        if cell.row_span > 1
    ]
    first.rows.pop(0)
    if moved and first.rows:
        first.rows[0] = _with_cells_at(first.rows[0], moved)


def _with_cells_at(row: list[Cell], placed: list[tuple[int, Cell]]) -> list[Cell]:
    """`row` (a table's first row) with cells put in at the given columns, the others after them in turn."""
    taken = {c + dc for c, cell in placed for dc in range(cell.col_span)}
    positioned = list(placed)
    column = 0
    for cell in row:
        while column in taken:
            column += 1
        positioned.append((column, cell))
        column += cell.col_span
    return [cell for _, cell in sorted(positioned, key=lambda item: item[0])]
