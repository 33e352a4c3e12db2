"""The main job's stages on batches of documents: plan, fetch, extract+parse, validate, write.

Plain Python, no Prefect: the Prefect tasks in tasks/ are thin wrappers over these functions, and
the benchmarks call them directly to measure what orchestration costs. Every stage takes and returns
small picklable values (lake URIs, not open stores), so a stage can run in a thread, another
process or a Dask worker.

Per-document state lives in the lake, not in the orchestrator:

- what was fetched, when, and which bytes came back: the ``lineage`` table (fetch events);
- which bytes were parsed by which parser/extractor version, with which outcome: the ``reports`` table.

From these, `plan` decides per document: a document fetched recently (within `revalidate_after`)
is not requested again; one whose bytes the lake already holds as a report parsed by the current
parser and extractor is not parsed again. A document whose bytes are archived but whose report was
made by older code is re-parsed from the raw zone, without downloading it again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import json
import logging
import threading
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pyarrow as pa
import pyarrow.compute as pc

from gongkai.extract import EXTRACTOR_VERSION
from gongkai.lake import log
from gongkai.lake.raw import read_raw
from gongkai.lake.store import Store, open_store
from gongkai.model import LineageEvent, Problem, Report, report_id_for
from gongkai.parse import PARSER_VERSION
from gongkai.pipeline import parse_bytes
from gongkai.runs import DEFAULT_BATCH_SIZE, AgencyRun

DEFAULT_REVALIDATE_AFTER = dt.timedelta(hours=12)


def code_version() -> str:
    return f"parser {PARSER_VERSION}; extractor {EXTRACTOR_VERSION}"


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


@functools.lru_cache(maxsize=8)
def lake_store(lake: str | None) -> Store:
    """One Store per lake URI per process (S3 clients are thread-safe and costly to create)."""
    return open_store(lake)


@dataclass(frozen=True)
class RunContext:
    """Who is running a stage: stamped on lineage events so each row traces back to its run."""

    flow_run_id: str | None = None
    task_run_id: str | None = None

    def stamp(self, events: Iterable[LineageEvent]) -> list[LineageEvent]:
        return [dataclasses.replace(e, flow_run_id=e.flow_run_id or self.flow_run_id,
                                    task_run_id=e.task_run_id or self.task_run_id) for e in events]


# ---------------------------------------------------------------- what the lake already knows


@dataclass(frozen=True)
class Prior:
    """What the lake knows about a document URL from earlier runs."""

    sha256: str | None = None  # bytes of the last successful fetch
    fetched_at: str | None = None  # when those bytes were fetched (ISO 8601)
    etag: str | None = None
    last_modified: str | None = None
    report_status: str | None = None  # status of the report made from those bytes, if current
    current: bool = False  # the lake holds a report of these bytes made by this parser and extractor


@dataclass(frozen=True)
class Target:
    """One document to bring in: found by discovery for an agency and a report year."""

    agency_id: str
    year: int
    url: str
    title: str = ""
    link: Any = None  # the fetch library's link object (picklable), passed back to it as is
    prior: Prior | None = None

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""


def _table_files(state: log.LakeState, table: str, years: Iterable[int] | None) -> list[str]:
    keys = list(state.table_files(table))
    if years is None:
        return keys
    wanted = {f"report_year={y}/" for y in years}
    return [k for k in keys if any(w in k for w in wanted)]


def _read(store: Store, state: log.LakeState, table: str, columns: list[str],
          years: Iterable[int] | None = None) -> pa.Table:
    """Some columns of a lake table as of `state` (only the partitions of `years`, if given)."""
    from gongkai.lake.schemas import TABLES
    from gongkai.lake.writer import read_file

    schema = TABLES[table].schema
    present = [c for c in columns if c in schema.names]
    parts = [read_file(store, state, key, present) for key in _table_files(state, table, years)]
    if not parts:
        return pa.table({c: pa.array([], schema.field(c).type) for c in present})
    return pa.concat_tables(parts, promote_options="permissive")


def known_reports(store: Store, sha256s: Iterable[str], state: log.LakeState | None = None) -> dict[str, dict]:
    """sha256 → the lake's `reports` row for those bytes (report_id, status, parser/extractor versions…)."""
    wanted = sorted(set(s for s in sha256s if s))
    if not wanted:
        return {}
    state = state or log.read_state(store)
    columns = ["report_id", "agency_id", "sha256", "status", "problem_codes", "parser_version",
               "extractor_version", "report_year"]
    table = _read(store, state, "reports", columns)
    if table.num_rows == 0:
        return {}
    table = table.filter(pc.is_in(table["sha256"], value_set=pa.array(wanted)))
    return {row["sha256"]: row for row in table.to_pylist()}


