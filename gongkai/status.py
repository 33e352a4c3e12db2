"""Each agency's state in the lake: years present and missing, its last run, open problems.

Read from the lake alone (the ``reports`` table and the run records under ``runs/``), so it is the
same whoever ran the flows, and works on a lake copied elsewhere. No Prefect.

- **years present**: report years with at least one report row for the agency;
- **years missing**: years the registry expects (`expected_years`), or a run failed to get, with no
  report in the lake — a year an agency simply did not publish, and nobody expects, is not missing;
- **last run**: the newest run record that covered the agency, its time and the agency's status in it;
- **open problems**: quarantined or failed reports in the lake, plus what failed in the last run.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from gongkai.lake.store import Store
from gongkai.runs import AgencyRun, RunSummary, iter_runs

_STATUS_RANK = {"failed": 4, "partial": 3, "ok": 2, "none": 1}


@dataclass
class AgencyStatus:
    agency_id: str
    years_present: list[int] = field(default_factory=list)
    years_missing: list[int] = field(default_factory=list)
    reports: int = 0
    statuses: dict[str, int] = field(default_factory=dict)  # report status -> count, over all years
    last_run_at: str | None = None
    last_run_id: str | None = None
    last_status: str | None = None  # ok | partial | failed | none, in its last run (worst over its years)
    problems: list[str] = field(default_factory=list)  # open problems, for a person

    @property
    def open_problems(self) -> int:
        return len(self.problems)


def _worst(statuses: Iterable[str]) -> str | None:
    ranked = sorted(statuses, key=lambda s: _STATUS_RANK.get(s, 0), reverse=True)
    return ranked[0] if ranked else None


def read_reports(store: Store) -> list[dict[str, Any]]:
    """The `reports` table rows needed for status (as of the latest commit)."""
    from gongkai.lake.reader import read_table

    columns = ["report_id", "agency_id", "report_year", "status", "problem_codes", "source_url"]
    try:
        table = read_table(store, "reports")
    except KeyError:
        return []
    present = [c for c in columns if c in table.column_names]
    return table.select(present).to_pylist()


def lake_status(
    store: Store,
    agencies: Sequence[str] | None = None,
    *,
    expected_years: Mapping[str, Iterable[int]] | None = None,
    runs: Iterable[RunSummary] | None = None,
) -> list[AgencyStatus]:
    """One row per agency (those given, else every agency in `expected_years`, the lake or the run
    records), sorted by slug. `expected_years`: slug → years the registry expects reports for."""
    rows = read_reports(store)
    runs = iter_runs(store) if runs is None else runs  # one national run's record at a time
    wanted = set(agencies or ())
    by_agency: dict[str, AgencyStatus] = {}

    def get(slug: str) -> AgencyStatus | None:
        if wanted and slug not in wanted:
            return None
        if slug not in by_agency:
            by_agency[slug] = AgencyStatus(slug)
        return by_agency[slug]

    present: dict[str, set[int]] = defaultdict(set)
    for row in rows:
        slug = row.get("agency_id") or "(unknown agency)"
        status = get(slug)
        if status is None:
            continue
        year = row.get("report_year")
        if year:
            present[slug].add(int(year))
        status.reports += 1
        report_status = row.get("status") or "valid"
        status.statuses[report_status] = status.statuses.get(report_status, 0) + 1
        if report_status in ("quarantined", "failed"):
            codes = ", ".join((row.get("problem_codes") or [])[:4])
            status.problems.append(
                f"{year or '?'}: report {row.get('report_id')} {report_status}"
                + (f" ({codes})" if codes else "")
            )

    expected = {slug: set(years) for slug, years in (expected_years or {}).items()}
    wanted_years: dict[str, set[int]] = defaultdict(set)
    seen_run: set[str] = set()
    for run in runs:  # newest first
        per_agency: dict[str, list[AgencyRun]] = defaultdict(list)
        for agency_run in run.agencies:
            per_agency[agency_run.agency_id].append(agency_run)
        for slug, agency_runs in per_agency.items():
            if slug in seen_run:
                continue
            status = get(slug)
            if status is None:
                continue
            seen_run.add(slug)
            status.last_run_at = run.ended_at or run.started_at
            status.last_run_id = run.run_id
            status.last_status = _worst(a.status for a in agency_runs)
            for agency_run in agency_runs:
                if agency_run.status in ("failed", "partial"):
                    wanted_years[slug].add(agency_run.year)
                for message in agency_run.errors[:5]:
                    status.problems.append(f"{agency_run.year}: {message}")
                if agency_run.status == "none" and agency_run.year in expected.get(slug, ()):
                    status.problems.append(
                        f"{agency_run.year}: the registry expects a report; none is listed "
                        "on the agency's site yet"
                    )
    for slug, years in expected.items():
        if get(slug) is not None:
            wanted_years[slug].update(years)
            if slug not in seen_run and set(years) - present[slug]:
                by_agency[slug].problems.append(f"never run: the registry expects {_years(sorted(years))}")
    for slug, status in by_agency.items():
        status.years_present = sorted(present[slug])
        status.years_missing = sorted(wanted_years[slug] - present[slug])
    return [by_agency[k] for k in sorted(by_agency)]


def registry_expectations(registry: object) -> dict[str, list[int]]:
    """slug → expected report years, from a gongkai.fetch Registry: only agencies that expect some (the
    national registry's hundreds of others appear once the lake holds a report or run of theirs)."""
    return {a.slug: sorted(a.expected_years) for a in getattr(registry, "agencies", []) if a.expected_years}


def status_rows(statuses: Sequence[AgencyStatus]) -> list[dict[str, Any]]:
    return [
        {
            "agency": s.agency_id,
            "present": _years(s.years_present),
            "missing": _years(s.years_missing),
            "reports": s.reports,
            "last run": (s.last_run_at or "never").replace("+00:00", "Z"),
            "status": s.last_status or "—",
            "open problems": s.open_problems,
        }
        for s in statuses
    ]


def _years(years: Sequence[int]) -> str:
    """[2019, 2020, 2021, 2023] → '2019–2021, 2023'."""
    if not years:
        return "—"
    out, start, prev = [], years[0], years[0]
    for year in [*years[1:], None]:
        if year is not None and year == prev + 1:
            prev = year
            continue
        out.append(str(start) if start == prev else f"{start}–{prev}")
        if year is not None:
            start = prev = year
    return ", ".join(out)
