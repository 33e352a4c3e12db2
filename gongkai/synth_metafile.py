"""Tables drawn as Windows metafiles (EMF), as a table copied from Excel or WPS and pasted into Word as a
picture is: drawing records, not cells. Each cell's text is drawn line by line (EMR_EXTTEXTOUTW, its
characters and their advances), its borders as line segments; long labels wrap within their column.
For the round-trip harness and tests (gongkai.extract.metafile reads them back)."""

from __future__ import annotations

import random
import re
import struct
import unicodedata
from dataclasses import dataclass

from gongkai.model import Table

PIXELS_PER_MM = 96 / 25.4  # the reference device: a 96 dpi screen
_DEVICE_PX, _DEVICE_MM = (1920, 1080), (508, 286)
FONT_FACES = ("宋体", "仿宋_GB2312", "SimSun", "Microsoft YaHei")


def _record(kind: int, payload: bytes) -> bytes:
    return struct.pack("<II", kind, 8 + len(payload)) + payload


def _advance(char: str, size: int) -> int:
    return size if unicodedata.east_asian_width(char) in ("W", "F") else size // 2


def _text(x: int, y: int, line: str, size: int, *, glyphs: bool = False) -> bytes:
    """EMR_EXTTEXTOUTW: the line's characters from (x, y), with each character's advance; `glyphs`: as
    glyph numbers of the font (ETO_GLYPH_INDEX), as a printer driver's metafile draws them."""
    chars = (
        struct.pack(f"<{len(line)}H", *(ord(c) % 9000 + 3 for c in line))
        if glyphs
        else line.encode("utf-16-le")
    )
    chars += b"\0" * (-len(chars) % 4)
    fixed = 8 + 16 + 12 + 8 + 4 + 4 + 4 + 16 + 4  # the record up to its string
    advances = struct.pack(f"<{len(line)}i", *(_advance(c, size) for c in line))
    payload = struct.pack("<iiiiIff", 0, 0, -1, -1, 1, 0.0, 0.0)  # bounds unknown, GM_COMPATIBLE
    options = 0x10 if glyphs else 0
    payload += struct.pack("<iiIII", x, y, len(line), fixed, options) + struct.pack("<iiii", 0, 0, -1, -1)
    payload += struct.pack("<I", fixed + len(chars)) + chars + advances
    return _record(84, payload)


