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
            f"expectations/{name}.json is stale: run python -m gongkai.validate.checks --write"
        )
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


def test_the_sum_checks_are_the_declared_identities() -> None:
    """Every identity of forms.IDENTITIES (and the cross-year one) is one sum check, with its declared
    statement and severity, and there is no other sum check."""
    sums = {
        e["meta"]["check"]: e
        for suite in suites().values()
        for e in suite["expectations"]
        if e["type"] == "expect_multicolumn_sum_to_equal"
    }
    declared = [*forms.IDENTITIES, forms.CROSS_YEAR]
    assert sorted(sums) == sorted(i.check for i in declared)
    for identity in declared:
        expectation = sums[identity.check]
        assert expectation["description"] == identity.statement
        assert expectation["meta"]["message"] == identity.check_message
        assert expectation["severity"] == ("critical" if identity.check_severity == "error" else "warning")
