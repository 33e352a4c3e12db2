"""Run the Great Expectations suites over a batch of reports; give each report a status and failing cells.

Library API: `validate_reports(reports, store)` → `ValidationOutcome`. Builds one frame per lake
table (frames.py), validates each against its suite from expectations/*.json in an ephemeral GX
context (no GX project on disk, no network), turns every unexpected line into a `CheckFailure`
naming the cell, and builds this run's Data Docs (HTML) — uploaded into the lake under
``data_docs/<run_id>/`` so they live next to the data they describe.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import tempfile
import threading
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.compute as pc

from gongkai import forms
from gongkai.clock import new_run_id, now, now_iso
from gongkai.lake import log
from gongkai.lake.rows import agency_id_for
from gongkai.lake.store import Store
from gongkai.lake.writer import read_matching
from gongkai.model import LineageEvent, Report, report_id_for
from gongkai.outcome import CheckFailure, ReportOutcome, ValidationOutcome, status_for
from gongkai.settings import get_settings
from gongkai.validate import frames
from gongkai.validate.checks import EXPECTATIONS_DIR, SUITE_TABLES, suites

DOCS_PREFIX = "data_docs/"
# GX's context is not thread-safe: one validation at a time per process (a batch takes ~0.1–1 s)
_GX_LOCK = threading.RLock()
_ROW_LABELS = {k.key: k.label for rows in forms.APPLICATION_ROWS.values() for k in rows}
_ROW_LABELS[forms.OTHER_HANDLING.key] = forms.OTHER_HANDLING.label
_COLUMN_LABELS = {k.key: k.label for k in forms.APPLICANT_COLUMNS}
_BLOCK_LABELS = {b.key: b.label for b in forms.REVIEW_BLOCKS}


def load_suites(directory: Path | None = None) -> dict[str, dict[str, Any]]:
    """The suites as stored in expectations/ (or $GONGKAI_EXPECTATIONS); generated from the forms if absent."""
    directory = Path(directory or get_settings().expectations or EXPECTATIONS_DIR)
    generated = suites()
    out = {}
    for name in SUITE_TABLES:
        path = directory / f"{name}.json"
        out[name] = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else generated[name]
    return out


class _Gx:
    """One ephemeral GX context per process: importing GX costs seconds, validating a batch ~0.1 s."""

    _instance: _Gx | None = None

    def __init__(self) -> None:
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        for name in ("great_expectations", "great_expectations.core", "great_expectations.data_context"):
            logging.getLogger(name).setLevel(logging.ERROR)
        self.gx = gx
        self.context = gx.get_context(mode="ephemeral")
        with contextlib.suppress(Exception):
            self.context.variables.progress_bars = ProgressBarsConfig(
                globally=False, metric_calculations=False
            )
        with contextlib.suppress(Exception):
            self.context.delete_data_docs_site(
                "local_site"
            )  # default site writes to a temp dir on every build
        self.source = self.context.data_sources.add_pandas("gongkai")
        self.batch_definitions: dict[str, Any] = {}

    @classmethod
    def get(cls) -> _Gx:
        if cls._instance is None:
            cls._instance = _Gx()
        return cls._instance

    def batch_definition(self, table: str) -> Any:
        if table not in self.batch_definitions:
            asset = self.source.add_dataframe_asset(table)
            self.batch_definitions[table] = asset.add_batch_definition_whole_dataframe(table)
        return self.batch_definitions[table]

    def validate(self, suite_dict: dict[str, Any], frame: pd.DataFrame, run_id: str) -> Any:
        from great_expectations.core import ExpectationSuite

        gx = self.gx
        name = suite_dict["name"]
        suite = ExpectationSuite(
            name=name, expectations=suite_dict["expectations"], meta=suite_dict.get("meta")
        )
        with contextlib.suppress(Exception):
            self.context.suites.delete(name)
        suite = self.context.suites.add(suite)
        vd_name = f"{name}-{run_id}"
        definition = self.context.validation_definitions.add(
            gx.ValidationDefinition(name=vd_name, data=self.batch_definition(name), suite=suite)
        )
        try:
            return definition.run(
                batch_parameters={"dataframe": frame},
                result_format={
                    "result_format": "COMPLETE",
                    "unexpected_index_column_names": frames.INDEX_COLUMNS,
                },
                run_id=self._run_id(run_id),
            )
        finally:
            with contextlib.suppress(Exception):
                self.context.validation_definitions.delete(vd_name)

    def _run_id(self, run_id: str) -> Any:
        from great_expectations.core.run_identifier import RunIdentifier

        # the run time is given, and the name can never be read as a date (GX parses a name that looks
        # like one, and a stamp such as 20240101T000000-123456 makes an offset of 1234:56 hours)
        return RunIdentifier(run_name=gx_run_name(run_id), run_time=now())

    def build_docs(self, directory: Path, run_id: str) -> Path:
        """Data Docs for this run's results only, in `directory`; returns index.html."""
        site = f"run-{uuid.uuid4().hex[:8]}"
        self.context.add_data_docs_site(
            site_name=site,
            site_config={
                "class_name": "SiteBuilder",
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(directory),
                },
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            },
        )
        store: Any = self.context.validation_results_store  # GX types its keys loosely
        ids: Any = [
            k for k in store.list_keys() if getattr(k.run_id, "run_name", None) == gx_run_name(run_id)
        ]
        try:
            self.context.build_data_docs(site_names=[site], resource_identifiers=ids)
        finally:
            with contextlib.suppress(Exception):
                self.context.delete_data_docs_site(site)
            for key in ids:  # results live in memory; a long-running process must not pile them up
                with contextlib.suppress(Exception):
                    store.remove_key(key)
        return directory / "index.html"


