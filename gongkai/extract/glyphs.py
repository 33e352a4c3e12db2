"""Ideographs written with look-alike code points → the unified ideographs the form's labels use.

PDFs exported by Word and WPS often map 一, 人, 行, 用, 月, 日 … to Kangxi radicals (U+2F00–U+2FD5) or to
CJK compatibility ideographs (U+F900–U+FAFF, U+2F800–U+2FA1F): the text looks right but '⾏政复议' does not
match '行政复议', so a row loses its label and a date or an agency name is misread. NFKC maps those blocks to
unified ideographs. The CJK Radicals Supplement has no NFKC mapping; its simplified forms that such PDFs
carry (⻓ 长, ⻔ 门, ⻅ 见 …) are mapped as Unicode's EquivalentUnifiedIdeograph.txt maps them.
Only these blocks change: full-width digits and punctuation stay as printed (gongkai.values reads them).
"""

from __future__ import annotations

import unicodedata

from gongkai.model import Document, Paragraph

# CJK Radicals Supplement → unified ideograph (EquivalentUnifiedIdeograph.txt), the simplified forms
_RADICALS_SUPPLEMENT = {
    0x2EA0: "民",
    0x2EC4: "西",
    0x2EC5: "见",
    0x2EC6: "角",
    0x2EC8: "讠",
    0x2EC9: "贝",
    0x2ECB: "车",
    0x2ECF: "阝",
    0x2ED0: "钅",
    0x2ED3: "长",
    0x2ED4: "门",
    0x2ED6: "阝",
    0x2EDA: "页",
    0x2EDB: "风",
    0x2EDC: "飞",
    0x2EDD: "食",
    0x2EE0: "饣",
    0x2EE2: "马",
    0x2EE4: "鬼",
    0x2EE5: "鱼",
    0x2EE6: "鸟",
    0x2EE9: "黄",
    0x2EEA: "黾",
    0x2EEC: "齐",
    0x2EEE: "齿",
    0x2EF0: "龙",
    0x2EF3: "龟",
}
_NFKC_RANGES = ((0x2F00, 0x2FD6), (0xF900, 0xFB00), (0x2F800, 0x2FA20))


def _is_unified(text: str) -> bool:
    return len(text) == 1 and (0x3400 <= ord(text) <= 0x9FFF or 0x20000 <= ord(text) <= 0x3FFFF)


def _table() -> dict[int, str]:
    table = dict(_RADICALS_SUPPLEMENT)
    for start, end in _NFKC_RANGES:
        for code in range(start, end):
            unified = unicodedata.normalize("NFKC", chr(code))
            if unified != chr(code) and _is_unified(unified):
                table[code] = unified
    return table


UNIFY = _table()


def unify_ideographs(text: str) -> str:
    return text.translate(UNIFY)


def unify_document(document: Document) -> Document:
    """The document with every paragraph's and cell's look-alike ideographs unified, in place."""
    for block in document.blocks:
        if isinstance(block, Paragraph):
            block.text = unify_ideographs(block.text)
        else:
            for row in block.rows:
                for cell in row:
                    cell.text = unify_ideographs(cell.text)
    return document
