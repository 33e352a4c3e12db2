"""The stages the tasks wrap (gongkai.pipeline), on a real local lake: batching, planning from the lake's
records, skipping what is current, and failure accounting. No Prefect here."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from gongkai.lake.raw import archive_raw
from gongkai.model import LineageEvent
from gongkai.pipeline.batch import Batch
from gongkai.pipeline.fetch import fetch_batch
from gongkai.pipeline.parse import parse_batch
from gongkai.pipeline.plan import (
    group_size,
    is_current,
    is_fresh,
    known_reports,
    lake_store,
    make_batches,
    plan,
    settle_known,
)
from gongkai.pipeline.record import DocumentRecord, Prior
from gongkai.pipeline.run import batch_tallies, stage_failed
from gongkai.pipeline.validate import validate_batch
from gongkai.pipeline.write import WriteResult, write_batch
from gongkai.runs import AgencyRun, RunSummary, merge_runs

SEEDS = sorted((Path(__file__).parents[1] / "fixtures" / "seeds").glob("*.txt"))


def _target(url: str, agency: str = "a", year: int = 2024) -> DocumentRecord:
    return DocumentRecord(agency_id=agency, year=year, source=url)


def _fetched(url: str, sha: str) -> DocumentRecord:
    """A document the fetch stage brought in (its bytes archived)."""
    return DocumentRecord(agency_id="a", year=2024, source=url, sha256=sha, outcomes={"fetch": "ok"})


def test_batches_hold_one_host_each_and_at_most_the_batch_size() -> None:
    targets = [_target(f"http://127.0.0.1:8000/{i}.pdf") for i in range(7)] + [
        _target(f"http://localhost:9000/{i}.pdf", agency="b") for i in range(3)
    ]
    batches = make_batches(targets, 3)
    assert [len(b) for b in batches] == [3, 3, 1, 3]
    assert all(len({t.host for t in b}) == 1 for b in batches)
    assert sorted(t.url for b in batches for t in b) == sorted(t.url for t in targets)
    assert make_batches([], 3) == []


def test_freshness_window() -> None:
    now = dt.datetime(2024, 3, 1, 12, tzinfo=dt.UTC)
    prior = Prior(sha256="ab" * 32, fetched_at="2024-03-01T06:00:00+00:00")
    assert is_fresh(prior, dt.timedelta(hours=12), now)
    assert not is_fresh(prior, dt.timedelta(hours=1), now)
    assert not is_fresh(prior, dt.timedelta(0), now)
    assert not is_fresh(
        Prior(sha256=None, fetched_at="2024-03-01T06:00:00+00:00"), dt.timedelta(hours=12), now
    )
    assert not is_fresh(None, dt.timedelta(hours=12), now)


def _fetch_event(url: str, sha: str, when: str) -> LineageEvent:
    return LineageEvent(
        stage="fetch",
        status="ok",
        started_at=when,
        ended_at=when,
        agency_id="a",
        input_uri=url,
        output_sha256=sha,
        details={"etag": '"v1"', "last_modified": "Tue, 01 Jan 2024 00:00:00 GMT"},
        report_year=2024,
    )


def test_plan_reads_prior_fetches_and_reports_from_the_lake(tmp_path: Path) -> None:
    """A document fetched and written before is known (and current); a new one is not."""
    from gongkai.lake.writer import write_lineage

    lake = str(tmp_path / "lake")
    store = lake_store(lake)
    sha, _ = archive_raw(store, SEEDS[0].read_bytes())
    old_url, new_url = "http://127.0.0.1:1/old.txt", "http://127.0.0.1:1/new.txt"
    now = dt.datetime.now(dt.UTC).isoformat()
    # the document changed since 2020: the newest successful fetch is the one that counts
    write_lineage(
        store,
        [_fetch_event(old_url, "cd" * 32, "2020-01-01T00:00:00+00:00"), _fetch_event(old_url, sha, now)],
    )
    fetched = Batch(lake, [_fetched(old_url, sha)])
    parsed = parse_batch(fetched)
    write_batch(parsed, validate_batch(parsed, docs=False))

    planned = {t.url: t for t in plan([_target(old_url), _target(new_url)], lake)}
    prior = planned[old_url].prior
    assert prior is not None and prior.sha256 == sha and prior.etag == '"v1"'
    assert prior.fetched_at.startswith(now[:19])  # the newest successful fetch
    assert prior.current, "the lake holds this report from the parser running now"
    assert planned[new_url].prior is None
    # --force: nothing counts as current
    assert not plan([_target(old_url)], lake, force=True)[0].prior.current


def _archived_seeds(lake: str, count: int) -> list[DocumentRecord]:
    """The first `count` seeds' bytes in the lake's raw zone, as documents the fetch stage brought in."""
    store = lake_store(lake)
    docs = []
    for seed in SEEDS[:count]:
        sha, _ = archive_raw(store, seed.read_bytes())
        docs.append(_fetched(f"http://127.0.0.1:1/{seed.name}", sha))
    return docs


def test_current_reports_are_not_parsed_again_and_a_fresh_fetch_asks_no_server(tmp_path: Path) -> None:
    lake = str(tmp_path / "lake")
    docs = _archived_seeds(lake, 3)
    first = parse_batch(Batch(lake, docs))
    assert len(first.reports) == 3 and merge_runs(first.tallies)[0].parsed == 3
    written = write_batch(first, validate_batch(first, docs=False))
    assert merge_runs(written.tallies)[0].written == 3

    again = parse_batch(Batch(lake, [dataclasses.replace(d, outcomes={"fetch": "unchanged"}) for d in docs]))
    assert again.reports == [] and merge_runs(again.tallies)[0].skipped == 3
    forced = parse_batch(Batch(lake, docs), force=True)
    assert len(forced.reports) == 3

    # a recent successful fetch: the fetch stage answers from the lake's record, with no request at all
    recent = Prior(sha256=docs[0].sha256, fetched_at=dt.datetime.now(dt.UTC).isoformat(), current=True)
    target = _target("http://127.0.0.2:9/never-contacted.txt")
    target.prior = recent
    batch = fetch_batch([target], lake)
    assert [(d.status, d.sha256) for d in batch.records] == [("unchanged", docs[0].sha256)]
    assert batch.events == [] and merge_runs(batch.tallies)[0].unchanged == 1


def test_a_report_stopped_by_its_time_budget_is_handled_again_by_the_next_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A budget overrun on a loaded machine is no property of the file: the next run, quieter, reads it
    (a report that failed on its own merits stays as it is)."""
    from gongkai.extract.limits import BUDGET_EXCEEDED

    lake = str(tmp_path / "lake")
    store = lake_store(lake)
    docs = _archived_seeds(lake, 2)
    monkeypatch.setenv("GONGKAI_DOCUMENT_SECONDS", "0.001")
    starved = parse_batch(Batch(lake, docs[:1]))
    assert [p.code for p in starved.reports[0].problems] == [BUDGET_EXCEEDED]
    monkeypatch.delenv("GONGKAI_DOCUMENT_SECONDS")
    first = parse_batch(Batch(lake, docs[1:]))
    for batch in (starved, first):
        write_batch(batch, validate_batch(batch, docs=False))

    unchanged = [dataclasses.replace(d, outcomes={"fetch": "unchanged"}) for d in docs]
    again = parse_batch(Batch(lake, unchanged))
    assert [r.sha256 for r in again.reports] == [docs[0].sha256]  # only the starved one
    assert BUDGET_EXCEEDED not in {p.code for p in again.reports[0].problems}
    # what planning reads: the starved report is not current, the other one is
    rows = known_reports(store, [d.sha256 for d in docs])
    assert [is_current(rows[d.sha256]) for d in docs] == [False, True]
    write_batch(again, validate_batch(again, docs=False))
    assert is_current(known_reports(store, [docs[0].sha256])[docs[0].sha256])


