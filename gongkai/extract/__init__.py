"""Bytes of any supported format → `Document`. One module per format; the type comes from the bytes."""

from __future__ import annotations

from gongkai.extract.sniff import sniff_media_type
from gongkai.extract.text import decode_text, extract_text
from gongkai.model import Document, Problem

EXTRACTOR_VERSION = "1"


def extract_bytes(data: bytes, filename: str | None = None) -> Document:
    """Extract a document; never raises for bad input: problems say what went wrong."""
    media_type = sniff_media_type(data, filename)
    if media_type == "application/x-empty":
        return Document(blocks=[], media_type=media_type, extractor="none", problems=[
            Problem("empty_file", "the file is empty (0 bytes or only whitespace): download it again", "error")])
    if media_type in ("text/plain", "text/markdown"):
        return extract_text(decode_text(data), media_type=media_type)
    return Document(
        blocks=[],
        media_type=media_type,
        extractor="none",
        problems=[Problem("unsupported_format", f"no extractor for {media_type} yet", "error")],
    )