def _number(value: Any) -> str | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    if number != number:  # NaN
        return None
    return f"{number:g}" if not number.is_integer() else str(int(number))


def _expected_text(etype: str, kwargs: dict[str, Any]) -> str:
    if etype == "expect_column_values_to_be_in_set":
        values = kwargs.get("value_set", [])
        return f"one of {len(values)} allowed keys" if len(values) > 8 else ", ".join(map(str, values))
    if etype == "expect_column_values_to_be_between":
        lo, hi = kwargs.get("min_value"), kwargs.get("max_value")
        if lo is not None and hi is not None:
            return f"{_number(lo)}" if lo == hi else f"between {_number(lo)} and {_number(hi)}"
        return f">= {_number(lo)}" if lo is not None else f"<= {_number(hi)}"
    if etype == "expect_column_values_to_match_regex":
        return f"matches {kwargs.get('regex')}"
    if etype == "expect_column_values_to_not_be_null":
        return "a value"
    return etype


def failures_from_result(result: Any, frame: pd.DataFrame) -> list[CheckFailure]:
    """Each unexpected line of a suite's result → a CheckFailure naming its cell, with expected/observed."""
    out: list[CheckFailure] = []
    for er in result.results:
        if er.success:
            continue
        config = er.expectation_config
        meta = config.meta or {}
        kwargs = config.kwargs
        severity = (
            "error" if str(getattr(config.severity, "value", config.severity)) == "critical" else "warning"
        )
        check = meta.get("check", config.type)
        table = meta.get("table", "")
        exception = (er.exception_info or {}).get("exception_message") if er.exception_info else None
        index_list = (er.result or {}).get("unexpected_index_list") or []
        if exception or not index_list:
            # the expectation could not run or gave no rows: a failure of the batch, reported on every report
            for rid in frame["report_id"].dropna().unique():
                out.append(
                    CheckFailure(
                        rid,
                        check,
                        table,
                        None,
                        None,
                        None,
                        None,
                        severity,
                        f"check {check} could not be evaluated: {exception or 'no rows returned'}",
                        config.type,
                    )
                )
            continue
        for item in index_list:
            rid = item.get("report_id")
            row = item.get("row") or meta.get("anchor_row")
            column = item.get("column") or meta.get("anchor_column")
            detail = None
            if meta.get("detail_column"):
                detail = _lookup(frame, item, meta["detail_column"])
            if config.type == "expect_multicolumn_sum_to_equal":
                observed_col = meta["observed_column"]
                parts = [c for c in kwargs["column_list"] if c != observed_col]
                # the observed cell is stored negated ("..._neg_...") or plain; the rest sum to its expectation
                negated = "_neg_" in observed_col
                others = sum(float(item[p]) for p in parts)
                observed_value = float(item[observed_col])
                expected = _number(others if negated else -others)
                observed = _number(-observed_value if negated else observed_value)
            else:
                observed = _number(item.get(kwargs.get("column")))
                expected = _expected_text(config.type, kwargs)
            block = (column or "").rsplit("_", 1)[0] if table == "review_litigation" else None
            fields = {
                "observed": observed,
                "expected": expected,
                "detail": detail,
                "row": row,
                "column": column,
                "row_label": _ROW_LABELS.get(row or "", row),
                "column_label": _COLUMN_LABELS.get(column or "", column),
                "block_label": _BLOCK_LABELS.get(block or "", block),
            }
            try:
                message = meta.get("message", check).format(**fields)
            except (KeyError, IndexError, ValueError):
                message = meta.get("message", check)
            out.append(
                CheckFailure(
                    rid, check, table, row, column, expected, observed, severity, message, config.type
                )
            )
    return out