def test_missing_raw_bytes_fail_one_document_not_the_batch(tmp_path: Path) -> None:
    lake = str(tmp_path / "lake")
    store = lake_store(lake)
    sha, _ = archive_raw(store, SEEDS[0].read_bytes())
    docs = [_fetched("http://127.0.0.1:1/ok.txt", sha), _fetched("http://127.0.0.1:1/gone.txt", "0" * 64)]
    parsed = parse_batch(Batch(lake, docs))
    tally = merge_runs(parsed.tallies)[0]
    assert (len(parsed.reports), tally.parsed, tally.stage_failed) == (1, 1, 1)
    assert "archived bytes missing" in tally.errors[0]
    # the document read has its extract event; the one whose bytes are gone, a failed one
    assert sorted(e.status for e in parsed.events if e.stage == "extract") == ["failed", "ok"]


def test_a_failed_stage_counts_its_documents_once() -> None:
    targets = [_target(f"http://127.0.0.1:1/{i}") for i in range(4)]
    # fetch itself failed: all four lost
    lost = merge_runs(stage_failed(targets, "fetch", "lake unreachable"))[0]
    assert (lost.stage_failed, lost.failures) == (4, 4) and "lake unreachable" in lost.errors[0]
    # parse failed after a fetch where one download had already failed: three more lost, not four
    reached = [AgencyRun("a", 2024, fetched=3, fetch_failed=1)]
    lost = merge_runs(stage_failed(targets, "extract-parse", "boom", reached))[0]
    assert (lost.fetch_failed, lost.stage_failed, lost.status) == (1, 3, "failed")
    # validation failed: only the parsed documents are lost, those skipped as current are fine
    reached = [AgencyRun("a", 2024, found=4, unchanged=4, skipped=3, parsed=1)]
    lost = merge_runs(stage_failed(targets, "validate", "GX crashed", reached))[0]
    assert (lost.stage_failed, lost.status) == (1, "partial")


