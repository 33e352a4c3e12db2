"""The pictures of a web page read by OCR: CMS report pages often publish their tables as screenshots.

Given the page's pictures (from an MHTML bundle: gongkai.extract.mhtml), each content <img> (its data-src,
the real picture of a lazy-loading page, else its src, made absolute against the page's URL) that names
a picture of the bundle is read by OCR (gongkai.extract.ocr.extract_image) in a time-limited child, and
its blocks replace the <img> (tables stay tables, every value flagged ``ocr``). A picture whose OCR finds
no table (a photo, a QR code, a logo) gives nothing: its stray words would only be noise in the text.

Web pictures say nothing true of their resolution, and OCR's thresholds (ruling lengths, crop margins)
are in fractions of an inch: a picture is scaled so that its text stands at the height it has at
OCR_DPI, its resolution estimated from the height of its words (a report's table text is about 10.5 pt,
五号). Limits: at most MAX_PICTURES pictures per page, MAX_PICTURE_BYTES each, each OCR'd within
30 s + GONGKAI_OCR_SECONDS_PER_PAGE, all of them within GONGKAI_OCR_MAX_SECONDS.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urldefrag, urljoin, urlsplit

from gongkai.extract.limits import extract_limited
from gongkai.extract.metafile import EMF_TYPE, WMF_TYPE, metafile_type
from gongkai.extract.sniff import sniff_media_type
from gongkai.model import Block, Document, Paragraph, Problem, Table
from gongkai.settings import get_settings

if TYPE_CHECKING:
    from lxml.html import HtmlElement

MAX_PICTURES = 12  # a report has 3-4 tables, cut into a few screenshots at most
MAX_PICTURE_BYTES = 8 * 2**20
MIN_PICTURE_SIDE = 48  # pixels: icons, bullets and spacers are not tables
PICTURE_TYPES = ("image/png", "image/jpeg", "image/bmp", "image/tiff")  # and GIF, WebP (web pictures)
TEXT_POINTS = 10.5  # the usual size of a report table's text (五号)
WORD_HEIGHT_EM = 0.95  # the ink height of a line of CJK words, in ems (measured on rendered tables)
MIN_SCALE, MAX_SCALE = 0.5, 4.0
MIN_SHOWN_INCHES = (
    2.0  # a picture a document shows narrower than 5 cm holds no legible table (a seal, an icon)
)


@dataclass
class PictureMark(Paragraph):
    """A picture standing among a document's blocks (a DOCX's <w:drawing>), to be read by OCR in its
    place (`read_marked_pictures`); `shown_inches`: the width the document shows it at, when it says."""

    name: str = ""
    data: bytes = b""
    shown_inches: float | None = None
    box: tuple[float, float, float, float] | None = None  # a PDF's: x0, top, x1, bottom in points


def picture_source(img: HtmlElement) -> list[str]:
    """The addresses an <img> may show, the likeliest first: lazy-loading pages put the real picture in
    data-src (or data-original…) and a placeholder in src."""
    names = ("data-src", "data-original", "data-lazy-src", "data-url", "src")
    return [img.get(name, "").strip() for name in names if img.get(name, "").strip()]


def read_pictures(
    content: HtmlElement, pictures: Mapping[str, bytes], page_url: str | None, mark: str
) -> tuple[dict[str, list[Block]], list[Problem]]:
    """OCR the content's pictures found in `pictures`; each <img> read gets `mark` = a key of the
    returned blocks. Problems say what was read, what was missing and what failed."""
    reader = PictureReader("page")
    read: dict[str, list[Block]] = {}
    seen: dict[str, str] = {}  # address → its mark: a picture shown twice is read once
    for img in content.iter("img"):
        addresses = [a for a in (resolve(s, page_url) for s in picture_source(img)) if a]
        address = next((a for a in addresses if a in pictures), None)
        if address is None:
            if addresses and not addresses[0].startswith("cid:"):
                reader.missing.append(_name(addresses[0]))
            continue
        if address in seen:
            img.set(mark, seen[address])
            continue
        seen[address] = key = str(len(seen))
        blocks = reader.read(_name(address), pictures[address])
        if blocks is not None:
            read[key] = blocks
            img.set(mark, key)
    return read, reader.problems()


class PictureReader:
    """Reads a document's pictures one by one by OCR within the limits (MAX_PICTURES, each picture's time,
    GONGKAI_OCR_MAX_SECONDS in all) and keeps what its problems will say; `whose`: "page" or "document"."""

    def __init__(self, whose: str = "page", read_drawing: Callable[[bytes], Document] | None = None) -> None:
        self.whose = whose
        self.read_drawing = read_drawing  # reads a vector picture (gongkai.extract.metafile.read_metafile)
        self.started = time.monotonic()
        self.count = 0
        self.tables_from: list[str] = []  # by OCR
        self.drawn_from: list[str] = []  # vector pictures (EMF, WMF) drawn by LibreOffice
        self.no_table: list[str] = []
        self.missing: list[str] = []
        self.failed: list[str] = []
        self.skipped: list[str] = []
        self.found: list[Problem] = []  # problems of the pictures' own OCR

    def read(self, name: str, data: bytes) -> list[Block] | None:
        """The picture's blocks (a table stays a table, values from OCR); None when it holds no table,
        could not be read or was skipped (each said in `problems`)."""
        if self._skip(name):
            return None
        if len(data) > MAX_PICTURE_BYTES:
            self.failed.append(f"{name} (over {MAX_PICTURE_BYTES // 2**20} MiB)")
            return None
        drawing = metafile_type(data)
        if drawing is not None and self.read_drawing is not None:
            return self.read_with(name, self.read_drawing, data, drawing)
        media_type = picture_type(data)
        if media_type is None:
            self.failed.append(f"{name} (not a picture: {sniff_media_type(data)})")
            return None
        return self.read_with(name, read_picture, data, media_type)

    def _skip(self, name: str) -> bool:
        if self.count >= MAX_PICTURES or time.monotonic() - self.started > get_settings().ocr_max_seconds:
            self.skipped.append(name)
            return True
        self.count += 1
        return False

    def read_rendered(
        self, name: str, render: Callable[[bytes], Document], data: bytes, media_type: str
    ) -> list[Block] | None:
        """As `read`, the picture got by `render(data)` in OCR's child (a PDF's picture rendered from its
        page, then read as read_picture reads one)."""
        if self._skip(name):
            return None
        return self.read_with(name, render, data, media_type)

    def read_with(
        self, name: str, render: Callable[[bytes], Document], data: bytes, media_type: str
    ) -> list[Block] | None:
        settings = get_settings()
        document = extract_limited(render, data, media_type, seconds=30 + settings.ocr_seconds_per_page)
        if document.extractor == "none" and any(p.severity == "error" for p in document.problems):
            reason = next(p for p in document.problems if p.severity == "error")
            if reason.code == "ocr_unavailable":
                self.failed.append(f"{name} (the OCR engine is not installed)")
            elif reason.code == "metafile_glyphs":
                self.failed.append(f"{name} (a vector picture whose text is glyph numbers, not characters)")
            elif reason.code == "converter_missing":
                self.failed.append(f"{name} (a vector picture: reading it needs LibreOffice, not installed)")
            else:
                self.failed.append(f"{name} ({reason.code})")
            return None
        if not document.tables:
            self.no_table.append(name)
            return None
        for block in document.blocks:
            block.page = None  # the picture's own page numbers mean nothing in its document
            if isinstance(block, Table):
                block.pages = []
        (self.drawn_from if media_type in (EMF_TYPE, WMF_TYPE) else self.tables_from).append(name)
        self.found.extend(
            Problem(p.code, f"picture {name}: {p.message}", p.severity, p.where)
            for p in document.problems
            if p.code not in ("ocr_pages", "ocr_no_text")
        )
        return document.blocks

    def problems(self) -> list[Problem]:
        whose = self.whose
        problems = list(self.found)
        if self.drawn_from:
            problems.append(
                Problem(
                    "metafile_pictures",
                    f"tables read from {len(self.drawn_from)} vector picture(s) of the {whose} (EMF/WMF, "
                    f"drawn by LibreOffice and read from their text and rulings): {', '.join(self.drawn_from[:5])}",
                    "info",
                )
            )
        tables_from, no_table = self.tables_from, self.no_table
        missing, failed, skipped = self.missing, self.failed, self.skipped
        if tables_from or no_table:
            problems.append(
                Problem(
                    "ocr_pictures",
                    f"{len(tables_from) + len(no_table)} picture(s) of the {whose} read by OCR"
                    + (
                        f"; tables read from {', '.join(tables_from)}: their values carry the flag ocr"
                        if tables_from
                        else ""
                    )
                    + (f"; no table in {', '.join(no_table[:5])}" if no_table else ""),
                    "info",
                )
            )
        if missing:
            problems.append(
                Problem(
                    "picture_missing",
                    f"{len(missing)} picture(s) of the {whose} are not in the saved {whose} "
                    f"({', '.join(missing[:5])}{' …' if len(missing) > 5 else ''}): if a table is missing, "
                    "it may be one of them",
                    "warning",
                )
            )
        if failed:
            problems.append(
                Problem(
                    "picture_unreadable",
                    f"{len(failed)} picture(s) could not be read: {', '.join(failed[:5])}",
                    "warning",
                )
            )
        if skipped:
            problems.append(
                Problem(
                    "picture_skipped",
                    f"{len(skipped)} picture(s) were not read: over the {MAX_PICTURES} pictures read per "
                    f"{whose} or its OCR time ({', '.join(skipped[:5])})",
                    "warning",
                )
            )
        return problems


def picture_type(data: bytes) -> str | None:
    """The picture's type from its bytes; None when it is not a picture OCR can read."""
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    media_type = sniff_media_type(data)
    return media_type if media_type in PICTURE_TYPES else None


