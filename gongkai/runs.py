"""What a run did, per agency: counts, status, problems — kept in the lake and shown to operators.

Plain data, no Prefect. The flows build a `RunSummary` from the batches they ran, publish it as
Prefect artifacts and store it as one JSON record per flow run under ``<lake>/runs/``; `gongkai status`
reads those records (the last run of each agency) together with the lake's ``reports`` table.

Statuses of an agency in a run:

- ``ok`` — every document found was brought in (fetched or known unchanged) and written;
- ``partial`` — some documents could not be had (fetch failed, a stage failed) but others were;
- ``failed`` — discovery failed, or no document could be had at all;
- ``none`` — discovery worked but listed no report for the year (not published yet, or not found).

Quarantined reports are data, not run failures: they are counted and listed as open problems.
Exit codes: 0 when no agency is partial or failed, 2 when nothing at all succeeded, else 1.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import ijson

from gongkai.clock import now
from gongkai.lake.store import Store, open_stream, put_parts

RUNS_PREFIX = "runs/"
# documents per task: per-batch costs (task runs, a validation's Data Docs) fall with size, memory grows
# with it (at most `max_in_flight` batches are held): 200 keeps a 10,000-report run under 1 GB
DEFAULT_BATCH_SIZE = 200
REPORT_STATUSES = ("valid", "warnings", "quarantined", "failed")
MAX_ERRORS_KEPT = 20  # per agency in a run record; counts stay exact


@dataclass(slots=True)  # a national run holds one per agency: no per-instance dict
class AgencyRun:
    """One agency in one run (one report year)."""

    agency_id: str
    year: int
    found: int = 0  # documents discovery listed
    fetched: int = 0  # downloaded and archived (new bytes, or bytes we did not hold)
    unchanged: int = 0  # not downloaded again: the server said 304, or the bytes were already archived
    fetch_failed: int = 0
    skipped: int = 0  # already in the lake with this parser and extractor: not parsed again
    parsed: int = 0
    written: int = 0  # reports whose rows were written or replaced
    stage_failed: int = 0  # documents lost to a stage that failed (after its retries)
    discovery_failed: bool = False  # no listing page could be read
    discovery_errors: int = 0  # listing pages that could not be read while others could
    statuses: dict[str, int] = field(default_factory=dict)  # report status -> count (this run's parses)
    problems: dict[str, int] = field(default_factory=dict)  # problem / check code -> count
    errors: list[str] = field(default_factory=list)  # what went wrong, for a person (bounded)
    quarantined_ids: list[str] = field(default_factory=list)

    @property
    def failures(self) -> int:
        return self.fetch_failed + self.stage_failed + self.discovery_errors

    @property
    def succeeded(self) -> int:
        return self.fetched + self.unchanged - self.stage_failed

    @property
    def status(self) -> str:
        if self.discovery_failed:
            return "failed"
        if self.found == 0 and self.failures == 0 and self.fetched + self.unchanged == 0:
            return "none"
        if self.failures == 0:
            return "ok"
        return "partial" if self.succeeded > 0 else "failed"

    def add_error(self, message: str) -> None:
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append(message)

    def merge(self, other: AgencyRun) -> None:
        for name in (
            "found",
            "fetched",
            "unchanged",
            "fetch_failed",
            "skipped",
            "parsed",
            "written",
            "stage_failed",
            "discovery_errors",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.discovery_failed = self.discovery_failed or other.discovery_failed
        # new dicts and lists (a merged run shares nothing with its parts), rebuilt only when `other` adds
        # to them: the totals of a 100,000-agency run merge each agency into one tally, and re-sorting
        # its quarantined ids every time made that quadratic (a minute at 100k)
        self.statuses = _added(self.statuses, other.statuses)
        self.problems = _added(self.problems, other.problems)
        for message in other.errors:
            self.add_error(message)
        if other.quarantined_ids or not self.quarantined_ids:
            self.quarantined_ids = sorted({*self.quarantined_ids, *other.quarantined_ids})
        else:
            self.quarantined_ids = list(self.quarantined_ids)


# Count dicts of merged tallies, one object per distinct content: a national run keeps a tally per agency,
# and 100,000 agencies' {"valid": 1} and problem counts were 100,000 dicts each (~35 MiB). Shared, they are
# never changed in place: `merge` (the only writer of a merged tally) replaces them.
_SHARED_COUNTS: dict[tuple[tuple[str, int], ...], dict[str, int]] = {}
_MAX_SHARED_COUNTS = 50_000


def _added(counts: dict[str, int], more: dict[str, int]) -> dict[str, int]:
    """counts + more (what dict(Counter(counts) + Counter(more)) gives, without the Counters), as the one
    shared dict of that content (see _SHARED_COUNTS)."""
    if not more and counts:
        return counts
    out = dict(counts)
    for key, value in more.items():
        # interned: the same few codes in every agency's tally, each a string of its own when it came
        # from a worker process
        key = sys.intern(key)
        out[key] = out.get(key, 0) + value
    out = {key: value for key, value in out.items() if value > 0}
    if len(_SHARED_COUNTS) >= _MAX_SHARED_COUNTS:
        return out
    return _SHARED_COUNTS.setdefault(tuple(sorted(out.items())), out)


def tally(agency_id: str, year: int) -> AgencyRun:
    return AgencyRun(agency_id=agency_id, year=year)


def merge_runs(parts: Iterable[AgencyRun]) -> list[AgencyRun]:
    """Add up partial tallies (one per batch) into one per (agency, year), sorted."""
    book = Tallies()
    book.extend(parts)
    return book.runs()


class Tallies:
    """Partial tallies added up as they come (a long run keeps one per agency, not one per batch)."""

    def __init__(self) -> None:
        self.merged: dict[tuple[str, int], AgencyRun] = {}

    def extend(self, parts: Iterable[AgencyRun]) -> None:
        for part in parts:
            key = (part.agency_id, part.year)
            if key not in self.merged:
                self.merged[key] = AgencyRun(agency_id=part.agency_id, year=part.year)
            self.merged[key].merge(part)

    def runs(self) -> list[AgencyRun]:
        return [self.merged[k] for k in sorted(self.merged)]


@dataclass
class RunSummary:
    """A whole run (one flow run: one year, or a backfill over several)."""

    run_id: str
    lake: str
    years: list[int]
    started_at: str
    ended_at: str | None = None
    flow_run_id: str | None = None
    kind: str = "ingest"  # ingest | backfill
    agencies: list[AgencyRun] = field(default_factory=list)
    data_docs: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # run-level problems (unknown agency slugs, …)

    @property
    def status(self) -> str:
        statuses = {a.status for a in self.agencies}
        if not self.agencies:
            return "failed" if self.notes else "ok"
        if statuses <= {"ok", "none"}:
            return "ok" if not self.notes else "partial"
        if statuses <= {"failed"}:
            return "failed"
        return "partial"

    @property
    def exit_code(self) -> int:
        return {"ok": 0, "partial": 1}.get(self.status, 2)

    def totals(self) -> AgencyRun:
        total = AgencyRun(agency_id="(all)", year=0)
        for agency in self.agencies:
            total.merge(agency)
        total.discovery_failed = False
        return total

    def to_json(self) -> dict[str, Any]:
        record = {**asdict(self), "status": self.status}
        return {name: record[name] for name in self.to_json_keys()}

    @classmethod
    def to_json_keys(cls) -> list[str]:
        """to_json's keys, in its order: the agencies last, so that a reader of the head (read_run_head)
        stops before them."""
        return [f.name for f in fields(cls) if f.name != "agencies"] + ["status", "agencies"]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RunSummary:
        data = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        agencies = [AgencyRun(**a) for a in data.pop("agencies", [])]
        return cls(**data, agencies=agencies)

    # ------------------------------------------------------------ presentation

    def table_rows(self, limit: int | None = None) -> list[dict[str, Any]]:
        """One row per agency and year: the run summary table (also the Prefect table artifact). With
        `limit`, at most that many: the agencies that need a look (failed, partial) first."""
        rows = []
        for a in self._shown(limit):
            rows.append(
                {
                    "agency": a.agency_id,
                    "year": a.year,
                    "status": a.status,
                    "found": a.found,
                    "fetched": a.fetched,
                    "unchanged": a.unchanged,
                    "fetch_failed": a.fetch_failed,
                    "parsed": a.parsed,
                    "skipped": a.skipped,
                    "written": a.written,
                    **{s: a.statuses.get(s, 0) for s in REPORT_STATUSES},
                    "problems": ", ".join(
                        f"{c}×{n}" for c, n in sorted(a.problems.items(), key=lambda kv: -kv[1])[:6]
                    ),
                }
            )
        return rows

    def _shown(self, limit: int | None) -> list[AgencyRun]:
        """At most `limit` agencies, those that need a look (failed, partial) first, each in its order."""
        if limit is None or len(self.agencies) <= limit:
            return self.agencies
        return sorted(self.agencies, key=lambda a: a.status in ("ok", "none"))[:limit]

    def markdown(self, limit: int | None = None) -> str:
        """The run as markdown; with `limit`, the table lists at most that many agencies (those that
        need a look first) and says how many it leaves out."""
        t = self.totals()
        shown = self._shown(limit)
        lines = [
            f"# gongkai {self.kind} run: {_years_text(self.years)} — **{self.status}**",
            "",
            f"Lake: `{self.lake}`  ",
            f"Run: `{self.run_id}`"
            + (f" (flow run `{self.flow_run_id}`)" if self.flow_run_id else "")
            + "  ",
            f"Started {self.started_at}, ended {self.ended_at or '—'}",
            "",
            f"{len(self.agencies)} agency-years; documents found {t.found}, fetched {t.fetched}, unchanged "
            f"{t.unchanged}, failed {t.failures}; reports parsed {t.parsed}, skipped (already in the lake) "
            f"{t.skipped}, written {t.written}; "
            + ", ".join(f"{s} {t.statuses.get(s, 0)}" for s in REPORT_STATUSES)
            + ".",
            "",
            "| agency | year | status | found | fetched | unchanged | failed | parsed | skipped | written "
            "| valid | warnings | quarantined | report failed |",
            "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for a in shown:
            lines.append(
                f"| {a.agency_id} | {a.year} | {a.status} | {a.found} | {a.fetched} | {a.unchanged} | "
                f"{a.failures} | {a.parsed} | {a.skipped} | {a.written} | "
                + " | ".join(str(a.statuses.get(s, 0)) for s in REPORT_STATUSES)
                + " |"
            )
        if len(shown) < len(self.agencies):
            hidden = len(self.agencies) - len(shown)
            lines.append(f"\n{hidden} more agencies not listed here: the run record lists every agency.")
        problems = [(a, msg) for a in self.agencies for msg in a.errors]
        if problems or self.notes or t.problems:
            lines += ["", "## Problems", ""]
            lines += [f"- {note}" for note in self.notes]
            lines += [f"- `{a.agency_id}` {a.year}: {msg}" for a, msg in problems]
            if t.problems:
                lines.append(
                    "- report problem codes: "
                    + ", ".join(f"`{c}`×{n}" for c, n in sorted(t.problems.items(), key=lambda kv: -kv[1]))
                )
        if self.data_docs:
            lines += ["", "## Data Docs", ""] + [f"- {uri}" for uri in self.data_docs]
        return "\n".join(lines) + "\n"


def _years_text(years: list[int]) -> str:
    if not years:
        return "no year"
    return str(years[0]) if len(years) == 1 else f"{min(years)}–{max(years)}"


def default_report_year(today: dt.date | None = None) -> int:
    """The report year being published now: reports on year Y are due by 31 January of Y+1
    (条例 第五十条), so it is last year in Beijing time."""
    if today is None:
        today = now().astimezone(dt.timezone(dt.timedelta(hours=8))).date()
    return today.year - 1


# ---------------------------------------------------------------- run records in the lake


def run_record_key(summary: RunSummary) -> str:
    return f"{RUNS_PREFIX}{summary.run_id}.json"


def save_run(store: Store, summary: RunSummary) -> str:
    """Store the run record (JSON) in the lake; returns its URI. Run ids sort by start time.

    Written agency by agency (`put_parts`): the record of a 100,000-agency run is ~35 MiB, which a run need
    not hold (twice, as bytes and their copy) at its end."""
    key = run_record_key(summary)
    put_parts(store, key, run_record_parts(summary))
    return store.url(key)


class _EachAsDict(list):  # type: ignore[type-arg]
    """The agencies for json's encoder, each made a dict only as it is written (see run_record_parts)."""

    def __init__(self, runs: list[AgencyRun]) -> None:
        super().__init__()
        self.runs = runs

    def __len__(self) -> int:
        return len(self.runs)

    def __iter__(self) -> Iterator[dict[str, Any]]:  # type: ignore[override]
        return (asdict(run) for run in self.runs)


