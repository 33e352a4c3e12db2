"""expectations/*.json are the suites gongkai.validate.checks derives from the forms: no drift."""

from __future__ import annotations

import json

from gongkai import forms
from gongkai.validate.checks import EXPECTATIONS_DIR, allowed_application_rows, main, suite_json, suites


def test_expectations_json_is_generated_from_the_forms() -> None:
    generated = suites()
    assert sorted(p.stem for p in EXPECTATIONS_DIR.glob("*.json")) == sorted(generated)
    for name, suite in generated.items():
        assert (EXPECTATIONS_DIR / f"{name}.json").read_text(encoding="utf-8") == suite_json(suite), (
            f"expectations/{name}.json is stale: run python -m gongkai.validate.checks --write")
    assert main(["--check"]) == 0


def test_allowed_keys_come_from_forms() -> None:
    suite = json.loads((EXPECTATIONS_DIR / "applications.json").read_text(encoding="utf-8"))
    by_check = {e["meta"]["check"]: e for e in suite["expectations"]}
    rows = by_check["applications.allowed_rows"]["kwargs"]["value_set"]
    assert rows == allowed_application_rows()
    assert len([r for r in rows if r.startswith("f2021:")]) == len(forms.APPLICATION_ROWS["f2021"]) + 1
    assert len([r for r in rows if r.startswith("f2019:")]) == len(forms.APPLICATION_ROWS["f2019"])
    assert by_check["applications.allowed_columns"]["kwargs"]["value_set"] == list(forms.APPLICANT_KEYS)
    review = json.loads((EXPECTATIONS_DIR / "review_litigation.json").read_text(encoding="utf-8"))
    assert review["expectations"][0]["kwargs"]["value_set"] == list(forms.REVIEW_COLUMNS)