def _name(address: str) -> str:
    return address.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1] or address[:60]


def read_picture(data: bytes) -> Document:
    """One web picture by OCR, scaled to OCR's resolution first (run in extract_limited's child)."""
    from gongkai.extract.ocr import OCR_DPI, extract_image

    scaled = at_ocr_resolution(data, OCR_DPI)
    if scaled is None:
        return Document([], "image/png", extractor="ocr")  # too small to hold a table
    return extract_image(scaled)


def at_ocr_resolution(data: bytes, dpi: int) -> bytes | None:
    """The picture as a grey PNG whose words stand at the height they have at `dpi`, saying so; None for a
    picture too small to be a table. A picture with no words to measure is kept at its size."""
    from PIL import Image, UnidentifiedImageError

    from gongkai.extract.ocr import MAX_IMAGE_PIXELS

    Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
    try:
        picture = Image.open(io.BytesIO(data))
        picture.seek(0)
        gray = picture.convert("L")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return data  # extract_image says what is wrong with it
    if min(gray.size) < MIN_PICTURE_SIDE:
        return None
    estimated = estimated_dpi(gray)
    scale = 1.0 if estimated is None else min(MAX_SCALE, max(MIN_SCALE, dpi / estimated))
    if scale * scale * gray.width * gray.height > MAX_IMAGE_PIXELS:
        scale = (MAX_IMAGE_PIXELS / (gray.width * gray.height)) ** 0.5
    if abs(scale - 1.0) > 0.05:
        gray = gray.resize((round(gray.width * scale), round(gray.height * scale)), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    gray.save(out, "PNG", dpi=(dpi, dpi))
    return out.getvalue()


def estimated_dpi(gray: object) -> float | None:
    """The picture's resolution judged from its words: rulings removed, glyphs joined into words, the
    median height of word-shaped blobs taken as WORD_HEIGHT_EM of a TEXT_POINTS line. None when fewer than
    five words are found."""
    import cv2
    import numpy as np

    ink = (np.asarray(gray) < 140).astype(np.uint8)
    height, width = ink.shape
    long = max(20, min(height, width) // 8)
    rulings = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (long, 1)))
    rulings |= cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, long)))
    words = cv2.dilate(ink & (1 - rulings), cv2.getStructuringElement(cv2.MORPH_RECT, (7, 1)))
    _, _, stats, _ = cv2.connectedComponentsWithStats(words, connectivity=8)
    heights = np.array([int(s[3]) for s in stats[1:] if s[2] >= 1.5 * s[3] and 4 <= s[3] <= 400])
    if len(heights) < 5:
        return None
    # numbers are lower than words (digits stand ~0.75 em): in 表三, where numbers outnumber the words,
    # the median was a number's height and the picture was scaled a third larger than meant (slower
    # OCR, 10 Mpx for one table). The words' height is the tallest one common to many blobs: a few taller
    # ones are not words (stretches of a shrunk picture's grey rulings joined into a box)
    common = max(3, len(heights) // 12)
    for height in sorted(set(heights.tolist()), reverse=True):
        near = heights[(heights >= 0.9 * height) & (heights <= 1.1 * height)]
        if len(near) >= common:
            return float(np.median(near)) / (WORD_HEIGHT_EM * TEXT_POINTS / 72)
    return float(np.median(heights)) / (WORD_HEIGHT_EM * TEXT_POINTS / 72)


def resolve(source: str, page_url: str | None) -> str | None:
    """A picture's address as the bundle names it: `source` (src or data-src) made absolute against the
    page's URL; None for what names no fetchable picture (inline data: URIs, javascript:, empty)."""
    source = source.strip()
    if not source or source.lower().startswith(("data:", "javascript:", "about:", "blob:")):
        return None
    if source.lower().startswith("cid:"):
        return source
    address = urldefrag(urljoin(page_url or "", source)).url
    if urlsplit(address).scheme not in ("http", "https", "file", ""):
        return None
    return address
