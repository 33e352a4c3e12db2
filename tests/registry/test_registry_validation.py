"""Registry files are validated on load: every mistake is an error naming the file and the line of
its [[agency]] header, with what to fix; each has a fixture file under bad/ that must fail it."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from gongkai.fetch.registry import (
    RegistryError,
    agency_from_dict,
    lint_registry,
    load_registry,
    registry_for_portal,
    registry_toml,
)

HERE = Path(__file__).parent
BAD = HERE / "bad"


@pytest.mark.parametrize(
    ("name", "line", "message"),
    [
        ("unknown_key.toml", 3, r"unknown keys \['listing_url'\]: 'listing_url' \(did you mean 'listing_urls'\?\)"),
        ("duplicate_slug.toml", 9, r"slug 'guangdong-gov' appears twice \(first at .*duplicate_slug.toml:3\)"),
        ("code_not_12_digits.toml", 3, r"division_code '44010000' must be the 12-digit 统计用区划代码"),
        ("code_no_province.toml", 3, r"division_code 990100000000 starts with 99, which is no province's code"),
        ("code_wrong_level.toml", 3, r"440106000000 is not a prefecture's code: a prefecture's code reads XXYY00000000"),
        ("national_code.toml", 3, r"a national agency's division_code is 000000000000"),
        ("parent_other_province.toml", 9, r"parent 'guangdong-gov' .* is in province 44 广东省, but its division_code "
         r"320800000000 is in 32 江苏省"),
        ("unknown_parent.toml", 9, r"parent 'guangdong-gvo' is not in the registry \(did you mean guangdong-gov\?\)"),
        ("parent_loop.toml", 3, r"agency 'guangdong-gov': its parents loop back to 'guangdong-gov'"),
        ("bad_host.toml", 3, r"portal_host 'https://www.gd.gov.cn/' must be a lowercase host name such as www.gd.gov.cn"),
        ("bad_level.toml", 3, r"level 'village' must be one of national, province, prefecture, county"),
        ("bad_slug.toml", 3, r"slug '广州' must be 2–63 lowercase ASCII letters"),
        ("code_as_number.toml", 3, r'division_code 440100000000 must be a string of 12 digits, e.g. "440100000000"'),
    ],
)  # fmt: skip
def test_each_mistake_fails_its_fixture_with_file_line_and_fix(name: str, line: int, message: str) -> None:
    with pytest.raises(RegistryError) as raised:
        load_registry(BAD / name)
    text = str(raised.value)
    assert re.search(rf"{re.escape(name)}:{line}: .*{message}", text), text


def test_a_file_that_is_not_toml_is_named() -> None:
    with pytest.raises(RegistryError, match=r"not_toml.toml: not valid TOML \(.*line 3"):
        load_registry(BAD / "not_toml.toml")


def test_every_problem_of_a_file_is_listed_not_the_first() -> None:
    agencies, problems = lint_registry([BAD / "several_problems.toml"])
    assert [p.split(": ", 1)[0].rsplit("/", 1)[-1] for p in problems] == [
        "several_problems.toml:3",  # a path in the host
        "several_problems.toml:10",  # a 4-digit code
        "several_problems.toml:24",  # the slug again
        "several_problems.toml:17",  # a parent that does not exist
    ]  # not: the parent guangdong-gov of line 24, whose own entry is wrong (line 3)
    assert [a.slug for a in agencies] == ["shenzhen-gov", "shenzhen-gov"]
    assert "portal_host 'www.gd.gov.cn/'" in problems[0] and "division_code '4401'" in problems[1]
    assert (
        "parent 'guangdong' is not in the registry (did you mean guangdong-gov, guangzhou-gov?)"
        in problems[3]
    )


def test_an_older_file_loads_with_today_s_level_names_and_12_digit_codes(tmp_path: Path) -> None:
    registry = load_registry(HERE / "legacy_registry.toml")
    huaian, hongze, test_county = registry.agencies
    assert (huaian.level, huaian.division_code, huaian.province) == ("prefecture", "320800000000", "32")
    assert (hongze.division_code, hongze.listing_urls) == (
        "320813000000",
        ("http://www.hongze.gov.cn/col/1167_462443/index.html",),
    )
    # a test portal's agency may sit in the test province 99; a real one may not (code_no_province.toml)
    assert test_county.division_code == "990101000000" and test_county.allow_private
    assert registry.location("huaian-hongze-gov").endswith("legacy_registry.toml:11")
    (tmp_path / "again.toml").write_text(registry_toml(registry), encoding="utf-8")
    again = load_registry(tmp_path / "again.toml")
    assert again.agencies == registry.agencies and 'level = "prefecture"' in registry_toml(registry)


def test_a_folder_merges_its_files_and_checks_parents_across_them(tmp_path: Path) -> None:
    (tmp_path / "00-national.toml").write_text(
        '[[agency]]\nslug = "state-council"\nname = "国务院"\nlevel = "national"\ndivision_code = "000000000000"\n',
        encoding="utf-8",
    )
    (tmp_path / "44-guangdong.toml").write_text(
        '\n[[agency]]\nslug = "guangdong-gov"\nname = "广东省人民政府"\nlevel = "province"\n'
        'parent = "state-council"\ndivision_code = "440000000000"\nportal_host = "www.gd.gov.cn"\n',
        encoding="utf-8",
    )
    (tmp_path / "README.md").write_text("not a registry file", encoding="utf-8")
    registry = load_registry(tmp_path)
    assert [a.slug for a in registry.agencies] == ["state-council", "guangdong-gov"]
    assert registry.get("guangdong-gov").hosts == {"www.gd.gov.cn"}
    assert registry.location("guangdong-gov").endswith("44-guangdong.toml:2")
    assert registry.rate_limits() == {"www.gd.gov.cn": (1.0, 2)}
    (tmp_path / "44-guangdong.toml").unlink()
    (tmp_path / "00-national.toml").unlink()
    with pytest.raises(RegistryError, match="holds no \\*.toml file"):
        load_registry(tmp_path)


def test_an_agency_changed_in_code_is_validated_again() -> None:
    agency = agency_from_dict({"slug": "guangzhou-gov", "name": "广州市人民政府", "level": "city"})
    assert agency.level == "prefecture" and dataclasses.replace(agency, max_pages=3).max_pages == 3
    with pytest.raises(ValidationError, match="rate_limit must be > 0"):
        dataclasses.replace(agency, rate_limit=0)


def test_the_portal_registry_still_allows_its_loopback_host() -> None:
    registry = registry_for_portal(
        "http://127.0.0.1:9", [{"slug": "loopback", "name": "回环", "listing_urls": ["/"]}]
    )
    assert registry.allowed_private_hosts() == {"127.0.0.1"}
    assert registry.get("loopback").listing_urls == ("http://127.0.0.1:9/",)


@pytest.mark.parametrize(
    ("portal_host", "ok"),
    [
        ("www.gd.gov.cn", True),
        ("www.gd.gov.cn:8080", True),
        ("www.gd.gov.cn:0", False),
        ("www.gd.gov.cn:99999", False),
        ("www.gd.gov.cn:http", False),
        ("127.0.0.1:8080", False),
    ],
)
def test_a_portal_host_may_name_its_port(portal_host: str, ok: bool) -> None:
    entry = {"slug": "guangdong-gov", "name": "广东省人民政府", "portal_host": portal_host}
    if ok:
        agency = agency_from_dict(entry)
        assert agency.hosts == {"www.gd.gov.cn"}
    else:
        with pytest.raises((RegistryError, ValidationError), match="optionally with a port"):
            agency_from_dict(entry)


def test_a_large_file_read_in_pieces_names_the_same_lines_and_errors(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A national registry is parsed a few thousand [[agency]] tables at a time (its heap stays compact):
    the pieces give the same agencies and lines, and a TOML mistake in a later piece is named at its line
    in the whole file."""
    whole = lint_registry([BAD / "several_problems.toml"])  # 4 tables: one piece
    monkeypatch.setattr("gongkai.fetch.registry._TOML_CHUNK", 2)  # two pieces
    assert lint_registry([BAD / "several_problems.toml"]) == whole  # same agencies, problems and lines
    text = (BAD / "several_problems.toml").read_text(encoding="utf-8")
    broken = tmp_path / "broken.toml"
    lines = text.splitlines()
    last_header = max(i for i, line in enumerate(lines) if line.startswith("[[agency]]"))
    lines.insert(last_header + 1, "name = ")  # in the last piece
    broken.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(RegistryError, match=rf"broken.toml: not valid TOML \(.*line {last_header + 2}"):
        load_registry(broken)
