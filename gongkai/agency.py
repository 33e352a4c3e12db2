"""An agency's lake id (an ASCII slug) from its printed Chinese name.

Choice: the slug is the name's pinyin (pypinyin, tones dropped, ü written as v) followed by 8 hex
digits of the SHA-1 of the normalised name, e.g. 淮安市洪泽区人民政府 →
``huaianshihongzequrenminzhengfu-1a2b3c4d``. The pinyin makes it readable; the hash keeps it
unique, because pinyin without tones merges homophones (洪泽/宏泽) and polyphones are read one
fixed way (重庆市长寿区 → ...zhangshou...), which is fine for an id but not for distinguishing names.
The same printed name always gives the same slug (deterministic, no state, no network).
Normalisation (NFKC, whitespace and punctuation removed) makes full-width/half-width variants and
stray spaces map to the same slug; different wordings of one agency's name do not — give the slug
explicitly (`gongkai load --agency`, or the fetch registry) when they must be joined.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from pypinyin import Style, lazy_pinyin

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_MAX_PINYIN = 48
_DROP = re.compile(r"[\s\W_]+", re.UNICODE)


def normalize_agency_name(name: str) -> str:
    """NFKC, then drop whitespace and punctuation: '淮安市 洪泽区（人民政府）' → '淮安市洪泽区人民政府'."""
    return _DROP.sub("", unicodedata.normalize("NFKC", name))


def agency_slug(name: str) -> str | None:
    """The ASCII slug of a printed agency name, or None when the name has nothing to slug."""
    norm = normalize_agency_name(name)
    if not norm:
        return None
    syllables = lazy_pinyin(norm, style=Style.NORMAL, errors=list)  # type: ignore[arg-type]  # pypinyin takes a list too
    ascii_part = "".join(s.lower() for s in syllables)
    ascii_part = re.sub(r"[^a-z0-9]+", "", unicodedata.normalize("NFKD", ascii_part))[:_MAX_PINYIN]
    digest = hashlib.sha1(norm.encode("utf-8")).hexdigest()[:8]
    return f"{ascii_part}-{digest}" if ascii_part else f"agency-{digest}"


def is_valid_slug(slug: str) -> bool:
    """What `--agency` accepts: lowercase ASCII letters and digits in hyphen-separated words."""
    return bool(SLUG_RE.match(slug)) and len(slug) <= 80
