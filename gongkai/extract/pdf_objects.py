"""pdfplumber pages whose objects (chars, lines, rects, curves, images) are read by PDFium.

pdfplumber spends ~90 % of its time in pdfminer's pure-Python content-stream interpreter. PDFium
(pypdfium2, already a pdfplumber dependency) reads the same page in C++; this module turns what it
reads into the dicts pdfplumber's own layout builds — same keys, same top-left coordinates, same
box conventions — so `find_tables`, `extract_text_lines` and `filter` run unchanged on them.

pdfminer's conventions reproduced here:
- a char's box spans its advance horizontally and [descent, descent + font size] vertically, the
  descent taken from the font descriptor (0 when it says 0, unlike PDFium, which then measures
  the glyphs), so descents are read from the font dictionaries, not from PDFium;
- a painted path is split at each moveto; a subpath ``m l`` (optionally closed) is a line, a
  closed axis-aligned four-sided one a rect, anything else a curve through its segment end points.

A page PDFium reads differently from pdfminer (rotated or vertical text, Type3 fonts, unmapped
glyphs, text PDFium drops as duplicate, a moved media box) stays a pdfplumber page: the caller
gets pdfminer's answer there, at pdfminer's speed.
"""

from __future__ import annotations

import ctypes
import logging
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter
from typing import Any, TypeVar

from pdfplumber.page import Page
from pdfplumber.table import Table

log = logging.getLogger(__name__)

T = TypeVar("T")
Matrix = tuple[float, float, float, float, float, float]
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


class Unsupported(Exception):
    """PDFium would not read this page the way pdfminer does: use pdfminer for it."""


class PdfiumPage(Page):
    """A pdfplumber page whose objects were read by PDFium (no pdfminer layout behind it)."""

    def __init__(
        self,
        objects: dict[str, list[dict[str, Any]]],
        page_number: int,
        width: float,
        height: float,
        initial_doctop: float = 0,
        fallback: Page | None = None,
    ) -> None:
        # Page.__init__ reads the pdfminer page dictionary: set what the derived pages copy instead
        self.pdf = None  # type: ignore[assignment]
        self.root_page = self
        self.page_obj = None  # type: ignore[assignment]
        self.page_number = page_number
        self.initial_doctop = initial_doctop
        self.rotation = 0
        self.mediabox = self.cropbox = self.bbox = (0, 0, width, height)
        self.get_textmap = lru_cache()(self._get_textmap)
        self._objects = objects
        self.fallback = fallback  # pdfplumber's page, should the table or text code fail on these objects

    @property
    def objects(self) -> dict[str, list[dict[str, Any]]]:
        return self._objects

    def find_tables(self, table_settings: Any = None) -> list[Table]:
        """pdfplumber's `find_tables`, with its two quadratic steps done in less time (same cells,
        same tables, same text): the table code then costs about what PDFium's reading does."""
        from pdfplumber.table import TableFinder, TableSettings, cells_to_tables, edges_to_intersections

        settings = TableSettings.resolve(table_settings)
        finder = TableFinder.__new__(TableFinder)  # its __init__ would run the slow steps
        finder.page, finder.settings = self, settings
        intersections = edges_to_intersections(
            finder.get_edges(), settings.intersection_x_tolerance, settings.intersection_y_tolerance
        )
        return [_Table(self, cells) for cells in cells_to_tables(_intersections_to_cells(intersections))]


class _Table(Table):
    def extract(self, **kwargs: Any) -> list[list[str | None]]:
        """`pdfplumber.table.Table.extract`: a row's chars found by bisecting the chars sorted by
        their middle's height instead of testing every char of the page, then kept in page order."""
        from pdfplumber import utils

        mids = sorted(
            ((c["top"] + c["bottom"]) / 2, i, (c["x0"] + c["x1"]) / 2, c)
            for i, c in enumerate(self.page.chars)
        )
        heights = [m[0] for m in mids]
        table: list[list[str | None]] = []
        for row in self.rows:
            x0, top, x1, bottom = row.bbox
            found = mids[bisect_left(heights, top) : bisect_left(heights, bottom)]
            row_chars = sorted((m for m in found if x0 <= m[2] < x1), key=itemgetter(1))
            texts: list[str | None] = []
            for cell in row.cells:
                if cell is None:
                    texts.append(None)
                    continue
                cx0, ctop, cx1, cbottom = cell
                chars = [c for v, _, h, c in row_chars if cx0 <= h < cx1 and ctop <= v < cbottom]
                if not chars:
                    texts.append("")
                    continue
                if "layout" in kwargs:
                    kwargs["layout_width"] = cell[2] - cell[0]
                    kwargs["layout_height"] = cell[3] - cell[1]
                    kwargs["layout_bbox"] = cell
                line = None if kwargs else _one_line_text(chars)
                texts.append(utils.extract_text(chars, **kwargs) if line is None else line)
            table.append(texts)
        return table


