"""Discover: an agency's listing pages → the year's report documents, as records (one event per agency).

Agencies are worked on by a few threads, scheduled fairly across hosts (HostQueues): one queue per host,
taken in turn, and never more of a host's agencies at once than its concurrency limit. A slow or stalling
site then holds one worker, not all of them, and the other hosts' agencies go on.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import threading
from collections import Counter, deque
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import urlsplit

import pyarrow as pa
import pyarrow.compute as pc

from gongkai.clock import now, now_iso
from gongkai.fetch import ReportLink, discover_reports, load_registry, make_session
from gongkai.fetch.http import PoliteSession
from gongkai.fetch.registry import Agency, Registry
from gongkai.lake import log
from gongkai.model import LineageEvent, Problem
from gongkai.pipeline.plan import DEFAULT_REVALIDATE_AFTER, details_of, lake_store, read_columns
from gongkai.pipeline.record import NO_CONTEXT, DocumentRecord, RunContext
from gongkai.runs import AgencyRun
from gongkai.versions import code_version


@dataclass
class Discovered:
    """What discovery found for a group of agencies in one report year."""

    year: int
    records: list[DocumentRecord]
    tallies: list[AgencyRun]
    events: list[LineageEvent]  # one discover event per agency (listing URL in, number of links out)
    problems: dict[str, list[Problem]] = field(default_factory=dict)  # agency → what its listing said


@functools.lru_cache(maxsize=4)
def load_registry_cached(registry: str | None) -> Registry:
    return load_registry(registry) if registry else load_registry()


def select_agencies(
    slugs: Sequence[str] | None, *, registry: str | None = None
) -> tuple[list[str], list[str]]:
    """The registry slugs to run (all when `slugs` is empty), and notes on slugs the registry lacks."""
    known = [a.slug for a in load_registry_cached(registry).agencies]
    if not slugs:
        return known, []
    wanted = list(dict.fromkeys(slugs))
    missing = [s for s in wanted if s not in set(known)]
    notes = [
        f"unknown agency slug {s!r}: not in the registry ({registry or 'bundled'}); check the spelling "
        f"or add it to the registry"
        for s in missing
    ]
    return [s for s in wanted if s not in missing], notes


def _links_digest(links: Sequence[Any]) -> str:
    return hashlib.sha256("\n".join(sorted(link.url for link in links)).encode()).hexdigest()


T = TypeVar("T")


class HostQueues(Generic[T]):
    """Work items queued per host and handed out round-robin across hosts, at most `limit(host)` of one
    host's items in progress at once. Thread-safe: workers call take() until it answers None, and done(host)
    after each item."""

    def __init__(self, items: Sequence[tuple[str, T]], limit: Callable[[str], int]) -> None:
        self.queues: dict[str, deque[T]] = {}
        for host, item in items:
            self.queues.setdefault(host, deque()).append(item)
        self.turn: deque[str] = deque(self.queues)
        self.running: Counter[str] = Counter()
        self.limit = limit
        self.cond = threading.Condition()

    def take(self) -> tuple[str, T] | None:
        with self.cond:
            while True:
                if not any(self.queues.values()):
                    return None
                for _ in range(len(self.turn)):
                    host = self.turn[0]
                    self.turn.rotate(-1)  # the next take starts at the next host
                    if self.queues[host] and self.running[host] < max(1, self.limit(host)):
                        self.running[host] += 1
                        return host, self.queues[host].popleft()
                self.cond.wait()  # every host with work is at its limit: wait for one to finish

    def done(self, host: str) -> None:
        with self.cond:
            self.running[host] -= 1
            self.cond.notify_all()


def agency_host(agency: Agency) -> str:
    """The host an agency's discovery asks first (its listing's, else its portal's): its scheduling key."""
    for url in agency.listing_urls:
        if netloc := urlsplit(url).netloc:
            return netloc
    return agency.portal_host or f"(no host: {agency.slug})"


def discover(
    agency_ids: Sequence[str],
    year: int,
    *,
    registry: str | None = None,
    context: RunContext = NO_CONTEXT,
    lake: str | None = None,
    page_cache: bool = False,
    session_options: Mapping[str, Any] | None = None,
    session: PoliteSession | None = None,
    workers: int = 1,
) -> Discovered:
    """Read each agency's listing pages and list the year's report documents. An agency whose listing
    cannot be read is counted as failed (with the reason); the others go on.

    page_cache: keep listing pages in the `lake` for conditional requests next time (`gongkai fetch`);
    session_options: for the fetch library's session (timeouts, retries); session: an open one to share;
    workers: agencies worked on at once, scheduled fairly across hosts (discover_each)."""
    result = Discovered(year=year, records=[], tallies=[], events=[])
    for one in discover_each(
        agency_ids,
        year,
        registry=registry,
        context=context,
        lake=lake,
        page_cache=page_cache,
        session_options=session_options,
        session=session,
        workers=workers,
    ):
        result.records.extend(one.records)
        result.tallies.extend(one.tallies)
        result.events.extend(one.events)
        result.problems.update(one.problems)
    return result


