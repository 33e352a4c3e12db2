"""`gongkai registry list|show|check|coverage` on the shipped registry, failing fixtures and a real lake
written through the library stages (seed reports for registry agencies and one the registry lacks)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.cells import cell_len

from gongkai.cli import main

HERE = Path(__file__).parent
SEEDS = sorted((HERE.parent / "fixtures" / "seeds").glob("*.txt"))


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["registry", *args])
    out, err = capsys.readouterr()
    return code, out, err


def _fits_80_columns(text: str) -> bool:
    return all(cell_len(line.rstrip()) <= 80 for line in text.splitlines())


def test_list_filters_by_province_and_level(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "list", "--province", "广东", "--level", "prefecture")
    rows = [line.split() for line in out.splitlines()[1:-1]]
    assert code == 0 and len(rows) == 21 and out.splitlines()[-1].startswith("21 of ")
    assert ["guangzhou-gov", "prefecture", "440100000000", "广州市人民政府"] in rows
    assert _fits_80_columns(out)
    code, out, _ = _run(capsys, "list", "--province", "js", "--json")
    listed = {a["slug"]: a for a in json.loads(out)}
    assert code == 0 and len(listed) == 16 and listed["huaian-hongze-gov"]["parent"] == "huaian-gov"
    assert listed["huaian-gov"]["listing_urls"] == ["http://www.huaian.gov.cn/col/4122_231438/index.html"]
    # the older level name still selects
    code, out, _ = _run(capsys, "list", "--level", "city", "--json")
    assert code == 0 and len(json.loads(out)) == 333
    code, out, _ = _run(capsys, "list", "--province", "national", "--json")
    assert code == 0 and {a["level"] for a in json.loads(out)} == {"national", "department"}


def test_list_refuses_an_unknown_province_or_level(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "list", "--province", "atlantis")
    assert code == 2 and "names no province" in err
    code, _, err = _run(capsys, "list", "--level", "village")
    assert code == 2 and "must be one of national, province" in err


def test_show_prints_an_agency_with_its_place_and_parents(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "show", "huaian-hongze-gov")
    assert code == 0 and _fits_80_columns(out)
    assert "huaian-gov › jiangsu-gov › state-council" in out
    assert "gongkai/data/registry/32-jiangsu.toml:" in out and "320813000000" in out
    code, out, _ = _run(capsys, "show", "jiangsu-gov", "--json")
    shown = json.loads(out)
    assert code == 0 and shown["parents"] == ["state-council"] and "huaian-gov" in shown["children"]
    assert shown["portal_host"] == "www.jiangsu.gov.cn" and shown["host_verified"] is False


def test_show_an_unknown_slug_exits_2_with_the_closest(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "show", "guangzou-gov")
    assert (code, out) == (2, "")
    assert "no agency 'guangzou-gov' in the registry; closest: guangzhou-gov" in err


def test_check_passes_the_shipped_registry_and_lists_every_problem(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = _run(capsys, "check")
    assert code == 0 and out.splitlines()[-1] == "ok" and "31 provinces" in out
    code, out, err = _run(
        capsys, "check", str(HERE / "bad" / "several_problems.toml"), str(HERE / "bad" / "not_toml.toml")
    )
    problems = [line for line in out.splitlines() if ".toml" in line]
    assert code == 1 and len(problems) == 5 and "5 problem(s)" in err
    assert any("not_toml.toml: not valid TOML" in p for p in problems)


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Seed reports written through the library stages: 淮安市 2024 and 2020, 晋江市残联 2024, and 2023
    of an agency the registry lacks."""
    from gongkai.lake.raw import archive_raw
    from gongkai.pipeline.batch import Batch
    from gongkai.pipeline.parse import parse_batch
    from gongkai.pipeline.plan import lake_store
    from gongkai.pipeline.record import DocumentRecord
    from gongkai.pipeline.validate import validate_batch
    from gongkai.pipeline.write import write_batch

    lake = str(tmp_path_factory.mktemp("coverage") / "lake")
    store = lake_store(lake)
    docs = []
    for seed, agency in zip(
        SEEDS[:4], ["huaian-gov", "huaian-gov", "jinjiang-dpf", "not-in-registry"], strict=True
    ):
        sha, _ = archive_raw(store, seed.read_bytes())
        docs.append(
            DocumentRecord(
                agency, 2024, f"http://127.0.0.1:1/{seed.name}", sha256=sha, outcomes={"fetch": "ok"}
            )
        )
    parsed = parse_batch(Batch(lake, docs))
    write_batch(parsed, validate_batch(parsed, docs=False))
    return lake


def _rows(out: str) -> dict[tuple[str, str], dict]:  # type: ignore[type-arg]
    return {(r["province_name"], r["level"]): r for r in json.loads(out)["rows"]}


def test_coverage_counts_agencies_reports_and_missing_years(
    lake: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(capsys, "coverage", "--lake", lake, "--json")
    assert code == 0
    rows, report = _rows(out), json.loads(out)
    # the lake holds 2020 and 2024 for registry agencies: each agency misses the years it lacks
    jiangsu = rows[("江苏省", "prefecture")]
    assert (jiangsu["agencies"], jiangsu["reporting"], jiangsu["years_found"], jiangsu["missing"]) == (
        13,
        1,
        [2020, 2024],
        13 * 2 - 2,
    )
    fujian = rows[("福建省", "department")]  # fujian-dpf and jinjiang-dpf
    assert (fujian["agencies"], fujian["reporting"], fujian["years_found"], fujian["missing"]) == (
        2,
        1,
        [2024],
        3,
    )
    assert rows[("national", "department")]["reporting"] == 0
    assert report["not_in_registry"] == {"not-in-registry": [2023]}
    assert sum(r["agencies"] for r in rows.values()) == len(json.loads(_run(capsys, "list", "--json")[1]))


def test_coverage_of_one_year_and_one_province_as_a_table(
    lake: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(capsys, "coverage", "--lake", lake, "--year", "2024", "--province", "江苏")
    lines = out.splitlines()
    assert code == 0 and _fits_80_columns(out)
    prefecture = next(line.split() for line in lines if line.startswith("江苏省") and "prefecture" in line)
    assert prefecture == ["江苏省", "prefecture", "13", "1", "2024", "12"]
    total = next(line.split() for line in lines if line.startswith("all"))
    assert total == ["all", "16", "1", "2024", "15"]
    assert "reports of agencies not in the registry" not in out  # its report is of 2023


def test_coverage_of_a_lake_that_cannot_be_read_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "not-a-lake").write_text("a file, not a folder", encoding="utf-8")
    code, _, err = _run(capsys, "coverage", "--lake", str(tmp_path / "not-a-lake" / "lake"))
    assert code == 2 and "cannot read the lake" in err
