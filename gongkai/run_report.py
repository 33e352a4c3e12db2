"""The pages a person opens after a run, all self-contained and readable offline (no script, font, style
sheet or image from anywhere else):

- **the run report**, ``runs/<run_id>.html``: counts per report status and per year as inline SVG charts,
  the run's table per agency, and every quarantined or failed report with its agency, year, source URL,
  the failing cells with the text printed in them, and a relative link to its raw document;
- **the Data Docs index**, ``data_docs/index.html``: every run report and every Great Expectations
  validation page, by batch, newest first. GX's own index draws its list with scripts from CDNs (a blank
  page offline), so ours replaces it, and ``data_docs/run-<batch>.html`` (GX's index of one batch) is
  replaced by a page listing that batch's validation pages;
- GX's validation pages are kept with their content (server-rendered tables) but without the tags that
  load scripts, style sheets and images from CDNs, and with a small inline style instead.

Plain Python over the lake (no Prefect); `write_run_pages` is what a run calls when it ends.
"""

from __future__ import annotations

import contextlib
import html
import json
import posixpath
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any
from urllib.parse import unquote

from gongkai.lake.raw import raw_key
from gongkai.lake.store import Store, put_parts
from gongkai.runs import REPORT_STATUSES, RUNS_PREFIX, RunSummary, read_run_head

DOCS_PREFIX = "data_docs/"
VALIDATIONS_PREFIX = f"{DOCS_PREFIX}validations/"
STATUS_COLOURS = {"valid": "#2e7d32", "warnings": "#f9a825", "quarantined": "#ef6c00", "failed": "#c62828"}
MAX_REPORTS_SHOWN = 1000  # quarantined or failed reports with a section on a run's page (failed first)
MAX_BATCHES_INDEXED = 300  # the index lists the newest batches' pages; older ones stay in validations/
CLEANED_MARK = "<!-- gongkai: offline -->"

STYLE = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "Noto Sans CJK SC", sans-serif;
       margin: 1.5em auto; max-width: 72em; padding: 0 1em; color: #222; }
