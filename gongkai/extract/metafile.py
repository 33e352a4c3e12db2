"""Vector pictures (EMF, WMF) of a Word file, read through LibreOffice.

A table pasted into Word from Excel or WPS as a picture is usually a Windows metafile: drawing records,
its text as real characters and its rulings as lines. OCR libraries cannot open metafiles, but
LibreOffice Writer draws them: the picture alone is placed on a page of its own size (a flat ODT), that
page is converted to PDF, and the PDF extractor reads it as any office-suite PDF, its text layer exact
and its table grid from the rulings. A metafile that draws its text as glyph numbers (no characters)
gives a page without a text layer, read by OCR like a scanned page, its values flagged ocr.
"""

from __future__ import annotations

import base64
import struct
import tempfile
from collections.abc import Iterator
from pathlib import Path

EMF_TYPE, WMF_TYPE = "image/emf", "image/wmf"
_PLACEABLE_WMF = b"\xd7\xcd\xc6\x9a"  # the header Word writes before a WMF
DEFAULT_SIZE_CM = (16.0, 10.0)  # a picture that says nothing of its size: a page's text width
MIN_SIDE_CM, MAX_SIDE_CM = 1.0, 300.0
MARGIN_CM = 0.5

_ODF = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "draw": "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0",
    "svg": "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0",
    "fo": "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0",
}


def metafile_type(data: bytes) -> str | None:
    """EMF (an EMR_HEADER record signed " EMF"), WMF (placeable, or a bare memory/disk header), or None."""
    if len(data) >= 88 and data[:4] == b"\x01\x00\x00\x00" and data[40:44] == b" EMF":
        return EMF_TYPE
    if data[:4] == _PLACEABLE_WMF:
        return WMF_TYPE
    if len(data) >= 18 and data[:2] in (b"\x01\x00", b"\x02\x00") and data[2:4] == b"\x09\x00":
        return WMF_TYPE
    return None


ETO_GLYPH_INDEX = 0x10
_EMR_EXTTEXTOUTA, _EMR_EXTTEXTOUTW, _EMR_COMMENT, _EMR_EOF = 83, 84, 70, 14
_EMFPLUS_SIGNATURE = 0x2B464D45  # "EMF+" in an EMR_COMMENT
_EMFPLUS_DRAW_DRIVER_STRING, _DRIVER_STRING_CMAP_LOOKUP = 0x4036, 0x1
_META_EXTTEXTOUT = 0x0A32


def draws_glyph_numbers(data: bytes) -> bool:
    """Does the metafile draw text as glyph numbers of its font rather than as characters? Drawn in
    another font (the original is rarely installed: 宋体, 仿宋_GB2312), those numbers are other glyphs:
    the page would show, and its text layer hold, wrong characters, digits among them. Such a picture
    is not read at all."""
    if metafile_type(data) == WMF_TYPE:
        return any(
            function == _META_EXTTEXTOUT and _u16(data, at + 12) & ETO_GLYPH_INDEX
            for function, at, _ in _wmf_records(data)
        )
    for kind, at, size in _emf_records(data):
        if kind in (_EMR_EXTTEXTOUTA, _EMR_EXTTEXTOUTW) and _u32(data, at + 52) & ETO_GLYPH_INDEX:
            return True
        if kind == _EMR_COMMENT and _u32(data, at + 12) == _EMFPLUS_SIGNATURE:
            records = data[at + 16 : at + size]
            if any(
                kind == _EMFPLUS_DRAW_DRIVER_STRING
                and not _u32(records, at + 16) & _DRIVER_STRING_CMAP_LOOKUP
                for kind, at in _emfplus_records(records)
            ):
                return True
    return False


def _u16(data: bytes, at: int) -> int:
    return struct.unpack_from("<H", data, at)[0] if at + 2 <= len(data) else 0


def _u32(data: bytes, at: int) -> int:
    return struct.unpack_from("<I", data, at)[0] if at + 4 <= len(data) else 0


