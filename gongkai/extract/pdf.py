"""PDF → Document with pdfplumber: text lines and ruled tables in reading order, page by page.

Born-digital PDFs (Word/WPS exports) are the norm. Ruled tables come back as grids; a cell that
pdfplumber reports as None is covered by a merged neighbour and becomes a span. A table that
continues at the top of the next page with the same columns is joined into one. Pages without a
text layer are reported (they need OCR).
"""

from __future__ import annotations

import io
import logging
import re
from bisect import bisect_left
from collections import defaultdict
from typing import Any, Literal

from gongkai.extract.limits import extract_limited
from gongkai.extract.pages import append_joining_tables
from gongkai.extract.pictures import PictureMark, PictureReader
from gongkai.model import Cell, Document, Paragraph, Problem, Table
from gongkai.values import CROSSED, join_wrapped, looks_numeric

MIN_TEXT_CHARS_PER_PAGE = 5
# A page mostly covered by pictures whose text layer holds only a few characters (a page number, a URL
# or a date stamped on a scan) is a scan too: that text cannot be its content, and OCR of the rendered
# page reads it along with the rest
SCAN_PICTURE_SHARE = 0.5
SCAN_MAX_TEXT_CHARS = 80
# A text layer whose fonts map their glyphs to no characters (no ToUnicode: control codes, (cid:N), private
# use) cannot be read as text, though the page shows it: the rendered page is read by OCR instead
GARBLED_SHARE = 0.25
# lines within this share of the page's height from its top or bottom edge are running heads and feet:
# body text and tables start 9-11 % down in every report measured (Word, WPS, LibreOffice, 公文 margins)
RUNNING_BAND = 0.07
_CID = re.compile(r"\(cid:\d+\)")
# pdfminer warns once per font of quirks in valid files (a browser's printed PDF: "Could not get FontBBox",
# dozens a page) that change no character read and that a reader can do nothing about; its errors still show
logging.getLogger("pdfminer").setLevel(logging.ERROR)


def extract_pdf(data: bytes, backend: Literal["pdfium", "pdfminer"] = "pdfium") -> Document:
    """`backend` reads the pages' chars and rulings: PDFium (several times faster; pdfminer still for
    pages it cannot read the same way) or pdfminer alone. Both give the same Document."""
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfplumber.utils.exceptions import PdfminerException

    from gongkai.extract.pdf_objects import pdfium_pages, with_fallback

    problems: list[Problem] = []
    blocks: list[Paragraph | Table] = []
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except (PDFPasswordIncorrect, PDFEncryptionError) as exc:
        return _failed(
            "encrypted",
            f"the PDF is encrypted and cannot be opened ({exc.__class__.__name__}); "
            "ask the agency for an unprotected copy",
        )
    except PdfminerException as exc:
        cause = exc.args[0] if exc.args else exc
        if isinstance(cause, (PDFPasswordIncorrect, PDFEncryptionError)):
            return _failed(
                "encrypted", "the PDF is encrypted and cannot be opened; ask for an unprotected copy"
            )
        return _failed("corrupt_file", f"the PDF cannot be read ({cause!s:.120}); download it again")
    except Exception as exc:  # pdfminer raises many types on damaged files
        return _failed("corrupt_file", f"the PDF cannot be read ({exc!s:.120}); download it again")
    with pdf:
        try:
            pages = list(pdf.pages)
        except Exception as exc:
            return _failed(
                "corrupt_file", f"the PDF's page tree is damaged ({exc!s:.120}); download it again"
            )
        if backend == "pdfium":
            pages = pdfium_pages(data, pages)
        scanned: list[int] = []
        garbled: list[int] = []
        cut: list[int] = []  # pages with a table ruled past the paper's edge
        for number, page in enumerate(pages, 1):
            try:
                page_blocks = with_fallback(_page_blocks, page, number)
            except Exception as exc:
                problems.append(
                    Problem(
                        "page_unreadable",
                        f"page {number} could not be read ({exc!s:.120})",
                        "warning",
                        f"page {number}",
                    )
                )
                continue
            text = _page_text(page_blocks)
            if page.images and (not page_blocks or _scan_with_stamped_text(page, text)):
                scanned.append(number)
                continue
            if _garbled(text):
                garbled.append(number)
                scanned.append(number)
                continue
            if _ruled_past_the_edge(page):
                cut.append(number)
            append_joining_tables(blocks, page_blocks)
        if cut:
            problems.append(
                Problem(
                    "table_past_page_edge",
                    f"pages {cut} have a table ruled past the page's left or right edge: what lies beyond the "
                    "edge was not printed (a web page wider than the paper, printed to PDF), so cells in those "
                    "columns are missing. Read the page the PDF was printed from, or a copy printed to fit",
                    "warning",
                ),
            )
        if garbled:
            problems.append(
                Problem(
                    "unreadable_text_layer",
                    f"pages {garbled} have a text layer whose fonts map their glyphs to no characters (the "
                    "PDF lacks ToUnicode maps): the pages are read from their rendering by OCR instead",
                    "warning",
                )
            )
        if scanned:
            problems.append(
                Problem(
                    "scanned_pages",
                    f"pages {scanned} have no readable text layer (scanned images, a few characters stamped "
                    "on a picture, or fonts that map no characters): their content needs OCR",
                    "warning" if len(scanned) < len(pages) else "error",
                )
            )
    return Document(
        blocks=blocks, media_type="application/pdf", problems=problems, extractor="pdf", scanned_pages=scanned
    )