def test_a_batch_is_counted_from_the_last_stage_that_completed() -> None:
    """What the flow learns from its tasks' states, counted by the pipeline: the write's tallies when it
    completed, else the documents lost at the first stage that did not."""
    targets = [_target(f"http://127.0.0.1:1/{i}") for i in range(4)]
    fetched = Batch(
        None,
        [
            dataclasses.replace(t, sha256=f"{i:064x}", outcomes={"fetch": "ok"})
            for i, t in enumerate(targets[:3])
        ],
    )
    failed = dataclasses.replace(targets[3], outcomes={"fetch": "failed"})
    fetched.records.append(failed)
    lost = merge_runs(batch_tallies(targets, [fetched, None, None, None], ("extract-parse", "boom")))[0]
    assert (lost.fetched, lost.fetch_failed, lost.stage_failed) == (3, 1, 3) and "boom" in lost.errors[-1]
    lost = merge_runs(batch_tallies(targets, [None, None, None, None], ("fetch", "lake unreachable")))[0]
    assert lost.stage_failed == 4
    summary = RunSummary("r", "file:///lake", [2024], "2024-03-01T00:00:00+00:00")
    done = WriteResult([AgencyRun("a", 2024, written=3)], data_docs="file:///lake/data_docs/run-r.html")
    assert batch_tallies(targets, [fetched, fetched, None, done], None, summary) == done.tallies
    assert summary.data_docs == ["file:///lake/data_docs/run-r.html"]


def test_documents_fetched_recently_and_current_need_no_task() -> None:
    now = dt.datetime.now(dt.UTC).isoformat()
    done = Prior(sha256="ab" * 32, fetched_at=now, current=True)
    old_parser = Prior(sha256="cd" * 32, fetched_at=now, current=False)  # parsed by older code
    stale = Prior(sha256="ef" * 32, fetched_at="2020-01-01T00:00:00+00:00", current=True)
    targets = [
        dataclasses.replace(_target(f"http://127.0.0.1:1/{i}"), prior=prior)
        for i, prior in enumerate([done, old_parser, stale, None])
    ]
    work, settled = settle_known(targets)
    assert [t.url[-1] for t in work] == ["1", "2", "3"]
    assert [(t.unchanged, t.skipped, t.status) for t in settled] == [(1, 1, "ok")]
    assert settle_known(targets, dt.timedelta(0))[1] == []  # --revalidate: everything is asked again


def test_discovery_groups_balance_threads_and_task_count() -> None:
    assert group_size(6, 8) == 10  # a small run: one task
    assert group_size(1000, 8) == 63  # ~two tasks per thread
    assert group_size(100_000, 8) == 100  # never more than 100 agencies in one task


def test_parcels_survive_pickling_whatever_they_hold() -> None:
    import pickle

    from tasks import Parcel

    for value in (None, [], 0, {"a": 1}, DocumentRecord("a", 2024, "http://127.0.0.1/x")):
        assert pickle.loads(pickle.dumps(Parcel(value))).value == value


def test_documents_parsed_at_once_keep_their_order_and_the_same_bytes_are_parsed_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lake = str(tmp_path / "lake")
    store = lake_store(lake)
    docs = []
    for seed in SEEDS[:4]:
        sha, _ = archive_raw(store, seed.read_bytes())
        docs.append(_fetched(f"http://127.0.0.1:1/{seed.name}", sha))
    docs.insert(2, _fetched("http://127.0.0.1:1/same-bytes-again.txt", docs[0].sha256 or ""))
    docs.insert(1, _fetched("http://127.0.0.1:1/gone.txt", "0" * 64))
    docs.append(_fetched("http://127.0.0.1:1/gone-again.txt", "0" * 64))
    one = parse_batch(Batch(lake, docs))
    monkeypatch.setenv("GONGKAI_PARSE_WORKERS", "3")
    three = parse_batch(Batch(lake, docs))
    for parsed in (one, three):
        assert [r.source for r in parsed.records] == [d.source for d in docs]
        assert [r.outcomes.get("parse") for r in parsed.records] == [
            "parsed",
            None,  # its bytes are gone
            "parsed",
            "skipped",  # the same bytes as the first: parsed once
            "parsed",
            "parsed",
            None,
        ]
        assert [p.code for r in parsed.records for p in r.problems] == ["raw_missing", "raw_missing"]
    assert [r.report.sha256 for r in three.parsed if r.report] == [
        r.report.sha256 for r in one.parsed if r.report
    ]