def _one_line_text(chars: list[dict[str, Any]]) -> str | None:
    """`pdfplumber.utils.extract_text(chars)` (default settings) for the common cell — upright glyphs
    on one line, like `0` or `行政许可` — without building its word and line machinery; None for any
    other cell. Words split where pdfplumber splits them: a glyph left of the last one, or further
    right than its end plus x_tolerance."""
    from pdfplumber.utils.text import DEFAULT_X_TOLERANCE, DEFAULT_Y_TOLERANCE, LIGATURES

    tops = [c["top"] for c in chars]
    if max(tops) - min(tops) > DEFAULT_Y_TOLERANCE:  # more than one line cluster
        return None
    words: list[str] = []
    previous: dict[str, Any] | None = None
    for char in sorted(chars, key=itemgetter("x0")):  # stable: ties stay in page order, as pdfplumber's
        text = char["text"]
        if not char["upright"] or not isinstance(text, str) or len(text) != 1 or text.isspace():
            return None
        if (
            previous is None
            or char["x0"] < previous["x0"]
            or char["x0"] > previous["x1"] + DEFAULT_X_TOLERANCE
        ):
            words.append("")
        words[-1] += LIGATURES.get(text, text)
        previous = char
    return " ".join(words)


def _intersections_to_cells(intersections: dict[Any, dict[str, list[dict[str, Any]]]]) -> list[Any]:
    """`pdfplumber.table.intersections_to_cells`, same cells in the same order: each point's edges
    made a set once (pdfplumber rebuilds both sets per comparison), and the points below and to the
    right of a point looked up in its column and row rather than found by scanning all points."""
    from pdfplumber.utils import obj_to_bbox

    vertical = {p: set(map(obj_to_bbox, e["v"])) for p, e in intersections.items()}
    horizontal = {p: set(map(obj_to_bbox, e["h"])) for p, e in intersections.items()}
    points = sorted(intersections)
    columns: dict[Any, list[Any]] = {}
    rows: dict[Any, list[Any]] = {}
    for point in points:
        columns.setdefault(point[0], []).append(point)
        rows.setdefault(point[1], []).append(point)

    def connects(p1: Any, p2: Any) -> bool:
        return (p1[0] == p2[0] and not vertical[p1].isdisjoint(vertical[p2])) or (
            p1[1] == p2[1] and not horizontal[p1].isdisjoint(horizontal[p2])
        )

    cells = []
    for pt in points:
        column, row = columns[pt[0]], rows[pt[1]]
        below, right = column[column.index(pt) + 1 :], row[row.index(pt) + 1 :]
        cell = None
        for below_pt in below:
            if not connects(pt, below_pt):
                continue
            for right_pt in right:
                if not connects(pt, right_pt):
                    continue
                corner = (right_pt[0], below_pt[1])
                if corner in intersections and connects(corner, right_pt) and connects(corner, below_pt):
                    cell = (pt[0], pt[1], corner[0], corner[1])
                    break
            if cell is not None:
                break
        if cell is not None:
            cells.append(cell)
    return cells


