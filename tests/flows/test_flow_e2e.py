"""End to end with Prefect's engine: the fixture portal on 127.0.0.1 → the flow → a local or S3 lake.

A re-run changes nothing and does no document work (its speed: benchmarks/flow_bench.py); faults switched on in the portal do not stop the run;
the backfill resumes; per-host concurrency holds; the run leaves its artifacts and run record."""

from __future__ import annotations

import json
import os
import shutil
import time
from collections import Counter
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from gongkai.fetch.portal import Fault, Portal, start_portal
from gongkai.lake import log
from gongkai.lake.reader import read_table
from gongkai.lake.schemas import TABLES
from gongkai.lake.store import open_store
from gongkai.pipeline.plan import lake_store
from gongkai.runs import RunSummary, load_runs

# what the portal publishes (gongkai.fetch.portal.DEMO_AGENCIES)
REPORTS_2023 = {"huaian-hongze-gov", "jinjiang-dpf", "zibo-zhangdian-dpf"}
REPORTS_2024 = {"huaian-hongze-gov", "huaian-gov", "wuhan-dongxihu-dpf"}
HONGZE_2024_PDF = "/huaian-hongze-gov/files/2024-annual-report.pdf"
HUAIAN_2024_PDF = "/huaian-gov/files/2024-annual-report.pdf"


@pytest.fixture
def portal(tmp_path: Path) -> Any:
    with start_portal() as running:
        running.registry_file = str(running.write_registry(tmp_path / "portal-registry.toml"))
        yield running


def _by_agency(summary: RunSummary) -> dict[tuple[str, int], Any]:
    return {(a.agency_id, a.year): a for a in summary.agencies}


def _snapshot(lake: str) -> tuple[int, list[str], list[tuple]]:
    """Commit count, every table file, and the reports table's key columns."""
    store = open_store(lake)
    state = log.read_state(store)
    files = sorted(k for t in state.files.values() for k in t)
    reports = read_table(
        store, "reports", ["report_id", "agency_id", "status", "content_hash", "ingested_at"]
    )
    return state.seq, files, sorted(tuple(r.values()) for r in reports.to_pylist())


def _stages_run(flow_run_id: str | None) -> set[str]:
    """The names of the tasks a flow run ran (read back from the Prefect API)."""
    return set(_task_runs(flow_run_id))


def _task_runs(flow_run_id: str | None) -> Counter[str]:
    """How many runs of each task a flow run made (read back from the Prefect API)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    assert flow_run_id
    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[UUID(flow_run_id)]))
        )
    return Counter(run.name.rsplit("-", 1)[0] for run in runs)


def _prefect_visits(value: object) -> int:
    """How many objects Prefect visits in a flow's return value (it does so at the end of every run)."""
    from prefect.utilities.collections import visit_collection

    seen: list[object] = []
    visit_collection(value, lambda item: seen.append(item), return_data=False)
    return len(seen)


def _ingest(portal: Portal, lake: str, year: int, **options: Any) -> RunSummary:
    from flows.ingest import ingest_year

    result = ingest_year(year=year, registry=portal.registry_file, lake=lake, **options)
    assert _prefect_visits(result) == 1  # opaque: a national run's agencies took Prefect ~75 s to walk
    return result.value