# a ruling this far past the page's side is drawn off the paper (float noise and line widths stay within)
OFF_PAGE = 2.0


def _ruled_past_the_edge(page: Any) -> bool:
    width = float(page.width)
    return any(e["x0"] < -OFF_PAGE or e["x1"] > width + OFF_PAGE for e in page.edges)


def _page_text(page_blocks: list[Paragraph | Table]) -> str:
    """The page's text without whitespace."""
    text = "".join(
        b.text if isinstance(b, Paragraph) else "".join(c.text for r in b.rows for c in r)
        for b in page_blocks
    )
    return "".join(text.split())


def _garbled(text: str) -> bool:
    if not text:
        return False
    cids = _CID.findall(text)
    rest = _CID.sub("", text)
    unmapped = sum(
        1 for c in rest if ord(c) < 0x20 or c == "\ufffd" or 0xE000 <= ord(c) <= 0xF8FF or ord(c) == 0x7F
    )
    return len(cids) + unmapped >= GARBLED_SHARE * (len(cids) + len(rest))


def _scan_with_stamped_text(page: Any, text: str) -> bool:
    if len(text) >= SCAN_MAX_TEXT_CHARS:
        return False
    area = float(page.width * page.height)
    covered = sum(
        max(0.0, min(i["x1"], page.width) - max(i["x0"], 0.0))
        * max(0.0, min(i["bottom"], page.height) - max(i["top"], 0.0))
        for i in page.images
    )
    return area > 0 and covered >= SCAN_PICTURE_SHARE * area


def ocr_scanned_pages(data: bytes, document: Document) -> Document:
    """The document with its scanned pages read by OCR, in a limited child of its own: OCR costs
    seconds per page, so its time limit grows with the number of pages (bounded)."""
    from gongkai.settings import get_settings

    pages = list(document.scanned_pages)
    settings = get_settings()  # OCR reads a page in seconds: its child gets this much per page, up to a bound
    seconds = min(settings.ocr_max_seconds, 30 + settings.ocr_seconds_per_page * len(pages))
    read = extract_limited(
        lambda d: read_pages_by_ocr(d, document), data, document.media_type, seconds=seconds
    )
    if read.extractor == "none":  # timed out or died: keep what the text layer gave, say why
        document.problems.extend(read.problems)
        return document
    return read