def pdfium_pages(data: bytes, pages: list[Page]) -> list[Page]:
    """`pages` (pdfplumber's) with each page PDFium can read the pdfminer way replaced by a
    PdfiumPage; the others are kept, so pdfminer reads them."""
    import pypdfium2

    try:
        pdf = pypdfium2.PdfDocument(data)
    except Exception as exc:  # PDFium refuses the file: pdfminer may still read it
        log.info("pdfium cannot open the PDF (%s): pdfminer reads all pages", exc)
        return pages
    try:
        if len(pdf) != len(pages):
            log.info("pdfium sees %d pages, pdfminer %d: pdfminer reads all pages", len(pdf), len(pages))
            return pages
        out: list[Page] = []
        doctop = 0.0
        for index, page in enumerate(pages):
            try:
                out.append(_read_page(pdf, index, page, doctop))
            except Exception as exc:  # Unsupported, or anything PDFium or the fonts raise
                log.info("page %d read by pdfminer: %s", index + 1, exc)
                out.append(page)
            doctop += page.height
        return out
    finally:
        pdf.close()


def _read_page(pdf: Any, index: int, plumber_page: Page, doctop: float) -> PdfiumPage:
    import pypdfium2.raw as pdfium_c

    if plumber_page.rotation:
        raise Unsupported("rotated page")
    mb = plumber_page.mediabox
    page = pdf[index]
    try:
        left, bottom, right, top = _mediabox(pdfium_c, page.raw)
        if (
            (left, bottom) != (0, 0)
            or abs(right - mb[2]) > 1e-3
            or abs(top - mb[3]) > 1e-3
            or mb[:2] != (0, 0)
        ):
            raise Unsupported(f"media box {(left, bottom, right, top)} is not at the origin")
        height = float(mb[3])
        fonts = _font_metrics(plumber_page)
        textpage = pdfium_c.FPDFText_LoadPage(page.raw)
        if not textpage:
            raise Unsupported("no text page")
        try:
            graphics = _Graphics(pdfium_c, height, doctop, plumber_page.page_number)
            graphics.walk(page.raw, None, IDENTITY)
            chars = _chars(textpage, height, doctop, plumber_page.page_number, fonts, graphics.text_objects)
        finally:
            pdfium_c.FPDFText_ClosePage(textpage)
    finally:
        page.close()
    objects: dict[str, list[dict[str, Any]]] = {}
    for kind, found in (
        ("char", chars),
        ("line", graphics.lines),
        ("rect", graphics.rects),
        ("curve", graphics.curves),
        ("image", graphics.images),
    ):
        if found:
            objects[kind] = found
    return PdfiumPage(objects, plumber_page.page_number, float(mb[2]), height, doctop, plumber_page)


def _mediabox(pdfium_c: Any, raw_page: Any) -> tuple[float, float, float, float]:
    box = [ctypes.c_float() for _ in range(4)]
    if not pdfium_c.FPDFPage_GetMediaBox(raw_page, *box):  # no /MediaBox: PDFium uses US Letter, as pdfminer
        return 0.0, 0.0, 612.0, 792.0
    left, bottom, right, top = (b.value for b in box)
    return min(left, right), min(bottom, top), max(left, right), max(bottom, top)


# ------------------------------------------------------------------------------------------- fonts


@dataclass(frozen=True)
class _Font:
    """What pdfminer makes of a font dictionary that PDFium does not say: the descent below the
    baseline (text space units, pdfminer's `get_descent()`) and, for vertical writing, the advance
    (DW2's second number, /1000: pdfminer stacks the glyph boxes by it)."""

    descent: float
    vertical_advance: float | None = None


def _font_metrics(page: Page) -> dict[bytes, frozenset[_Font] | None]:
    """BaseFont → the fonts of that name the page and its forms use (None: a font of that name
    pdfminer and PDFium box differently). Only font dictionaries are read, never the content."""
    from pdfminer.pdftypes import resolve1

    out: dict[bytes, set[_Font] | None] = {}
    seen: set[int] = set()

    def visit(resources: Any, depth: int) -> None:
        resources = resolve1(resources)
        if not isinstance(resources, dict) or depth > 15 or id(resources) in seen:
            return
        seen.add(id(resources))
        fonts = resolve1(resources.get("Font"))
        for spec in fonts.values() if isinstance(fonts, dict) else ():
            spec = resolve1(spec)
            if not isinstance(spec, dict):
                continue
            font = _font(spec)
            full = _name_bytes(spec.get("BaseFont"))
            # PDFium reports some fonts without their subset tag (ABCDEF+): key both spellings
            for name in {full, full.split(b"+", 1)[1] if full[6:7] == b"+" else full}:
                known = out.setdefault(name, set())
                if font is None or known is None:
                    out[name] = None
                else:
                    known.add(font)
        xobjects = resolve1(resources.get("XObject"))
        for xobject in xobjects.values() if isinstance(xobjects, dict) else ():
            stream = resolve1(xobject)
            attrs = getattr(stream, "attrs", None)
            if isinstance(attrs, dict) and _name_str(attrs.get("Subtype")) == "Form" and "Resources" in attrs:
                visit(attrs["Resources"], depth + 1)

    visit(page.page_obj.resources, 0)
    return {name: None if fonts is None else frozenset(fonts) for name, fonts in out.items()}