def test_portal_to_local_lake_and_a_rerun_changes_nothing(
    prefect_api: str, portal: Portal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lake = str(tmp_path / "lake")
    first = _ingest(portal, lake, 2023)

    assert (first.status, first.exit_code) == ("ok", 0)
    rows = _by_agency(first)
    for slug in REPORTS_2023:
        assert (
            rows[(slug, 2023)].status,
            rows[(slug, 2023)].found,
            rows[(slug, 2023)].fetched,
            rows[(slug, 2023)].written,
        ) == ("ok", 1, 1, 1), slug
    assert {a.agency_id for a in first.agencies if a.status == "none"} == {
        "huaian-gov",
        "wuhan-dongxihu-dpf",
        "bengbu-bengshan-dpf",
        "moumou-county-gov",
        "moumou-city-justice",
    }
    # hongze-2023 breaks its own 表四 identity: quarantined, and written all the same
    assert rows[("huaian-hongze-gov", 2023)].statuses == {"quarantined": 1}

    store = open_store(lake)
    reports = read_table(store, "reports").to_pylist()
    assert sorted(r["agency_id"] for r in reports) == sorted(
        REPORTS_2023
    )  # registry slugs, not printed names
    assert all(r["source_url"].startswith(portal.base_url) for r in reports)
    lineage = read_table(store, "lineage", ["stage", "status", "flow_run_id", "task_run_id"]).to_pylist()
    stages = {r["stage"] for r in lineage}
    assert {"discover", "fetch", "parse", "write"} <= stages
    # every report has the per-document stages `gongkai load` records too, after its fetch
    by_report = read_table(store, "lineage", ["report_id", "stage"]).to_pylist()
    for report in reports:
        mine = {r["stage"] for r in by_report if r["report_id"] == report["report_id"]}
        assert {"fetch", "archive", "extract", "parse", "validate", "write"} <= mine, mine
        assert report["raw_uri"] == f"raw/{report['sha256'][:2]}/{report['sha256']}"
    assert {r["flow_run_id"] for r in lineage if r["stage"] == "fetch"} == {first.flow_run_id}
    assert all(r["task_run_id"] for r in lineage if r["stage"] in ("fetch", "parse"))
    assert [r.run_id for r in load_runs(store)] == [first.run_id]

    before = _snapshot(lake)
    hits = dict(portal.site.hits)
    # a national re-run looks its agencies up in the lineage a chunk at a time, never all at once
    monkeypatch.setattr("flows.ingest.RECENT_CHUNK", 3)
    second = _ingest(portal, lake, 2023)
    agencies = len(second.agencies)
    assert agencies > 3 and _task_runs(second.flow_run_id)["recent-discoveries"] == -(-agencies // 3)
    assert second.status == "ok"
    for slug in REPORTS_2023:
        again = _by_agency(second)[(slug, 2023)]
        assert (again.found, again.fetched, again.unchanged, again.skipped, again.written) == (1, 0, 1, 1, 0)
    assert _snapshot(lake) == before, "a re-run must not change the lake"
    assert portal.site.hits == hits, "a re-run within the window asks the sites nothing"
    # the re-run's speed is the benchmark's to measure (flow_bench: 22x); here, that it did no document work
    assert _stages_run(first.flow_run_id) >= {"fetch", "extract-parse", "validate", "write"}
    assert not _stages_run(second.flow_run_id) & {"fetch", "extract-parse", "validate", "write"}
    assert len(load_runs(store)) == 2

    # --revalidate: every listing and document is asked again (conditional GETs), still nothing changes
    third = _ingest(portal, lake, 2023, revalidate_after_hours=0)
    assert third.status == "ok" and sum(a.fetched for a in third.agencies) == 0
    assert _snapshot(lake)[1:] == before[1:]
    assert portal.site.hits != hits


def test_portal_to_an_s3_lake(prefect_api: str, portal: Portal, s3_lake: str) -> None:
    first = _ingest(portal, s3_lake, 2024)
    assert first.status == "ok"
    assert {a.agency_id for a in first.agencies if a.written == 1} == REPORTS_2024
    store = open_store(s3_lake)
    assert store.uri.startswith("s3://")
    assert sorted(r["agency_id"] for r in read_table(store, "reports", ["agency_id"]).to_pylist()) == sorted(
        REPORTS_2024
    )
    assert store.list("raw/") and store.list("runs/")
    before = _snapshot(s3_lake)
    second = _ingest(portal, s3_lake, 2024)
    assert second.status == "ok" and sum(a.written for a in second.agencies) == 0
    assert _snapshot(s3_lake) == before


def test_faults_do_not_stop_the_run_and_a_rerun_retries_only_what_failed(
    prefect_api: str, portal: Portal, tmp_path: Path
) -> None:
    lake = str(tmp_path / "lake")
    portal.faults.update(
        {
            HONGZE_2024_PDF: Fault("error200"),  # an error page with status 200 where the PDF should be
            HUAIAN_2024_PDF: Fault("truncate", times=1),  # cut short once: retried, recovered
            "/wuhan-dongxihu-dpf/nianbao/index.html": Fault("429", times=1),  # Retry-After honoured
            "/bengbu-bengshan-dpf/nianbao/index.html": Fault("404"),  # the listing is gone
        }
    )
    first = _ingest(portal, lake, 2024)
    assert (first.status, first.exit_code) == ("partial", 1)
    rows = _by_agency(first)
    hongze = rows[("huaian-hongze-gov", 2024)]
    assert (hongze.status, hongze.found, hongze.fetch_failed) == ("failed", 1, 1)
    assert any("error_page" in e for e in hongze.errors)
    assert (rows[("huaian-gov", 2024)].status, rows[("huaian-gov", 2024)].written) == ("ok", 1)
    assert (rows[("wuhan-dongxihu-dpf", 2024)].status, rows[("wuhan-dongxihu-dpf", 2024)].written) == (
        "ok",
        1,
    )
    bengbu = rows[("bengbu-bengshan-dpf", 2024)]
    assert bengbu.status == "failed" and bengbu.discovery_failed and any("404" in e for e in bengbu.errors)
    store = open_store(lake)
    assert sorted(r["agency_id"] for r in read_table(store, "reports", ["agency_id"]).to_pylist()) == [
        "huaian-gov",
        "wuhan-dongxihu-dpf",
    ]
    failed = [
        r
        for r in read_table(store, "lineage", ["stage", "status", "input_uri", "error"]).to_pylist()
        if r["status"] == "failed"
    ]
    assert any(
        r["stage"] == "fetch" and r["input_uri"].endswith(HONGZE_2024_PDF) and "error_page" in r["error"]
        for r in failed
    )

    # the site is fixed: the re-run fetches what failed and nothing else
    portal.faults.clear()
    hits = dict(portal.site.hits)
    second = _ingest(portal, lake, 2024)
    assert (second.status, second.exit_code) == ("ok", 0)
    rows = _by_agency(second)
    assert (rows[("huaian-hongze-gov", 2024)].fetched, rows[("huaian-hongze-gov", 2024)].written) == (1, 1)
    assert rows[("huaian-gov", 2024)].fetched == 0 and rows[("huaian-gov", 2024)].skipped == 1
    assert rows[("bengbu-bengshan-dpf", 2024)].status == "none"  # listing read again: no 2024 report
    assert portal.site.hits.get(HUAIAN_2024_PDF) == hits.get(HUAIAN_2024_PDF), "not downloaded again"
    assert portal.site.hits[HONGZE_2024_PDF] == hits[HONGZE_2024_PDF] + 1
    assert sorted(r["agency_id"] for r in read_table(store, "reports", ["agency_id"]).to_pylist()) == sorted(
        REPORTS_2024
    )


def test_backfill_over_years_resumes(prefect_api: str, portal: Portal, tmp_path: Path) -> None:
    from flows.backfill import backfill

    lake = str(tmp_path / "lake")
    portal.faults[HONGZE_2024_PDF] = Fault("500", times=4)  # outlasts the fetch library's retries once
    first = backfill(from_year=2024, to_year=2023, registry=portal.registry_file, lake=lake).value
    assert first.years == [2023, 2024] and first.kind == "backfill"
    assert first.status == "partial"
    rows = _by_agency(first)
    assert rows[("huaian-hongze-gov", 2024)].status == "failed"
    assert rows[("huaian-hongze-gov", 2023)].status == "ok"
    written_first = sum(a.written for a in first.agencies)
    assert written_first == len(REPORTS_2023) + len(REPORTS_2024) - 1

    second = backfill(from_year=2023, to_year=2024, registry=portal.registry_file, lake=lake).value
    assert second.status == "ok"
    assert sum(a.written for a in second.agencies) == 1  # only what failed
    assert sum(a.fetched for a in second.agencies) == 1
    store = open_store(lake)
    assert len(read_table(store, "reports", ["report_id"])) == len(REPORTS_2023) + len(REPORTS_2024)
    kinds = [r.kind for r in load_runs(store)]
    assert kinds.count("backfill") == 2 and kinds.count("ingest") == 4  # one record per year's sub-flow too


@pytest.mark.skipif(not shutil.which("soffice"), reason="DOC/WPS need LibreOffice (.ci/run installs it)")
def test_backfill_of_years_before_2019_fills_historical_figures(
    prefect_api: str, portal: Portal, tmp_path: Path
) -> None:
    """2016–2018: a GBK article page, a Word 97 file and a WPS file through the whole flow."""
    from flows.backfill import backfill

    lake = str(tmp_path / "lake")
    summary = backfill(
        from_year=2016,
        to_year=2018,
        agencies=["moumou-county-gov", "moumou-city-justice"],
        registry=portal.registry_file,
        lake=lake,
    ).value
    assert summary.status == "ok"
    rows = _by_agency(summary)
    assert {k: (r.status, r.written) for k, r in rows.items() if r.written} == {
        ("moumou-county-gov", 2016): ("ok", 1),
        ("moumou-county-gov", 2018): ("ok", 1),
        ("moumou-city-justice", 2017): ("ok", 1),
    }
    store = open_store(lake)
    reports = read_table(
        store, "reports", ["agency_id", "report_year", "form_version", "media_type", "status"]
    )
    assert sorted(tuple(r.values()) for r in reports.to_pylist()) == [
        ("moumou-city-justice", 2017, "pre2019", "application/msword", "valid"),
        ("moumou-county-gov", 2016, "pre2019", "text/html", "valid"),
        ("moumou-county-gov", 2018, "pre2019", "application/msword", "valid"),
    ]
    figures = read_table(
        store, "historical_figures", ["agency_id", "report_year", "metric", "period", "value"]
    )
    got = {
        (f["agency_id"], f["report_year"], f["metric"], f["period"]): f["value"] for f in figures.to_pylist()
    }
    assert got[("moumou-county-gov", 2016, "requests_received", "year")] == 12
    assert got[("moumou-county-gov", 2018, "requests_received", "year")] == 23  # 二十三件, from the WPS file
    assert got[("moumou-county-gov", 2018, "active_disclosed_items", "cumulative")] == 35678
    assert got[("moumou-city-justice", 2017, "requests_received", "year")] == 23  # its 统计表, from the DOC
    assert got[("moumou-city-justice", 2017, "special_funds", "year")] == 2.5
    assert len([k for k in got if k[0] == "moumou-city-justice"]) == 25


def _fetch_runs(client: Any, flow_run_id: str, count: int) -> list[Any]:
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterId,
        TaskRunFilter,
        TaskRunFilterName,
    )

    runs: list[Any] = []
    for _ in range(40):  # task runs reach the API through events: bounded wait
        runs = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])),
            task_run_filter=TaskRunFilter(name=TaskRunFilterName(like_="fetch")),
        )
        if len(runs) >= count and all(t.end_time for t in runs):
            break
        time.sleep(0.25)
    return runs