def read_pages_by_ocr(data: bytes, document: Document) -> Document:
    """The document with its scanned pages read by OCR, here (the caller limits its time)."""
    import numpy as np
    import pypdfium2

    from gongkai.extract.ocr import OCR_DPI, OcrUnavailable, engine, ocr_page

    pages = document.scanned_pages
    try:
        engine()
    except OcrUnavailable as exc:
        document.problems.append(
            Problem(
                "ocr_unavailable",
                f"pages {pages} are scanned images and the OCR engine is not installed "
                f"(rapidocr-onnxruntime: {exc!s:.80}); their content was not read",
                "error" if not document.blocks else "warning",
            )
        )
        return document
    pdf = pypdfium2.PdfDocument(data)
    read: dict[int, list[Paragraph | Table]] = {}
    problems = [p for p in document.problems if p.code != "scanned_pages"]
    empty: list[int] = []
    for number in pages:
        bitmap = pdf[number - 1].render(scale=OCR_DPI / 72, grayscale=True)
        image = np.asarray(bitmap.to_pil().convert("L"))
        page = ocr_page(image, number, OCR_DPI)
        problems.extend(page.problems)
        read[number] = page.blocks
        if not page.blocks:
            empty.append(number)
    pdf.close()
    blocks = merge_pages(document.blocks, read)
    problems.append(
        Problem(
            "ocr_pages",
            f"pages {pages} have no text layer, or a few characters stamped on a picture, and were read by "
            "OCR: their values carry the flag ocr",
            "info",
        )
    )
    if empty:
        problems.append(
            Problem(
                "ocr_no_text",
                f"OCR found no text on scanned pages {empty} (blank, or noise only)",
                "error" if not blocks else "warning",
            )
        )
    return Document(
        blocks=blocks, media_type=document.media_type, problems=problems, extractor="pdf", scanned_pages=pages
    )


def merge_pages(
    blocks: list[Paragraph | Table], read: dict[int, list[Paragraph | Table]]
) -> list[Paragraph | Table]:
    """Text-layer blocks and OCR'd pages in page order, tables continued across page breaks joined."""
    by_page: dict[int, list[Paragraph | Table]] = {}
    for block in blocks:
        by_page.setdefault(block.page or 0, []).append(block)
    out: list[Paragraph | Table] = []
    for number in sorted(set(by_page) | set(read)):
        out.extend(by_page.get(number, []))
        append_joining_tables(out, read.get(number, []))
    return out


def _failed(code: str, message: str) -> Document:
    return Document.refused("application/pdf", code, message, extractor="pdf")


# a ruling whose ends differ by less than this (in points) is axis-aligned: float noise, not a slope
AXIS_NOISE = 0.01


def _snap_rulings(page: Any) -> None:
    """Make near-axis-aligned rulings exactly so. On a page with /Rotate the rotation leaves a horizontal
    line's top and bottom 1e-13 apart, and pdfplumber, which compares them exactly, takes it for a vertical
    edge: the table loses most of its rows."""
    for kind in ("line", "rect", "curve"):
        for obj in page.objects.get(kind, ()):
            if obj["top"] != obj["bottom"] and abs(obj["bottom"] - obj["top"]) < AXIS_NOISE:
                obj["bottom"], obj["y0"], obj["height"] = obj["top"], obj["y1"], 0
            if obj["x0"] != obj["x1"] and abs(obj["x1"] - obj["x0"]) < AXIS_NOISE:
                obj["x1"], obj["width"] = obj["x0"], 0


# a picture on a page with text may be a table pasted as a screenshot: one this wide and this large a share
# of the page is read by OCR (seals, logos and signatures are smaller); one with text over it is not (a
# searchable scan's hidden text layer, a letterhead or watermark behind the text)
PICTURE_MIN_INCHES = 2.0
PICTURE_MIN_SHARE = 0.05
PICTURE_MAX_CHARS = 10