def is_current(row: dict | None) -> bool:
    """Was this report made by the parser and extractor running now?"""
    if not row:
        return False
    if row.get("parser_version") != PARSER_VERSION:
        return False
    extractor = row.get("extractor_version")
    return extractor is None or str(extractor) == EXTRACTOR_VERSION


def previous_fetches(store: Store, urls: Iterable[str], years: Iterable[int],
                     state: log.LakeState | None = None) -> dict[str, dict]:
    """URL → the latest successful fetch event (from `lineage`) among the given report years."""
    wanted = sorted(set(urls))
    if not wanted:
        return {}
    state = state or log.read_state(store)
    columns = ["stage", "status", "input_uri", "output_sha256", "input_sha256", "ended_at", "details"]
    table = _read(store, state, "lineage", columns, years=[*years, 0])
    if table.num_rows == 0:
        return {}
    mask = pc.and_(pc.equal(table["stage"], "fetch"), pc.is_in(table["input_uri"], value_set=pa.array(wanted)))
    table = table.filter(mask)
    latest: dict[str, dict] = {}
    for row in table.to_pylist():
        if row["status"] not in ("ok", "unchanged"):
            continue
        seen = latest.get(row["input_uri"])
        if seen is None or (row["ended_at"] and seen["ended_at"] and row["ended_at"] > seen["ended_at"]):
            latest[row["input_uri"]] = row
    return latest


def plan(targets: Sequence[Target], lake: str | None, *, force: bool = False) -> list[Target]:
    """Annotate each target with what the lake knows about it (one read of lineage and reports)."""
    if not targets:
        return []
    store = lake_store(lake)
    state = log.read_state(store)
    fetches = previous_fetches(store, [t.url for t in targets], {t.year for t in targets}, state)
    shas = {row.get("output_sha256") or row.get("input_sha256") for row in fetches.values()}
    reports = known_reports(store, shas, state) if not force else {}
    out = []
    for target in targets:
        row = fetches.get(target.url)
        if row is None:
            out.append(target)
            continue
        sha = row.get("output_sha256") or row.get("input_sha256")
        details = _details(row.get("details"))
        report = reports.get(sha)
        ended = row.get("ended_at")
        out.append(dataclasses.replace(target, prior=Prior(
            sha256=sha, fetched_at=ended.isoformat() if isinstance(ended, dt.datetime) else ended,
            etag=details.get("etag"), last_modified=details.get("last_modified"),
            report_status=report.get("status") if report else None, current=is_current(report))))
    return out


