"""The shipped registry (gongkai/data/registry/): the country's province and prefecture governments,
each province's 残联 and the State Council's departments, with codes from the shipped division table."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from gongkai.fetch.divisions import NATIONAL_CODE, divisions, pad_code, province_names, resolve_province
from gongkai.fetch.registry import (
    BUNDLED,
    LEVELS,
    Agency,
    Registry,
    lint_registry,
    load_registry,
    registry_files,
)

ROOT = Path(__file__).resolve().parents[2]
# slugs the lake already uses: never renamed
SEED_SLUGS = {
    "huaian-hongze-gov": ("淮安市洪泽区人民政府", "320813000000", "county"),
    "huaian-gov": ("淮安市人民政府", "320800000000", "prefecture"),
    "wuhan-dongxihu-dpf": ("东西湖区残疾人联合会", "420112000000", "department"),
    "bengbu-bengshan-dpf": ("蚌山区残疾人联合会", "340303000000", "department"),
    "jingmen-dongbao-bureau": ("荆门市东宝区某局（报告未印机关名称）", "420802000000", "department"),
    "jinjiang-dpf": ("晋江市残疾人联合会", "350582000000", "department"),
    "zibo-zhangdian-dpf": ("淄博市张店区残疾人联合会", "370303000000", "department"),
}


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry()


def test_the_division_table_has_31_provinces_and_333_prefectures() -> None:
    levels = Counter(d.level for d in divisions().values())
    assert (levels["province"], levels["prefecture"]) == (31, 333) and levels["county"] > 2800
    assert province_names()["44"] == "广东省" and len(province_names()) == 31
    assert (
        divisions()["441900000000"].level == "prefecture"
    )  # 东莞市: listed again as a county, kept a prefecture
    assert divisions()["320813000000"].parent == "320800000000"
    assert pad_code("4401") == "440100000000"


def test_the_registry_lints_clean_with_400_agencies_in_31_provinces(registry: Registry) -> None:
    agencies, problems = lint_registry(registry_files())
    assert problems == [] and len(agencies) == len(registry.agencies) >= 400
    assert {a.province for a in registry.agencies} - {""} == set(province_names())
    assert {a.level for a in registry.agencies} <= set(LEVELS) and all(a.level for a in registry.agencies)
    slugs = [a.slug for a in registry.agencies]
    assert len(slugs) == len(set(slugs)) and all(s.isascii() for s in slugs)


def test_every_province_has_its_government_and_its_disabled_persons_federation(registry: Registry) -> None:
    for code, name in province_names().items():
        governments = [a for a in registry.agencies if a.level == "province" and a.province == code]
        assert [(g.name, g.division_code, g.parent) for g in governments] == [
            (f"{name}人民政府", pad_code(code), "state-council")
        ]
        federations = [
            a
            for a in registry.agencies
            if a.division_code == pad_code(code) and a.name == f"{name}残疾人联合会"
        ]
        assert [(f.level, f.parent) for f in federations] == [("department", governments[0].slug)]


def test_every_prefecture_of_the_table_has_its_government(registry: Registry) -> None:
    by_code = {a.division_code: a for a in registry.agencies if a.level == "prefecture"}
    for division in (d for d in divisions().values() if d.level == "prefecture"):
        agency = by_code[division.code]
        assert agency.name.startswith(division.name) and agency.name.endswith(("人民政府", "行政公署"))
        assert registry.get(agency.parent).division_code == pad_code(division.province)
    assert registry.get("xilinguole-gov").name == "锡林郭勒盟行政公署"
    assert registry.get("yanbian-gov").name == "延边朝鲜族自治州人民政府"
    # a name shared by two prefectures, or with a province, takes the province's ISO code
    assert (registry.get("fuzhou-fj-gov").name, registry.get("fuzhou-jx-gov").name) == (
        "福州市人民政府",
        "抚州市人民政府",
    )
    assert (
        registry.get("hainan-qh-gov").name == "海南藏族自治州人民政府"
        and registry.get("hainan-gov").level == "province"
    )


def test_every_code_is_12_digits_and_in_its_parent_s_province(registry: Registry) -> None:
    table = divisions()
    for agency in registry.agencies:
        code = agency.division_code
        assert len(code) == 12 and code.isdigit(), agency.slug
        assert code == NATIONAL_CODE or code[:2] in province_names(), agency.slug
        if agency.level in ("province", "prefecture", "county"):
            assert code in table and table[code].level == agency.level, agency.slug
        if agency.parent:
            parent = registry.get(agency.parent)  # every parent exists
            assert parent.province in ("", agency.province), agency.slug


def test_the_state_council_and_its_departments(registry: Registry) -> None:
    national = [a for a in registry.agencies if a.division_code == NATIONAL_CODE]
    assert [a.slug for a in national if a.level == "national"] == ["state-council"]
    departments = [a for a in national if a.level == "department"]
    assert len(departments) >= 50 and all(a.portal_host.endswith(".gov.cn") for a in departments)
    assert registry.get("ndrc").name == "国家发展和改革委员会" and registry.get("nea").parent == "ndrc"
    assert all(
        a.parent == "state-council" or registry.get(a.parent).level == "department" for a in departments
    )


def test_the_seed_agencies_keep_their_slugs_and_hang_under_their_governments(registry: Registry) -> None:
    for slug, (name, code, level) in SEED_SLUGS.items():
        agency = registry.get(slug)
        assert (agency.name, agency.division_code, agency.level) == (name, code, level)
    assert registry.get("huaian-hongze-gov").parent == "huaian-gov"
    assert registry.get("jinjiang-dpf").parent == "jinjiang-gov"
    assert registry.get("jinjiang-gov").parent == "quanzhou-gov"
    assert registry.get("huaian-gov").listing_urls[0].startswith("http://www.huaian.gov.cn/col/")
    assert not registry.allowed_private_hosts()  # the real registry allows no private host


def test_hosts_are_marked_unverified_unless_seen(registry: Registry) -> None:
    with_host = [a for a in registry.agencies if a.portal_host]
    assert len(with_host) >= 31 + 333
    verified = [a for a in with_host if a.host_verified]
    # a verified host was seen serving the agency's pages: its listing URL is on that host
    assert verified and all(a.listing_urls and a.portal_host in a.hosts for a in verified)
    assert all(a.notes for a in registry.agencies if not a.portal_host and not a.listing_urls)


def test_the_shipped_files_are_what_the_script_makes() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "registry_from_divisions.py"), "--check"],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(list(BUNDLED.glob("*.toml"))) == 32  # 00-national.toml and one file per province


@pytest.mark.parametrize(
    ("given", "code"),
    [("广东", "44"), ("广东省", "44"), ("44", "44"), ("440100000000", "44"), ("gd", "44"), ("guangdong", "44"),
     ("shaanxi", "61"), ("shanxi", "14"), ("内蒙古", "15"), ("national", ""), ("江", None), ("nowhere", None)],
)  # fmt: skip
def test_a_province_is_found_by_name_code_pinyin_or_iso(given: str, code: str | None) -> None:
    assert resolve_province(given) == code


def test_a_host_read_in_a_source_is_in_the_entry_with_that_source(registry: Registry) -> None:
    lines = (BUNDLED / "portal_hosts.tsv").read_text(encoding="utf-8").splitlines()
    sourced = [line.split("\t") for line in lines if line.count("\t") == 3]
    assert len(sourced) >= 17  # the provincial 残联 of issue #14
    for code, kind, host, source in sourced:

        def fits(a: Agency, kind: str = kind) -> bool:
            if kind == "dpf":
                return a.level == "department" and a.name.endswith("残疾人联合会")
            return a.level in ("province", "prefecture")

        (agency,) = [a for a in registry.agencies if a.division_code == pad_code(code) and fits(a)]
        assert agency.portal_host == host and not agency.host_verified
        assert source.split(";")[0] in agency.notes  # the entry says where its host was read
