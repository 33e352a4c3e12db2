"""Bytes of any supported format → `Document`. One module per format; the type comes from the bytes."""

from __future__ import annotations

import errno
import os

from gongkai.extract.glyphs import unify_document
from gongkai.extract.limits import extract_limited
from gongkai.extract.sniff import sniff_media_type
from gongkai.extract.text import decode_text, extract_text
from gongkai.model import Document
from gongkai.settings import get_settings

EXTRACTOR_VERSION = "18"  # 3: OCR of scanned PDF pages and page images; 4: OCR numbers read again;
# 5: PDF tables without rulings, wrapped labels in laid-out text, DOCX content controls and frames, UTF-16 text;
# 6: OCR cells it cannot read are marked (null + ocr_unreadable, in their column), HTML heading rows in tables;
# 7: a cell with ink OCR reads as nothing, or as low-confidence marks that are not words, is unreadable, not blank;
# 8: look-alike ideographs (Kangxi radicals, compatibility ideographs from Word/WPS PDF fonts) are unified,
# rulings of pages with /Rotate are read as the axis-aligned lines they are (float noise made them slant);
# 9: scans: jagged rulings carried to the crossing ruling, character strokes no longer walls, stray specks wiped,
# points and commas checked against the gaps between digits, minus signs kept, a lone flat bar or slash is a blank;
# 10: saved web pages (MHTML: a page and its pictures, what fetch archives for a page whose tables are
# pictures) are read, their pictures by OCR where they stand;
# 11: a page mostly picture with a few characters of text (page numbers stamped on a scan) is OCR'd as a scan,
# and so is a page whose fonts map their glyphs to no characters (no ToUnicode); PDF lines in the top and bottom
# 7 % of a page are marked running heads and feet, and a table continues across them;
# 12: laid-out text (unruled PDFs): the label lines of a row printed blank stay a row of their own instead of
# running into the next row's label cell, a label centred over several lines keeps its lines in order, and short
# rows at the top of a page are placed under the columns of the nearest fuller row below;
# 13: scans: a ruling reaches only crossing rulings that run across it (no grid of character strokes and
# digits' feet), a point must sit on the baseline and be point-sized, a colon amid digits is a speck, a
# number read without the minus its ink begins with is unreadable;
# 14: a picture's resolution judged from its words, not its numbers (表三 was scaled a third too large);
# an OCR number with Latin letters among its digits ('EAA43') is read again or left unreadable, not text;
# a short piece of "ruling" standing alone (the tops of close-set digits: 66777) is not erased before reading;
# 15: pictures in a Word file's flow (a table pasted as a screenshot) are read by OCR
# where they stand (DOC/WPS too, through their DOCX), and so are pictures large enough to hold a table on a
# PDF page with text (rendered from the page, cropped to the picture); OCR keeps a minus sign before a 7;
# 16: vector pictures (EMF/WMF) in a Word file are drawn by LibreOffice and read from their characters and
# rulings (refused when their text is glyph numbers);
# 17: a PDF table's rulings left open where a row is cut by the page break (as browsers print) are closed, and
# the row's two pieces joined into one row; a table ruled past the paper's edge is said (table_past_page_edge);
# a number printed across its cell's ruling puts its row's numbers in doubt (null, text_crosses_ruling);
# pdfminer's warnings about font descriptors are not logged;
# 18: a table row whose every cell continues a merge from above is kept (DOCX; HTML: an empty <tr> a rowspan
# covers): dropped, it stretched the merged cells over the row below
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
IMAGE_TYPES = ("image/png", "image/jpeg", "image/tiff", "image/bmp")
# the file names of the formats above (the type itself comes from the bytes): what `gongkai load DIR` reads
READABLE_SUFFIXES = frozenset(
    {
        ".txt",
        ".md",
        ".markdown",
        ".html",
        ".htm",
        ".shtml",
        ".xhtml",
        ".mht",
        ".mhtml",
        ".pdf",
        ".docx",
        ".doc",
        ".wps",
        ".rtf",
        ".png",
        ".jpg",
        ".jpeg",
        ".tif",
        ".tiff",
        ".bmp",
    }
)


