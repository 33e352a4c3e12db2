"""Bytes of text in an unknown charset → str: one policy for sniffing, text files, HTML files and fetched pages.

The order, first that decodes without error:
1. a byte-order mark: UTF-32, UTF-16 (Windows Notepad's "Unicode", some CMS exports), UTF-8;
2. the site's known charset quirk (the registry's `encoding`), when given;
3. UTF-8 — GBK or Big5 text is almost never valid UTF-8, while pages declaring gb2312 often are UTF-8;
4. a declared Chinese charset (HTTP Content-Type, then <meta charset>) read as its superset: gb2312/gbk
   as GB18030 (a page declared gb2312 using a GBK-only character must not be cut short), big5 as
   Big5-HKSCS;
5. GB18030, what undeclared Chinese text on government sites almost always is;
6. charset-normalizer's guess (a `charset_guessed` warning), else UTF-8 with replacement characters.
A declared Western single-byte charset (ISO-8859-1, a server default) is never trusted: any bytes decode in
it, so it would turn Chinese text into mojibake without an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from gongkai.model import Problem

# longest first: a UTF-32LE BOM starts with the UTF-16LE one
_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
    (b"\xef\xbb\xbf", "utf-8-sig"),
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", re.I)
# declared Chinese charsets → the codec that reads them (a superset where one exists)
CHINESE_CHARSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "gb18030": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "gb_2312-80": "gb18030",
    "hz-gb-2312": "hz",
    "big5": "big5hkscs",
    "big5-hkscs": "big5hkscs",
}
_UTF8_NAMES = ("utf8", "utf-8")


@dataclass
class Decoded:
    text: str
    encoding: str
    problems: list[Problem] = field(default_factory=list)


def bom_encoding(data: bytes) -> str | None:
    """The encoding a byte-order mark at the start announces ('utf-32', 'utf-16', 'utf-8-sig'), or None."""
    return next((encoding for bom, encoding in _BOMS if data.startswith(bom)), None)


def wide_text_encoding(data: bytes) -> str | None:
    """'utf-16' or 'utf-32' for text that starts with its byte-order mark: its NUL bytes would otherwise
    make it look binary, and its tags cannot be searched for as ASCII bytes."""
    encoding = bom_encoding(data)
    return encoding if encoding in ("utf-16", "utf-32") else None


def declared_charsets(data: bytes, content_type: str | None = None) -> list[str]:
    """Charset names declared by an HTTP Content-Type and by a <meta> tag in the first 4 KiB, lower case."""
    declared = []
    if content_type and (header := _HEADER_CHARSET.search(content_type)):
        declared.append(header.group(1).lower())
    if meta := _META_CHARSET.search(data[:4096]):
        declared.append(meta.group(1).decode("ascii", "ignore").lower())
    return declared


def decode(data: bytes, content_type: str | None = None, hint: str | None = None) -> Decoded:
    """Text of `data` whatever it declares (see the module's docstring for the order)."""
    bom = bom_encoding(data)
    if bom in ("utf-16", "utf-32"):  # outranks any declaration (which cannot even be searched for as bytes)
        return Decoded(data.decode(bom, "replace"), bom)
    declared = declared_charsets(data, content_type)
    candidates = [bom] if bom else []
    if hint:
        candidates.append(CHINESE_CHARSETS.get(hint.lower(), hint))
    candidates.append("utf-8")
    candidates += [CHINESE_CHARSETS[name] for name in declared if name in CHINESE_CHARSETS]
    candidates.append("gb18030")
    for encoding in dict.fromkeys(candidates):
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        problems = []
        named = {CHINESE_CHARSETS.get(name, "utf-8" if name in _UTF8_NAMES else name) for name in declared}
        if declared and not data.isascii() and encoding.removesuffix("-sig") not in named:
            problems.append(
                Problem(
                    "charset_mismatch",
                    f"the page declares {'/'.join(declared)} but is {encoding}; decoded as {encoding}",
                    "info",
                )
            )
        return Decoded(text, encoding, problems)
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is not None:
        return Decoded(
            str(best),
            best.encoding,
            [
                Problem(
                    "charset_guessed",
                    f"the page's charset could not be confirmed; decoded as {best.encoding}",
                    "warning",
                )
            ],
        )
    return Decoded(
        data.decode("utf-8", "replace"),
        "utf-8",
        [
            Problem(
                "charset_guessed",
                "the page's charset could not be found; decoded as UTF-8 with replacements",
                "warning",
            )
        ],
    )