def _one_at_a_time(runs: list[Any]) -> bool:
    spans = sorted((t.start_time, t.end_time) for t in runs)
    return all(spans[i][1] <= spans[i + 1][0] for i in range(len(spans) - 1))


def test_per_host_concurrency_and_artifacts(prefect_api: str, portal: Portal, tmp_path: Path) -> None:
    """Every portal agency is on one host. per_host=1: its fetch batches never overlap. A tag concurrency
    limit `host:127.0.0.1` on the server does the same across flow runs: then fetch tasks carry the tag."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    from tasks.fetch import hosts_with_limits

    host = portal.base_url.split("//")[1].split(":")[0]
    summary = _ingest(portal, str(tmp_path / "lake"), 2024, batch_size=1, per_host=1)
    assert summary.status == "ok"
    with get_client(sync_client=True) as client:
        fetches = _fetch_runs(client, summary.flow_run_id, 3)
        assert len(fetches) == 3 and _one_at_a_time(fetches)
        assert not any(t.tags for t in fetches)  # no limit on the server: no tag, no slot to acquire
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(
                key=ArtifactFilterKey(any_=["gongkai-ingest-2024", "gongkai-ingest-2024-summary"])
            )
        )
        by_type = {
            a.type: a for a in artifacts if a.flow_run_id and str(a.flow_run_id) == summary.flow_run_id
        }
        assert set(by_type) == {"table", "markdown"}
        assert (
            "huaian-gov" in str(by_type["table"].data)
            and "| huaian-gov | 2024 | ok |" in by_type["markdown"].data
        )

        client.create_concurrency_limit(tag=f"host:{host}", concurrency_limit=1)
        try:
            assert hosts_with_limits() == {host}
            limited = _ingest(portal, str(tmp_path / "lake2"), 2024, batch_size=1, per_host=3)
            assert limited.status == "ok"
            fetches = _fetch_runs(client, limited.flow_run_id, 3)
            assert len(fetches) == 3 and all(f"host:{host}" in t.tags for t in fetches)
            assert _one_at_a_time(fetches)
        finally:
            client.delete_concurrency_limit_by_tag(f"host:{host}")
    assert hosts_with_limits() == set()


# Columns that name a run or a moment rather than the data: any two runs differ there, threads or Dask.
RUN_SPECIFIC = {
    "reports": {"ingested_at"},  # when the rows were written
    # the validation run (<run id>-b<batch number>) and when its checks ran
    "validation_results": {"run_id", "validated_at"},
    # when each stage ran, and Prefect's ids of the flow and task runs that ran it
    "lineage": {"started_at", "ended_at", "flow_run_id", "task_run_id"},
}
# keys of lineage.details that name a run or time it: a validate/write event names its validation run,
# a fetch event says how many seconds the download took
RUN_SPECIFIC_DETAILS = {"run_id", "seconds"}


def _lake_rows(lake: str) -> dict[str, list[tuple]]:
    """Every lake table's rows, run-specific columns left out, in a stable order; and the raw zone's keys."""
    store = open_store(lake)
    tables: dict[str, list[tuple]] = {}
    for name in TABLES:
        rows = []
        for row in read_table(store, name).to_pylist():
            for column in RUN_SPECIFIC.get(name, ()):
                row.pop(column)
            if name == "lineage" and row["details"]:
                details = {
                    k: v for k, v in json.loads(row["details"]).items() if k not in RUN_SPECIFIC_DETAILS
                }
                row["details"] = json.dumps(details, sort_keys=True, ensure_ascii=False)
            rows.append(tuple(sorted(row.items())))
        tables[name] = sorted(rows, key=repr)
    tables["raw zone"] = [(key,) for key in sorted(store.list("raw/"))]
    return tables


# what the comparison runs: a year with a quarantined report (validation_results rows), a year with
# three formats, and a 2016 article page (historical_figures rows) — every lake table gets rows
DASK_RUNS = ({"year": 2023}, {"year": 2024}, {"year": 2016, "agencies": ["moumou-county-gov"]})


def test_the_dask_task_runner_writes_the_same_lake_as_threads(
    prefect_api: str, portal: Portal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same runs on a real LocalCluster of 2 worker processes and on threads in this process: every
    lake table holds the same rows, run ids and times aside (RUN_SPECIFIC)."""
    import dask
    from distributed import LocalCluster
    from prefect_dask import DaskTaskRunner

    from flows.ingest import dask_task_runner, ingest_year, task_runner_from_env

    monkeypatch.setenv("GONGKAI_DASK", "local:2")
    assert isinstance(task_runner_from_env(), DaskTaskRunner)
    monkeypatch.setenv("PREFECT_API_URL", prefect_api)  # inherited by the worker processes

    # both runs write at the same path (the threads' lake is moved aside after), because rows name their
    # lake: raw_uri, an archive event's output_uri, and the reports' content_hash over them
    lake, threads_lake = str(tmp_path / "lake"), str(tmp_path / "threads")
    threads = [_ingest(portal, lake, **run) for run in DASK_RUNS]
    shutil.move(lake, threads_lake)
    lake_store.cache_clear()

    # one cluster for the three runs (a cluster per run costs ~15 s each); its workers must not be daemonic,
    # as dask_task_runner's own LocalCluster (documents are extracted in child processes)
    with (
        dask.config.set({"distributed.worker.daemon": False}),
        LocalCluster(n_workers=2, threads_per_worker=2, processes=True, dashboard_address=None) as cluster,
    ):
        worker_pids = {w.pid for w in cluster.workers.values()}
        assert len(worker_pids) == 2 and os.getpid() not in worker_pids
        runner = dask_task_runner(cluster.scheduler_address)
        on_dask = [
            ingest_year.with_options(task_runner=runner)(
                registry=portal.registry_file, lake=lake, **run
            ).value
            for run in DASK_RUNS
        ]
        # the stage tasks ran on the cluster (Dask names a task's prefix after its function)
        ran = set(cluster.scheduler.task_prefixes)
    assert {"discover", "plan", "fetch", "extract_parse", "validate", "write", "record_run"} <= ran, ran

    for on_threads, dasked in zip(threads, on_dask, strict=True):
        assert dasked.status == on_threads.status == "ok"
        assert _tallies(dasked) == _tallies(on_threads)
    assert {a.agency_id for a in on_dask[1].agencies if a.written == 1} == REPORTS_2024

    expected, got = _lake_rows(threads_lake), _lake_rows(lake)
    assert all(expected[name] for name in expected), {n: len(r) for n, r in expected.items()}
    differ = {
        name: next(
            (
                {k: (v, dict(b)[k]) for k, v in a if dict(b).get(k) != v}
                for a, b in zip(got[name], expected[name], strict=False)
                if a != b
            ),
            f"{len(got[name])} rows, expected {len(expected[name])}",
        )
        for name in expected
        if got[name] != expected[name]
    }
    assert not differ, differ
    lineage = read_table(open_store(lake), "lineage", ["stage", "task_run_id"]).to_pylist()
    assert all(r["task_run_id"] for r in lineage if r["stage"] in ("fetch", "parse"))


def _tallies(summary: RunSummary) -> list[tuple]:
    return sorted(
        (a.agency_id, a.year, a.status, a.found, a.fetched, a.written, tuple(sorted(a.statuses.items())))
        for a in summary.agencies
    )
