"""Each seed (text as real converters extracted it) parses to its golden values, cell by cell."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gongkai import forms
from gongkai.golden import differences
from gongkai.pipeline import parse_bytes

SEEDS = Path(__file__).parents[1] / "fixtures" / "seeds"
SEED_FILES = sorted(SEEDS.glob("*.txt"))


def test_every_seed_has_a_golden_file() -> None:
    assert len(SEED_FILES) == 5
    for path in SEED_FILES:
        assert (SEEDS / "expected" / f"{path.stem}.json").exists()


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.stem)
def test_seed_parses_exactly(path: Path) -> None:
    expected = json.loads((SEEDS / "expected" / f"{path.stem}.json").read_text(encoding="utf-8"))
    report = parse_bytes(path.read_bytes(), str(path))
    assert differences(report, expected) == []
    # every cell of the form is present
    rows = forms.APPLICATION_ROWS[report.form_version]
    assert {r for r, _ in report.applications} >= {r.key for r in rows}
    assert len(report.review_litigation) == 15
    assert len(report.active_disclosure) == sum(
        len(i.metrics) for i in forms.ACTIVE_ITEMS[report.form_version]
    )


def test_golden_values_spot_checks() -> None:
    """A few cells read off the seeds by hand, independent of the golden files."""
    by_stem = {p.stem[:3]: parse_bytes(p.read_bytes(), str(p)) for p in SEED_FILES}
    r000 = by_stem["000"]
    assert r000.applications[("new_requests", "total")].value == 0
    assert r000.applications[("new_requests", "natural_person")].value is None  # blank, not zero
    r001 = by_stem["001"]
    assert r001.form_version == "f2019"
    assert r001.applications[("unable_not_held", "natural_person")].value == 1
    assert r001.applications[("other_handling", "total")].value == 0
    assert r001.active_disclosure[("government_procurement", "procurement_amount")].value == 1700
    assert r001.active_disclosure[("government_procurement", "procurement_amount")].unit == "元"
    r002 = by_stem["002"]
    licensing = r002.active_disclosure[("administrative_licensing", "decisions")]
    assert (licensing.value, "text_in_cell" in licensing.flags) == (6828, True)
    assert r002.agency_name is None
    r003 = by_stem["003"]
    assert r003.applications[("carried_forward_to_next_year", "commercial_enterprise")].value is None
    r004 = by_stem["004"]
    inferred = {r for (r, _), c in r004.applications.items() if "label_inferred" in c.flags}
    assert inferred == {
        "denied_third_party_rights",
        "denied_process_information",
        "denied_administrative_query",
    }
