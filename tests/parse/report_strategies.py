"""Hypothesis strategies that generate whole reports of both forms — every cell value, blank, zero,
dropped label and the layout — so a failing example shrinks to the few cells that matter (a seed
given to `random` shrinks to nothing readable)."""

from __future__ import annotations

from hypothesis import settings
from hypothesis import strategies as st

from gongkai import forms
from gongkai.synth import LAYOUTS, SynthReport

FORMS = ("f2021", "f2019")
AGENCIES = ("某某市某某区人民政府", "某县残疾人联合会", "某某省某某厅")

# how real tables print a count: mostly 0 or small, sometimes large
counts = st.one_of(st.just(0), st.integers(0, 40), st.integers(0, 5000))


@st.composite
def application_row(draw: st.DrawFn, *, blanks: bool, totals_only: bool) -> list[int | None]:
    """Six applicant parts and 总计; a row may fill only 总计, leave parts blank, or break its identity."""
    style = draw(st.sampled_from(("full", "blanks", "totals_only", "full")))
    if style == "totals_only" and totals_only:
        return [None] * 6 + [draw(counts)]
    parts: list[int | None] = draw(st.lists(counts, min_size=6, max_size=6))
    if style == "blanks" and blanks:
        keep = draw(st.lists(st.booleans(), min_size=6, max_size=6))
        parts = [p if k else None for p, k in zip(parts, keep, strict=True)]
    total = sum(p or 0 for p in parts)
    if draw(st.integers(0, 32)) == 0:  # a printed total that does not add up (real reports have them)
        total = draw(counts)
    return [*parts, total]


def active_value(metric: forms.Key) -> st.SearchStrategy[int | float | None]:
    if "amount" in metric.key:  # 万元, two decimals
        return st.integers(0, 999_999).map(lambda cents: round(cents / 100, 2))
    if metric.key == "change":
        return st.integers(-20, 20)
    return st.one_of(st.just(0), st.integers(0, 99_999))


@st.composite
def reports(
    draw: st.DrawFn,
    form: str | None = None,
    *,
    blanks: bool = True,
    totals_only: bool = True,
    max_dropped_labels: int = 4,
    single_other_row: bool | None = None,
) -> SynthReport:
    """A report of `form` (either when None) with every value drawn; up to `max_dropped_labels` rows
    printed without their label (never the first or last, never two neighbours: position must tell)."""
    form = form or draw(st.sampled_from(FORMS))
    single = form == "f2021" and (draw(st.booleans()) if single_other_row is None else single_other_row)
    rows = forms.APPLICATION_ROWS["f2019" if single else form]
    applications = {row.key: draw(application_row(blanks=blanks, totals_only=totals_only)) for row in rows}
    review = draw(st.lists(st.one_of(st.just(0), st.integers(0, 30)), min_size=15, max_size=15))
    active = {
        (item.key, metric.key): draw(active_value(metric))
        for item in forms.ACTIVE_ITEMS[form]
        for metric in item.metrics
    }
    inner = list(range(1, len(rows) - 1))
    dropped_at = (
        draw(st.sets(st.sampled_from(inner), max_size=max_dropped_labels)) if max_dropped_labels else set()
    )
    dropped_at = {i for i in dropped_at if not ({i - 1, i + 1} & dropped_at)}
    return SynthReport(
        form,
        draw(st.integers(2019, 2025)),
        draw(st.sampled_from(AGENCIES)),
        applications,
        review,
        active,
        {rows[i].key for i in dropped_at},
        rows,
    )


layouts = st.sampled_from(LAYOUTS)


def examples(full: int) -> int:
    """`full` examples in the whole suite; under the fast lane's profile (tests/conftest.py, make check),
    that profile's smaller count."""
    fast = settings.get_profile("fast").max_examples
    return fast if settings.default.max_examples == fast else full
