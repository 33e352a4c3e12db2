"""Tell a file's type from its bytes (the name is only a tie-breaker for plain text vs Markdown)."""

from __future__ import annotations

import re

from gongkai.extract.charset import wide_text_encoding

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def sniff_media_type(data: bytes, filename: str | None = None) -> str:
    head = data[:2048].lstrip()
    if not data.strip():
        return "application/x-empty"
    if data.startswith(b"%PDF") or b"%PDF-" in data[:1024]:
        return "application/pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith((b"II*\x00", b"MM\x00*")):
        return "image/tiff"
    if _is_bmp(data):
        return "image/bmp"
    if data.startswith(b"PK\x03\x04"):
        if b"word/" in data[:65536] or b"[Content_Types].xml" in data[:65536]:
            return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        return "application/zip"
    if data.startswith(OLE_MAGIC):
        return "application/msword"
    if looks_like_mhtml(data[:4096]):  # a saved web page and its pictures (.mht, .mhtml)
        return "multipart/related"
    wide = wide_text_encoding(data)
    if wide:
        head = data[:4096].decode(wide, "ignore").lstrip().encode("utf-8")
    lowered = head[:1024].lower()
    if (
        lowered.startswith((b"<!doctype html", b"<html", b"<?xml"))
        or b"<html" in lowered
        or b"<body" in lowered
    ):
        return "text/html"
    if (b"<table" in lowered or b"<div" in lowered) and not _text_with_html_tables(data, wide):
        return "text/html"
    if not wide and _looks_binary(data[:4096]):
        return "application/octet-stream"
    if filename and filename.lower().endswith((".md", ".markdown")):
        return "text/markdown"
    return "text/plain"


_TABLE_REGION = re.compile(r"<table\b.*?</table\s*>", re.S | re.I)
_TAG = re.compile(r"<[a-zA-Z!/][^>]*>")


def _text_with_html_tables(data: bytes, wide: str | None) -> bool:
    """Text or Markdown that carries its tables as HTML (what PDF-to-Markdown converters write): no tag
    outside its <table> elements. A page fragment has tags around its text too (<p>, <div>, <br>)."""
    # tags are ASCII, and no byte of a GBK or UTF-8 character is '<': latin-1 finds them in any charset
    text = data.decode(wide, "ignore") if wide else data.decode("latin-1")
    outside = _TABLE_REGION.sub("", text)
    return outside != text and not _TAG.search(outside) and bool(outside.strip())


def _is_bmp(data: bytes) -> bool:
    """A Windows bitmap: "BM", reserved zeros, and a known header size (a text may start with "BM" too)."""
    return (
        data.startswith(b"BM")
        and len(data) > 26
        and data[6:10] == b"\0\0\0\0"
        and int.from_bytes(data[14:18], "little") in (12, 40, 52, 56, 64, 108, 124)
    )


def _looks_binary(sample: bytes) -> bool:
    if b"\x00" in sample:
        return True
    control = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return control > len(sample) * 0.05


def looks_like_mhtml(head: bytes) -> bool:
    """MIME headers at the start of the file (before the first empty line) that declare a
    multipart/related document: a saved web page (.mht/.mhtml), whatever header comes first."""
    text = head[:4096].lstrip().replace(b"\r\n", b"\n")
    headers, separator, _ = text.partition(b"\n\n")
    if not separator or not headers[:1].isalpha():
        return False
    lines = headers.split(b"\n")
    if not all(b":" in line.split(b" ", 1)[0] or line[:1] in (b" ", b"\t") for line in lines):
        return False  # every line a "Name: value" header or its continuation: not text that says it
    lowered = headers.lower()
    return b"content-type: multipart/related" in lowered or b"content-type:multipart/related" in lowered
