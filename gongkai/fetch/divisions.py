"""The 统计用区划代码 table shipped with the registry (gongkai/data/registry/divisions/, source and
edition in its README): provinces, prefecture-level and county-level divisions with 12-digit codes.

The table prints 2, 4 or 6 significant digits; a 12-digit code is that padded with zeros on the right.
"""

from __future__ import annotations

import csv
import functools
import re
from dataclasses import dataclass
from pathlib import Path

DIVISIONS_DIR = Path(__file__).resolve().parents[1] / "data" / "registry" / "divisions"
NATIONAL_CODE = "000000000000"  # the whole country: the State Council and its departments (no GB/T 2260 code)
# cities.csv rows that group counties without being a government of their own
_PLACEHOLDERS = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
# ISO 3166-2:CN subdivision codes, lowercased: short ASCII names for slugs and `--province`
PROVINCE_ISO = {
    "11": "bj", "12": "tj", "13": "he", "14": "sx", "15": "nm", "21": "ln", "22": "jl", "23": "hl",
    "31": "sh", "32": "js", "33": "zj", "34": "ah", "35": "fj", "36": "jx", "37": "sd", "41": "ha",
    "42": "hb", "43": "hn", "44": "gd", "45": "gx", "46": "hi", "50": "cq", "51": "sc", "52": "gz",
    "53": "yn", "54": "xz", "61": "sn", "62": "gs", "63": "qh", "64": "nx", "65": "xj",
}  # fmt: skip
# the usual romanisation of each province's name (山西 shanxi / 陕西 shaanxi, 内蒙古 neimenggu, …)
PROVINCE_PINYIN = {
    "11": "beijing", "12": "tianjin", "13": "hebei", "14": "shanxi", "15": "neimenggu", "21": "liaoning",
    "22": "jilin", "23": "heilongjiang", "31": "shanghai", "32": "jiangsu", "33": "zhejiang", "34": "anhui",
    "35": "fujian", "36": "jiangxi", "37": "shandong", "41": "henan", "42": "hubei", "43": "hunan",
    "44": "guangdong", "45": "guangxi", "46": "hainan", "50": "chongqing", "51": "sichuan", "52": "guizhou",
    "53": "yunnan", "54": "xizang", "61": "shaanxi", "62": "gansu", "63": "qinghai", "64": "ningxia",
    "65": "xinjiang",
}  # fmt: skip


@dataclass(frozen=True)
class Division:
    code: str  # 12 digits
    name: str  # 广东省, 广州市, 洪泽区
    level: str  # province | prefecture | county (the registry's level names)
    parent: str  # the 12-digit code of the division above ("" for a province)

    @property
    def province(self) -> str:
        return self.code[:2]


def pad_code(code: str) -> str:
    """A 2-, 4-, 6- or 9-digit code of the table as the 12-digit 统计用区划代码."""
    return code.ljust(12, "0")


@functools.cache
def divisions() -> dict[str, Division]:
    """12-digit code → division, for every province, prefecture and county of the shipped table."""
    out: dict[str, Division] = {}
    for row in _rows("provinces.csv"):
        out[pad_code(row["code"])] = Division(pad_code(row["code"]), row["name"], "province", "")
    for row in _rows("cities.csv"):
        if row["name"] not in _PLACEHOLDERS:
            code = pad_code(row["code"])
            out[code] = Division(code, row["name"], "prefecture", pad_code(row["provinceCode"]))
    for row in _rows("areas.csv"):
        if pad_code(row["code"]) in out:
            continue  # 东莞市 441900: a prefecture without counties, listed again at county level
        city = pad_code(row["cityCode"])
        parent = city if city in out else pad_code(row["provinceCode"])  # under a placeholder: the province
        out[pad_code(row["code"])] = Division(pad_code(row["code"]), row["name"], "county", parent)
    return out


def provinces() -> list[Division]:
    return [d for d in divisions().values() if d.level == "province"]


def province_names() -> dict[str, str]:
    """2-digit province code → name (广东省)."""
    return {d.province: d.name for d in provinces()}


def _rows(name: str) -> list[dict[str, str]]:
    with (DIVISIONS_DIR / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def resolve_province(text: str) -> str | None:
    """The 2-digit code of a province given as a code (44, 440000000000), its name (广东, 广东省),
    its pinyin (guangdong; shaanxi is 陕西) or ISO 3166-2 code (gd); "national" or 全国 gives "".
    None when nothing matches."""
    given = text.strip()
    lowered = given.lower()
    names = province_names()
    if lowered in ("national", "全国", "00", NATIONAL_CODE):
        return ""
    if re.fullmatch(r"\d{2}|\d{6}|\d{12}", given) and given[:2] in names:
        return given[:2]
    for table in (PROVINCE_ISO, PROVINCE_PINYIN):
        for code, value in table.items():
            if lowered == value:
                return code
    matches = [code for code, name in names.items() if given and name.startswith(given)]
    return matches[0] if len(matches) == 1 else None
