"""Discover: an agency's listing pages → the year's report documents, as records (one event per agency)."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from gongkai.clock import now, now_iso
from gongkai.fetch import ReportLink, discover_reports, load_registry, make_session
from gongkai.fetch.http import PoliteSession
from gongkai.fetch.registry import Registry
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
) -> Discovered:
    """Read each agency's listing pages and list the year's report documents. An agency whose listing
    cannot be read is counted as failed (with the reason); the others go on.

    page_cache: keep listing pages in the `lake` for conditional requests next time (`gongkai fetch`);
    session_options: for the fetch library's session (timeouts, retries); session: an open one to share."""
    reg = load_registry_cached(registry)
    result = Discovered(year=year, records=[], tallies=[], events=[])
    own = session is None
    session = session or make_session(reg, **dict(session_options or {}))
    store = lake_store(lake) if page_cache else None
    try:
        for slug in agency_ids:
            agency = reg.get(slug)
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
                        "links": [
                            {"url": link.url, "title": link.title, "kind": link.kind} for link in links
                        ],
                        "problems": [p.code for p in problems],
                    },
                    report_year=year,
                )
            )
            result.tallies.append(tally)
    finally:
        if own:
            session.close()
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
    table = read_columns(
        store, state, "lineage", ["stage", "status", "agency_id", "ended_at", "details"], years=[year]
    )
    if table.num_rows == 0:
        return result
    mask = pc.and_(pc.equal(table["stage"], "discover"), pc.equal(table["status"], "ok"))
    table = table.filter(
        pc.and_(mask, pc.is_in(table["agency_id"], value_set=pa.array(sorted(set(agency_ids)))))
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