def discover_each(
    agency_ids: Sequence[str],
    year: int,
    *,
    registry: str | None = None,
    context: RunContext = NO_CONTEXT,
    lake: str | None = None,
    page_cache: bool = False,
    session_options: Mapping[str, Any] | None = None,
    session: PoliteSession | None = None,
    workers: int = 1,
    progress: Callable[[Discovered], None] | None = None,
) -> list[Discovered]:
    """discover() per agency, in the order given: `workers` threads take the agencies host by host in
    turn (HostQueues), at most the host's concurrency limit of one host's agencies at once; `progress`
    hears of each agency as it finishes."""
    reg = load_registry_cached(registry)
    own = session is None
    session = session or make_session(reg, **dict(session_options or {}))
    store = lake_store(lake) if page_cache else None
    results: dict[int, Discovered] = {}

    def limit(host: str) -> int:
        return session.limits.get(urlsplit(f"//{host}").hostname or "", session.default)[1]

    queues: HostQueues[int] = HostQueues(
        [(agency_host(reg.get(slug)), n) for n, slug in enumerate(agency_ids)], limit
    )

    def work() -> None:
        while (taken := queues.take()) is not None:
            host, n = taken
            try:
                results[n] = _discover_one(reg.get(agency_ids[n]), year, session, store, context)
            finally:
                queues.done(host)
            if progress is not None:
                progress(results[n])

    try:
        if workers <= 1:
            work()
        else:
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="discover") as pool:
                for future in [pool.submit(work) for _ in range(workers)]:
                    future.result()
    finally:
        if own:
            session.close()
    return [results[n] for n in range(len(agency_ids))]


def _discover_one(
    agency: Agency, year: int, session: PoliteSession, store: Any, context: RunContext
) -> Discovered:
    slug = agency.slug
    result = Discovered(year=year, records=[], tallies=[], events=[])
    tally = AgencyRun(slug, year)
    started = now_iso()
    listing = " ".join(agency.listing_urls) or None
    found: Sequence[Any]
    try:
        found = discover_reports(agency, year, session, store)
        problems = list(getattr(found, "problems", []))
    except Exception as exc:  # one agency's site (or a bug on it) must not stop the others
        found, problems = (
            [],
            [Problem("discovery_error", f"{type(exc).__name__}: {exc}"[:300], "error")],
        )
    links = list({link.url: link for link in found}.values())
    errors = [p for p in problems if p.severity == "error"]
    for problem in problems:
        tally.add_error(f"discovery {problem.severity}: {problem.message}")
    tally.found = len(links)
    tally.discovery_failed = bool(errors) and not links
    tally.discovery_errors = len(errors) if links else 0
    result.records.extend(
        DocumentRecord(agency_id=slug, year=year, source=link.url, title=link.title, link=link)
        for link in links
    )
    result.problems[slug] = problems
    result.events.append(
        LineageEvent(
            stage="discover",
            status="failed" if tally.discovery_failed else "ok",
            started_at=started,
            ended_at=now_iso(),
            agency_id=slug,
            input_uri=listing,
            output_sha256=_links_digest(links),
            code_version=code_version(),
            error="; ".join(p.message for p in errors)[:500] or None,
            details={
                "year": year,
                "links": [{"url": link.url, "title": link.title, "kind": link.kind} for link in links],
                "problems": [p.code for p in problems],
                "families": dict(getattr(found, "families", {})),
            },
            report_year=year,
        )
    )
    result.tallies.append(tally)
    result.events = context.stamp(result.events)
    return result


def recent_discoveries(
    agency_ids: Sequence[str],
    year: int,
    lake: str | None,
    revalidate_after: dt.timedelta = DEFAULT_REVALIDATE_AFTER,
) -> Discovered:
    """Agencies whose listing was read successfully within `revalidate_after`: their links come from that
    discovery's lineage record, so a re-run soon after asks their sites nothing. Others are not included."""
    result = Discovered(year=year, records=[], tallies=[], events=[])
    if revalidate_after <= dt.timedelta(0) or not agency_ids:
        return result
    store = lake_store(lake)
    state = log.read_state(store)
    wanted = pa.array(sorted(set(agency_ids)))
    table = read_columns(
        store,
        state,
        "lineage",
        ["stage", "status", "agency_id", "ended_at", "details"],
        years=[year],
        where=lambda t: pc.and_(
            pc.and_(pc.equal(t["stage"], "discover"), pc.equal(t["status"], "ok")),
            pc.is_in(t["agency_id"], value_set=wanted),
        ),
    )
    latest: dict[str, dict] = {}
    for row in table.to_pylist():
        seen = latest.get(row["agency_id"])
        if seen is None or row["ended_at"] > seen["ended_at"]:
            latest[row["agency_id"]] = row
    at = now()
    for slug, row in sorted(latest.items()):
        details = details_of(row["details"])
        if details.get("year") != year or at - row["ended_at"] >= revalidate_after:
            continue
        links = [
            ReportLink(d["url"], slug, year, d.get("title", ""), d.get("kind", "attachment"))
            for d in details.get("links", [])
        ]
        result.records.extend(
            DocumentRecord(agency_id=slug, year=year, source=link.url, title=link.title, link=link)
            for link in links
        )
        result.tallies.append(AgencyRun(slug, year, found=len(links)))
    return result


def discovery_failed(agency_ids: Sequence[str], year: int, error: str) -> list[AgencyRun]:
    """Tallies for a group whose discovery task failed after its retries."""
    out = []
    for slug in agency_ids:
        tally = AgencyRun(slug, year, discovery_failed=True)
        tally.add_error(f"discovery failed: {error}")
        out.append(tally)
    return out
