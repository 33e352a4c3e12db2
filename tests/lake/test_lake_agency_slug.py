"""Agency ids: deterministic ASCII slugs from printed names (pinyin + a hash of the normalised name)."""

from __future__ import annotations

from gongkai.agency import agency_slug, is_valid_slug, normalize_agency_name


def test_slug_is_readable_ascii_and_deterministic() -> None:
    slug = agency_slug("淮安市洪泽区人民政府")
    assert slug is not None and slug.startswith("huaianshihongzequrenminzhengfu-") and len(slug) == 39
    assert is_valid_slug(slug) and slug == agency_slug("淮安市洪泽区人民政府")


def test_spacing_and_full_width_variants_give_the_same_slug() -> None:
    assert agency_slug("淮安市 洪泽区（人民政府）") == agency_slug("淮安市洪泽区人民政府")
    assert agency_slug("ＸＸ市教育局") == agency_slug("XX市教育局")
    assert normalize_agency_name(" 淮安市\u3000人民政府 ") == "淮安市人民政府"


def test_homophones_get_different_slugs() -> None:
    a, b = agency_slug("洪泽区人民政府"), agency_slug("宏泽区人民政府")
    assert a and b and a != b and a.split("-")[0] == b.split("-")[0]


def test_names_without_letters_or_han_have_no_slug_and_bad_slugs_are_refused() -> None:
    assert agency_slug("") is None and agency_slug(" —— ") is None
    assert agency_slug("§") is None
    assert is_valid_slug("hongze-2") and not is_valid_slug("Hongze") and not is_valid_slug("a_b")
    assert not is_valid_slug("-a") and not is_valid_slug("a" * 81)