def _font(spec: dict[str, Any]) -> _Font | None:
    """pdfminer's `PDFResourceManager.get_font(...)` metrics without building the font (which
    parses its ToUnicode map); None for what this reader leaves to pdfminer: Type3 fonts, vertical
    writing with per-glyph metrics (W2) or an embedded CMap (pdfminer ignores its WMode)."""
    from pdfminer.fontmetrics import FONT_METRICS
    from pdfminer.pdftypes import resolve1

    subtype: str | None = _name_str(spec.get("Subtype")) or "Type1"
    if subtype == "Type3":
        return None
    vertical = False
    if subtype == "Type0":
        descendants = resolve1(spec.get("DescendantFonts"))
        if not isinstance(descendants, list) or not descendants:
            return None
        descendant = resolve1(descendants[0])
        if not isinstance(descendant, dict):
            return None
        encoding = resolve1(spec.get("Encoding"))
        spec = {**descendant, **({"Encoding": encoding} if encoding is not None else {})}
        subtype = _name_str(spec.get("Subtype"))
    descriptor: Any
    if subtype in ("CIDFontType0", "CIDFontType2"):
        if spec.get("Encoding") is not None and _name_str(resolve1(spec["Encoding"])) is None:
            return None
        vertical = _vertical(spec)
        descriptor = resolve1(spec.get("FontDescriptor", {}))
    else:  # Type1, MMType1, TrueType and unknown subtypes are read as Type1 by pdfminer
        basefont = _name_str(spec.get("BaseFont")) or "unknown"
        if basefont in FONT_METRICS:
            descriptor = FONT_METRICS[basefont][0]
        else:
            descriptor = resolve1(spec.get("FontDescriptor", {}))
    if not isinstance(descriptor, dict):
        descriptor = {}
    value = resolve1(descriptor.get("Descent", 0))
    descent = -abs(value) * 0.001 if isinstance(value, (int, float)) else 0.0  # pdfminer forces it negative
    if not vertical:
        return _Font(descent)
    if "W2" in spec:
        return None
    dw2 = resolve1(spec.get("DW2", [880, -1000]))
    advance = resolve1(dw2[1]) if isinstance(dw2, list) and len(dw2) == 2 else None
    if not isinstance(advance, (int, float)) or advance >= 0:
        return None
    return _Font(descent, advance * 0.001)


def _vertical(spec: dict[str, Any]) -> bool:
    """pdfminer's `PDFCIDFont.is_vertical()`: the writing mode of the CMap the encoding names."""
    from pdfminer.cmapdb import CMapDB
    from pdfminer.pdffont import PDFCIDFont

    try:
        return bool(CMapDB.get_cmap(PDFCIDFont._get_cmap_name(spec, False)).is_vertical())
    except Exception:  # an unknown CMap: pdfminer reads it as horizontal
        return False


def _name_str(value: Any) -> str | None:
    from pdfminer.psparser import PSLiteral, literal_name

    return literal_name(value) if isinstance(value, PSLiteral) else None


def _name_bytes(value: Any) -> bytes:
    from pdfminer.psparser import PSLiteral

    if isinstance(value, PSLiteral):
        name = value.name
        return name if isinstance(name, bytes) else name.encode("utf-8")
    return b""


# ------------------------------------------------------------------------------------------- chars


