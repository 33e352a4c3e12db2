"""DOCX → Document with python-docx: paragraphs and tables in body order, merged cells as spans.

Word stores a horizontal merge as `w:gridSpan` on one cell and a vertical merge as `w:vMerge`
("restart" on the first cell, continuation on the ones below); both become spans. The package is
checked before parsing: a zip bomb or XML with entity declarations is refused.
"""

from __future__ import annotations

import io
import re
import zipfile

from gongkai.model import Cell, Document, Paragraph, Problem, Table

MAX_UNCOMPRESSED_BYTES = 300 * 2**20
MAX_COMPRESSION_RATIO = 200
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def check_package(data: bytes) -> Problem | None:
    """Refuse zip bombs and XML entity expansion before any XML parser sees the package."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError) as exc:
        return Problem(
            "corrupt_file", f"the DOCX is not a readable zip package ({exc}); download it again", "error"
        )
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos) or 1
    if total > MAX_UNCOMPRESSED_BYTES or total / packed > MAX_COMPRESSION_RATIO:
        return Problem(
            "zip_bomb",
            f"the DOCX expands to {total // 2**20} MiB from {packed // 1024} KiB: refused as a zip bomb",
            "error",
        )
    for info in infos:
        if info.filename.endswith((".xml", ".rels")):
            with archive.open(info) as member:
                head = member.read(1 << 20)
            if re.search(rb"<!DOCTYPE|<!ENTITY", head, re.I):
                return Problem(
                    "xml_entities_refused",
                    f"{info.filename} declares a DTD or entities (XML entity "
                    "expansion / external entities): refused",
                    "error",
                )
    if "word/document.xml" not in {i.filename for i in infos}:
        return Problem("corrupt_file", "the package has no word/document.xml: not a Word document", "error")
    return None


def extract_docx(data: bytes) -> Document:
    import docx

    refused = check_package(data)
    if refused is not None:
        return Document.refused(MEDIA_TYPE, refused.code, refused.message, extractor="docx")
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises several types on damaged packages
        return Document.refused(
            MEDIA_TYPE, "corrupt_file", f"the DOCX cannot be read ({exc!s:.120})", extractor="docx"
        )
    blocks: list[Paragraph | Table] = []
    _walk(document.element.body, blocks)
    return Document(blocks=blocks, media_type=MEDIA_TYPE, extractor="docx")


def _children(element, tag: str):  # type: ignore[no-untyped-def]
    """`element`'s children of `tag`, looking through content controls (w:sdt → w:sdtContent) and
    custom XML wrappers, which Word templates put around paragraphs, tables, rows and cells."""
    for child in element.iterchildren():
        if child.tag in (f"{_W}sdt", f"{_W}customXml"):
            content = child.find(f"{_W}sdtContent") if child.tag == f"{_W}sdt" else child
            if content is not None:
                yield from _children(content, tag)
        elif tag == "*" or child.tag == tag:
            yield child


def _walk(container, blocks: list[Paragraph | Table]) -> None:  # type: ignore[no-untyped-def]
    """Paragraphs and tables in document order. A table holding tables is page layout (a frame around
    the report): its cells' contents are read in order instead, as the HTML extractor does."""
    for element in _children(container, "*"):
        if element.tag == f"{_W}p":
            text = _text(element)
            if text.strip():
                blocks.append(Paragraph(text.strip()))
        elif element.tag == f"{_W}tbl":
            if (
                element.find(f".//{_W}tc/{_W}tbl") is not None
                or element.find(f".//{_W}tc//{_W}sdtContent/{_W}tbl") is not None
            ):
                for tr in _children(element, f"{_W}tr"):
                    for tc in _children(tr, f"{_W}tc"):
                        _walk(tc, blocks)
                continue
            table = _table(element)
            if table.rows:
                blocks.append(table)


def _text(element) -> str:  # type: ignore[no-untyped-def]
    parts: list[str] = []
    for node in element.iter(f"{_W}t", f"{_W}tab", f"{_W}br"):
        if any(a.tag == _MC_FALLBACK for a in node.iterancestors()):
            continue  # a text box is stored twice (DrawingML and its VML fallback): read it once
        parts.append(node.text or "" if node.tag == f"{_W}t" else " ")
    return "".join(parts)


def _grid_skip(tr, name: str) -> int:  # type: ignore[no-untyped-def]
    """w:gridBefore / w:gridAfter: grid columns a row leaves empty before its first / after its last cell."""
    properties = tr.find(f"{_W}trPr")
    node = properties.find(f"{_W}{name}") if properties is not None else None
    return max(0, int(node.get(f"{_W}val", "0"))) if node is not None else 0


def _table(tbl) -> Table:  # type: ignore[no-untyped-def]
    rows: list[list[Cell]] = []
    open_cells: dict[int, Cell] = {}  # grid column -> the cell a vertical merge continues
    for tr in _children(tbl, f"{_W}tr"):
        row: list[Cell] = []
        column = _grid_skip(tr, "gridBefore")
        if column:  # the row starts further right: a blank keeps its cells in their grid columns
            row.append(Cell("", 1, column))
        for tc in _children(tr, f"{_W}tc"):
            properties = tc.find(f"{_W}tcPr")
            span = 1
            merge = None
            if properties is not None:
                grid_span = properties.find(f"{_W}gridSpan")
                if grid_span is not None:
                    span = max(1, int(grid_span.get(f"{_W}val", "1")))
                v_merge = properties.find(f"{_W}vMerge")
                if v_merge is not None:
                    merge = v_merge.get(f"{_W}val", "continue")
            text = "".join(_text(p) for p in _children(tc, f"{_W}p")).strip()
            if merge == "continue" and column in open_cells:
                open_cells[column].row_span += 1
            else:
                cell = Cell(text, 1, span)
                row.append(cell)
                if merge == "restart":
                    open_cells[column] = cell
                else:
                    open_cells.pop(column, None)
            column += span
        after = _grid_skip(tr, "gridAfter")
        if after and row:
            row.append(Cell("", 1, after))
        rows.append(row)
    return Table(rows=[r for r in rows if r], layout="grid")