class DocumentTooLarge(OSError):
    """A file over the size cap, found so before it is read."""

    code = "too_large"


def read_document_file(path: str | os.PathLike[str]) -> bytes:
    """A document file's bytes; its size is checked before it is read (a 2 GB file is never read into
    memory to be refused), and at most the cap plus one byte is read should it grow meanwhile."""
    cap = get_settings().max_document_bytes
    size = os.stat(path).st_size
    if size > cap:
        raise DocumentTooLarge(
            errno.EFBIG,
            f"the file is {size // 2**20} MiB, over the {cap // 2**20} MiB cap (GONGKAI_MAX_DOCUMENT_BYTES)",
        )
    with open(path, "rb") as fh:
        data = fh.read(cap + 1)
    if len(data) > cap:
        raise DocumentTooLarge(
            errno.EFBIG, f"the file is over the {cap // 2**20} MiB cap (GONGKAI_MAX_DOCUMENT_BYTES)"
        )
    return data


def extract_bytes(data: bytes, filename: str | None = None) -> Document:
    """Extract a document; never raises for bad input: problems say what went wrong."""
    return unify_document(_extract(data, filename))


def _extract(data: bytes, filename: str | None) -> Document:
    media_type = sniff_media_type(data, filename)
    if media_type == "application/x-empty":
        return Document.refused(
            media_type, "empty_file", "the file is empty (0 bytes or only whitespace): download it again"
        )
    max_bytes = get_settings().max_document_bytes
    if len(data) > max_bytes:
        return Document.refused(
            media_type,
            "too_large",
            f"the file is {len(data) // 2**20} MiB, over the "
            f"{max_bytes // 2**20} MiB cap (GONGKAI_MAX_DOCUMENT_BYTES)",
        )
    if media_type in ("text/plain", "text/markdown"):
        return extract_text(decode_text(data), media_type=media_type)
    if media_type == "text/html":
        from gongkai.extract.html import extract_html

        return extract_html(data)
    if media_type == "multipart/related":
        from gongkai.extract.mhtml import extract_mhtml

        return extract_mhtml(data)
    if media_type == "application/pdf":
        from gongkai.extract.pdf import extract_pdf

        document = extract_limited(extract_pdf, data, media_type)
        if document.scanned_pages:
            from gongkai.extract.pdf import ocr_scanned_pages

            document = ocr_scanned_pages(data, document)
        from gongkai.extract.pdf import ocr_pictures

        return ocr_pictures(data, document)  # pictures of tables on pages with text, if any
    if media_type in IMAGE_TYPES:
        from gongkai.extract.ocr import extract_image

        # a TIFF may hold many pages: its budget is the bound; other images are one page
        settings = get_settings()
        seconds = (
            settings.ocr_max_seconds if media_type == "image/tiff" else 30 + settings.ocr_seconds_per_page
        )
        return extract_limited(extract_image, data, media_type, seconds=seconds)
    if media_type == DOCX:
        from gongkai.extract.docx import extract_docx
        from gongkai.extract.marked_pictures import read_marked_pictures

        # the pictures in its flow are read by OCR here: OCR starts children, the extraction's child cannot
        return read_marked_pictures(extract_limited(extract_docx, data, media_type))
    if media_type in ("application/msword", "application/vnd.ms-works", "application/wps-office.wps"):
        from gongkai.extract.office import extract_office

        return extract_office(data, media_type)
    return Document.refused(
        media_type,
        "unsupported_format",
        f"no extractor for {media_type}: the file is not "
        "a report in a supported format (txt, md, html, mht, pdf, docx, doc, wps, png, jpeg, tiff, bmp)",
    )
