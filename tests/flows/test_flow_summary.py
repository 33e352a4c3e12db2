"""Run summaries and lake status: the numbers operators see (plain Python, a real local lake)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from gongkai.lake.store import open_store
from gongkai.run_report import docs_index_html
from gongkai.runs import (
    AgencyRun,
    RunSummary,
    default_report_year,
    iter_runs,
    load_runs,
    merge_runs,
    read_run_head,
    run_record_key,
    save_run,
)
from gongkai.status import _years, lake_status, read_reports, status_rows


def test_agency_status_tells_ok_partial_failed_and_none_apart() -> None:
    assert AgencyRun("a", 2023, found=3, fetched=2, unchanged=1).status == "ok"
    assert AgencyRun("a", 2023, found=3, fetched=2, fetch_failed=1).status == "partial"
    assert AgencyRun("a", 2023, found=2, fetch_failed=2).status == "failed"
    assert AgencyRun("a", 2023, found=2, fetched=2, stage_failed=2).status == "failed"
    assert AgencyRun("a", 2023, found=0).status == "none"
    assert AgencyRun("a", 2023, discovery_failed=True).status == "failed"


def test_run_exit_codes() -> None:
    def run(*agencies: AgencyRun, notes: list[str] | None = None) -> RunSummary:
        return RunSummary("r", "file:///lake", [2023], "t0", agencies=list(agencies), notes=notes or [])

    ok = AgencyRun("a", 2023, found=1, fetched=1)
    bad = AgencyRun("b", 2023, found=1, fetch_failed=1)
    none = AgencyRun("c", 2023)
    assert (run(ok, none).status, run(ok, none).exit_code) == ("ok", 0)
    assert (run(ok, bad).status, run(ok, bad).exit_code) == ("partial", 1)
    assert (run(bad).status, run(bad).exit_code) == ("failed", 2)
    assert run(ok, notes=["unknown agency slug 'x'"]).exit_code == 1
    assert run(notes=["unknown agency slug 'x'"]).exit_code == 2


def test_batch_tallies_add_up_per_agency_and_year() -> None:
    parts = [
        AgencyRun("a", 2023, found=5),
        AgencyRun("a", 2023, fetched=2, statuses={"valid": 2}, problems={"x": 1}),
        AgencyRun(
            "a",
            2023,
            fetched=3,
            fetch_failed=0,
            statuses={"valid": 1, "quarantined": 2},
            problems={"x": 2, "y": 1},
        ),
        AgencyRun("b", 2023, found=1),
        AgencyRun("a", 2022, found=1),
    ]
    merged = {(m.agency_id, m.year): m for m in merge_runs(parts)}
    a = merged[("a", 2023)]
    assert (a.found, a.fetched, a.statuses, a.problems) == (
        5,
        5,
        {"valid": 3, "quarantined": 2},
        {"x": 3, "y": 1},
    )
    assert sorted(merged) == [("a", 2022), ("a", 2023), ("b", 2023)]


def test_merged_tallies_share_equal_counts_and_a_merge_changes_only_its_own_agency() -> None:
    """A national run holds a tally per agency: equal count dicts are one object, never changed in place."""
    from gongkai.runs import Tallies

    book = Tallies()
    book.extend(AgencyRun(f"agency-{i}", 2023, found=1, statuses={"valid": 1}) for i in range(1000))
    first, second = book.merged[("agency-0", 2023)], book.merged[("agency-1", 2023)]
    assert first.statuses is second.statuses and first.problems is second.problems
    book.extend([AgencyRun("agency-0", 2023, statuses={"quarantined": 1}, problems={"x": 1})])
    assert first.statuses == {"valid": 1, "quarantined": 1} and first.problems == {"x": 1}
    assert second.statuses == {"valid": 1} and second.problems == {}
    assert all(book.merged[(f"agency-{i}", 2023)].statuses == {"valid": 1} for i in range(1, 1000))
    part = AgencyRun("agency-2", 2023, statuses={"valid": 1})
    book.extend([part])
    assert book.merged[("agency-2", 2023)].statuses == {"valid": 2} and part.statuses == {"valid": 1}


def test_summary_markdown_and_json_round_trip() -> None:
    agency = AgencyRun(
        "hongze",
        2023,
        found=2,
        fetched=1,
        fetch_failed=1,
        parsed=1,
        written=1,
        statuses={"quarantined": 1},
        problems={"applications.row_sum": 1},
    )
    agency.add_error("fetch failed: http://127.0.0.1/x.pdf: HTTP 500")
    summary = RunSummary(
        "20240101T000000-abc",
        "file:///lake",
        [2023],
        "2024-01-01T00:00:00+00:00",
        ended_at="2024-01-01T00:01:00+00:00",
        agencies=[agency],
        data_docs=["file:///lake/dd.html"],
    )
    text = summary.markdown()
    assert "| hongze | 2023 | partial | 2 | 1 | 0 | 1 | 1 | 0 | 1 | 0 | 0 | 1 | 0 |" in text
    assert "HTTP 500" in text and "`applications.row_sum`×1" in text and "file:///lake/dd.html" in text
    again = RunSummary.from_json(json.loads(json.dumps(summary.to_json())))
    assert again == summary and again.status == "partial"
    assert summary.table_rows()[0]["quarantined"] == 1


def test_default_report_year_is_last_year_in_beijing() -> None:
    assert default_report_year(dt.date(2025, 1, 1)) == 2024
    assert default_report_year(dt.date(2025, 12, 31)) == 2024


def test_year_ranges_are_compact() -> None:
    assert _years([2019, 2020, 2021, 2023]) == "2019–2021, 2023"
    assert _years([]) == "—" and _years([2020]) == "2020"


def _seed_lake(tmp_path: Path) -> str:
    """Two seed reports written through the library stages for agency 'dongxihu', one year each."""
    from gongkai.lake.raw import archive_raw
    from gongkai.pipeline.batch import Batch
    from gongkai.pipeline.parse import parse_batch
    from gongkai.pipeline.plan import lake_store
    from gongkai.pipeline.record import DocumentRecord
    from gongkai.pipeline.validate import validate_batch
    from gongkai.pipeline.write import write_batch

    lake = str(tmp_path / "lake")
    store = lake_store(lake)
    seeds = sorted((Path(__file__).parents[1] / "fixtures" / "seeds").glob("*.txt"))[:2]
    docs = []
    for seed in seeds:
        sha, _ = archive_raw(store, seed.read_bytes())
        docs.append(
            DocumentRecord(
                "dongxihu", 2024, f"http://127.0.0.1:1/{seed.name}", sha256=sha, outcomes={"fetch": "ok"}
            )
        )
    parsed = parse_batch(Batch(lake, docs))
    write_batch(parsed, validate_batch(parsed, docs=False))
    return lake


def test_lake_status_from_reports_and_run_records(tmp_path: Path) -> None:
    lake = _seed_lake(tmp_path)
    store = open_store(lake)
    years_in_lake = sorted({r["report_year"] for r in read_reports(store)})
    older = RunSummary(
        "20240101T000000-aaaa",
        store.uri,
        [2019],
        "2024-01-01T00:00:00+00:00",
        ended_at="2024-01-01T00:05:00+00:00",
        agencies=[AgencyRun("dongxihu", 2019, found=1, fetched=1), AgencyRun("other", 2019, found=0)],
    )
    failing = AgencyRun("dongxihu", 2018, found=1, fetch_failed=1)
    failing.add_error("fetch failed: http://127.0.0.1:1/2018.pdf: HTTP 500 after 3 attempts")
    newer = RunSummary(
        "20240201T000000-bbbb",
        store.uri,
        [2018],
        "2024-02-01T00:00:00+00:00",
        ended_at="2024-02-01T00:05:00+00:00",
        agencies=[failing],
    )
    save_run(store, older)
    save_run(store, newer)
    assert [r.run_id for r in load_runs(store)] == ["20240201T000000-bbbb", "20240101T000000-aaaa"]
    # a backfill (started first) ending in the same second as its last year's run is the last run
    backfill_run = RunSummary(
        "20240301T000000-cccc",
        store.uri,
        [2019],
        "2024-03-01T00:00:00+00:00",
        ended_at="2024-03-01T00:09:00+00:00",
        kind="backfill",
    )
    year_run = RunSummary(
        "20240301T000001-dddd",
        store.uri,
        [2019],
        "2024-03-01T00:00:01+00:00",
        ended_at="2024-03-01T00:09:00+00:00",
    )
    save_run(store, backfill_run)
    save_run(store, year_run)
    assert [r.run_id for r in load_runs(store)][:2] == ["20240301T000000-cccc", "20240301T000001-dddd"]
    for record in (backfill_run, year_run):
        store.delete(run_record_key(record))

    expected = {"dongxihu": [2019, *years_in_lake], "never-run": [2023]}
    statuses = {s.agency_id: s for s in lake_status(store, expected_years=expected)}
    dongxihu = statuses["dongxihu"]
    assert dongxihu.years_present == years_in_lake and dongxihu.reports == 2
    # 2018: its last run failed to get it; 2019: the registry expects it. Neither is in the lake.
    assert dongxihu.years_missing == [2018, 2019]
    assert (dongxihu.last_run_id, dongxihu.last_status) == ("20240201T000000-bbbb", "failed")
    assert any("HTTP 500" in p for p in dongxihu.problems)
    other = statuses["other"]  # listed nothing for 2019, and nobody expects it to: not missing, no problem
    assert (other.years_present, other.years_missing, other.last_status, other.problems) == (
        [],
        [],
        "none",
        [],
    )
    never = statuses["never-run"]
    assert (never.years_missing, never.last_run_at) == ([2023], None) and "never run" in never.problems[0]
    row = {r["agency"]: r for r in status_rows(list(statuses.values()))}["dongxihu"]
    assert (
        row["last run"] == "2024-02-01T00:05:00Z" and row["status"] == "failed" and row["open problems"] >= 1
    )
    # an expected year the site does not list yet is an open problem
    flagged = {s.agency_id: s for s in lake_status(store, ["other"], expected_years={"other": [2019]})}[
        "other"
    ]
    assert flagged.years_missing == [2019] and "expects a report" in flagged.problems[0]
    # only the agencies asked for
    assert [s.agency_id for s in lake_status(store, ["other"])] == ["other"]


def test_a_national_run_lists_the_agencies_that_need_a_look_first_and_keeps_every_one_in_its_record(
    tmp_path: Path,
) -> None:
    agencies = [AgencyRun(f"ok-{i}", 2023, found=1, fetched=1, parsed=1, written=1) for i in range(5)]
    agencies.insert(3, AgencyRun("broken", 2023, found=1, fetch_failed=1))
    summary = RunSummary("20240101T000000-abc", "file:///lake", [2023], "2024-01-01T00:00:00+00:00")
    summary.agencies = agencies
    assert [r["agency"] for r in summary.table_rows(limit=3)] == ["broken", "ok-0", "ok-1"]
    assert len(summary.table_rows()) == 6
    text = summary.markdown(limit=3)
    assert "| broken | 2023 | failed |" in text and "| ok-2 |" not in text
    assert "3 more agencies not listed here" in text
    # the record in the lake: the bytes json.dumps gives, written agency by agency
    store = open_store(str(tmp_path / "lake"))
    save_run(store, summary)
    record = store.get(f"runs/{summary.run_id}.json")
    assert record == json.dumps(summary.to_json(), ensure_ascii=False, indent=1).encode()
    assert RunSummary.from_json(json.loads(record)) == summary


def _national_run(run_id: str, agencies: int, **fields: object) -> RunSummary:
    summary = RunSummary(run_id, "file:///lake", [2023], "2024-01-01T00:00:00+00:00", **fields)  # type: ignore[arg-type]
    summary.agencies = [
        AgencyRun(f"agency-{i}", 2023, found=1, fetched=1, written=1) for i in range(agencies)
    ]
    return summary


def test_a_run_records_head_is_read_without_its_agencies(tmp_path: Path) -> None:
    """The Data Docs index and `gongkai status` order runs by their heads; a national run's record is
    ~35 MiB of agencies, which come last and are never read for the head."""
    store = open_store(str(tmp_path / "lake"))
    summary = _national_run("20240101T000000-head", 3, ended_at="2024-01-01T01:00:00+00:00", notes=["late"])
    save_run(store, summary)
    record = store.get(run_record_key(summary))
    assert list(json.loads(record))[-1] == "agencies"
    # cut in the middle of the agencies: the head is still all there, and the reader never got that far
    cut = record[: record.index(b'"agency-1"')]
    store.put("runs/20240101T000000-cut.json", cut)
    head = read_run_head(store, "runs/20240101T000000-cut.json")
    assert head == {
        "run_id": "20240101T000000-head",
        "lake": "file:///lake",
        "years": [2023],
        "started_at": "2024-01-01T00:00:00+00:00",
        "ended_at": "2024-01-01T01:00:00+00:00",
        "flow_run_id": None,
        "kind": "ingest",
        "data_docs": [],
        "notes": ["late"],
        "status": "partial",
    }
    # a record written before the agencies went last: read past them
    older = {**{k: v for k, v in summary.to_json().items() if k != "status"}, "status": "ok"}
    older = {"agencies": older.pop("agencies"), **older, "run_id": "20230101T000000-old"}
    store.put("runs/20230101T000000-old.json", json.dumps(older).encode())
    assert read_run_head(store, "runs/20230101T000000-old.json")["status"] == "ok"
    assert "agencies" not in read_run_head(store, "runs/20230101T000000-old.json")
    store.put("runs/20230101T000001-junk.json", b"<html>not a record</html>")
    with pytest.raises(ValueError, match="not JSON"):
        read_run_head(store, "runs/20230101T000001-junk.json")
    # the index lists every run report from the heads; a cut record spoils nothing else
    for run_id in ("20240101T000000-head", "20230101T000000-old"):
        store.put(f"runs/{run_id}.html", b"<html></html>")
    index = docs_index_html(store, {})
    assert index.index("20240101T000000-head") < index.index("20230101T000000-old")
    assert "status-partial" in index and "status-ok" in index


def test_runs_are_read_one_at_a_time(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "lake"))
    for n in range(3):
        save_run(
            store, _national_run(f"2024010{n + 1}T000000-run{n}", 2, ended_at=f"2024-01-0{n + 1}T01:00:00")
        )
    runs = iter_runs(store)
    assert next(runs).run_id == "20240103T000000-run2"  # the newest, before any other is read
    assert [r.run_id for r in runs] == ["20240102T000000-run1", "20240101T000000-run0"]
    assert [s.agency_id for s in lake_status(store)] == ["agency-0", "agency-1"]