def _table_pictures(page: Any, number: int) -> list[tuple[float, PictureMark]]:
    """The page's pictures that may hold a table, as marks at their top: read by OCR after extraction."""
    marks: list[tuple[float, PictureMark]] = []
    width, height = float(page.width), float(page.height)
    for n, image in enumerate(page.images, 1):
        x0, top = max(0.0, float(image["x0"])), max(0.0, float(image["top"]))
        x1, bottom = min(width, float(image["x1"])), min(height, float(image["bottom"]))
        if (
            x1 - x0 < PICTURE_MIN_INCHES * 72
            or (x1 - x0) * (bottom - top) < PICTURE_MIN_SHARE * width * height
        ):
            continue
        inside = sum(
            1
            for c in page.chars
            if x0 <= (c["x0"] + c["x1"]) / 2 <= x1 and top <= (c["top"] + c["bottom"]) / 2 <= bottom
        )
        if inside > PICTURE_MAX_CHARS:
            continue
        name = f"page {number} picture {n}"
        marks.append(
            (
                top,
                PictureMark(
                    "", page=number, name=name, shown_inches=(x1 - x0) / 72, box=(x0, top, x1, bottom)
                ),
            )
        )
    return marks


def ocr_pictures(data: bytes, document: Document) -> Document:
    """The document with its marked pictures (`_table_pictures`) read by OCR where they stand: the page
    rendered at OCR_DPI, cropped to the picture's box, read as a web picture is (a table stays a table,
    its values flagged ocr; a picture with no table gives nothing). Tables continue across pictures and
    pages as across page breaks."""
    if not any(isinstance(b, PictureMark) for b in document.blocks):
        return document
    reader = PictureReader("document")
    blocks: list[Paragraph | Table] = []
    for block in document.blocks:
        if not isinstance(block, PictureMark):
            blocks.append(block)
            continue
        picture = reader.read_rendered(
            block.name, lambda d, mark=block: _render_picture(d, mark), data, document.media_type
        )
        for read in picture or []:
            read.page = block.page
            if isinstance(read, Table):
                read.pages = []
        append_joining_tables(blocks, list(picture or []))  # type: ignore[arg-type]
    document.blocks = blocks  # type: ignore[assignment]
    document.problems.extend(reader.problems())
    return document


def _render_picture(data: bytes, mark: PictureMark) -> Document:
    """In OCR's child: the marked picture as its page shows it, at OCR_DPI, read by OCR."""
    import pypdfium2

    from gongkai.extract.ocr import OCR_DPI
    from gongkai.extract.pictures import read_picture

    assert mark.box is not None and mark.page is not None
    pdf = pypdfium2.PdfDocument(data)
    try:
        scale = OCR_DPI / 72
        image = pdf[mark.page - 1].render(scale=scale, grayscale=True).to_pil().convert("L")
    finally:
        pdf.close()
    x0, top, x1, bottom = (round(v * scale) for v in mark.box)
    out = io.BytesIO()
    image.crop((x0, top, x1, bottom)).save(out, "PNG", dpi=(OCR_DPI, OCR_DPI))
    return read_picture(out.getvalue())


# rulings meet within this many points; a ruling shorter than MIN_RULING is a border's end, not a ruling
EDGE_TOLERANCE = 1.5
MIN_RULING = 2.0