def _line(x0: int, y0: int, x1: int, y1: int, *, polyline: bool = False) -> bytes:
    if polyline:  # EMR_POLYLINE16: bounds, count, points
        bounds = struct.pack("<iiii", min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
        return _record(87, bounds + struct.pack("<Ihhhh", 2, x0, y0, x1, y1))
    return _record(27, struct.pack("<ii", x0, y0)) + _record(54, struct.pack("<ii", x1, y1))  # move, line


def _wrapped(text: str, width: int, size: int) -> list[str]:
    lines, line, used = [], "", 0
    for char in text.strip():
        advance = _advance(char, size)
        if line and used + advance > width:
            lines.append(line)
            line, used = "", 0
        line += char
        used += advance
    return [*lines, line] if line else [""]


@dataclass
class _Drawing:
    """A table laid out for drawing: its size, rulings and lines of text (x, top, text), in pixels."""

    width: int
    height: int
    size: int  # the text's height
    rulings: list[tuple[int, int, int, int]]
    texts: list[tuple[int, int, str]]


def _laid_out(table: Table, rng: random.Random, size: int) -> _Drawing:
    """Merged cells one box, labels wrapped and centred in their cell, numbers centred or right-aligned."""
    right_numbers = rng.random() < 0.5
    pad = rng.choice((3, 4, 6))
    wrap_at = rng.choice((10, 12, 16)) * size  # a label column's width: longer labels wrap
    # row, column, rows spanned, columns spanned, text
    placed = [(r, c, cell.row_span, cell.col_span, cell.text) for r, c, cell in table.origins()]
    widths = [4 * size] * max(c + cs for _, c, _, cs, _ in placed)
    for _, c, _, cs, text in placed:
        if cs == 1:
            needed = sum(_advance(ch, size) for ch in text.strip()) + 2 * pad
            widths[c] = max(widths[c], min(needed, wrap_at))
    heights = [size + 2 * pad + 4] * max(r + rs for r, _, rs, _, _ in placed)
    for r, c, rs, cs, text in placed:
        if rs == 1:
            lines = _wrapped(text, sum(widths[c : c + cs]) - 2 * pad, size)
            heights[r] = max(heights[r], len(lines) * (size + 3) + 2 * pad)
    xs = [sum(widths[:i]) for i in range(len(widths) + 1)]
    ys = [sum(heights[:i]) for i in range(len(heights) + 1)]
    drawing = _Drawing(xs[-1], ys[-1], size, [(0, 0, xs[-1], 0), (0, 0, 0, ys[-1])], [])
    for r, c, rs, cs, text in placed:
        left, top, right, bottom = xs[c], ys[r], xs[c + cs], ys[r + rs]
        drawing.rulings += [(right, top, right, bottom), (left, bottom, right, bottom)]
        lines = _wrapped(text, right - left - 2 * pad, size) if text.strip() else []
        y = top + (bottom - top - len(lines) * (size + 3)) // 2
        for line in lines:
            width = sum(_advance(ch, size) for ch in line)
            numeric = right_numbers and re.fullmatch(r"[\d.,]+", line) is not None
            drawing.texts.append(
                (right - pad - width if numeric else left + (right - left - width) // 2, y, line)
            )
            y += size + 3
    return drawing


def table_emf(table: Table, rng: random.Random, *, glyphs: bool = False) -> bytes:
    """The table as an EMF picture (`_laid_out`): text placed by its top or its baseline, rulings drawn as
    line-tos or polylines with a pen 1 or 2 px wide. `glyphs`: the text as glyph numbers (unreadable
    elsewhere)."""
    drawing = _laid_out(table, rng, rng.choice((13, 14, 15)))  # 10–11 pt at 96 dpi
    size = drawing.size
    baseline = rng.random() < 0.5
    polyline = rng.random() < 0.5
    body = _record(17, struct.pack("<I", 1))  # SETMAPMODE MM_TEXT: a logical unit is a device pixel
    face = rng.choice(FONT_FACES).encode("utf-16-le")[:62].ljust(64, b"\0")
    font = struct.pack("<iiiiiBBBBBBBB", -size, 0, 0, 0, 400, 0, 0, 0, 134, 0, 0, 0, 0) + face  # GB2312
    body += _record(82, struct.pack("<I", 1) + font) + _record(37, struct.pack("<I", 1))  # create, select
    body += _record(18, struct.pack("<I", 1))  # SETBKMODE TRANSPARENT
    if baseline:
        body += _record(22, struct.pack("<I", 24))  # SETTEXTALIGN TA_BASELINE
    pen = struct.pack("<IIiiI", 2, 0, rng.choice((1, 1, 2)), 0, 0)  # EMR_CREATEPEN: solid, black
    body += _record(38, pen) + _record(37, struct.pack("<I", 2))
    for x0, y0, x1, y1 in drawing.rulings:
        body += _line(x0, y0, x1, y1, polyline=polyline)
    for x, y, line in drawing.texts:
        body += _text(x, y + (round(size * 0.88) if baseline else 0), line, size, glyphs=glyphs)
    body += _record(14, struct.pack("<III", 0, 16, 20))  # EOF
    count, offset = 1, 0  # records, the header's first
    while offset < len(body):
        offset += struct.unpack_from("<I", body, offset + 4)[0]
        count += 1
    frame = [round(v * 100 / PIXELS_PER_MM) for v in (0, 0, drawing.width, drawing.height)]  # in 0.01 mm
    header = struct.pack("<iiii", 0, 0, drawing.width, drawing.height) + struct.pack("<iiii", *frame)
    header += struct.pack("<IIIIHHIII", 0x464D4520, 0x10000, 0, count, 3, 0, 0, 0, 0)
    header += struct.pack("<iiii", *_DEVICE_PX, *_DEVICE_MM)
    data = _record(1, header) + body
    return data[:48] + struct.pack("<I", len(data)) + data[52:]


def _wmf_record(function: int, params: bytes) -> bytes:
    params += b"\0" * (len(params) % 2)
    return struct.pack("<IH", 3 + len(params) // 2, function) + params


def table_wmf(table: Table, rng: random.Random) -> bytes:
    """The table as a placeable WMF, as older Office and WPS paste one: a GB2312 font, its text in GBK
    bytes with each character's advance (META_EXTTEXTOUT), rulings as move-tos and line-tos."""
    drawing = _laid_out(table, rng, rng.choice((14, 15)))
    size = drawing.size
    face = rng.choice(("宋体", "仿宋_GB2312", "黑体")).encode("gbk")[:31].ljust(32, b"\0")
    body = _wmf_record(0x0103, struct.pack("<H", 8))  # SETMAPMODE MM_ANISOTROPIC
    body += _wmf_record(0x020B, struct.pack("<hh", 0, 0))  # SETWINDOWORG
    body += _wmf_record(0x020C, struct.pack("<hh", drawing.height, drawing.width))  # SETWINDOWEXT
    font = struct.pack("<hhhhhBBBBBBBB", -size, 0, 0, 0, 400, 0, 0, 0, 134, 0, 0, 0, 0) + face
    body += _wmf_record(0x02FB, font) + _wmf_record(0x012D, struct.pack("<H", 0))  # font 0, selected
    body += _wmf_record(0x02FA, struct.pack("<HhhI", 0, 1, 0, 0)) + _wmf_record(0x012D, struct.pack("<H", 1))
    body += _wmf_record(0x0102, struct.pack("<HH", 1, 0))  # SETBKMODE TRANSPARENT
    for x0, y0, x1, y1 in drawing.rulings:
        body += _wmf_record(0x0214, struct.pack("<hh", y0, x0)) + _wmf_record(
            0x0213, struct.pack("<hh", y1, x1)
        )
    for x, y, line in drawing.texts:
        text = line.encode("gbk")
        padded = text + b"\0" * (len(text) % 2)
        # a character's advance on its first byte, 0 on a double-byte character's second (as GDI writes it)
        advances = [
            a
            for c in line
            for a in ([_advance(c, size), 0] if len(c.encode("gbk")) == 2 else [_advance(c, size)])
        ]
        body += _wmf_record(
            0x0A32,
            struct.pack("<hhhH", y, x, len(text), 0) + padded + struct.pack(f"<{len(advances)}h", *advances),
        )
    body += struct.pack("<IH", 3, 0)  # META_EOF
    largest = max(struct.unpack_from("<I", body, at)[0] for at in _record_starts(body))
    header = struct.pack("<HHHIHIH", 1, 9, 0x0300, (18 + len(body)) // 2, 2, largest, 0)
    words = struct.unpack(
        "<10H", struct.pack("<IHhhhhHI", 0x9AC6CDD7, 0, 0, 0, drawing.width, drawing.height, 96, 0)
    )
    checksum = 0
    for word in words:
        checksum ^= word
    placeable = struct.pack("<IHhhhhHIH", 0x9AC6CDD7, 0, 0, 0, drawing.width, drawing.height, 96, 0, checksum)
    return placeable + header + body


def _record_starts(body: bytes) -> list[int]:
    starts, at = [], 0
    while at < len(body):
        starts.append(at)
        at += 2 * struct.unpack_from("<I", body, at)[0]
    return starts
