"""Joining a document's pages: what PDF extraction and OCR of page images share."""

from __future__ import annotations

from gongkai.model import Paragraph, Table


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
        previous.rows.extend(first.rows)
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
