"""The value that travels with each document through the pipeline, and the tallies made from it.

A `DocumentRecord` is created by discovery (a link on an agency's listing) or by the archive stage (a
local file), then filled in by each stage: fetch (bytes, HTTP validators), extract + parse (the report),
validate (its status) and write. Every stage appends its lineage event to the record; the lake's
``lineage`` table is those events. Records are plain picklable data: they cross threads, processes and
Dask workers.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from gongkai.model import LineageEvent, Problem, Report, report_id_for
from gongkai.runs import AgencyRun
from gongkai.versions import code_version


@dataclass(frozen=True)
class RunContext:
    """Who is running a stage: stamped on lineage events so each row traces back to its run."""

    flow_run_id: str | None = None
    task_run_id: str | None = None

    def stamp(self, events: Iterable[LineageEvent]) -> list[LineageEvent]:
        return [
            dataclasses.replace(
                e,
                flow_run_id=e.flow_run_id or self.flow_run_id,
                task_run_id=e.task_run_id or self.task_run_id,
            )
            for e in events
        ]


NO_CONTEXT = RunContext()  # outside any orchestrated run


@dataclass(frozen=True)
class Prior:
    """What the lake knows about a document URL from earlier runs (its latest successful fetch event)."""

    sha256: str | None = None  # bytes of the last successful fetch
    fetched_at: str | None = None  # when those bytes were fetched (ISO 8601)
    etag: str | None = None  # the HTTP validators that fetch received: the next request is conditional
    last_modified: str | None = None
    raw_uri: str | None = None
    report_status: str | None = None  # status of the report made from those bytes, if current
    current: bool = False  # the lake holds a report of these bytes made by this parser and extractor


@dataclass
class DocumentRecord:
    """One document on its way: discover → fetch (or archive) → extract → parse → validate → write."""

    agency_id: str | None  # registry slug (None for a local file without --agency)
    year: int | None  # the report year it was looked for (None: a local file, the report says)
    source: str  # where the bytes come from: a URL, or a local file's file:// URI
    title: str = ""
    path: str | None = None  # a local file's path as given (what reports and messages name)
    link: Any = None  # the fetch library's ReportLink (picklable), passed back to it as is
    prior: Prior | None = None  # what the lake knew before this run
    sha256: str | None = None  # of the bytes fetched or archived
    raw_uri: str | None = None  # where the raw zone keeps them
    etag: str | None = None  # HTTP validators of this fetch
    last_modified: str | None = None
    code_version: str = field(default_factory=code_version)  # the parser and extractor that run now
    # stage → outcome: fetch ok|unchanged|failed, archive ok|unchanged|failed, parse parsed|skipped|failed,
    # write written|unchanged
    outcomes: dict[str, str] = field(default_factory=dict)
    report: Report | None = None  # from the parse stage
    report_status: str | None = None  # valid | warnings | quarantined | failed, after validation
    failed_checks: list[str] = field(default_factory=list)  # validation checks the report failed
    problems: list[Problem] = field(default_factory=list)  # why a stage failed on this document
    events: list[LineageEvent] = field(default_factory=list)  # one per stage that ran

    @property
    def url(self) -> str:
        return self.source

    @property
    def host(self) -> str:
        return urlsplit(self.source).hostname or ""

    @property
    def report_id(self) -> str | None:
        return report_id_for(self.sha256) if self.sha256 else None

    @property
    def status(self) -> str:
        """The record's state: its report's status once validated, else the last stage's outcome."""
        if self.report_status:
            return self.report_status
        return next(reversed(self.outcomes.values()), "pending")

    def release(self) -> None:
        """Drop what only the stages still to run needed: the discovery link (with the article page
        discovery already read, ~20 KiB) and the parsed report. A long run keeps every record it
        planned until it ends; without this, that is ~12 KiB per document (0.8 GiB at 100k)."""
        self.link = None
        self.report = None

    def fail(self, stage: str, code: str, message: str) -> None:
        """The stage could not do its work on this document: say why (a person reads `message`)."""
        self.outcomes[stage] = "failed"
        self.problems.append(Problem(code, message, "error", stage))

    def event(self, stage: str, status: str, started: str, ended: str, **fields: Any) -> LineageEvent:
        """Append this document's lineage event for `stage` (identity and code version from the record)."""
        values: dict[str, Any] = {
            "report_id": self.report_id,
            "agency_id": self.agency_id,
            "input_uri": self.source,
            "input_sha256": self.sha256,
            "code_version": self.code_version,
            "report_year": self.year,
            **fields,
        }
        event = LineageEvent(stage=stage, status=status, started_at=started, ended_at=ended, **values)
        self.events.append(event)
        return event


def tally_records(records: Sequence[DocumentRecord]) -> list[AgencyRun]:
    """Per (agency, report year): what the stages did to these documents (the run summary's counts)."""
    tallies: dict[tuple[str, int], AgencyRun] = {}

    def tally(record: DocumentRecord) -> AgencyRun:
        key = (record.agency_id or "", record.year or 0)
        return tallies.setdefault(key, AgencyRun(*key))

    for record in records:
        counts = tally(record)
        fetched = record.outcomes.get("fetch")
        if fetched == "ok":
            counts.fetched += 1
        elif fetched == "unchanged":
            counts.unchanged += 1
        elif fetched == "failed":
            counts.fetch_failed += 1
        parsed = record.outcomes.get("parse")
        if parsed == "parsed":
            counts.parsed += 1
        elif parsed == "skipped":
            counts.skipped += 1
        elif parsed == "failed" or record.outcomes.get("extract") == "failed":
            counts.stage_failed += 1
        if record.outcomes.get("write") == "written":
            counts.written += 1
        if record.report_status:
            counts.statuses[record.report_status] = counts.statuses.get(record.report_status, 0) + 1
            codes = [p.code for p in record.report.problems] if record.report else []
            for code in dict.fromkeys([*codes, *record.failed_checks]):
                counts.problems[code] = counts.problems.get(code, 0) + 1
            if record.report_status in ("quarantined", "failed") and record.report_id:
                counts.quarantined_ids.append(record.report_id)
    # errors in stage order (every failed download before every failed parse), as a person reads them
    for stage in ("fetch", "archive", "extract", "parse"):
        for record in records:
            for problem in record.problems:
                if problem.where == stage:
                    tally(record).add_error(
                        f"fetch failed: {record.source}: {problem.message}"
                        if stage == "fetch"
                        else problem.message
                    )
    return list(tallies.values())