def _lookup(frame: pd.DataFrame, item: Mapping[str, Any], column: str) -> str | None:
    if column in item:
        value = item[column]
    else:
        mask = frame["report_id"] == item.get("report_id")
        for key in ("row", "column"):
            mask &= (frame[key] == item.get(key)) if item.get(key) is not None else frame[key].isna()
        values = frame.loc[mask, column].dropna()
        value = values.iloc[0] if len(values) else None
    return None if value is None or (isinstance(value, float) and value != value) else str(value)


def previous_year_values(
    store: Store | None, reports: Sequence[Report], agencies: Mapping[str, str | None]
) -> dict[tuple[str, int, str], frames.Previous]:
    """结转下年度 of the year before each report, for the same agency: from the batch, else the lake.

    Of several versions of last year's report the newest ingested that is not `failed` counts; a
    version in this batch wins over the lake.
    """
    wanted: set[tuple[str, int]] = set()
    for report in reports:
        agency = agencies.get(report_id_for(report.sha256))
        if agency and isinstance(report.report_year, int):
            wanted.add((agency, report.report_year - 1))
    found: dict[tuple[str, int, str], frames.Previous] = {}
    if store is not None and wanted:
        found.update(_previous_from_lake(store, wanted))
    for report in reports:
        rid = report_id_for(report.sha256)
        agency = agencies.get(rid)
        if (
            not agency
            or not isinstance(report.report_year, int)
            or (agency, report.report_year) not in wanted
        ):
            continue
        for column in forms.APPLICANT_KEYS:
            cell = report.applications.get((forms.CROSS_YEAR.previous_row, column))
            if cell is not None and cell.value is not None:
                found[(agency, report.report_year, column)] = frames.Previous(float(cell.value), rid)
    return found


def _previous_from_lake(
    store: Store, wanted: set[tuple[str, int]]
) -> dict[tuple[str, int, str], frames.Previous]:
    # validation runs beside other batches' writes, whose compactions delete the files a state names
    return log.read_consistently(
        store, lambda state: _previous_in(store, state, wanted), "last year's 结转下年度"
    )


