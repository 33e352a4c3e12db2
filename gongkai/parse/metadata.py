"""Report year, the agency's name as printed, and the publication date — or null, never a guess."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

from gongkai.values import chinese_numeral

_AGENCY_SUFFIX = (
    r"(?:人民政府|人民政府办公室|残疾人联合会|残联|联合会|委员会|管理委员会|办公室|办公厅|政府|局|厅|部|署|院|"
    r"中心|总队|支队|大队|委|会|所|站|处|分局|街道办事处|办事处|镇|乡)"
)
_TITLE = re.compile(
    r"^(?P<agency>[^\s，,。：:〔〕\[\]]{2,40}?)?\s*(?P<year>(?:19|20)\d{2})\s*年\s*度?\s*"
    # the agency may follow the year: 2019年上海市人民政府办公厅政府信息公开工作年度报告
    r"(?P<after>[^\s，,。：:]{0,30}?)(?:政府信息公开|政务公开|信息公开)(?:工作)?\s*(?:年度)?\s*(?:报告|年报)"
)
_PLACE_NAME = re.compile(r"(?![本我全该])[\u4e00-\u9fff]{1,12}(?:省|市|自治区|自治州|州|盟|地区|县|区|旗)")
_RELATIVE_PLACE = "区县市镇乡旗"  # a name starting so ('区残联') leaves its place unsaid
_PERIOD = re.compile(r"统计期限[^。]{0,8}?((?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日")
_YEAR_WORK = re.compile(r"((?:19|20)\d{2})\s*年")
_SOURCE = re.compile(
    r"(?:信息来源|发布机构|来源|发文机关|发布单位)\s*[:：]\s*([^\s:：|]{2,40}?" + _AGENCY_SUFFIX + r")"
)
_CONTACT = re.compile(r"请与\s*([^\s，,。；;（(]{2,40}?" + _AGENCY_SUFFIX + r")(?:机关|办公室)?\s*联系")
_SIGNATURE = re.compile(r"^([^\s，,。：:；;0-9]{2,40}?" + _AGENCY_SUFFIX + r")\s*$")
_PUBLISHED = re.compile(
    r"(?:发布时间|发布日期|成文日期|公开日期|印发日期|日期)\s*[:：]\s*((?:19|20)\d{2})[-/.年]\s*(\d{1,2})[-/.月]\s*(\d{1,2})"
)
_DATE_LINE = re.compile(r"((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*$")


def _norm(text: str) -> str:
    return _arabic_dates(unicodedata.normalize("NFKC", text).replace("\u3000", " ").strip())


_CN_YEAR = re.compile(r"([一二][〇○零一二三四五六七八九]{3})(?=\s*年)")
_CN_MONTH_DAY = re.compile(
    r"(\d{4}\s*年\s*)([一二三四五六七八九十]{1,2})(\s*月\s*)([一二三四五六七八九十]{1,3})(?=\s*日)"
)
_CN_YEAR_DIGITS = str.maketrans("〇○零一二三四五六七八九", "000123456789")


def _arabic_dates(text: str) -> str:
    """二〇二四年一月二十五日 (a signature's date, a title's year) → 2024年1月25日; other text unchanged."""
    text = _CN_YEAR.sub(lambda m: m.group(1).translate(_CN_YEAR_DIGITS), text)

    def month_day(m: re.Match[str]) -> str:
        month, day = chinese_numeral(m.group(2)), chinese_numeral(m.group(4))
        if month is None or day is None:
            return m.group(0)
        return f"{m.group(1)}{month}{m.group(3)}{day}"

    return _CN_MONTH_DAY.sub(month_day, text)


def _title_candidates(lines: list[str], limit: int) -> list[str]:
    """Lines near the top, and each short line joined with the next: titles wrap ('洪泽区人民政府' /
    '2023 年政府信息公开工作年度报告')."""
    head = [_norm(x).replace(" ", "") for x in lines[:limit]]
    joined = [line + head[i + 1] for i, line in enumerate(head[:-1]) if len(line) <= 30]
    return head + joined


def report_year(lines: list[str]) -> int | None:
    for line in _title_candidates(lines, 80):
        m = _TITLE.search(_norm(line).replace(" ", ""))
        if m:
            return int(m.group("year"))
    text = "\n".join(lines)
    m = _PERIOD.search(_norm(text))
    if m:
        return int(m.group(1))
    years = Counter(int(y) for y in _YEAR_WORK.findall(_norm("\n".join(lines[:40]))))
    if years:
        year, count = years.most_common(1)[0]
        return year if count >= 2 else None
    return None


def agency_name(lines: list[str]) -> str | None:
    """The name the report prints for its agency. A title often shortens it ('洪泽区人民政府'); when the
    report also prints a longer name ending with it ('淮安市洪泽区人民政府'), that full name is used."""
    normalized = [_norm(x).replace(" ", "") for x in lines]
    text = "\n".join(normalized)
    name: str | None = None
    for line in _title_candidates(lines, 15):
        m = _TITLE.search(line)
        if re.search(r"\.(pdf|docx?|wps|html?)$", line, re.I):
            continue  # an attachment's file name, not the title
        if m is None:
            continue
        for group in ("agency", "after"):
            candidate = re.sub(r"^.*?[>》]", "", m.group(group) or "")
            # a place alone ('杭州市2025年…') is the report of that place's government, as printed
            if len(candidate) >= 2 and (
                re.search(_AGENCY_SUFFIX + "$", candidate)
                or (group == "agency" and _PLACE_NAME.fullmatch(candidate))
            ):
                name = candidate
                break
        if name is not None:
            break
    title_name = name
    if name is not None and name[0] in _RELATIVE_PLACE and _longest_form(name, text) == name:
        name = None  # '区残联' names no place: a source or contact line that does is better
    if name is None:
        for pattern in (_SOURCE, _CONTACT):
            m = pattern.search(text)
            if m:
                name = m.group(1)
                break
    if name is None:
        name = title_name
    if name is None:
        for line in reversed(normalized[-30:]):
            m = _SIGNATURE.match(re.sub(r"(?:19|20)\d{2}年\d{1,2}月\d{1,2}日$", "", line))
            if m and len(m.group(1)) >= 4:
                name = m.group(1)
                break
    if name is None:
        return None
    return _longest_form(name, text)


def _longest_form(name: str, text: str) -> str:
    """'洪泽区人民政府' → '淮安市洪泽区人民政府' when the report prints the name with its place before it."""
    flat = text.replace("\n", "")
    lookbacks = [flat[max(0, m.start() - 10) : m.start()] for m in re.finditer(re.escape(name), flat)]
    lookbacks = [lb for lb in lookbacks if lb and "\u4e00" <= lb[-1] <= "\u9fff"]
    if not lookbacks:
        return name
    common = lookbacks[0]
    for lb in lookbacks[1:]:
        while common and not lb.endswith(common):
            common = common[1:]
    common = re.split(r"[由与在对向是为据将经和及、的了：:，,。（(]", common)[-1]
    m = re.search(r"([\u4e00-\u9fff]{1,8}(?:省|市|自治区|自治州|州|盟|地区))$", common)
    if m and len(m.group(1)) >= 2:
        return m.group(1) + name
    if name[0] in _RELATIVE_PLACE:  # '区残联' printed elsewhere as '蚌山区残联'
        m = re.search(r"([\u4e00-\u9fff]{2,6})$", common)
        if m:
            return m.group(1) + name
    return name


def published_date(lines: list[str]) -> str | None:
    normalized = [_norm(x) for x in lines]
    for line in normalized[:40]:
        m = _PUBLISHED.search(line)
        if m:
            return _iso(*m.groups())
    for line in reversed(normalized[-40:]):
        m = _DATE_LINE.search(line)
        if m and not re.search(r"(统计期限|截至|至|起)", line):
            return _iso(*m.groups())
    return None


def _iso(year: str, month: str, day: str) -> str | None:
    y, m, d = int(year), int(month), int(day)
    if not (1 <= m <= 12 and 1 <= d <= 31):
        return None
    return f"{y:04d}-{m:02d}-{d:02d}"
