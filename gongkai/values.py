"""A printed cell's text → its value (spec/forms.md, "Cell values").

Rules: ASCII or full-width digits, thousands separators, decimals, a sign, Chinese numerals
(零, 十二, 一百零五…) and a trailing unit word are a number as printed. Blanks and the usual
"nothing" marks (/, —, -, 无, 空) are null, never zero. Text that merely contains numbers yields
the number that belongs to the cell, flagged `text_in_cell` so a person can look.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

NULL_MARKS = frozenset(
    {
        "",
        "/",
        "／",
        "—",
        "——",
        "–",
        "-",
        "－",
        "无",
        "空",
        "\\",
        "×",
        "x",
        "X",
        "…",
        "...",
        "－－",
        "--",
        "/件",
        "暂无",
        "未填",
        "不适用",
    }
)

UNIT_WORDS = ("万元", "亿元", "元", "件", "条", "个", "项", "次", "人次", "人", "份", "家", "起", "宗", "笔")
_UNIT_RE = "|".join(sorted(map(re.escape, UNIT_WORDS), key=len, reverse=True))
# 万/亿 after digits multiply ("1.2万条" is 12000), except where they begin the unit (万元 stays a unit)
_NUMBER_RE = re.compile(
    rf"^([+\-]?)(\d{{1,3}}(?:,\d{{3}})+|\d+)(\.\d+)?\s*(?:(万|亿)(?!元))?\s*({_UNIT_RE})?$"
)
_MULTIPLIERS = {"万": 10_000, "亿": 100_000_000}
_EMBEDDED_RE = re.compile(r"(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?")


def join_wrapped(parts: Iterable[str]) -> str:
    """Pieces of one text broken over lines or boxes: Chinese joins with nothing, Latin words with a space."""
    out = ""
    for part in parts:
        if out and out[-1].isascii() and out[-1].isalnum() and part[:1].isascii() and part[:1].isalpha():
            out += " "
        out += part
    return out


_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10_000}
_CN_RE = re.compile(
    rf"^([零〇一二两三四五六七八九十百千万0-9]*[零〇一二两三四五六七八九十百千万][零〇一二两三四五六七八九十百千万0-9]*)\s*"
    rf"({_UNIT_RE})?$"
)
_ARABIC_RUN = re.compile(r"[0-9]+")
_CN_CHARS = frozenset([*_CN_DIGITS, *_CN_UNITS, *"0123456789"])


# what OCR puts in a cell whose number it could not read for sure: a cell with something in it, no value
UNREADABLE = "\ufffd"
# what the PDF extractor puts in a cell whose number was printed across its ruling into the next cell (or
# under another cell's): its digits are mixed with the neighbour's, no value can be read
CROSSED = "\ufffc"


@dataclass
class Parsed:
    value: int | float | None
    flags: list[str] = field(default_factory=list)
    unit: str | None = None


def _number(digits: str, frac: str | None, multiplier: str | None) -> int | float:
    """A decimal as printed stays a float ("12.0"); 1.2万 is exactly 12000, not 12000.000000000002."""
    if not multiplier:
        return float(digits + frac) if frac else int(digits)
    value = Decimal(digits + (frac or "")) * _MULTIPLIERS[multiplier]
    return int(value) if value == value.to_integral_value() else float(value)


_JUNK = re.compile(r"\[bookmark:[^\]]*\]|\{[^}]*\}")


def clean_text(text: str) -> str:
    """Drop converter debris (Word bookmarks) and outer whitespace."""
    return _JUNK.sub("", text).strip()


def normalize(text: str) -> str:
    """Full-width to ASCII (NFKC), debris and whitespace removed at the ends."""
    return unicodedata.normalize("NFKC", clean_text(text)).replace("\u00a0", " ").strip()


def chinese_numeral(text: str) -> int | None:
    """'十二' → 12, '一百零五' → 105, '两百' → 200, '零' → 0, '二〇二三' → 2023 (digit by digit, as years are
    written), '1万2千' (or '１万２千') → 12000; None when it is not a well-formed numeral.

    Positional numerals are read by cn2an in its strict mode, which refuses malformed strings: its normal
    and smart modes give numbers for nonsense ('一五千〇' → 6000, '八一百五' → 950), and so did our own
    reader ('六〇百三' → 3). Abbreviations ('一万二', '两百五') are refused too: 12000 or 10002 is a guess,
    and a null with a flag beats a silent wrong number. Digit-by-digit numerals, which strict mode refuses,
    are read here; 两 and 〇 are spelt 二 and 零 first (strict mode refuses those characters).
    """
    text = unicodedata.normalize("NFKC", text)  # full-width digits
    if not text or any(c not in _CN_CHARS for c in text):
        return None
    if text[0] in "百千万":
        return None  # a numeral starts with a digit or 十: a lone 万 or 千 is a word, not a number
    if all(c in _CN_DIGITS for c in text):  # digit by digit: 二〇二三
        return int("".join(str(_CN_DIGITS[c]) for c in text))
    import cn2an  # imported when first needed: it takes most of a second

    # Arabic digits among Chinese units ('1万2千', '12万3千'): each run spelt in Chinese
    spelt = _ARABIC_RUN.sub(lambda m: cn2an.an2cn(m.group(0)), text).replace("两", "二").replace("〇", "零")
    try:
        value = cn2an.cn2an(spelt, "strict")
    except ValueError:
        return None
    return int(value)


def is_null_mark(text: str) -> bool:
    return normalize(text).replace(" ", "") in NULL_MARKS


def looks_numeric(text: str) -> bool:
    """A cell whose whole text is a number (with unit) or a null mark."""
    t = normalize(text).replace(" ", "")
    return (
        t in NULL_MARKS
        or t in (UNREADABLE, CROSSED)
        or bool(_NUMBER_RE.match(t))
        or ((match := _CN_RE.match(t)) is not None and chinese_numeral(match.group(1)) is not None)
    )


_SPACED_DIGITS = re.compile(r"(?<![\d.])\d+(?: +\d+)+")
_SPACE_GROUPED = re.compile(r"\d{1,3}(?: \d{3})+")


def parse_value(text: str | None, row_hint: str | None = None) -> Parsed:
    """Parse a cell. `row_hint` is the row's label, used to pick the number that belongs to it
    when the cell is prose with several numbers in it."""
    if text is None:
        return Parsed(None)
    spaced = normalize(text)
    runs = _SPACED_DIGITS.findall(spaced)
    if any(not _SPACE_GROUPED.fullmatch(run) for run in runs):
        # "5 12" is two numbers in one cell (a ruling not printed, cells run together), not 512;
        # only thousands in groups of three ("1 234") are one number
        return Parsed(None, ["numbers_in_one_cell"])
    t = spaced.replace(" ", "")
    if t in NULL_MARKS:
        return Parsed(None)
    if t == UNREADABLE:
        return Parsed(None, ["ocr_unreadable"])
    if t == CROSSED:
        return Parsed(None, ["text_crosses_ruling"])
    m = _NUMBER_RE.match(t)
    if m:
        sign, digits, frac, multiplier, unit = m.groups()
        flags = ["thousands_separator"] if "," in digits or runs else []
        number = _number(digits.replace(",", ""), frac, multiplier)
        if multiplier:
            flags.append("rounded_multiplier")  # "1.2万" is a rounded statement, not a count
        return Parsed(-number if sign == "-" else number, flags, unit)
    m = _CN_RE.match(t)
    if m:
        n = chinese_numeral(m.group(1))
        if n is not None:
            return Parsed(n, ["chinese_numeral"], m.group(2))
    return _number_in_text(t, row_hint)


def _number_in_text(t: str, row_hint: str | None) -> Parsed:
    found = list(_EMBEDDED_RE.finditer(t))
    if not found:
        return Parsed(None, ["text_in_cell"])
    chosen = found[0]
    if row_hint and len(found) > 1:
        hint = normalize(row_hint)
        # the number printed right after the row's own label belongs to the row
        for m in found:
            before = t[: m.start()]
            if hint and before.endswith(hint[-2:]):
                chosen = m
                break
    digits, frac = chosen.group(1), chosen.group(2)
    number: int | float = float(digits.replace(",", "") + frac) if frac else int(digits.replace(",", ""))
    unit_match = re.match(_UNIT_RE, t[chosen.end() :])
    return Parsed(number, ["text_in_cell"], unit_match.group(0) if unit_match else None)
