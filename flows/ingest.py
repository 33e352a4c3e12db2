"""The main job as a Prefect flow: one report year for a set of agencies (all by default).

discover (groups of agencies) → plan (what the lake already holds) → per batch of documents from one
host: fetch → extract+parse → validate → write → the run record, a table and a markdown artifact. The
steps overlap: batches go out while later agencies are still being discovered, so the run holds a few
thousand documents between discovery and write at any time, however many the year has.

Composition only: every step is a task in tasks/ wrapping one function of gongkai.pipeline; what the
tasks' states say about a batch is counted by the pipeline too (`batch_tallies`).
- Documents travel in batches (`batch_size`), so a year of 10,000 reports is a few hundred task runs;
  the status of each document is in the lake's lineage, not in Prefect.
- Per-host concurrency: at most `per_host` fetch batches of one host run at once (each batch waits for
  the one `per_host` places before it on its host), wherever the tasks run; for a host with a tag
  concurrency limit ``host:<name>`` on the server, its fetch tasks carry that tag, so the server caps
  the host across all flow runs.
- At most `max_in_flight` batches are between fetch and write at any time, which bounds memory; the
  CPU-heavy stages of the process itself (validate, write) take turns within a process
  (gongkai.pipeline), while fetches, and parsing in budget worker processes (one per core), overlap with them.
- Documents the lake already holds from this parser, fetched within `revalidate_after_hours`, get no task
  at all; agencies whose listing was read within that window are not asked again (their links come from
  the lake's lineage). A re-run of an unchanged year is a handful of task runs.
- Task runner: threads by default; Dask when GONGKAI_DASK_ADDRESS (a scheduler) or GONGKAI_DASK=local
  is set (see `task_runner_from_env`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict, deque
from collections.abc import Callable
from typing import Any

from prefect import allow_failure, flow, get_run_logger
from prefect.futures import PrefectFuture
from prefect.runtime import flow_run
from prefect.task_runners import ThreadPoolTaskRunner

from gongkai.clock import new_run_id, now_iso
from gongkai.heap import limit_heap_arenas, trim_free_heap
from gongkai.model import LineageEvent
from gongkai.pipeline.discover import Discovered, discovery_failed, select_agencies
from gongkai.pipeline.plan import (
    PLAN_CHUNK,
    RECENT_CHUNK,
    group_size,
    lake_store,
    make_batches,
    settle_known,
)
from gongkai.pipeline.record import DocumentRecord
from gongkai.pipeline.run import BATCH_STAGES, batch_tallies
from gongkai.pipeline.write import WriteResult
from gongkai.runs import (
    DEFAULT_BATCH_SIZE,
    ProgressLog,
    RunSummary,
    Tallies,
    default_report_year,
    report_progress,
)
from gongkai.settings import get_settings
from tasks import Parcel
from tasks.discover import discover, plan, recent
from tasks.fetch import fetch, hosts_with_limits
from tasks.parse import extract_parse
from tasks.validate import validate
from tasks.write import record_discoveries, record_run, write


def dask_task_runner(address: str | None = None, workers: int = 2) -> Any:
    """prefect-dask's DaskTaskRunner on a cluster at `address`, or on a LocalCluster of `workers` processes.

    Dask worker processes are daemonic by default, and a daemonic process may not start children — but
    extraction runs each untrusted document in a child process (gongkai/extract/limits.py). So local
    workers are started non-daemonic; a remote cluster's workers need DASK_DISTRIBUTED__WORKER__DAEMON=False
    (infra/compose.yaml sets it).
    """
    import dask
    from prefect_dask import DaskTaskRunner

    if address:
        return DaskTaskRunner(address=address)
    dask.config.set({"distributed.worker.daemon": False})
    return DaskTaskRunner(
        cluster_kwargs={
            "n_workers": workers,
            "threads_per_worker": 2,
            "processes": True,
            "dashboard_address": None,
        }
    )


def task_runner_from_env() -> Any:
    """Threads, or Dask via prefect-dask when configured:

    - ``GONGKAI_DASK_ADDRESS=tcp://scheduler:8786`` — an existing Dask cluster;
    - ``GONGKAI_DASK=local`` (or ``local:N`` workers) — a LocalCluster on this machine.
    ``GONGKAI_WORKERS`` sets the thread count (default 8).
    """
    settings = get_settings()
    if settings.dask_address:
        return dask_task_runner(settings.dask_address)
    if settings.dask:
        return dask_task_runner(workers=int(settings.dask.split(":", 1)[1]) if ":" in settings.dask else 2)
    return ThreadPoolTaskRunner(max_workers=settings.workers)


@flow(name="gongkai-ingest-year", task_runner=task_runner_from_env(), log_prints=False, persist_result=False)
def ingest_year(
    year: int | None = None,
    agencies: list[str] | None = None,
    lake: str | None = None,
    registry: str | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    per_host: int = 2,
    max_in_flight: int = 4,
    revalidate_after_hours: float = 12.0,
    force: bool = False,
    agency_group_size: int | None = None,
) -> Parcel[RunSummary]:
    """Bring one report year into the lake.

    year: the report year (default: last year, the one published by 31 January);
    agencies: registry slugs (default: every agency in the registry);
    lake: folder, file:// or s3:// URI (default $GONGKAI_LAKE or ./lake);
    registry: agency registry file (default: $GONGKAI_REGISTRY, else the bundled one);
    revalidate_after_hours: documents fetched (and listings read) more recently than this are not requested
        again;
    force: re-parse and re-write documents even when the lake holds them from this parser version;
    agency_group_size: agencies discovered per task (default: about two groups per worker thread, 10–100).

    Returns the run summary in a Parcel (`.value`): Prefect walks a flow's return value looking for
    futures, which for a national run's 100,000 agencies took ~75 s.
    """
    year = year or default_report_year()
    registry = registry or get_settings().registry
    limit_heap_arenas()  # the task threads share a few malloc arenas: less freed memory kept in them
    summary = RunSummary(
        run_id=new_run_id(),
        lake=lake_store(lake).uri,
        years=[year],
        started_at=now_iso("seconds"),
        flow_run_id=_flow_run_id(),
    )
    progress = _progress(year)
    selected, notes = select_agencies(agencies, registry=registry)
    summary.notes.extend(notes)

    # discover, in groups of agencies — except those whose listing was read within the window, which are
    # looked up in the lake's lineage a chunk of agencies at a time (all at once, a re-run of a national
    # year held 100,000 agencies' links before planning the first: +330 MiB)
    parts = Tallies()  # per agency, added up as batches settle
    events: list[LineageEvent] = []  # discovery's, until written with the next chunk's planning
    recorded: list[tuple[PrefectFuture, Parcel]] = []
    workers = get_settings().workers
    size = agency_group_size or group_size(len(selected), workers)
    unchecked = deque(selected[i : i + RECENT_CHUNK] for i in range(0, len(selected), RECENT_CHUNK))
    groups: deque[list[str]] = deque()
    # Discovery, planning and the batches' stages overlap: a few discovery groups run ahead, their
    # documents are planned a chunk at a time and go out in batches as soon as a batch is full. The run
    # holds a chunk or two of documents between discovery and fetch, never the year: a record from
    # discovery keeps the article page discovery read until its batch is fetched (~8 KiB a document on
    # average), which held all at once is over 1 GiB at 100,000 documents.
    chunk = max(PLAN_CHUNK, 2 * batch_size)
    ahead = max(2, workers // 2)  # discovery groups in flight
    discovering: deque[tuple[list[str], PrefectFuture]] = deque()
    unplanned: list[DocumentRecord] = []  # discovered, not yet planned against the lake
    ready: list[DocumentRecord] = []  # planned, needing work, not yet in a batch
    agencies_done, agencies_failed = 0, 0
    progress("agencies", agencies_done, len(selected), 0)
    limited_hosts = hosts_with_limits()
    # per host, the last `per_host` fetches: a new fetch of that host waits for the oldest of them
    lanes: dict[str, deque[PrefectFuture]] = defaultdict(lambda: deque(maxlen=max(1, per_host)))
    in_flight: deque[tuple[list[DocumentRecord], list[PrefectFuture]]] = deque()
    docs_done = docs_total = docs_failed = batches_sent = 0
    progress("documents", docs_done, docs_total, 0)

    def room() -> bool:
        return len(unplanned) + len(ready) < 2 * chunk

    def check_recent() -> None:
        """The next chunk of agencies: those whose listing was read within the window get their links from
        the lake's lineage; the others join the discovery groups (all of them, should the look-up fail)."""
        nonlocal agencies_done
        agencies = unchecked.popleft()
        future = recent.submit(agencies, year, lake, revalidate_after_hours)
        future.wait()
        fresh: set[str] = set()
        if future.state.is_completed():
            known: Discovered = future.result()
            parts.extend(known.tallies)
            unplanned.extend(known.records)
            fresh = {t.agency_id for t in known.tallies}
            known.records, known.tallies = [], []  # kept by Prefect until the run ends (see _release)
        stale = [slug for slug in agencies if slug not in fresh]
        groups.extend(stale[i : i + size] for i in range(0, len(stale), size))
        agencies_done += len(fresh)
        progress("agencies", agencies_done, len(selected), agencies_failed)

    def discover_more() -> None:
        """Keep `ahead` discovery groups running while the run holds less than two chunks of documents
        (and one at least, so that discovery always goes on)."""
        while True:
            # by room alone: a re-run discovers nothing, and took every chunk at once (+300 MiB at 100k)
            if not groups and unchecked and room():
                check_recent()
            elif groups and (not discovering or (len(discovering) < ahead and room())):
                group = groups.popleft()
                discovering.append((group, discover.submit(group, year, registry)))
            else:
                return

    def take_discovered() -> None:
        nonlocal agencies_done, agencies_failed
        group, future = discovering.popleft()
        future.wait()
        agencies_done += len(group)
        if future.state.is_completed():
            result: Discovered = future.result()
            unplanned.extend(result.records)
            parts.extend(result.tallies)
            events.extend(result.events)
            # Prefect keeps every task's result until the run ends: keep it empty (as _release does)
            result.records, result.tallies, result.events, result.problems = [], [], [], {}
        else:
            agencies_failed += len(group)
            parts.extend(discovery_failed(group, year, _message(future)))
        progress("agencies", agencies_done, len(selected), agencies_failed)

    def plan_unplanned() -> None:
        """What the lake already holds for the documents discovered so far; those needing work join `ready`."""
        nonlocal docs_done, docs_total
        records = list(unplanned)
        unplanned.clear()
        sent = Parcel(records)
        answer = plan.submit(sent, lake, force).result()
        planned = answer.value
        sent.value = answer.value = None  # kept by Prefect until the run ends: emptied (see _release)
        # documents fetched recently and already in the lake from this parser need no task at all
        work, settled = settle_known(planned, dt.timedelta(hours=revalidate_after_hours))
        parts.extend(settled)
        waiting = {id(record) for record in work}
        for record in (*records, *planned):  # those with no task ahead (plan may copy records)
            if id(record) not in waiting:
                record.release()
        ready.extend(work)
        if events:  # the discovery lineage of these documents' agencies, written now, not at the end
            parcel = Parcel(list(events))
            recorded.append((record_discoveries.submit(lake, parcel), parcel))
            events.clear()
        for future, parcel in recorded:
            if future.state.is_final():
                parcel.value = []
        docs_total += len(planned)
        docs_done += len(planned) - len(work)
        progress("documents", docs_done, docs_total, docs_failed)

    def settle(batch: list[DocumentRecord], futures: list[PrefectFuture]) -> None:
        nonlocal docs_done, docs_failed
        futures[-1].wait()
        tallies = batch_tallies(batch, [_value(f) for f in futures], _first_failure(futures), summary)
        parts.extend(tallies)
        _release(futures)
        for record in batch:
            record.release()
        trim_free_heap()  # what the batch freed goes back to the system, not into the arenas' keep
        docs_done += len(batch)
        docs_failed += sum(t.fetch_failed + t.stage_failed for t in tallies)
        progress("documents", docs_done, docs_total, docs_failed)

    def send(batch: list[DocumentRecord]) -> None:
        nonlocal batches_sent
        batches_sent += 1
        host = batch[0].host
        lane = lanes[host]
        wait_for = [allow_failure(lane[0])] if len(lane) == lane.maxlen else None
        fetch_task = fetch.with_options(tags=[f"host:{host}"]) if host in limited_hosts else fetch
        # batches travel in Parcels, which Prefect does not walk through (see tasks.Parcel); a stage gets
        # the future of the one before it, which Prefect resolves (its stubs type only plain values)
        fetched = fetch_task.submit(
            Parcel(batch),
            lake,
            registry,
            revalidate_after_hours,  # type: ignore[call-overload]
            wait_for=wait_for,
        )
        lane.append(fetched)
        parsed = extract_parse.submit(fetched, force)
        outcome = validate.submit(parsed, f"{summary.run_id}-b{batches_sent:04d}")  # type: ignore[call-overload]
        written = write.submit(parsed, outcome)  # type: ignore[call-overload]
        in_flight.append((batch, [fetched, parsed, outcome, written]))
        if len(in_flight) >= max_in_flight:
            settle(*in_flight.popleft())

    discover_more()
    while discovering or groups or unchecked or unplanned or ready:
        if discovering and len(unplanned) < chunk:
            take_discovered()
            discover_more()
            continue
        if unplanned:
            plan_unplanned()
        final = not discovering and not groups and not unchecked
        batches = make_batches(ready, batch_size)
        # full batches go now; a host's last, smaller one waits for more of its documents — unless
        # discovery is over, or the run holds more than a chunk of them (many hosts, few documents each)
        flush = final or sum(len(b) for b in batches if len(b) < batch_size) > chunk
        ready.clear()
        for batch in batches:
            if len(batch) >= batch_size or flush:
                send(batch)
            else:
                ready.extend(batch)
        discover_more()
    while in_flight:
        settle(*in_flight.popleft())
    for future, _ in recorded:
        future.wait()

    summary.agencies = parts.runs()
    summary.ended_at = now_iso("seconds")
    record_run.submit(Parcel(summary), Parcel(events)).wait()
    return Parcel(summary)  # Prefect walks a flow's return value: 100,000 agencies took ~75 s