h1 { font-size: 1.5em; margin-bottom: .2em; } h2 { font-size: 1.2em; margin-top: 1.6em; }
table { border-collapse: collapse; margin: .5em 0; } th, td { border: 1px solid #ccc; padding: .2em .5em; }
th { background: #f2f2f2; text-align: left; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
code { font-size: .95em; word-break: break-all; } .muted { color: #666; }
td:first-child, td:first-child code { white-space: nowrap; word-break: normal; }
.status-valid { color: #2e7d32; } .status-warnings { color: #a07800; }
.status-quarantined { color: #ef6c00; } .status-failed, .status-partial { color: #c62828; }
.report { border: 1px solid #ddd; border-radius: 4px; padding: .5em 1em; margin: .8em 0; }
"""


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _page(title: str, body: str, *, style: str = STYLE) -> str:
    return f"{_page_head(title, style=style)}{body}{_PAGE_TAIL}"


def _page_head(title: str, *, style: str = STYLE) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{_e(title)}</title>'
        f"<style>{style}</style></head>\n<body>\n"
    )


_PAGE_TAIL = "\n</body></html>\n"


# ---------------------------------------------------------------- charts (inline SVG)


def status_chart(counts: dict[str, int]) -> str:
    """Horizontal bars, one per report status, with the count at the end."""
    top = max([*counts.values(), 1])
    rows = []
    for i, status in enumerate(REPORT_STATUSES):
        n = counts.get(status, 0)
        width = 0 if not n else max(2, round(300 * n / top))
        y = 8 + i * 26
        rows.append(
            f'<text x="100" y="{y + 14}" text-anchor="end">{status}</text>'
            f'<rect x="108" y="{y}" width="{width}" height="18" fill="{STATUS_COLOURS[status]}"/>'
            f'<text x="{114 + width}" y="{y + 14}">{n}</text>'
        )
    height = 16 + 26 * len(REPORT_STATUSES)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="480" height="{height}" role="img" '
        f'aria-label="reports per status" font-size="13">{"".join(rows)}</svg>'
    )


def year_chart(per_year: dict[int, dict[str, int]]) -> str:
    """Stacked columns, one per report year, coloured by status, with the year's total above."""
    years = sorted(per_year)
    if not years:
        return '<p class="muted">no reports</p>'
    totals = {y: sum(per_year[y].values()) for y in years}
    top = max([*totals.values(), 1])
    step, plot = 56, 180
    parts = []
    for i, year in enumerate(years):
        x, base = 40 + i * step, 20 + plot
        for status in REPORT_STATUSES:
            n = per_year[year].get(status, 0)
            if not n:
                continue
            h = max(1, round(plot * n / top))
            base -= h
            parts.append(
                f'<rect x="{x}" y="{base}" width="36" height="{h}" fill="{STATUS_COLOURS[status]}">'
                f"<title>{year} {status}: {n}</title></rect>"
            )
        parts.append(f'<text x="{x + 18}" y="{base - 4}" text-anchor="middle">{totals[year]}</text>')
        parts.append(f'<text x="{x + 18}" y="{plot + 38}" text-anchor="middle">{year or "?"}</text>')
    legend = "".join(
        f'<rect x="{40 + j * 110}" y="{plot + 50}" width="12" height="12" fill="{STATUS_COLOURS[s]}"/>'
        f'<text x="{56 + j * 110}" y="{plot + 61}">{s}</text>'
        for j, s in enumerate(REPORT_STATUSES)
    )
    width = max(480, 60 + step * len(years))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{plot + 70}" role="img" '
        f'aria-label="reports per year and status" font-size="12">{"".join(parts)}{legend}</svg>'
    )


# ---------------------------------------------------------------- the run report


def _rows(
    store: Store,
    table: str,
    report_ids: set[str],
    columns: list[str],
    years: set[int],
    keep: Callable[[dict[str, Any]], bool] | None = None,
) -> list[dict[str, Any]]:
    """The table's rows of these reports in the latest commit (those `keep` wants, if given), reading only
    the partitions of `years` (and of the unknown year), only the columns asked for, and a batch of rows
    at a time: a year's `applications` is ~100 rows a report, millions at national scale, and reading the
    quarantined reports' rows at once held ~500 MiB at 20,000 reports."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from gongkai.lake.reader import dataset, table_keys
    from gongkai.lake.schemas import PARTITION_COLUMN, TABLES, UNKNOWN_YEAR
    from gongkai.lake.writer import SCAN_BATCH_ROWS

    if not report_ids or not table_keys(store, table):
        return []
    wanted = pc.field("report_id").isin(pa.array(sorted(report_ids)))
    if years:
        wanted &= pc.field(PARTITION_COLUMN).isin(pa.array(sorted({*years, UNKNOWN_YEAR}), pa.int32()))
    names = TABLES[table].dataset_schema.names
    batches = dataset(store, table).to_batches(
        columns=[c for c in columns if c in names],
        filter=wanted,
        batch_size=SCAN_BATCH_ROWS,
        batch_readahead=0,
        fragment_readahead=0,
        use_threads=False,
    )
    return [row for batch in batches for row in batch.to_pylist() if keep is None or keep(row)]


def _printed_cells(
    store: Store, failures: Iterable[dict[str, Any]], years: set[int]
) -> dict[tuple[str, str, str | None, str | None], str]:
    """(report_id, table, row_key, column_key) → the cell's text as printed, for the cells the failures
    name (applications: row × applicant; active_disclosure: item × metric; review_litigation: key)."""
    named: set[tuple[str, str, str | None, str | None]] = set()
    for failure in failures:
        rid, table, row, column = (
            failure.get(k) for k in ("report_id", "table_name", "row_key", "column_key")
        )
        named.update({(rid, table, row, column), (rid, table, None, column)})  # as _printed looks them up

    def read(table: str, columns: list[str], key: Callable[[dict[str, Any]], tuple]) -> None:
        ids = {k[0] for k in named if k[1] == table}
        for row in _rows(store, table, ids, [*columns, "raw"], years, keep=lambda r: key(r) in named):
            cells[key(row)] = row["raw"]

    cells: dict[tuple[str, str, str | None, str | None], str] = {}
    read(
        "applications",
        ["report_id", "row", "applicant"],
        lambda r: (r["report_id"], "applications", r["row"], r["applicant"]),
    )
    read(
        "active_disclosure",
        ["report_id", "item", "metric"],
        lambda r: (r["report_id"], "active_disclosure", r["item"], r["metric"]),
    )
    read(
        "review_litigation",
        ["report_id", "key"],
        lambda r: (r["report_id"], "review_litigation", None, r["key"]),
    )
    return cells


def _printed(
    cells: dict[tuple[str, str, str | None, str | None], str], failure: dict[str, Any]
) -> str | None:
    rid, table, row, column = (failure.get(k) for k in ("report_id", "table_name", "row_key", "column_key"))
    for key in ((rid, table, row, column), (rid, table, None, column)):
        if key in cells:
            return cells[key]  # type: ignore[index]
    return None


def _report_section(
    store: Store,
    report: dict[str, Any],
    failures: Sequence[dict[str, Any]],
    cells: dict[tuple[str, str, str | None, str | None], str],
    up: str,
) -> str:
    rid, sha = report.get("report_id"), report.get("sha256") or ""
    raw = raw_key(sha) if sha else None
    raw_link = (
        f'<a href="{_e(up + raw)}">raw document</a> <span class="muted">({_e(report.get("media_type"))})</span>'
        if raw and store.exists(raw)
        else '<span class="muted">raw document not in this lake</span>'
    )
    head = (
        f'<div class="report" id="report-{_e(rid)}"><h3><span class="status-{_e(report.get("status"))}">'
        f"{_e(report.get('status'))}</span> · {_e(report.get('agency_id') or '(agency unknown)')} · "
        f"{_e(report.get('report_year') or 'year unknown')} · <code>{_e(rid)}</code></h3>"
        f"<p>{_e(report.get('agency_name') or '')}<br>source: <code>{_e(report.get('source_url'))}</code>"
        f"<br>{raw_link}</p>"
    )
    rows = []
    for f in sorted(failures, key=lambda f: (f.get("severity") != "error", f.get("check_name") or "")):
        cell = "·".join(str(k) for k in (f.get("row_key"), f.get("column_key")) if k)
        printed = _printed(cells, f)
        rows.append(
            f"<tr><td>{_e(f.get('severity'))}</td><td><code>{_e(f.get('check_name'))}</code></td>"
            f"<td><code>{_e(f.get('table_name'))}{'.' + _e(cell) if cell else ''}</code></td>"
            f"<td>{'<code>' + _e(printed) + '</code>' if printed is not None else '<span class=muted>—</span>'}"
            f"</td><td class=n>{_e(f.get('expected'))}</td><td class=n>{_e(f.get('observed'))}</td>"
            f"<td>{_e(f.get('message'))}</td></tr>"
        )
    table = (
        "<table><tr><th>severity</th><th>check</th><th>cell</th><th>printed</th><th>expected</th>"
        f"<th>observed</th><th>message</th></tr>{''.join(rows)}</table>"
        if rows
        else ""
    )
    problems = [p for p in report.get("problems") or [] if p.get("severity") == "error"]
    listed = "".join(
        f"<li><code>{_e(p.get('code'))}</code> {_e(p.get('message'))}</li>" for p in problems[:20]
    )
    return head + table + (f"<p>Problems:</p><ul>{listed}</ul>" if listed else "") + "</div>"


def run_report_html(store: Store, summary: RunSummary) -> str:
    """The run report page (see the module docstring); it sits at runs/<run_id>.html."""
    return "".join(run_report_parts(store, summary))


def run_report_parts(store: Store, summary: RunSummary) -> Iterator[str]:
    """The run report page, a part at a time: a national run's page lists 100,000 agencies (~35 MiB),
    which is written out as it is made, never held whole. Of the quarantined and failed reports the first
    MAX_REPORTS_SHOWN (failed first) get a section; the page says how many more the lake holds."""
    up = "../"  # runs/ → the lake root
    totals = summary.totals()
    per_year: dict[int, dict[str, int]] = defaultdict(dict)
    for a in summary.agencies:
        for status, n in a.statuses.items():
            per_year[a.year][status] = per_year[a.year].get(status, 0) + n
    ids = {rid for a in summary.agencies for rid in a.quarantined_ids}
    years = {*summary.years, *(a.year for a in summary.agencies)}
    reports = _rows(
        store,
        "reports",
        ids,
        [
            "report_id",
            "agency_id",
            "agency_name",
            "report_year",
            "status",
            "source_url",
            "sha256",
            "media_type",
            "problems",
        ],
        years,
    )
    reports.sort(
        key=lambda r: (r.get("status") != "failed", r.get("agency_id") or "", r.get("report_year") or 0)
    )
    total, listed = len(reports), reports[:MAX_REPORTS_SHOWN]
    del reports
    shown = {r["report_id"] for r in listed}
    failures: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in _rows(
        store,
        "validation_results",
        shown,
        [
            "report_id",
            "check_name",
            "table_name",
            "row_key",
            "column_key",
            "expected",
            "observed",
            "severity",
            "message",
        ],
        years,
    ):
        failures[row["report_id"]].append(row)
    cells = _printed_cells(store, (f for fs in failures.values() for f in fs), years)

    yield _page_head(f"gongkai run {summary.run_id}")
    yield f"""<h1>gongkai {_e(summary.kind)} {_e(", ".join(map(str, sorted(set(summary.years)))) or "")}:
<span class="status-{_e(summary.status)}">{_e(summary.status)}</span></h1>
<p class="muted">run <code>{_e(summary.run_id)}</code>{f" · flow run <code>{_e(summary.flow_run_id)}</code>" if summary.flow_run_id else ""}
· started {_e(summary.started_at)} · ended {_e(summary.ended_at or "—")} · lake <code>{_e(summary.lake)}</code>
· <a href="{up}{DOCS_PREFIX}index.html">Data Docs</a></p>
<h2>Reports of this run per status</h2>
{status_chart(totals.statuses)}
<h2>Per report year</h2>
{year_chart(dict(per_year))}
<h2>Quarantined and failed reports ({total})</h2>
"""
    for report in listed:
        yield _report_section(store, report, failures.get(report["report_id"], []), cells, up)
    if not listed:
        yield "<p>None.</p>"
    if total > len(listed):
        yield (
            f"<p class='muted'>{total - len(listed)} more are not shown here; the lake lists them all: the "
            "<code>reports</code> table's rows of this run with status quarantined or failed, their "
            "failing cells in <code>validation_results</code> (<code>gongkai status</code> counts them "
            "per agency).</p>"
        )
    yield """<h2>Per agency and year</h2>
<table><tr><th>agency</th><th>year</th><th>status</th><th>found</th><th>fetched</th><th>unchanged</th>
<th>failed</th><th>parsed</th><th>written</th><th>valid</th><th>warnings</th><th>quarantined</th>
<th>report failed</th></tr>"""
    for a in summary.agencies:
        if a.status == "none":
            continue
        yield (
            f"<tr><td>{_e(a.agency_id)}</td><td>{a.year}</td><td class='status-{_e(a.status)}'>"
            f"{_e(a.status)}</td>"
            + "".join(
                f"<td class=n>{v}</td>"
                for v in (
                    a.found,
                    a.fetched,
                    a.unchanged,
                    a.failures,
                    a.parsed,
                    a.written,
                    *(a.statuses.get(s, 0) for s in REPORT_STATUSES),
                )
            )
            + "</tr>"
        )
    yield "</table>\n"
    none = [a for a in summary.agencies if a.status == "none"]
    if none:
        yield "<p class='muted'>No report listed on the site: "
        yield _e(", ".join(f"{a.agency_id} ({a.year})" for a in none))
        yield "</p>\n"
    if any(a.errors for a in summary.agencies):
        yield "<h2>What went wrong</h2><ul>"
        for a in summary.agencies:
            for message in a.errors:
                yield f"<li>{_e(a.agency_id)} {a.year}: {_e(message)}</li>"
        yield "</ul>\n"
    yield "".join(f"<p>note: {_e(n)}</p>" for n in summary.notes)
    yield _PAGE_TAIL


def run_report_key(run_id: str) -> str:
    return f"{RUNS_PREFIX}{run_id}.html"


# ---------------------------------------------------------------- Data Docs, offline


_EXTERNAL_TAGS = re.compile(
    r"<script\b[^>]*\bsrc=[\"']https?://[^>]*>\s*</script>"
    r"|<link\b[^>]*\bhref=[\"']https?://[^>]*>"
    r"|<img\b[^>]*\bsrc=[\"']https?://[^>]*>",
    re.I,
)
_EXTERNAL_CSS = re.compile(r"url\(\s*[\"']?https?://[^)]*\)|@import[^;]*;", re.I)
_LINK_ATTR = re.compile(r"\s(href|src)=([\"'])([^\"']*)\2", re.I)
_GX_STYLE = STYLE + ".hide-succeeded-validations-column-section-target-child, .cooltip { display: none; }"


def offline_page(text: str, exists: Callable[[str], bool] | None = None) -> str:
    """A GX page without what it loads from CDNs (scripts, style sheets, images, CSS urls), without links
    out of the lake and — given `exists` (is this relative path a file?) — without links to pages GX never
    rendered (its expectation suite pages); its server-rendered content stays, with our inline style."""
    if CLEANED_MARK in text:
        return text
    text = _EXTERNAL_TAGS.sub("", text)
    text = _EXTERNAL_CSS.sub("none", text)

    def keep(match: re.Match[str]) -> str:
        target = match.group(3)
        if re.match(r"[a-z][a-z0-9+.-]*:", target, re.I):  # https:, mailto:, javascript: …
            return ""
        path = target.split("#", 1)[0].split("?", 1)[0]
        if path and exists is not None and not exists(path):
            return ""
        return match.group(0)

    text = _LINK_ATTR.sub(keep, text)
    return text.replace("</head>", f"<style>{_GX_STYLE}</style>{CLEANED_MARK}</head>", 1)


def _exists_from(store: Store, page_key: str) -> Callable[[str], bool]:
    """Does a relative link of the page at `page_key` lead to an object of the lake?"""
    folder = posixpath.dirname(page_key)

    def exists(relative: str) -> bool:
        key = posixpath.normpath(posixpath.join(folder, unquote(relative)))
        return not key.startswith("../") and store.exists(key)

    return exists


def _validation_pages(store: Store) -> dict[str, list[str]]:
    """Batch run id → its validation pages' keys (data_docs/validations/<suite>/gongkai-<batch>/<t>/<f>)."""
    pages: dict[str, list[str]] = defaultdict(list)
    for key in store.list(VALIDATIONS_PREFIX):
        parts = key[len(VALIDATIONS_PREFIX) :].split("/")
        if key.endswith(".html") and len(parts) >= 3:
            pages[parts[1].removeprefix("gongkai-")].append(key)
    return pages


def _run_records(store: Store) -> list[dict[str, Any]]:
    """Each run report page's run, with its record's head (never its agencies: see read_run_head)."""
    records = []
    for key in store.list(RUNS_PREFIX):
        if key.endswith(".html"):
            run_id = key[len(RUNS_PREFIX) : -len(".html")]
            record: dict[str, Any] = {"run_id": run_id}
            with contextlib.suppress(KeyError, ValueError):  # a load writes no run record
                record.update(read_run_head(store, f"{RUNS_PREFIX}{run_id}.json"))
            records.append(record)
    return sorted(records, key=lambda r: r["run_id"], reverse=True)


def _page_link(key: str, up: str) -> str:
    suite = key[len(VALIDATIONS_PREFIX) :].split("/", 1)[0]
    return f'<a href="{_e(up + key[len(DOCS_PREFIX) :])}">{_e(suite)}</a>'


def docs_index_html(store: Store, pages: dict[str, list[str]] | None = None) -> str:
    pages = _validation_pages(store) if pages is None else pages
    runs = "".join(
        f'<tr><td><a href="../{_e(run_report_key(r["run_id"]))}">{_e(r["run_id"])}</a></td>'
        f"<td>{_e(r.get('kind', 'load'))}</td>"
        f"<td>{_e(', '.join(map(str, r.get('years') or [])))}</td>"
        f"<td class='status-{_e(r.get('status', ''))}'>{_e(r.get('status', ''))}</td>"
        f"<td>{_e(r.get('ended_at') or r.get('started_at') or '')}</td></tr>"
        for r in _run_records(store)
    )
    batches = sorted(pages, reverse=True)
    shown = batches[:MAX_BATCHES_INDEXED]
    rows = "".join(
        f"<tr><td><code>{_e(batch)}</code></td><td>{' · '.join(_page_link(k, '') for k in sorted(pages[batch]))}"
        "</td></tr>"
        for batch in shown
    )
    more = (
        f"<p class='muted'>{len(batches) - len(shown)} older batches: their pages are under validations/.</p>"
        if len(batches) > len(shown)
        else ""
    )
    body = f"""<h1>gongkai Data Docs</h1>
<p class="muted">Great Expectations' validation results of every batch written to this lake, and each
run's report. Everything here opens offline.</p>
<h2>Run reports</h2>
{
        "<table><tr><th>run</th><th>kind</th><th>years</th><th>status</th><th>ended</th></tr>"
        + runs
        + "</table>"
        if runs
        else "<p>None yet.</p>"
    }
<h2>Validation results per batch</h2>
{
        "<table><tr><th>batch (validation run)</th><th>pages, one per table</th></tr>" + rows + "</table>"
        if rows
        else "<p>None yet.</p>"
    }{more}"""
    return _page("gongkai Data Docs", body)


def batch_index_html(batch: str, keys: Iterable[str]) -> str:
    links = "".join(f"<li>{_page_link(k, '')}</li>" for k in sorted(keys))
    body = (
        f"<h1>Validation results of batch <code>{_e(batch)}</code></h1><ul>{links}</ul>"
        '<p><a href="index.html">All batches and run reports</a></p>'
    )
    return _page(f"gongkai Data Docs {batch}", body)


OFFLINE_MANIFEST = f"{DOCS_PREFIX}offline-batches.json"  # batches whose pages are already made offline


def finish_data_docs(store: Store) -> str | None:
    """Make the lake's Data Docs open offline: clean the GX pages of batches not done yet (a manifest
    says which are), replace each such batch's GX index, and write our index. Returns the index's URI
    (None when the lake has neither Data Docs nor run reports)."""
    pages = _validation_pages(store)
    if not pages and not store.list(RUNS_PREFIX):
        return None
    try:
        done = set(json.loads(store.get(OFFLINE_MANIFEST)))
    except (KeyError, ValueError):
        done = set()
    for batch, keys in sorted(pages.items()):
        if batch in done:
            continue
        for key in keys:
            text = store.get(key).decode("utf-8", errors="replace")
            if CLEANED_MARK not in text:
                store.put(key, offline_page(text, _exists_from(store, key)).encode())
        store.put(f"{DOCS_PREFIX}run-{batch}.html", batch_index_html(batch, keys).encode())
        done.add(batch)
    store.put(OFFLINE_MANIFEST, json.dumps(sorted(done)).encode())
    index = f"{DOCS_PREFIX}index.html"
    store.put(index, docs_index_html(store, pages).encode())
    return store.url(index)


def write_run_pages(store: Store, summary: RunSummary) -> str:
    """The run's report page, then the offline Data Docs (which list it); returns the report's URI."""
    key = run_report_key(summary.run_id)
    put_parts(store, key, (part.encode() for part in run_report_parts(store, summary)))
    finish_data_docs(store)
    return store.url(key)