def _open_edges(page: Any) -> list[dict[str, Any]]:
    """Rulings that close a table left open: where two or more of its vertical rulings stop at the same
    height with no horizontal ruling between them there. A browser prints a row cut by a page break this
    way (the rest of the row opens the next page, open at its top); without the closing ruling that row's
    text falls out of the table. Only a table with horizontal rulings of its own is closed (a table ruled
    by columns alone is read by position)."""
    edges = page.edges
    verticals = [e for e in edges if e["orientation"] == "v" and e["bottom"] - e["top"] >= MIN_RULING]
    horizontals = [e for e in edges if e["orientation"] == "h" and e["x1"] - e["x0"] >= MIN_RULING]
    if not verticals or not horizontals:
        return []

    at_height: dict[int, list[dict[str, Any]]] = defaultdict(list)  # horizontals by whole point
    for h in horizontals:
        at_height[int(h["top"])].append(h)

    def closed(y: float, left: float, right: float) -> bool:
        return any(
            abs(h["top"] - y) <= EDGE_TOLERANCE
            and h["x0"] <= left + EDGE_TOLERANCE
            and h["x1"] >= right - EDGE_TOLERANCE
            for near in range(int(y - EDGE_TOLERANCE), int(y + EDGE_TOLERANCE) + 1)
            for h in at_height.get(near, ())
        )

    def ruled_inside(xs: list[float], y: float, far: float) -> bool:
        """A horizontal ruling across the first two of these rulings, away from their open ends at `y`
        and within the heights they cover (their far ends included: the cut row's own border)."""
        low, high = min(y, far) - EDGE_TOLERANCE, max(y, far) + EDGE_TOLERANCE
        return any(
            low <= h["top"] <= high
            and abs(h["top"] - y) > EDGE_TOLERANCE
            and h["x0"] <= xs[0] + EDGE_TOLERANCE
            and h["x1"] >= xs[1] - EDGE_TOLERANCE
            for h in horizontals
        )

    added: list[dict[str, Any]] = []
    for end in ("bottom", "top"):
        ends = sorted(verticals, key=lambda e: e[end])
        group: list[dict[str, Any]] = []
        for edge in [*ends, None]:
            if edge is not None and (not group or edge[end] - group[0][end] <= EDGE_TOLERANCE):
                group.append(edge)
                continue
            xs = _distinct(sorted(e["x0"] for e in group))
            y = group[0][end] if group else 0.0
            far = (
                (min(e["top"] for e in group) if end == "bottom" else max(e["bottom"] for e in group))
                if group
                else y
            )
            gaps = list(zip(xs, xs[1:], strict=False))
            if (
                len(xs) >= 2
                and not any(closed(y, left, right) for left, right in gaps)
                and ruled_inside(xs, y, far)
            ):
                added.append(_ruling(page, xs[0], xs[-1], y))
            group = [edge] if edge is not None else []
    return added


def _distinct(xs: list[float]) -> list[float]:
    """Sorted positions with those within EDGE_TOLERANCE of the one before merged (a border drawn as a
    thin rectangle has two sides)."""
    out: list[float] = []
    for x in xs:
        if not out or x - out[-1] > EDGE_TOLERANCE:
            out.append(x)
    return out


def _ruling(page: Any, x0: float, x1: float, y: float) -> dict[str, Any]:
    height = float(page.height)
    return {
        "object_type": "line",
        "page_number": page.page_number,
        "x0": x0,
        "x1": x1,
        "top": y,
        "bottom": y,
        "y0": height - y,
        "y1": height - y,
        "doctop": float(page.initial_doctop) + y,
        "width": x1 - x0,
        "height": 0.0,
        "linewidth": 0.0,
        "pts": [(x0, y), (x1, y)],
        "stroke": True,
        "fill": False,
        "stroking_color": None,
        "non_stroking_color": None,
    }