def run_record_parts(summary: RunSummary) -> Iterator[bytes]:
    """The run record as JSON, the bytes json.dumps(summary.to_json(), indent=1) gives, made agency by
    agency: a copy of a 100,000-agency run as dicts, then as one string, took ~460 MiB at once."""
    record: dict[str, Any] = {
        name: _EachAsDict(summary.agencies)
        if name == "agencies"
        else summary.status
        if name == "status"
        else getattr(summary, name)
        for name in summary.to_json_keys()
    }
    encoder = json.JSONEncoder(ensure_ascii=False, indent=1)
    for chunk in encoder.iterencode(record):
        yield chunk.encode()


def read_run_head(store: Store, key: str) -> dict[str, Any]:
    """A run record's fields but its agencies (run_id, kind, years, status, started_at, ended_at, …), read
    as a stream: a national run's record is ~35 MiB, nearly all of it agencies. Records put the agencies
    last (to_json_keys), so the read stops there; an older record is read past them, never held.
    KeyError if missing, ValueError if it is not a run record."""
    head: dict[str, Any] = {}
    name: str | None = None
    builder: ijson.ObjectBuilder | None = None
    try:
        with open_stream(store, key) as stream:
            for prefix, event, value in ijson.parse(stream, use_float=True):
                if prefix:  # inside the value of the top-level key `name`
                    if builder is not None:
                        builder.event(event, value)
                    continue
                if name is not None and builder is not None:
                    head[name] = builder.value
                if event != "map_key":
                    continue
                if value == "agencies" and "status" in head:
                    break
                name, builder = value, None if value == "agencies" else ijson.ObjectBuilder()
    except ijson.JSONError as exc:
        raise ValueError(f"{key}: not JSON ({exc})") from exc
    if not isinstance(head.get("run_id"), str):
        raise ValueError(f"{key}: not a run record")
    return head