def _details(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    if isinstance(value, str) and value:
        try:
            parsed = json.loads(value)
        except ValueError:
            return {}
        return parsed if isinstance(parsed, dict) else {}
    return {}


def settle_known(targets: Sequence[Target], revalidate_after: dt.timedelta = DEFAULT_REVALIDATE_AFTER,
                 ) -> tuple[list[Target], list[AgencyRun]]:
    """Split planned targets into those that need work and tallies for those that need none: fetched
    recently (no request is due) and already in the lake as a report of this parser and extractor. A re-run
    of an unchanged year thus costs no task at all per document."""
    work: list[Target] = []
    tallies: dict[tuple[str, int], AgencyRun] = {}
    for target in targets:
        prior = target.prior
        if prior is not None and prior.current and is_fresh(prior, revalidate_after):
            tally = tallies.setdefault((target.agency_id, target.year), AgencyRun(target.agency_id, target.year))
            tally.unchanged += 1
            tally.skipped += 1
        else:
            work.append(target)
    return work, list(tallies.values())


def group_size(agencies: int, workers: int) -> int:
    """Agencies per discovery task: about two tasks per worker (so slow sites balance out), 10 to 100 each
    (fewer, bigger tasks cost less orchestration; smaller ones finish sooner)."""
    return max(10, min(100, -(-agencies // max(1, 2 * workers))))


def make_batches(targets: Sequence[Target], size: int = DEFAULT_BATCH_SIZE) -> list[list[Target]]:
    """Batches of at most `size` documents, each from one host (so per-host limits apply per batch),
    in a stable order."""
    size = max(1, size)
    by_host: dict[str, list[Target]] = defaultdict(list)
    for target in sorted(targets, key=lambda t: (t.host, t.agency_id, t.year, t.url)):
        by_host[target.host].append(target)
    batches = []
    for host in sorted(by_host):
        items = by_host[host]
        batches.extend(items[i:i + size] for i in range(0, len(items), size))
    return batches


# ---------------------------------------------------------------- discover


@dataclass
class Discovered:
    """What discovery found for a group of agencies in one report year."""

    year: int
    targets: list[Target]
    tallies: list[AgencyRun]
    events: list[LineageEvent]  # one discover event per agency (listing URL in, number of links out)


@functools.lru_cache(maxsize=4)
def load_registry_cached(registry: str | None) -> Any:
    from gongkai.fetch import load_registry

    return load_registry(registry) if registry else load_registry()


def select_agencies(slugs: Sequence[str] | None, *, registry: str | None = None) -> tuple[list[str], list[str]]:
    """The registry slugs to run (all when `slugs` is empty), and notes on slugs the registry lacks."""
    known = [a.slug for a in load_registry_cached(registry).agencies]
    if not slugs:
        return known, []
    wanted = list(dict.fromkeys(slugs))
    missing = [s for s in wanted if s not in set(known)]
    notes = [f"unknown agency slug {s!r}: not in the registry ({registry or 'bundled'}); check the spelling "
             f"or add it to the registry" for s in missing]
    return [s for s in wanted if s not in missing], notes


def _links_digest(links: Sequence[Any]) -> str:
    return hashlib.sha256("\n".join(sorted(link.url for link in links)).encode()).hexdigest()


def discover(agency_ids: Sequence[str], year: int, *, registry: str | None = None,
             context: RunContext = RunContext()) -> Discovered:
    """Read each agency's listing pages and list the year's report documents. An agency whose listing
    cannot be read is counted as failed (with the reason); the others go on."""
    from gongkai.fetch import discover_reports, make_session

    reg = load_registry_cached(registry)
    result = Discovered(year=year, targets=[], tallies=[], events=[])
    session = make_session(reg)
    try:
        for slug in agency_ids:
            agency = reg.get(slug)
            tally = AgencyRun(slug, year)
            started = _now()
            listing = " ".join(agency.listing_urls) or None
            try:
                found = discover_reports(agency, year, session)
                problems = list(getattr(found, "problems", []))
            except Exception as exc:  # one agency's site (or a bug on it) must not stop the others
                found, problems = [], [Problem("discovery_error", f"{type(exc).__name__}: {exc}"[:300], "error")]
            links = list({link.url: link for link in found}.values())
            errors = [p for p in problems if p.severity == "error"]
            for problem in problems:
                tally.add_error(f"discovery {problem.severity}: {problem.message}")
            tally.found = len(links)
            tally.discovery_failed = bool(errors) and not links
            tally.discovery_errors = len(errors) if links else 0
            result.targets.extend(Target(agency_id=slug, year=year, url=link.url, title=link.title, link=link)
                                  for link in links)
            result.events.append(LineageEvent(
                stage="discover", status="failed" if tally.discovery_failed else "ok", started_at=started,
                ended_at=_now(), agency_id=slug, input_uri=listing, output_sha256=_links_digest(links),
                code_version=code_version(), error="; ".join(p.message for p in errors)[:500] or None,
                details={"year": year, "links": [{"url": link.url, "title": link.title, "kind": link.kind}
                                                 for link in links],
                         "problems": [p.code for p in problems]}, report_year=year))
            result.tallies.append(tally)
    finally:
        session.close()
    result.events = context.stamp(result.events)
    return result


def recent_discoveries(agency_ids: Sequence[str], year: int, lake: str | None,
                       revalidate_after: dt.timedelta = DEFAULT_REVALIDATE_AFTER) -> Discovered:
    """Agencies whose listing was read successfully within `revalidate_after`: their links come from that
    discovery's lineage record, so a re-run soon after asks their sites nothing. Others are not included."""
    from gongkai.fetch import ReportLink

    result = Discovered(year=year, targets=[], tallies=[], events=[])
    if revalidate_after <= dt.timedelta(0) or not agency_ids:
        return result
    store = lake_store(lake)
    state = log.read_state(store)
    table = _read(store, state, "lineage", ["stage", "status", "agency_id", "ended_at", "details"], years=[year])
    if table.num_rows == 0:
        return result
    mask = pc.and_(pc.equal(table["stage"], "discover"), pc.equal(table["status"], "ok"))
    table = table.filter(pc.and_(mask, pc.is_in(table["agency_id"], value_set=pa.array(sorted(set(agency_ids))))))
    latest: dict[str, dict] = {}
    for row in table.to_pylist():
        seen = latest.get(row["agency_id"])
        if seen is None or row["ended_at"] > seen["ended_at"]:
            latest[row["agency_id"]] = row
    now = dt.datetime.now(dt.UTC)
    for slug, row in sorted(latest.items()):
        details = _details(row["details"])
        if details.get("year") != year or now - row["ended_at"] >= revalidate_after:
            continue
        links = [ReportLink(d["url"], slug, year, d.get("title", ""), d.get("kind", "attachment"))
                 for d in details.get("links", [])]
        result.targets.extend(Target(agency_id=slug, year=year, url=link.url, title=link.title, link=link)
                              for link in links)
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


# ---------------------------------------------------------------- fetch


@dataclass
class Fetched:
    target: Target
    status: str  # ok (new bytes archived) | unchanged (bytes we hold) | failed
    sha256: str | None = None
    reason: str | None = None


@dataclass
class FetchBatch:
    lake: str | None
    docs: list[Fetched]
    events: list[LineageEvent] = field(default_factory=list)
    tallies: list[AgencyRun] = field(default_factory=list)


def is_fresh(prior: Prior | None, revalidate_after: dt.timedelta, now: dt.datetime | None = None) -> bool:
    """Fetched successfully recently enough that asking the server again is not worth a request."""
    if prior is None or not prior.sha256 or not prior.fetched_at:
        return False
    try:
        fetched = dt.datetime.fromisoformat(prior.fetched_at.replace("Z", "+00:00"))
    except ValueError:
        return False
    if fetched.tzinfo is None:
        fetched = fetched.replace(tzinfo=dt.UTC)
    return (now or dt.datetime.now(dt.UTC)) - fetched < revalidate_after


def fetch_batch(targets: Sequence[Target], lake: str | None, *, registry: str | None = None,
                revalidate_after: dt.timedelta = DEFAULT_REVALIDATE_AFTER,
                context: RunContext = RunContext()) -> FetchBatch:
    """Download and archive a batch of documents (one host). Fresh documents are not requested;
    others get a conditional GET through the fetch library. Never raises for one bad document."""
    store = lake_store(lake)
    batch = FetchBatch(lake=lake, docs=[])
    tallies: dict[tuple[str, int], AgencyRun] = {}
    pending = []
    for target in targets:
        tally = tallies.setdefault((target.agency_id, target.year), AgencyRun(target.agency_id, target.year))
        # a recent successful fetch archived these bytes: trust the lake's record, ask the server nothing
        if target.prior is not None and target.prior.sha256 and is_fresh(target.prior, revalidate_after):
            batch.docs.append(Fetched(target, "unchanged", target.prior.sha256, "fetched recently"))
            tally.unchanged += 1
        else:
            pending.append(target)
    if pending:
        for target, result in zip(pending, _fetch_many(pending, store, registry), strict=True):
            tally = tallies[(target.agency_id, target.year)]
            batch.docs.append(Fetched(target, result.status, result.sha256, result.reason))
            if result.event is not None:
                batch.events.append(dataclasses.replace(result.event, agency_id=result.event.agency_id
                                                        or target.agency_id, report_year=target.year))
            if result.status == "failed":
                tally.fetch_failed += 1
                tally.add_error(f"fetch failed: {target.url}: {result.reason}")
            elif result.status == "unchanged":
                tally.unchanged += 1
            else:
                tally.fetched += 1
    batch.events = context.stamp(batch.events)
    batch.tallies = list(tallies.values())
    return batch


@dataclass
class _FetchOutcome:
    status: str
    sha256: str | None
    reason: str | None
    event: LineageEvent | None


def _fetch_many(targets: Sequence[Target], store: Store, registry: str | None) -> list[_FetchOutcome]:
    """The fetch library on each target, with one session for the batch (its politeness: retries of
    transient errors, per-host rate limit, conditional GET from the prior fetch)."""
    from gongkai.fetch import fetch_document, make_session

    session = make_session(load_registry_cached(registry))
    out = []
    try:
        for target in targets:
            try:
                result = fetch_document(target.link, session, store)
            except Exception as exc:  # a bug or an unforeseen error on one document must not lose the batch
                out.append(_FetchOutcome("failed", None, f"{type(exc).__name__}: {exc}"[:300], LineageEvent(
                    stage="fetch", status="failed", started_at=_now(), ended_at=_now(), agency_id=target.agency_id,
                    input_uri=target.url, code_version=code_version(), error=f"{type(exc).__name__}: {exc}"[:500],
                    report_year=target.year)))
                continue
            status = result.status if result.status in ("ok", "unchanged", "failed") else "failed"
            out.append(_FetchOutcome(status, getattr(result, "sha256", None), getattr(result, "reason", None),
                                     getattr(result, "event", None)))
    finally:
        close = getattr(session, "close", None)
        if close:
            close()
    return out


# ---------------------------------------------------------------- extract + parse


@dataclass
class ParsedBatch:
    lake: str | None
    reports: list[Report]
    agencies: dict[str, str]  # report_id -> agency slug (from the registry, not the printed name)
    sources: dict[str, str]  # report_id -> URL
    events: list[LineageEvent]
    tallies: list[AgencyRun]
    years: dict[str, int] = field(default_factory=dict)  # report_id -> the report year it was looked for


def parse_batch(fetched: FetchBatch, *, force: bool = False, context: RunContext = RunContext()) -> ParsedBatch:
    """Extract and parse the batch's documents from the raw zone, skipping bytes the lake already holds
    as a report made by this parser and extractor (unless `force`). Never raises for a bad document."""
    with _CPU_LOCK:
        return _parse_batch(fetched, force=force, context=context)


def _parse_batch(fetched: FetchBatch, *, force: bool, context: RunContext) -> ParsedBatch:
    store = lake_store(fetched.lake)
    tallies = {(t.agency_id, t.year): dataclasses.replace(t) for t in fetched.tallies}
    ok = [d for d in fetched.docs if d.status != "failed" and d.sha256]
    known = {} if force else known_reports(store, [d.sha256 for d in ok if not _known_current(d)])
    reports: dict[str, Report] = {}
    agencies: dict[str, str] = {}
    sources: dict[str, str] = {}
    years: dict[str, int] = {}
    events = list(fetched.events)
    for doc in ok:
        tally = tallies.setdefault((doc.target.agency_id, doc.target.year),
                                   AgencyRun(doc.target.agency_id, doc.target.year))
        assert doc.sha256 is not None
        rid = report_id_for(doc.sha256)
        if not force and (_known_current(doc) or is_current(known.get(doc.sha256))):
            tally.skipped += 1
            continue
        if rid in reports:  # the same bytes listed twice (two URLs): parse once
            tally.skipped += 1
            continue
        started = _now()
        try:
            data = read_raw(store, doc.sha256)
        except KeyError:
            tally.stage_failed += 1
            tally.add_error(f"archived bytes missing for {doc.target.url} ({doc.sha256[:12]}); run again with --force")
            events.append(_event("extract", "failed", started, doc, rid, error="raw document missing from the lake"))
            continue
        report = parse_bytes(data, doc.target.url)
        del data
        ended = _now()
        failed = [p for p in report.problems if p.severity == "error"]
        events.append(_event("parse", "ok", started, doc, rid, ended=ended,
                             details={"form_version": report.form_version, "media_type": report.media_type,
                                      "problems": [p.code for p in report.problems][:20],
                                      "errors": len(failed)}))
        reports[rid] = report
        agencies[rid] = doc.target.agency_id
        sources[rid] = doc.target.url
        years[rid] = doc.target.year
        tally.parsed += 1
    return ParsedBatch(lake=fetched.lake, reports=list(reports.values()), agencies=agencies, sources=sources,
                       events=context.stamp(events), tallies=list(tallies.values()), years=years)


def _known_current(doc: Fetched) -> bool:
    prior = doc.target.prior
    return bool(prior and prior.current and prior.sha256 == doc.sha256)


def _event(stage: str, status: str, started: str, doc: Fetched, rid: str, *, ended: str | None = None,
           error: str | None = None, details: dict[str, Any] | None = None) -> LineageEvent:
    return LineageEvent(stage=stage, status=status, started_at=started, ended_at=ended or _now(), report_id=rid,
                        agency_id=doc.target.agency_id, input_uri=doc.target.url, input_sha256=doc.sha256,
                        code_version=code_version(), error=error, details=details or {},
                        report_year=doc.target.year)


# ---------------------------------------------------------------- validate + write


# One CPU-heavy stage (parse, validate, write) at a time per process. They hold the GIL, so running two in
# threads only interleaves them — measured 1.3-1.6x slower than one after the other — while fetches (network
# waits) still overlap with them. Great Expectations' context is not thread-safe either (two threads
# registering a suite collide). Dask workers are processes, each with its own lock, so they scale.
_CPU_LOCK = threading.RLock()


def validate_batch(parsed: ParsedBatch, *, run_id: str | None = None, docs: bool = True) -> Any:
    """Validate the batch's reports with the Great Expectations suites (None when nothing was parsed)."""
    if not parsed.reports:
        return None
    from gongkai.validate.runner import validate_reports

    # GX forces this logger to INFO on import and then announces a temporary folder per validation
    logging.getLogger("great_expectations.data_context.types.base").setLevel(logging.WARNING)
    with _CPU_LOCK:
        return validate_reports(parsed.reports, lake_store(parsed.lake), agencies=parsed.agencies,
                                lineage=parsed.events, run_id=run_id, docs=docs)


@dataclass
class WriteResult:
    tallies: list[AgencyRun]
    data_docs: str | None = None
    commit: str | None = None


def write_batch(parsed: ParsedBatch, outcome: Any, *, context: RunContext = RunContext()) -> WriteResult:
    """Write the batch's reports, validation results and lineage in one atomic commit."""
    with _CPU_LOCK:
        return _write_batch(parsed, outcome, context=context)


def _write_batch(parsed: ParsedBatch, outcome: Any, *, context: RunContext) -> WriteResult:
    from gongkai.lake.writer import write_batch as lake_write_batch
    from gongkai.lake.writer import write_lineage

    store = lake_store(parsed.lake)
    tallies = {(t.agency_id, t.year): dataclasses.replace(t) for t in parsed.tallies}
    if parsed.reports:
        result = lake_write_batch(store, parsed.reports, outcome, context.stamp(parsed.events),
                                  agencies=parsed.agencies, sources=parsed.sources)
    elif parsed.events:
        result = write_lineage(store, context.stamp(parsed.events))
    else:
        return WriteResult(list(tallies.values()))
    for report in parsed.reports:
        rid = report_id_for(report.sha256)
        key = (parsed.agencies.get(rid, ""), parsed.years.get(rid, 0))
        tally = tallies.setdefault(key, AgencyRun(*key))
        tally.written += rid in result.written
        report_outcome = outcome.reports.get(rid) if outcome is not None else None
        status = report_outcome.status if report_outcome else _status_without_validation(report)
        tally.statuses[status] = tally.statuses.get(status, 0) + 1
        codes = [p.code for p in report.problems]
        if report_outcome:
            codes += [f.check for f in report_outcome.failures]
        for code in dict.fromkeys(codes):
            tally.problems[code] = tally.problems.get(code, 0) + 1
        if status in ("quarantined", "failed"):
            tally.quarantined_ids.append(rid)
    return WriteResult(list(tallies.values()), data_docs=getattr(outcome, "docs_uri", None),
                       commit=result.commit_uri)


def _status_without_validation(report: Report) -> str:
    from gongkai.validate.outcome import status_for

    return status_for(report, [])


def stage_failed(targets: Sequence[Target], stage: str, error: str,
                 reached: Sequence[AgencyRun] | None = None) -> list[AgencyRun]:
    """Tallies for a batch whose `stage` failed after its retries: its documents that had not already
    failed to download count as failed at that stage; `reached` are the tallies of the last stage done."""
    tallies = {(t.agency_id, t.year): dataclasses.replace(t) for t in reached or ()}
    per_agency: dict[tuple[str, int], int] = defaultdict(int)
    for target in targets:
        per_agency[(target.agency_id, target.year)] += 1
    for key, count in per_agency.items():
        tally = tallies.setdefault(key, AgencyRun(*key))
        if stage == "fetch" or not reached:
            lost = count
        elif stage in ("validate", "write"):
            lost = tally.parsed  # documents skipped as unchanged were not affected
        else:
            lost = count - tally.fetch_failed
        tally.stage_failed += max(0, lost)
        tally.add_error(f"{stage} failed for {lost} document(s): {error}")
    return list(tallies.values())


def record_run(summary: Any, events: Sequence[LineageEvent] = (), *, context: RunContext = RunContext()) -> str:
    """Write the run's discovery lineage and its run record (``runs/<run_id>.json``) into the lake."""
    from gongkai.lake.writer import write_lineage
    from gongkai.runs import save_run

    store = open_store(summary.lake)
    if events:
        write_lineage(store, context.stamp(events))
    return save_run(store, summary)


# ---------------------------------------------------------------- the same stages without an orchestrator


def run_library(targets: Sequence[Target], lake: str | None, *, registry: str | None = None,
                batch_size: int = DEFAULT_BATCH_SIZE, revalidate_after: dt.timedelta = DEFAULT_REVALIDATE_AFTER,
                force: bool = False) -> list[AgencyRun]:
    """Plan, then fetch → parse → validate → write each batch in this thread (the benchmark baseline)."""
    from gongkai.runs import merge_runs

    parts: list[AgencyRun] = []
    for batch in make_batches(plan(targets, lake, force=force), batch_size):
        fetched = fetch_batch(batch, lake, registry=registry, revalidate_after=revalidate_after)
        parsed = parse_batch(fetched, force=force)
        outcome = validate_batch(parsed)
        parts.extend(write_batch(parsed, outcome).tallies)
    return merge_runs(parts)


__all__ = [
    "DEFAULT_BATCH_SIZE", "FetchBatch", "Fetched", "ParsedBatch", "Prior", "Problem", "RunContext", "Target",
    "WriteResult", "fetch_batch", "is_current", "known_reports", "make_batches", "parse_batch", "plan",
    "previous_fetches", "run_library", "stage_failed", "validate_batch", "write_batch",
]