class _Api:
    """The per-char PDFium calls with plain-address handles: pypdfium2's typed pointers cost a
    `ctypes.cast` each to compare, and the char loop makes thousands of these calls a page."""

    def __init__(self) -> None:
        from pypdfium2_raw.bindings import FS_MATRIX, FS_RECTF, _libs

        lib = _libs["pdfium"]

        def fn(name: str, restype: Any, *argtypes: Any) -> Any:
            function = lib[name]  # a fresh function object: pypdfium2's own prototypes stay as they are
            function.restype, function.argtypes = restype, argtypes
            return function

        vp, i, f = ctypes.c_void_p, ctypes.c_int, ctypes.POINTER(ctypes.c_float)
        d = ctypes.POINTER(ctypes.c_double)
        self.count_chars = fn("FPDFText_CountChars", i, vp)
        self.get_text = fn("FPDFText_GetText", i, vp, i, i, ctypes.c_void_p)
        self.get_unicode = fn("FPDFText_GetUnicode", ctypes.c_uint, vp, i)
        self.is_generated = fn("FPDFText_IsGenerated", i, vp, i)
        self.has_map_error = fn("FPDFText_HasUnicodeMapError", i, vp, i)
        self.get_text_object = fn("FPDFText_GetTextObject", vp, vp, i)
        self.get_origin = fn("FPDFText_GetCharOrigin", i, vp, i, d, d)
        self.get_loose_box = fn("FPDFText_GetLooseCharBox", i, vp, i, ctypes.POINTER(FS_RECTF))
        self.get_matrix = fn("FPDFText_GetMatrix", i, vp, i, ctypes.POINTER(FS_MATRIX))
        self.object_font_size = fn("FPDFTextObj_GetFontSize", i, vp, f)
        self.object_font = fn("FPDFTextObj_GetFont", vp, vp)
        self.font_name = fn("FPDFFont_GetBaseFontName", ctypes.c_size_t, vp, ctypes.c_char_p, ctypes.c_size_t)
        self.FS_MATRIX, self.FS_RECTF = FS_MATRIX, FS_RECTF


@lru_cache(maxsize=1)
def _api() -> _Api:
    return _Api()


Style = tuple[bool, float, float, float, str]  # vertical, size, y0 and y1 from the origin, font name


def _chars(
    textpage: Any,
    height: float,
    doctop: float,
    page_number: int,
    fonts: dict[bytes, frozenset[_Font] | None],
    text_objects: set[int],
) -> list[dict[str, Any]]:
    api = _api()
    tp = ctypes.cast(textpage, ctypes.c_void_p).value
    if tp is None:
        raise Unsupported("pdfium gave no text page")
    count = api.count_chars(tp)
    if count <= 0:
        if text_objects:
            raise Unsupported("pdfium found no chars in the page's text objects")
        return []
    text = _page_text(api, tp, count)
    box = api.FS_RECTF()
    x, y = ctypes.c_double(), ctypes.c_double()
    px, py = ctypes.byref(x), ctypes.byref(y)
    get_object, get_origin, get_box = api.get_text_object, api.get_origin, api.get_loose_box
    is_generated, has_map_error = api.is_generated, api.has_map_error
    names: dict[int, bytes] = {}  # PDFium font -> BaseFont
    used: set[int] = set()
    chars: list[dict[str, Any]] = []
    last = None
    style: Style = (False, 0.0, 0.0, 0.0, "")
    for i in range(count):
        char = text[i]
        if char <= " " and is_generated(tp, i):  # PDFium's own spaces and line breaks
            continue
        if has_map_error(tp, i):
            raise Unsupported(f"char {i} has no unicode mapping")
        obj = get_object(tp, i)
        get_origin(tp, i, px, py)
        get_box(tp, i, box)
        if obj != last:  # chars of one text object share font, size and matrix
            last = obj
            used.add(obj)
            style = _style(api, tp, i, obj, box, fonts, names)
        vertical, size, below, above, fontname = style
        x0 = x.value
        # the loose box starts at the origin unless PDFium fell back to the glyph's ink (no advance
        # width), or a vertical glyph's origin is not at its middle (pdfminer centres all of them)
        if abs(box.left - x0) > 0.01:
            raise Unsupported(f"char {i}'s box does not start at its origin")
        x1 = x0 + size if vertical else box.right
        y0 = y.value + below
        y1 = y.value + above
        top = height - y1
        chars.append(
            {
                "object_type": "char",
                "page_number": page_number,
                "text": char,
                "fontname": fontname,
                "size": size,
                "upright": True,
                "x0": x0,
                "x1": x1,
                "y0": y0,
                "y1": y1,
                "width": x1 - x0,
                "height": y1 - y0,
                "top": top,
                "bottom": height - y0,
                "doctop": doctop + top,
            }
        )
    if text_objects - used:  # PDFium drops a text object repeated in place (fake bold); pdfminer does not
        raise Unsupported(f"{len(text_objects - used)} text objects have no chars in PDFium's text page")
    return chars


