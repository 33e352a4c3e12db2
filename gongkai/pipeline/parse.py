"""Extract + parse: a document's bytes → its canonical `Report` (one call), for a record or a batch of them."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import threading
from concurrent.futures import ThreadPoolExecutor

from gongkai.clock import now_iso
from gongkai.extract import EXTRACTOR_VERSION, extract_bytes
from gongkai.extract.limits import run_within_budget
from gongkai.extract.sniff import sniff_media_type
from gongkai.extract.text import text_over_cap
from gongkai.lake.raw import read_raw
from gongkai.lake.store import Store
from gongkai.model import Document, Paragraph, Report
from gongkai.parse import parse_document
from gongkai.pipeline.batch import Batch
from gongkai.pipeline.plan import is_current, known_reports, lake_store
from gongkai.pipeline.record import NO_CONTEXT, DocumentRecord, RunContext
from gongkai.settings import get_settings


def parse_bytes(data: bytes, source: str, *, budget: bool = True) -> Report:
    """Bytes of any supported format → Report. Never raises for bad input; problems say why.

    With `budget` (the default) the whole handling runs in a budget worker process within one time and
    memory budget (gongkai.extract.limits): a huge or hostile file of any format, HTML and text included,
    becomes a report with the problem `document_budget_exceeded`, never a stalled or swollen run."""
    sha256 = hashlib.sha256(data).hexdigest()
    if not budget:
        return _parse(data, source, sha256)
    outcome = run_within_budget(_parse, data, source, sha256)
    if isinstance(outcome, Report):
        return outcome
    document = Document.refused(sniff_media_type(data, source), outcome.code, outcome.message)
    return _report(document, source, sha256)


def _parse(data: bytes, source: str, sha256: str) -> Report:
    return _report(extract_bytes(data, source), source, sha256)


def _text_length(document: Document) -> int:
    return sum(
        len(block.text)
        if isinstance(block, Paragraph)
        else sum(len(c.text) for row in block.rows for c in row)
        for block in document.blocks
    )


def _report(document: Document, source: str, sha256: str) -> Report:
    # parsing costs time in proportion to the text: a document of any format with more text than a report
    # ever has is refused here (text files already before they were split into lines)
    refusal = text_over_cap(_text_length(document))
    if refusal is not None:
        document = Document.refused(
            document.media_type,
            refusal.code,
            refusal.message,
            extractor=document.extractor,
            problems=document.problems,
        )
    report = parse_document(document, source=source, sha256=sha256, media_type=document.media_type)
    report.extractor = f"{document.extractor}@{EXTRACTOR_VERSION}"
    return report


def parse_record(record: DocumentRecord, data: bytes) -> Report:
    """Extract and parse a record's bytes, with its parse event. Never raises: a parser bug on one file
    becomes a failed report that says so (the bytes stay archived)."""
    started = now_iso()
    name = record.path or record.source
    try:
        report = parse_bytes(data, name)
    except Exception as exc:
        report = Report.refused(
            name,
            record.sha256 or "",
            "parser_crashed",
            f"the parser failed on this file ({type(exc).__name__}: {exc}); please report it with the file",
        )
    errors = [p for p in report.problems if p.severity == "error"]
    record.report = report
    record.outcomes["parse"] = "parsed"
    ended = now_iso()
    # extraction and parsing run as one call (in one budgeted child process): two events, one time span;
    # extraction gave up when no extractor could read the bytes (`none@…`); a parser crash has no extractor
    extractor = report.extractor or ""
    extract_failed = extractor.split("@", 1)[0] == "none"
    if extractor:
        record.event(
            "extract",
            "failed" if extract_failed else "ok",
            started,
            ended,
            error=("; ".join(p.code for p in errors) or None) if extract_failed else None,
            report_year=record.year if record.year is not None else report.report_year,
            details={"extractor": extractor, "media_type": report.media_type},
        )
    record.event(
        "parse",
        "failed" if report.form_version == "unknown" else "ok",
        started,
        ended,
        error="; ".join(p.code for p in errors) or None,
        report_year=record.year if record.year is not None else report.report_year,
        details={
            "form_version": report.form_version,
            "media_type": report.media_type,
            "problems": [p.code for p in report.problems][:20],
            "errors": len(errors),
        },
    )
    return report


def parse_workers() -> int:
    """Documents a process handles at once (GONGKAI_PARSE_WORKERS; 0: one per CPU core)."""
    return get_settings().parse_workers or os.cpu_count() or 1


# Documents being handled at once in this process, over all batches: each holds a budget worker process
_slots_lock = threading.Lock()
_slots: tuple[int, threading.BoundedSemaphore] | None = None


def _document_slots() -> threading.BoundedSemaphore:
    global _slots
    wanted = parse_workers()
    with _slots_lock:
        if _slots is None or _slots[0] != wanted:
            _slots = (wanted, threading.BoundedSemaphore(wanted))
        return _slots[1]


def parse_batch(batch: Batch, *, force: bool = False, context: RunContext = NO_CONTEXT) -> Batch:
    """Extract and parse the batch's documents from the raw zone, skipping bytes the lake already holds
    as a report made by this parser and extractor (unless `force`). Never raises for a bad document.

    The documents are handled in budget worker processes, `parse_workers()` at once: this process only
    waits for them, so it does not take the CPU turn (CPU_LOCK) — validating and writing the batches
    before this one go on meanwhile, on another core."""
    return _parse_batch(batch, force=force, context=context)


def _known_current(record: DocumentRecord) -> bool:
    prior = record.prior
    return bool(prior and prior.current and prior.sha256 == record.sha256)


def _parse_batch(batch: Batch, *, force: bool, context: RunContext) -> Batch:
    store = lake_store(batch.lake)
    records = [
        dataclasses.replace(r, outcomes=dict(r.outcomes), problems=list(r.problems), events=list(r.events))
        for r in batch.records
    ]
    todo = [r for r in records if r.outcomes.get("fetch") != "failed" and r.sha256]
    known = (
        {} if force else known_reports(store, [r.sha256 for r in todo if r.sha256 and not _known_current(r)])
    )
    first: dict[str, DocumentRecord] = {}  # report_id → the record whose bytes are parsed
    again: list[DocumentRecord] = []  # the same bytes listed twice (two URLs): parsed once
    for record in todo:
        assert record.sha256 is not None and record.report_id is not None
        if not force and (_known_current(record) or is_current(known.get(record.sha256))):
            record.outcomes["parse"] = "skipped"
        elif record.report_id in first:
            again.append(record)
        else:
            first[record.report_id] = record
    chosen = list(first.values())
    slots = _document_slots()

    def one(record: DocumentRecord) -> bool:
        with slots:
            return _parse_stored(store, record)

    workers = min(parse_workers(), len(chosen))
    if workers > 1:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="parse") as pool:
            done = dict(zip([r.report_id for r in chosen], pool.map(one, chosen), strict=True))
    else:
        done = {r.report_id: one(r) for r in chosen}
    for record in again:
        if done.get(record.report_id):
            record.outcomes["parse"] = "skipped"
        else:  # its bytes were missing: so they are for this record too
            _parse_stored(store, record)
    for record in records:
        record.events = context.stamp(record.events)
    return Batch(batch.lake, records)


def _parse_stored(store: Store, record: DocumentRecord) -> bool:
    """Parse a record from its archived bytes; False when they are missing (the record then says so)."""
    assert record.sha256 is not None
    started = now_iso()
    try:
        data = read_raw(store, record.sha256)
    except KeyError:
        record.fail(
            "extract",
            "raw_missing",
            f"archived bytes missing for {record.source} ({record.sha256[:12]}); run again with --force",
        )
        record.event("extract", "failed", started, now_iso(), error="raw document missing from the lake")
        return False
    parse_record(record, data)
    return True