def _page_blocks(page: Any, number: int) -> list[Paragraph | Table]:
    _snap_rulings(page)
    closing = _open_edges(page)
    found = page.find_tables({"explicit_horizontal_lines": closing} if closing else None)
    boxes = [t.bbox for t in found]

    def outside_tables(obj: dict[str, Any]) -> bool:
        if obj.get("object_type") != "char":
            return True
        x = (obj["x0"] + obj["x1"]) / 2
        y = (obj["top"] + obj["bottom"]) / 2
        return not any(b[0] <= x <= b[2] and b[1] <= y <= b[3] for b in boxes)

    placed: list[tuple[float, Paragraph | Table]] = []
    text_page = page.filter(outside_tables) if boxes else page
    chars = 0
    number_lines = 0  # lines with a number standing apart from other words: rows of a table without lines
    band = RUNNING_BAND * float(page.height)
    for line in text_page.extract_text_lines(keep_blank_chars=False):
        text = line["text"].strip()
        if text:
            chars += len(text)
            words = text.split()
            number_lines += len(words) > 1 and any(looks_numeric(word) for word in words)
            running = line["bottom"] < band or line["top"] > float(page.height) - band
            placed.append((line["top"], Paragraph(text, page=number, running=running)))
    for table in found:
        rows = _rows_with_spans(_without_crossed_numbers(table, table.extract()))
        if rows:
            chars += sum(len(c.text) for r in rows for c in r)
            x0, top, x1, bottom = table.bbox
            opened = [e["top"] for e in closing if e["x0"] <= x1 and e["x1"] >= x0]
            placed.append(
                (
                    top,
                    Table(
                        rows=rows,
                        page=number,
                        open_top=any(abs(y - top) <= EDGE_TOLERANCE for y in opened),
                        open_bottom=any(abs(y - bottom) <= EDGE_TOLERANCE for y in opened),
                    ),
                )
            )
    if chars < MIN_TEXT_CHARS_PER_PAGE:
        return []
    pictures = _table_pictures(page, number) if page.images else []
    if not found and number_lines >= MIN_UNRULED_ROWS:
        laid_out = _unruled_table_blocks(page, number)
        if laid_out:
            return laid_out + [mark for _, mark in pictures]  # positions are not kept there: after
    placed.extend(pictures)
    placed.sort(key=lambda item: item[0])
    return [block for _, block in placed]


MIN_UNRULED_ROWS = 3


def _unruled_table_blocks(page: Any, number: int) -> list[Paragraph | Table] | None:
    """A page with no ruled table may still hold one drawn without lines (cells apart by white space):
    its text laid out in columns (pdfplumber's layout mode, like `pdftotext -layout`) is read by the
    space-aligned table reader, which also puts labels wrapped over several lines back in their cells.
    None unless that finds a table of at least MIN_UNRULED_ROWS rows with numbers (prose stays as lines)."""
    from gongkai.extract.text import extract_text

    blocks = extract_text(page.extract_text(layout=True)).blocks
    rows_with_numbers = sum(
        1
        for block in blocks
        if isinstance(block, Table)
        for row in block.rows
        if any(looks_numeric(cell.text) for cell in row)
    )
    if rows_with_numbers < MIN_UNRULED_ROWS:
        return None
    for block in blocks:
        block.page = number
    return blocks


# a digit reaching this share of its width past its cell's side (its middle still inside) was printed
# across the ruling: 0.45, not less, as PDFium places some browser fonts' glyphs 2-3 pt left of where
# pdfminer does (0.31 of a digit seen past a ruling it does not cross); two digits overlapping by this
# share of the narrower were printed over each other
CROSSING_SHARE = 0.45
OVERPRINT_SHARE = 0.3