def _style(
    api: _Api,
    tp: int,
    index: int,
    obj: int,
    box: Any,
    fonts: dict[bytes, frozenset[_Font] | None],
    names: dict[int, bytes],
) -> Style:
    """What a text object's chars share, as pdfminer boxes them: horizontal writing spans
    [descent, descent + size] above the origin (size = d · font size); vertical writing, whose
    origin PDFium puts at the glyph's bottom-left, spans one font size across and DW2's advance up.
    Only upright, unskewed text (pdfminer's `upright`) is taken."""
    matrix = api.FS_MATRIX()
    if not api.get_matrix(tp, index, matrix):
        raise Unsupported("char without a matrix")
    a, d = matrix.a, matrix.d
    if matrix.b != 0 or matrix.c != 0 or a <= 0 or d <= 0:
        raise Unsupported(f"rotated or mirrored text (matrix {a, matrix.b, matrix.c, d})")
    value = ctypes.c_float()
    if not api.object_font_size(obj, ctypes.byref(value)):
        raise Unsupported("text object without a font size")
    font_size = value.value
    font = api.object_font(obj)
    if not font:
        raise Unsupported("text object without a font")
    name = names.get(font)
    if name is None:
        length = api.font_name(font, None, 0)
        buffer = ctypes.create_string_buffer(max(length, 1))
        api.font_name(font, buffer, length)
        name = names[font] = buffer.raw[: max(length - 1, 0)]
    variants = fonts.get(name)
    if not variants:
        raise Unsupported(f"font {name!r} is not among the page's fonts, or is one left to pdfminer")
    fontname = _fontname(name)
    if len(variants) == 1:
        (metrics,) = variants
    else:
        metrics = _which(variants, box, a, d, font_size, name)
    if metrics.vertical_advance is None:
        size = d * font_size
        return False, size, size * metrics.descent, size * (1 + metrics.descent), fontname
    height = d * font_size
    return True, a * font_size, height * (1 + metrics.vertical_advance), height, fontname


def _which(variants: frozenset[_Font], box: Any, a: float, d: float, font_size: float, name: bytes) -> _Font:
    """A horizontal and a vertical font of one name (WPS does this for vertical table cells): PDFium
    sizes a vertical glyph's loose box by the unscaled font size, a horizontal one by the scaled size."""
    horizontal = [f for f in variants if f.vertical_advance is None]
    vertical = [f for f in variants if f.vertical_advance is not None]
    if len(horizontal) != 1 or len(vertical) != 1 or abs(a - 1) < 0.01 or abs(d - 1) < 0.01:
        raise Unsupported(f"cannot tell which of the fonts named {name!r} a char uses")
    across, up = box.right - box.left, abs(box.top - box.bottom)
    wide = abs(across - font_size) < 1e-3 * font_size
    tall = abs(up - font_size * -(vertical[0].vertical_advance or 0.0)) < 1e-3 * font_size  # never None here
    if wide and tall:
        return vertical[0]
    if not wide and not tall:
        return horizontal[0]
    raise Unsupported(f"cannot tell which of the fonts named {name!r} a char uses")


def _page_text(api: _Api, tp: int, count: int) -> str:
    """All chars' text in one call, one str char per PDFium char (a surrogate pair is read per char)."""
    buffer = ctypes.create_string_buffer(2 * (count + 1))
    written = api.get_text(tp, 0, count, ctypes.addressof(buffer))
    text = buffer.raw[: 2 * max(written - 1, 0)].decode("utf-16-le", errors="surrogatepass")
    if len(text) != count or any("\ud800" <= c <= "\udfff" for c in text):
        text = "".join(chr(api.get_unicode(tp, i)) for i in range(count))
    return text