def _progress(year: int) -> Callable[[str, int, int, int], None]:
    """Progress to the CLI's bar (gongkai.runs listeners) and as throttled lines in the flow run's log —
    what a worker, cron or a piped run shows (the CLI keeps Prefect's log at WARNING unless --verbose)."""
    settings = get_settings()
    logger = get_run_logger()
    lines = ProgressLog(
        lambda line: logger.info("%s: %s", year, line),
        every_items=settings.progress_every_documents,
        every_seconds=settings.progress_every_seconds,
    )

    def update(what: str, done: int, total: int, failed: int) -> None:
        report_progress(what, done, total, failed)
        lines(what, done, total, failed)

    return update


def _release(futures: list[PrefectFuture]) -> None:
    """Empty a settled batch's parcels (its documents' bytes, parsed reports, validation frames).

    The flow run keeps every task's result referenced until it ends (Prefect tracks results to link task
    inputs to upstream runs), so without this a year's worth of batches would stay in memory."""
    for future in futures:
        if future.state.is_completed():
            result = future.result()
            if isinstance(result, Parcel):
                result.value = None
            elif isinstance(result, WriteResult):  # its tallies were counted (batch_tallies)
                result.tallies, result.written, result.unchanged = [], [], []


def _flow_run_id() -> str | None:
    try:
        return str(flow_run.get_id()) if flow_run.get_id() else None
    except Exception:
        return None


def _message(future: PrefectFuture) -> str:
    state = future.state
    return (state.message or state.name or "failed").splitlines()[0][:300]


def _value(future: PrefectFuture) -> Any:
    """A completed task's value (a Parcel's content), None for one that did not complete."""
    if not future.state.is_completed():
        return None
    result = future.result()
    return result.value if isinstance(result, Parcel) else result


def _first_failure(futures: list[PrefectFuture]) -> tuple[str, str] | None:
    """The first of a batch's stages that did not complete, and its message."""
    return next(
        (
            (stage, _message(future))
            for stage, future in zip(BATCH_STAGES, futures, strict=True)
            if not future.state.is_completed()
        ),
        None,
    )