def _run_order(head: dict[str, Any]) -> tuple[str, bool]:
    # timestamps have whole seconds: a backfill ending in the second its last year ended still comes first
    return (head.get("ended_at") or head.get("started_at") or "", head.get("kind") == "backfill")


def run_heads(store: Store, *, limit: int | None = 500) -> list[tuple[str, dict[str, Any]]]:
    """(key, head) of the run records, the most recently finished first (the newest `limit` by start);
    unreadable records are skipped. A backfill's record finishes after its years' records, so it counts
    as their last run."""
    keys = [k for k in store.list(RUNS_PREFIX) if k.endswith(".json")]
    keys.sort(reverse=True)  # run ids start with their start time
    heads = []
    for key in keys[:limit] if limit else keys:
        try:
            heads.append((key, read_run_head(store, key)))
        except (KeyError, ValueError):
            continue
    heads.sort(key=lambda kh: _run_order(kh[1]), reverse=True)
    return heads


def iter_runs(store: Store, *, limit: int | None = 500) -> Iterator[RunSummary]:
    """The run records in run_heads' order, one at a time: a lake of national runs holds 100,000
    agencies in each, which no reader should hold all at once."""
    for key, _head in run_heads(store, limit=limit):
        try:
            with open_stream(store, key) as stream:
                yield RunSummary.from_json(json.load(stream))
        except (KeyError, ValueError, TypeError):
            continue