def _emf_records(data: bytes) -> Iterator[tuple[int, int, int]]:
    """(type, offset, size) of each EMF record, up to EMR_EOF or the first malformed size."""
    at = 0
    while at + 8 <= len(data):
        kind, size = struct.unpack_from("<II", data, at)
        yield kind, at, size
        if size < 8 or kind == _EMR_EOF:
            return
        at += size


def _emfplus_records(records: bytes) -> Iterator[tuple[int, int]]:
    """(type, offset) of each EMF+ record of one EMR_COMMENT's run of them."""
    at = 0
    while at + 12 <= len(records):
        kind, _flags, size = struct.unpack_from("<HHI", records, at)
        yield kind, at
        if size < 12:
            return
        at += size


def _wmf_records(data: bytes) -> Iterator[tuple[int, int, int]]:
    """(function, offset, size in bytes) of each WMF record after its headers."""
    at = 22 if data[:4] == _PLACEABLE_WMF else 0
    at += 2 * _u16(data, at + 2)  # the header's own size, in 16-bit words
    while at + 6 <= len(data):
        words, function = struct.unpack_from("<IH", data, at)
        yield function, at, 2 * words
        if words < 3 or function == 0:
            return
        at += 2 * words


def metafile_size_cm(data: bytes) -> tuple[float, float]:
    """The picture's width and height as it says: an EMF's frame (in 0.01 mm), a placeable WMF's box
    (in its units per inch); DEFAULT_SIZE_CM when it says nothing usable."""
    width = height = 0.0
    if metafile_type(data) == EMF_TYPE:
        left, top, right, bottom = struct.unpack_from("<iiii", data, 24)
        width, height = (right - left) / 1000, (bottom - top) / 1000
    elif data[:4] == _PLACEABLE_WMF and len(data) >= 22:
        left, top, right, bottom, per_inch = struct.unpack_from("<hhhhH", data, 6)
        if per_inch:
            width, height = (right - left) * 2.54 / per_inch, (bottom - top) * 2.54 / per_inch
    if not (MIN_SIDE_CM <= abs(width) <= MAX_SIDE_CM and MIN_SIDE_CM <= abs(height) <= MAX_SIDE_CM):
        return DEFAULT_SIZE_CM
    return abs(width), abs(height)


def picture_page(data: bytes, width_cm: float, height_cm: float) -> str:
    """A flat ODT text document of one page the picture's size (plus a margin), the picture on it."""
    ns = " ".join(f'xmlns:{prefix}="{uri}"' for prefix, uri in _ODF.items())
    page_w, page_h = width_cm + 2 * MARGIN_CM, height_cm + 2 * MARGIN_CM + 0.5  # room for the paragraph
    margins = " ".join(f'fo:margin-{side}="{MARGIN_CM}cm"' for side in ("top", "bottom", "left", "right"))
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<office:document {ns} office:version="1.2" office:mimetype="application/vnd.oasis.opendocument.text">'
        '<office:automatic-styles><style:page-layout style:name="page">'
        f'<style:page-layout-properties fo:page-width="{page_w:.3f}cm" fo:page-height="{page_h:.3f}cm" {margins}/>'
        "</style:page-layout></office:automatic-styles>"
        '<office:master-styles><style:master-page style:name="Standard" style:page-layout-name="page"/>'
        "</office:master-styles><office:body><office:text><text:p>"
        f'<draw:frame svg:width="{width_cm:.3f}cm" svg:height="{height_cm:.3f}cm" text:anchor-type="as-char">'
        f"<draw:image><office:binary-data>{base64.b64encode(data).decode()}</office:binary-data></draw:image>"
        "</draw:frame></text:p></office:text></office:body></office:document>"
    )


def metafile_pdf(data: bytes) -> bytes:
    """The metafile drawn by LibreOffice on a page of its size, as PDF (ConversionFailed if it cannot)."""
    from gongkai.extract.libreoffice import convert

    width, height = metafile_size_cm(data)
    with tempfile.TemporaryDirectory(prefix="gongkai-metafile-") as tmp:
        source = Path(tmp) / "picture.fodt"
        source.write_text(picture_page(data, width, height), encoding="utf-8")
        return convert(source, "pdf:writer_pdf_Export").read_bytes()
