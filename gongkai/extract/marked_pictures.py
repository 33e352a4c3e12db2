"""The pictures a Word file shows among its blocks (PictureMarks), read where they stand: bitmaps by OCR
(gongkai.extract.pictures), vector pictures through LibreOffice (gongkai.extract.metafile)."""

from __future__ import annotations

from gongkai.extract.libreoffice import ConversionFailed
from gongkai.extract.metafile import draws_glyph_numbers, metafile_pdf
from gongkai.extract.pages import append_joining_tables
from gongkai.extract.pdf import extract_pdf, read_pages_by_ocr
from gongkai.extract.pictures import MIN_SHOWN_INCHES, PictureMark, PictureReader
from gongkai.model import Block, Document, Paragraph, Problem, Table


def read_marked_pictures(document: Document) -> Document:
    """The document with each PictureMark replaced by the blocks read from its picture: a table stays a
    table where the picture stood (a bitmap's values flagged ocr, a vector picture's read from its
    characters); a picture with no table gives nothing. Runs in the caller's process (each picture is read
    in a time-limited child of its own)."""
    if not any(isinstance(b, PictureMark) for b in document.blocks):
        return document
    reader = PictureReader("document", read_drawing=read_metafile)
    read: dict[str, list[Block] | None] = {}  # a picture shown twice is read once
    blocks: list[Paragraph | Table] = []
    from_pictures: set[int] = set()  # ids of the tables read from pictures
    for block in document.blocks:
        if not isinstance(block, PictureMark):
            blocks.append(block)  # type: ignore[arg-type]
            continue
        if block.shown_inches is not None and block.shown_inches < MIN_SHOWN_INCHES:
            continue
        if block.name not in read:
            read[block.name] = reader.read(block.name, block.data)
        picture = read[block.name]
        if not picture:
            continue
        if blocks and isinstance(blocks[-1], Table) and id(blocks[-1]) in from_pictures:
            # a table cut into two pictures one under the other: joined as over a page break
            append_joining_tables(blocks, list(picture))  # type: ignore[arg-type]
        else:
            blocks.extend(picture)  # type: ignore[arg-type]
        from_pictures.update(id(b) for b in blocks[-len(picture) :] if isinstance(b, Table))
    document.blocks = blocks  # type: ignore[assignment]
    document.problems.extend(reader.problems())
    return document


def read_metafile(data: bytes) -> Document:
    """The tables a metafile draws (run in a time-limited child: LibreOffice, then the PDF extractor, and
    OCR for a page that has rulings but no characters)."""
    if draws_glyph_numbers(data):
        return Document.refused(
            "application/pdf",
            "metafile_glyphs",
            "it draws its text as glyph numbers of a font this machine does not have, not as characters: "
            "drawn in another font they would be other characters, so its values cannot be read",
        )
    try:
        pdf = metafile_pdf(data)
    except ConversionFailed as failed:
        return Document.refused("application/pdf", failed.code, str(failed), extractor="none")
    document = extract_pdf(pdf)
    if document.extractor == "none":
        return document
    if document.scanned_pages or not document.blocks:
        import pypdfium2

        rendered = pypdfium2.PdfDocument(pdf)
        pages = len(rendered)
        rendered.close()
        document.scanned_pages = sorted(set(document.scanned_pages) | set(range(1, pages + 1)))
        document = read_pages_by_ocr(pdf, document)
        document.problems = [p for p in document.problems if p.code not in ("scanned_pages", "ocr_pages")]
        document.problems.append(
            Problem(
                "metafile_ocr",
                "the picture has no characters (its text drawn as outlines): read by OCR, its values flagged ocr",
                "info",
            )
        )
    return document