def load_runs(store: Store, *, limit: int | None = 500) -> list[RunSummary]:
    """iter_runs as a list (for a few runs: tests, small lakes)."""
    return list(iter_runs(store, limit=limit))


# ---------------------------------------------------------------- progress (for people and for logs)

ProgressListener = Callable[[str, int, int, int], None]  # (what, done, total, failed so far)
_listeners: list[ProgressListener] = []


def add_progress_listener(listener: ProgressListener) -> Callable[[], None]:
    """Register a listener for progress of long work; returns a function that removes it."""
    _listeners.append(listener)
    return lambda: _listeners.remove(listener) if listener in _listeners else None


def report_progress(what: str, done: int, total: int, failed: int = 0) -> None:
    for listener in list(_listeners):
        listener(what, done, total, failed)


def duration_text(seconds: float) -> str:
    """95 → '1m35s', 4000 → '1h06m', 7 → '7s'."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


def rate_text(per_second: float) -> str:
    """12.3/s, or 2.4/min for work slower than one a second."""
    return f"{per_second:.1f}/s" if per_second >= 1 else f"{per_second * 60:.1f}/min"


@dataclass
class _Track:
    started: float
    start_done: int
    logged_at: float
    logged_done: int
    total: int


class ProgressLog:
    """Progress as log lines, for where no one watches a bar (piped, cron, a Prefect worker): a line when
    a kind of work starts and ends, and between, every `every_items` items or `every_seconds` — done/total,
    rate, ETA and failures so far. `emit` takes the line (a logger's info, a print to stderr)."""

    def __init__(
        self,
        emit: Callable[[str], None],
        *,
        every_items: int = 100,
        every_seconds: float = 30.0,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.emit, self.every_items, self.every_seconds = emit, max(1, every_items), every_seconds
        self.clock = clock or time.monotonic
        self._tracks: dict[str, _Track] = {}

    def __call__(self, what: str, done: int, total: int, failed: int = 0) -> None:
        now_s = self.clock()
        track = self._tracks.get(what)
        # a new round of the same work (the next year of a backfill): counted afresh. Within a round the
        # total may grow (a flow plans documents as discovery finds them): the same round, a new total
        if track is None or total < track.total or done < track.logged_done:
            self._tracks[what] = _Track(now_s, done, now_s, done, total)
            self.emit(self.line(what, done, total, failed, None))
            return
        finished = done >= total and track.logged_done < total
        track.total = total
        due = done - track.logged_done >= self.every_items or (
            now_s - track.logged_at >= self.every_seconds and done != track.logged_done
        )
        if finished or due:
            track.logged_at, track.logged_done = now_s, done
            elapsed = now_s - track.started
            rate = (done - track.start_done) / elapsed if elapsed > 0 else None
            self.emit(self.line(what, done, total, failed, rate, elapsed if finished else None))

    @staticmethod
    def line(
        what: str, done: int, total: int, failed: int, rate: float | None, took: float | None = None
    ) -> str:
        parts = [f"{what} {done}/{total}" + (f" ({done * 100 // total}%)" if total else "")]
        if rate:
            parts.append(rate_text(rate))
            if took is None and total > done:
                parts.append(f"ETA {duration_text((total - done) / rate)}")
        if took is not None:
            parts.append(f"done in {duration_text(took)}")
        parts.append(f"{failed} failed")
        return " · ".join(parts)