@lru_cache(maxsize=256)
def _fontname(name: bytes) -> str:
    from pdfplumber.page import fix_fontname_bytes

    try:
        return name.decode("utf-8")
    except UnicodeDecodeError:
        return fix_fontname_bytes(name)


# ---------------------------------------------------------------------------------------- graphics


class _Graphics:
    """Painted paths as pdfminer's lines, rects and curves; images; the text objects seen."""

    def __init__(self, pdfium_c: Any, height: float, doctop: float, page_number: int) -> None:
        self.c = pdfium_c
        self.height = height
        self.doctop = doctop
        self.page_number = page_number
        self.lines: list[dict[str, Any]] = []
        self.rects: list[dict[str, Any]] = []
        self.curves: list[dict[str, Any]] = []
        self.images: list[dict[str, Any]] = []
        self.text_objects: set[int] = set()
        self._matrix = pdfium_c.FS_MATRIX()
        self._x, self._y = ctypes.c_float(), ctypes.c_float()

    def walk(self, raw_page: Any, form: Any, outer: Matrix, depth: int = 0) -> None:
        c = self.c
        count: Callable[[Any], int]
        get: Callable[[Any, int], Any]
        if form is None:
            count, get, parent = c.FPDFPage_CountObjects, c.FPDFPage_GetObject, raw_page
        else:
            count, get, parent = c.FPDFFormObj_CountObjects, c.FPDFFormObj_GetObject, form
        for i in range(count(parent)):
            obj = get(parent, i)
            if not obj:
                raise Unsupported("unreadable page object")
            kind = c.FPDFPageObj_GetType(obj)
            if kind == c.FPDF_PAGEOBJ_TEXT:
                self.text_objects.add(ctypes.cast(obj, ctypes.c_void_p).value or 0)  # as _Api returns it
            elif kind == c.FPDF_PAGEOBJ_PATH:
                self._path(obj, outer)
            elif kind == c.FPDF_PAGEOBJ_IMAGE:
                self._image(obj, outer)
            elif kind == c.FPDF_PAGEOBJ_FORM:
                if depth >= 15:
                    raise Unsupported("forms nested too deep")
                self.walk(raw_page, obj, _multiply(self._object_matrix(obj), outer), depth + 1)

    def _object_matrix(self, obj: Any) -> Matrix:
        m = self._matrix
        if not self.c.FPDFPageObj_GetMatrix(obj, m):
            raise Unsupported("page object without a matrix")
        return (m.a, m.b, m.c, m.d, m.e, m.f)

    def _image(self, obj: Any, outer: Matrix) -> None:
        a, b, c, d, e, f = _multiply(self._object_matrix(obj), outer)  # maps the unit square onto the page
        xs = (e, a + e, c + e, a + c + e)
        ys = (f, b + f, d + f, b + d + f)
        x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
        self.images.append(self._geometry("image", x0, y0, x1, y1))

    def _path(self, obj: Any, outer: Matrix) -> None:
        c = self.c
        fill, stroke = ctypes.c_int(), ctypes.c_int()
        if not c.FPDFPath_GetDrawMode(obj, ctypes.byref(fill), ctypes.byref(stroke)):
            raise Unsupported("path without a draw mode")
        if not fill.value and not stroke.value:  # a clipping path (`W n`): pdfminer paints nothing
            return
        a, b, cc, d, e, f = _multiply(self._object_matrix(obj), outer)
        x, y = self._x, self._y
        subpaths: list[list[tuple[str, tuple[float, float]]]] = []
        bezier = 0
        for i in range(c.FPDFPath_CountSegments(obj)):
            segment = c.FPDFPath_GetPathSegment(obj, i)
            if not segment or not c.FPDFPathSegment_GetPoint(segment, ctypes.byref(x), ctypes.byref(y)):
                raise Unsupported("unreadable path segment")
            kind = c.FPDFPathSegment_GetType(segment)
            point = (a * x.value + cc * y.value + e, b * x.value + d * y.value + f)
            if kind == c.FPDF_SEGMENT_MOVETO:
                subpaths.append([("m", point)])
                bezier = 0
                continue
            if not subpaths:
                raise Unsupported("path does not start with a moveto")
            if kind == c.FPDF_SEGMENT_BEZIERTO:
                bezier += 1
                if bezier % 3:  # control points: pdfminer keeps each curve's end point only
                    continue
                op = "c"
            elif kind == c.FPDF_SEGMENT_LINETO:
                op = "l"
            else:
                raise Unsupported("unknown path segment")
            subpath = subpaths[-1]
            if c.FPDFPathSegment_GetClose(segment):
                # PDFium closes with a line back to the start (or flags the segment that reached it);
                # pdfminer sees `h`, and drops a line that already came back to the start
                if op == "l":
                    subpath.append(("h", subpath[0][1]))
                else:
                    subpath.extend((("c", point), ("h", subpath[0][1])))
            else:
                subpath.append((op, point))
        for subpath in subpaths:
            if len(subpath) > 1:
                self._subpath(subpath)

    def _subpath(self, subpath: list[tuple[str, tuple[float, float]]]) -> None:
        """pdfminer's `PDFLayoutAnalyzer.paint_path` for one subpath."""
        shape = "".join(op for op, _ in subpath)
        pts = [p for _, p in subpath]
        if len(shape) > 3 and shape[-2:] == "lh" and pts[-2] == pts[0]:
            shape = shape[:-2] + "h"
            pts.pop()
        if shape in ("mlh", "ml"):
            self.lines.append(self._box("line", pts[:2], pts))
            return
        if shape in ("mlllh", "mllll"):
            (x0, y0), (x1, y1), (x2, y2), (x3, y3), _ = pts
            closed = pts[0] == pts[4]
            square = (x0 == x1 and y1 == y2 and x2 == x3 and y3 == y0) or (
                y0 == y1 and x1 == x2 and y2 == y3 and x3 == x0
            )
            if closed and square:
                self.rects.append(self._box("rect", [pts[0], pts[2]], pts))
                return
        self.curves.append(self._box("curve", pts, pts))

    def _box(
        self, kind: str, corners: list[tuple[float, float]], pts: list[tuple[float, float]]
    ) -> dict[str, Any]:
        x0 = min(p[0] for p in corners)
        x1 = max(p[0] for p in corners)
        y0 = min(p[1] for p in corners)
        y1 = max(p[1] for p in corners)
        if kind == "curve":
            x0, x1 = min(p[0] for p in pts), max(p[0] for p in pts)
            y0, y1 = min(p[1] for p in pts), max(p[1] for p in pts)
        return {**self._geometry(kind, x0, y0, x1, y1), "pts": [(px, self.height - py) for px, py in pts]}

    def _geometry(self, kind: str, x0: float, y0: float, x1: float, y1: float) -> dict[str, Any]:
        """pdfplumber's geometry of an object: PDF coordinates and top-down ones from the page's top."""
        top = self.height - y1
        return {
            "object_type": kind,
            "page_number": self.page_number,
            "x0": x0,
            "x1": x1,
            "y0": y0,
            "y1": y1,
            "width": x1 - x0,
            "height": y1 - y0,
            "top": top,
            "bottom": self.height - y0,
            "doctop": self.doctop + top,
        }


def _multiply(m: Matrix, n: Matrix) -> Matrix:
    """m then n (PDF row-vector convention: m × n)."""
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (
        a * a2 + b * c2,
        a * b2 + b * d2,
        c * a2 + d * c2,
        c * b2 + d * d2,
        e * a2 + f * c2 + e2,
        e * b2 + f * d2 + f2,
    )


def with_fallback(read: Callable[[Page, int], T], page: Page, number: int) -> T:
    """`read(page, number)`, on pdfplumber's own page when PDFium's objects make it fail."""
    if not isinstance(page, PdfiumPage) or page.fallback is None:
        return read(page, number)
    try:
        return read(page, number)
    except Exception as exc:
        log.info("page %d read by pdfminer after the PDFium objects failed: %s", number, exc)
        return read(page.fallback, number)