def _previous_in(
    store: Store, state: log.LakeState, wanted: set[tuple[str, int]]
) -> dict[tuple[str, int, str], frames.Previous]:
    agencies = pc.cast(sorted({a for a, _ in wanted}), "string")
    years = sorted({y for _, y in wanted})
    chosen: dict[tuple[str, int], tuple[str, Any]] = {}  # (agency, year) -> (report_id, ingested_at)
    # a year's partitions hold every agency's rows: read a batch at a time, keeping only those wanted
    for year in years:
        for key in state.partition_files("reports", year):
            for t in read_matching(
                store,
                state,
                key,
                ["report_id", "agency_id", "status", "ingested_at"],
                lambda t: pc.and_(
                    pc.is_in(t["agency_id"], value_set=agencies), pc.not_equal(t["status"], "failed")
                ),
            ):
                for row in t.to_pylist():
                    k = (row["agency_id"], year)
                    if k in wanted and (k not in chosen or row["ingested_at"] > chosen[k][1]):
                        chosen[k] = (row["report_id"], row["ingested_at"])
    found: dict[tuple[str, int, str], frames.Previous] = {}
    by_report = {rid: k for k, (rid, _) in chosen.items()}
    report_ids = pc.cast(sorted(by_report), "string")
    for year in years:
        for key in state.partition_files("applications", year):
            for t in read_matching(
                store,
                state,
                key,
                ["report_id", "row", "applicant", "value"],
                lambda t: pc.and_(
                    pc.is_in(t["report_id"], value_set=report_ids),
                    pc.equal(t["row"], forms.CROSS_YEAR.previous_row),
                ),
            ):
                for row in t.to_pylist():
                    agency, y = by_report[row["report_id"]]
                    if row["value"] is not None:
                        found[(agency, y, row["applicant"])] = frames.Previous(
                            float(row["value"]), row["report_id"]
                        )
    return found


def gx_run_name(run_id: str) -> str:
    """The run's name in Great Expectations (and in its Data Docs paths): never date-like."""
    return f"gongkai-{run_id}"


def validate_reports(
    reports: Sequence[Report],
    store: Store | None = None,
    *,
    agencies: Mapping[str, str] | None = None,
    lineage: Sequence[LineageEvent] = (),
    run_id: str | None = None,
    docs: bool = True,
    docs_dir: Path | None = None,
    suites_dir: Path | None = None,
) -> ValidationOutcome:
    """Validate a batch of reports with the GX suites; returns each report's status and failing cells.

    - `store`: the lake, for the cross-year check (last year's 结转下年度 of the same agency) and to
      keep the Data Docs (``data_docs/<run_id>/index.html``); None skips both.
    - `agencies`: report_id or sha256 → agency slug; default: the slug of the printed agency name.
    - `lineage`: events to check with the lineage suite (unknown stages/statuses, time order).
    - `docs`: build Data Docs; `docs_dir` keeps a local copy there (else a temporary folder).
    Never raises for bad reports: their problems become failures and statuses.
    """
    run_id = run_id or new_run_id()
    given = agencies or {}
    unique: dict[str, Report] = {}
    for report in reports:
        unique[report_id_for(report.sha256)] = report
    batch = list(unique.values())
    agency_ids = {rid: agency_id_for(r, given.get(rid) or given.get(r.sha256)) for rid, r in unique.items()}
    today = now().date()
    previous = previous_year_values(store, batch, agency_ids)
    frame_by_table = {
        "reports": frames.reports_frame(batch, agency_ids, today),
        "active_disclosure": frames.active_frame(batch),
        "applications": frames.applications_frame(batch, agency_ids, previous),
        "review_litigation": frames.review_frame(batch),
        "historical_figures": frames.historical_frame(batch),
        "lineage": frames.lineage_frame(list(lineage)),
    }
    with _GX_LOCK:
        return _validate(unique, agency_ids, frame_by_table, run_id, store, docs, docs_dir, suites_dir)


