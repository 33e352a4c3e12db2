"""DOCX → Document with python-docx: paragraphs and tables in body order, merged cells as spans.

Word stores a horizontal merge as `w:gridSpan` on one cell and a vertical merge as `w:vMerge`
("restart" on the first cell, continuation on the ones below); both become spans. The package is
checked before parsing: a zip bomb or XML with entity declarations is refused.

Pictures in the body's flow (`<w:drawing>` … `<a:blip r:embed>`, or VML `<v:imagedata r:id>`: a screenshot
of the table pasted into the report) become PictureMark blocks carrying the picture's bytes where they
stand; `read_marked_pictures` (gongkai.extract.marked_pictures) reads them by OCR outside this extraction's
child (OCR runs in children of its own).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable

from gongkai.extract.pictures import PictureMark
from gongkai.model import Cell, Document, Paragraph, Problem, Table

MAX_UNCOMPRESSED_BYTES = 300 * 2**20
MAX_COMPRESSION_RATIO = 200
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_V = "{urn:schemas-microsoft-com:vml}"
_WP = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"
EMU_PER_INCH = 914400
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
    parts = document.part.related_parts

    def picture(relationship: str) -> tuple[str, bytes] | None:
        part = parts.get(relationship)
        blob = getattr(part, "blob", None)
        return (str(part.partname).rsplit("/", 1)[-1], blob) if isinstance(blob, bytes) else None

    _walk(document.element.body, blocks, picture)
    return Document(blocks=blocks, media_type=MEDIA_TYPE, extractor="docx")


Pictures = Callable[[str], "tuple[str, bytes] | None"]  # a relationship id → the picture's name and bytes


def _pictures(paragraph, pictures: Pictures) -> list[PictureMark]:  # type: ignore[no-untyped-def]
    """The pictures a paragraph shows, in order (DrawingML blips, VML image data; a picture stored twice,
    as DrawingML and its VML fallback, once)."""
    marks: list[PictureMark] = []
    for node in paragraph.iter(f"{_A}blip", f"{_V}imagedata"):
        if any(a.tag == _MC_FALLBACK for a in node.iterancestors()):
            continue
        relationship = node.get(f"{_R}embed") if node.tag == f"{_A}blip" else node.get(f"{_R}id")
        found = pictures(relationship) if relationship else None
        if found is None:
            continue
        shown = None
        frame = next((a for a in node.iterancestors(f"{_WP}inline", f"{_WP}anchor")), None)
        extent = frame.find(f"{_WP}extent") if frame is not None else None
        if extent is not None and (extent.get("cx") or "").isdigit():
            shown = int(extent.get("cx")) / EMU_PER_INCH
        marks.append(PictureMark("", name=found[0], data=found[1], shown_inches=shown))
    return marks


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


def _walk(container, blocks: list[Paragraph | Table], pictures: Pictures) -> None:  # type: ignore[no-untyped-def]
    """Paragraphs, tables and pictures in document order. A table holding tables, or framing pictures, is
    page layout (a frame around the report): its cells' contents are read in order instead, as the HTML
    extractor does."""
    for element in _children(container, "*"):
        if element.tag == f"{_W}p":
            text = _text(element)
            if text.strip():
                blocks.append(Paragraph(text.strip()))
            blocks.extend(_pictures(element, pictures))
        elif element.tag == f"{_W}tbl":
            nested = (
                element.find(f".//{_W}tc/{_W}tbl") is not None
                or element.find(f".//{_W}tc//{_W}sdtContent/{_W}tbl") is not None
            )
            if not nested:
                shown = _pictures(element, pictures)
                table = _table(element)
                if not (shown and _frames_pictures(table)):
                    if table.rows:
                        blocks.append(table)
                    # a picture in a data table's cell: read after it (a table's, if it holds one)
                    blocks.extend(shown)
                    continue
            for tr in _children(element, f"{_W}tr"):
                for tc in _children(tr, f"{_W}tc"):
                    _walk(tc, blocks, pictures)


def _frames_pictures(table: Table) -> bool:
    """A table around pictures is page layout — a bordered frame holding a pasted table's screenshot, its
    caption in a cell above — when it is one column wide or holds no digit: no form table is either."""
    return all(len(row) <= 1 for row in table.rows) or not any(
        ch.isdigit() for row in table.rows for cell in row for ch in cell.text
    )


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
        continued = False  # a cell of this row continues a vertical merge from above
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
                continued = True
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
        if row or continued:  # a row whose every cell continues a merge from above is still a row
            rows.append(row)
    return Table(rows=rows, layout="grid")