def _without_crossed_numbers(table: Any, raw: list[list[str | None]]) -> list[list[str | None]]:
    """A number too wide for its cell that the page printed across the ruling into the next cell (a web
    page with fixed column widths, printed): its digits are split between two cells by where they fall, and
    the numbers of both are wrong. A row with a digit reaching past its cell's side, or with two digits
    printed over each other, is in doubt: its numbers become CROSSED (null, flagged
    text_crosses_ruling by the parser)."""
    by_height = sorted(((ch["top"] + ch["bottom"]) / 2, i) for i, ch in enumerate(table.page.chars))
    heights = [h for h, _ in by_height]
    chars = table.page.chars
    doubtful: set[int] = set()
    for r, row in enumerate(table.rows):
        _, row_top, _, row_bottom = row.bbox
        in_row = [
            chars[i] for _, i in by_height[bisect_left(heights, row_top) : bisect_left(heights, row_bottom)]
        ]
        if any(_crossed(cell, in_row) for cell in row.cells if cell is not None):
            doubtful.add(r)
    # digits pushed wholly into the next cell cross no ruling themselves: every number of a row with a
    # crossing is in doubt, not only the cells beside it
    out = [list(row) for row in raw]
    for r in doubtful:
        if r < len(out):
            out[r] = [CROSSED if text is not None and _number_like(text) else text for text in out[r]]
    return out


def _crossed(cell: tuple[float, float, float, float], row_chars: list[dict[str, Any]]) -> bool:
    """A digit of this cell reaching past its side, or two digits printed over each other. Only digits: a
    label's ideographs drawn tighter than their font's widths (a picture pasted from a spreadsheet, text
    condensed to fit) overlap without being misread, and a label's text is never a number."""
    x0, top, x1, bottom = cell
    inside = sorted(
        (
            ch
            for ch in row_chars
            if ch["text"].isdigit()
            and top <= (ch["top"] + ch["bottom"]) / 2 < bottom
            and x0 <= (ch["x0"] + ch["x1"]) / 2 < x1
        ),
        key=lambda ch: ch["x0"],
    )
    for ch in inside:
        width = max(ch["x1"] - ch["x0"], 0.1)
        if max(x0 - ch["x0"], ch["x1"] - x1) > max(CROSSING_SHARE * width, 1.0):
            return True
    for left, right in zip(inside, inside[1:], strict=False):
        same_line = abs(left["top"] - right["top"]) < 0.5 * (left["bottom"] - left["top"])
        narrower = max(min(left["x1"] - left["x0"], right["x1"] - right["x0"]), 0.1)
        # a character drawn twice a hair apart is bold type (WPS, Word): not two characters
        bold = left["text"] == right["text"] and right["x0"] - left["x0"] < OVERPRINT_SHARE * narrower
        if same_line and left["x1"] - right["x0"] > OVERPRINT_SHARE * narrower and not bold:
            return True
    return False


def _number_like(text: str) -> bool:
    """More digits than ideographs: a number (with a unit word, or mixed with a neighbour's digits), not a
    label such as '1.属于国家秘密'."""
    digits = sum(ch.isdigit() for ch in text)
    return digits > 0 and digits >= sum("\u4e00" <= ch <= "\u9fff" for ch in text)


def _rows_with_spans(raw: list[list[str | None]]) -> list[list[Cell]]:
    """pdfplumber's None marks a position covered by a merged cell: it widens the cell to its left
    when that cell starts on this row (a column span), else it lengthens the cell above (a row span)."""
    rows: list[list[Cell]] = []
    owner: dict[tuple[int, int], Cell] = {}
    first_row: dict[int, int] = {}  # id(cell) -> the row it starts on
    for r, raw_row in enumerate(raw):
        row: list[Cell] = []
        for c, text in enumerate(raw_row):
            if text is not None:
                cell = Cell(join_wrapped(p.strip() for p in text.split("\n") if p.strip()))
                row.append(cell)
                owner[(r, c)] = cell
                first_row[id(cell)] = r
                continue
            left, above = owner.get((r, c - 1)), owner.get((r - 1, c))
            if left is not None and first_row[id(left)] == r:
                left.col_span += 1
                owner[(r, c)] = left
            elif above is not None:
                above.row_span = max(above.row_span, r - first_row[id(above)] + 1)
                owner[(r, c)] = above
            else:  # nothing to merge with: an empty cell
                cell = Cell("")
                row.append(cell)
                owner[(r, c)] = cell
                first_row[id(cell)] = r
        rows.append(row)
    return [row for row in rows if row]