def _validate(
    unique: dict[str, Report],
    agency_ids: dict[str, str | None],
    frame_by_table: dict[str, pd.DataFrame],
    run_id: str,
    store: Store | None,
    docs: bool,
    docs_dir: Path | None,
    suites_dir: Path | None,
) -> ValidationOutcome:
    gx = _Gx.get()
    stored = load_suites(suites_dir)
    outcome = ValidationOutcome(run_id=run_id, validated_at=now_iso("seconds"))
    failures: list[CheckFailure] = []
    results = []
    with _quiet():
        for table, frame in frame_by_table.items():
            result = gx.validate(stored[table], frame, run_id)
            results.append(result)
            outcome.suite_results[table] = bool(result.success)
            failures.extend(failures_from_result(result, frame))
        # the results themselves are a lake table with a suite of their own
        result_rows = [f.__dict__ for f in failures]
        vr_frame = frames.validation_results_frame(result_rows)
        result = gx.validate(stored["validation_results"], vr_frame, run_id)
        results.append(result)
        outcome.suite_results["validation_results"] = bool(result.success)
        failures.extend(failures_from_result(result, vr_frame))
    by_report: dict[str, list[CheckFailure]] = {rid: [] for rid in unique}
    for failure in failures:
        if failure.report_id in by_report:
            by_report[failure.report_id].append(failure)
    for rid, report in unique.items():
        found = _dedupe(by_report[rid])
        outcome.reports[rid] = ReportOutcome(rid, agency_ids[rid], status_for(report, found), found)
    if docs:
        try:
            with _gx_errors() as errors:
                _build_docs(gx, outcome, store, docs_dir)
        except Exception as exc:  # the validation stands; only its pages are missing
            errors.append(f"{exc.__class__.__name__}: {exc!s:.200}")
        if errors:
            outcome.docs_warning = (
                f"the Data Docs of run {run_id} could not be rendered ({errors[0]}); the "
                "validation results are in the lake's validation_results table"
            )
    return outcome


@contextlib.contextmanager
def _gx_errors() -> Any:
    """Errors GX logs (with tracebacks, on stderr) while rendering Data Docs, collected as short reasons
    instead: a page that cannot be rendered is one warning of the run, not a traceback."""
    errors: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            message = record.getMessage()
            # GX's own form: '…Detailed information follows: ValueError: "offset must be …".  Traceback: "…"'
            found = re.search(r'(\w+(?:Error|Exception)): "(.*?)"\.\s+Traceback', message, re.S)
            if found:
                reason = f"{found.group(1)}: {found.group(2)[:200]}"
            elif record.exc_info and record.exc_info[1] is not None:
                reason = f"{record.exc_info[1].__class__.__name__}: {record.exc_info[1]!s:.200}"
            else:
                reason = (message.strip().splitlines() or ["unknown error"])[0][:200]
            errors.append(reason)

    logger = logging.getLogger("great_expectations")
    handler = Collect(level=logging.ERROR)
    propagate = logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield errors
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


def _dedupe(failures: list[CheckFailure]) -> list[CheckFailure]:
    seen: dict[tuple[Any, ...], CheckFailure] = {}
    for f in failures:
        seen.setdefault((f.check, f.table, f.row, f.column), f)
    return list(seen.values())


@contextlib.contextmanager
def _quiet() -> Any:
    """GX raises deprecation warnings from its own imports; the output of our commands is ours."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _build_docs(gx: _Gx, outcome: ValidationOutcome, store: Store | None, docs_dir: Path | None) -> None:
    """One Data Docs site per lake (``data_docs/``): each run adds its validation pages and its own index,
    ``data_docs/run-<run_id>.html``; ``index.html`` is the latest run's; static assets are uploaded once."""
    keep = docs_dir is not None
    directory = Path(docs_dir) if docs_dir is not None else Path(tempfile.mkdtemp(prefix="gongkai-docs-"))
    try:
        with _quiet():
            index = gx.build_docs(directory, outcome.run_id)
        run_page = index.with_name(f"run-{outcome.run_id}.html")
        run_page.write_bytes(index.read_bytes())
        if keep:
            outcome.docs_path = str(run_page)
            outcome.docs_uri = run_page.resolve().as_uri()
        if store is not None:
            static_done = store.exists(f"{DOCS_PREFIX}static/styles/data_docs_default_styles.css")
            for path in sorted(directory.rglob("*")):
                rel = path.relative_to(directory).as_posix()
                if not path.is_file() or (static_done and rel.startswith("static/")):
                    continue
                if rel.startswith("validations/") and f"/{gx_run_name(outcome.run_id)}/" not in rel:
                    continue  # earlier runs' pages (a kept local folder) are already in the lake
                store.put(DOCS_PREFIX + rel, path.read_bytes())
            outcome.docs_uri = store.url(f"{DOCS_PREFIX}run-{outcome.run_id}.html")
    finally:
        if not keep:
            import shutil

            shutil.rmtree(directory, ignore_errors=True)
