"""Document → canonical Report: form, metadata, every cell of 表二/表三/表四, and problems.

Knows nothing of files or formats: it reads the document model only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from itertools import groupby
from typing import Any, cast

from gongkai import forms
from gongkai.model import CellValue, Document, FormVersion, Paragraph, Problem, Report
from gongkai.parse import metadata
from gongkai.parse.historical import historical_figures
from gongkai.parse.stream import Segment, classify, segments_of
from gongkai.parse.tables import ApplicationsReading, read_active, read_applications, read_review

PARSER_VERSION = "1.2.0"

_H2 = re.compile(r"主动公开政府信息(情况)?$")
_H3 = re.compile(r"收到和处理政府信息公开申请(情况)?$")
_H4 = re.compile(r"(政府信息公开)?行政复议.{0,2}行政诉讼(情况)?$")
_H5 = re.compile(r"(存在的?主要问题|主要问题及|其他需要报告)")
_REPORT_WORDS = re.compile(r"政府信息公开|政务公开|信息公开")
_PRE2019_STATS = re.compile(r"(指标名称|计量单位|历年累计|受理.{0,20}申请.{0,10}\d+\s*件|申请.{0,6}\d+\s*(件|条))")


def parse_document(document: Document, *, source: str = "", sha256: str = "", media_type: str | None = None
                   ) -> Report:
    report = Report(source=source, sha256=sha256, media_type=media_type or document.media_type,
                    extractor=document.extractor, parser_version=PARSER_VERSION)
    report.problems.extend(document.problems)
    segments = segments_of(document)
    if not segments:
        if not any(p.severity == "error" for p in document.problems):
            report.problems.append(Problem("empty_document", "the document has no text at all; if it is a "
                                           "scanned image it needs OCR", "error"))
        return report

    # every line of text, table rows included: some PDFs frame their whole body text in a table
    lines: list[str] = []
    for block in document.blocks:
        if isinstance(block, Paragraph):
            lines.append(block.text)
        else:
            lines.extend(" ".join(c.text for c in row) for row in block.rows)
    report.report_year = metadata.report_year(lines)
    report.agency_name = metadata.agency_name(lines)
    report.published_date = metadata.published_date(lines)

    regions = _regions(segments)
    if regions is None:
        figures, figure_problems = historical_figures(document)
        report.form_version = _pre2019_or_unknown(segments, report, bool(figures))
        if report.form_version == "pre2019":
            report.historical_figures = figures
            report.problems.extend(figure_problems)
        return report
    active_segs, app_segs, review_segs = regions
    applications = read_applications(app_segs)
    report.form_version = _form_of(active_segs or segments, applications)
    report.problems.extend(applications.problems)
    _fill_applications(report, applications)

    review, review_problems = read_review(review_segs)
    report.problems.extend(review_problems)
    for column in forms.REVIEW_COLUMNS:
        report.review_litigation[column] = review.get(column) or CellValue(None, "")

    active, active_problems = read_active(active_segs, report.form_version)
    report.problems.extend(active_problems)
    for item in forms.ACTIVE_ITEMS[report.form_version]:
        for metric in item.metrics:
            cell = active.get((item.key, metric.key))
            if cell is None:
                unit = "万元" if metric.key == "fee_amount" else None if "amount" in metric.key else item.unit
                cell = CellValue(None, "", [], unit)
            report.active_disclosure[(item.key, metric.key)] = cell
    if not active and active_segs:
        report.problems.append(Problem("active_unreadable", "表二 (主动公开) was found but no item row could be "
                                       "read; its cells are left null", "warning", "active_disclosure"))
    if not active_segs:
        report.problems.append(Problem("active_missing", "the report prints no 表二 (主动公开) table", "warning",
                                       "active_disclosure"))
    report.problems.extend(check_identities(report))
    return report


# ---------------------------------------------------------------- where the tables are


def _heading(seg: Segment, pattern: re.Pattern[str]) -> bool:
    text = forms.normalize_label(seg.text)
    return len(text) <= 40 and len(seg.cells) <= 2 and bool(pattern.search(text))


def _first(segments: list[Segment], start: int, test) -> int | None:  # type: ignore[no-untyped-def]
    return next((i for i in range(start, len(segments)) if test(segments[i])), None)


def _has_cell(words: tuple[str, ...]):  # type: ignore[no-untyped-def]
    """A segment with a label cell (not prose, not a number) naming one of `words`."""
    return lambda seg: not seg.is_prose and any(
        any(w in forms.normalize_label(c) for w in words) for c in seg.cells if len(c) <= 60 and classify(c) == "label")


def _regions(segments: list[Segment]) -> tuple[list[Segment], list[Segment], list[Segment]] | None:
    """(表二, 表三, 表四) segments, or None when the document prints no 表三."""
    new_requests = _first(segments, 0, _has_cell(("新收政府信息公开申请", "本年新收", "上年结转", "予以公开")))
    if new_requests is None:
        return None
    h3 = _first(segments, 0, lambda s: _heading(s, _H3))
    app_start = h3 if h3 is not None and h3 <= new_requests else new_requests
    # the applicant header rows sit right above the first row; include them
    while app_start > 0 and h3 is None and not segments[app_start - 1].is_prose and _has_cell(
            ("申请人", "自然人", "勾稽", "商业企业", "法人或其他组织", "其他", "总计"))(segments[app_start - 1]):
        app_start -= 1
    h4 = _first(segments, new_requests, lambda s: _heading(s, _H4))
    review_start = h4 if h4 is not None else _first(segments, new_requests, _has_cell(("行政复议",)))
    review_start = review_start if review_start is not None else len(segments)
    end = _first(segments, review_start + 1, lambda s: _heading(s, _H5) or (
        s.is_prose and bool(re.match(r"^[五六七八九][、.．]", s.text.strip()))))
    end = end if end is not None else len(segments)
    h2 = _first(segments, 0, lambda s: _heading(s, _H2))
    if h2 is None or h2 > app_start:
        h2 = _first(segments, 0, _has_cell(("第二十条",)))
    active = segments[h2:app_start] if h2 is not None and h2 < app_start else []
    return active, segments[app_start:review_start], segments[review_start:end]


# ---------------------------------------------------------------- form


def _form_of(active_segs: list[Segment], applications: ApplicationsReading) -> FormVersion:
    text = "".join(forms.normalize_label(s.text) for s in active_segs)
    score = {form: sum(forms.normalize_label(m) in text for m in markers)
             for form, markers in forms.FORM_MARKERS.items()}
    if score["f2021"] != score["f2019"]:
        return cast(FormVersion, max(score, key=lambda f: score[f]))
    if applications.prints_other_subrows:
        return "f2021"
    return "f2019" if "other_handling" in applications.cells else "f2021"


def _pre2019_or_unknown(segments: list[Segment], report: Report, has_figures: bool) -> FormVersion:
    text = "".join(s.text for s in segments)
    if _REPORT_WORDS.search(text) and (has_figures or _PRE2019_STATS.search(text)):
        report.problems.append(Problem(
            "no_national_tables", "the report prints none of the national form tables (表二/表三/表四): "
            "read as a pre-2019 free-form report", "info"))
        return "pre2019"
    report.problems.append(Problem(
        "not_a_report", "no table of the national forms and no disclosure statistics were found: this does "
        "not look like a 政府信息公开工作年度报告 (check the file is the report, not a listing or error page)",
        "error"))
    return "unknown"


def _fill_applications(report: Report, reading: ApplicationsReading) -> None:
    rows = forms.APPLICATION_ROWS[report.form_version]
    keys = [r.key for r in rows]
    if report.form_version == "f2021" and forms.single_other_row(reading.cells):
        keys.append(forms.OTHER_HANDLING.key)  # a 2021-form report printing （六）其他处理 as one row
    for key in keys:
        cells = reading.cells.get(key)
        if cells is None and reading.cells and not (
                key in forms.OTHER_SUBROWS and forms.single_other_row(reading.cells)):
            report.problems.append(Problem("row_missing", f"表三 row {key} was not found; its cells are null",
                                           "warning", f"applications.{key}"))
        for column, i in zip(forms.APPLICANT_KEYS, range(7), strict=True):
            report.applications[(key, column)] = cells[i] if cells else CellValue(None, "")
    extra = set(reading.cells) - set(keys)
    for key in sorted(extra):
        report.problems.append(Problem("row_not_in_form", f"表三 prints row {key}, which form {report.form_version} "
                                       "does not have; ignored", "warning", f"applications.{key}"))
    if not reading.cells:
        report.problems.append(Problem("applications_unreadable", "表三 was found but none of its rows could be "
                                       "read", "error", "applications"))


# ---------------------------------------------------------------- identities


def _num(cell: CellValue | None) -> float | None:
    return None if cell is None or cell.value is None else float(cell.value)


def check_identities(report: Report) -> list[Problem]:
    """The identities of forms.IDENTITIES, reported — never used to change a printed value.

    Problems come per row / column / block, all identities checked for one before the next."""
    problems: list[Problem] = []
    row_keys = list(dict.fromkeys(r for r, _ in report.applications))
    for _, group in groupby(forms.IDENTITIES, key=lambda i: (i.table, i.per)):
        identities = list(group)
        for over in identities[0].overs(row_keys):
            for identity in identities:
                problem = _broken(identity, over, report, row_keys)
                if problem is not None:
                    problems.append(problem)
    return problems


def _broken(identity: forms.Identity, over: str, report: Report, row_keys: list[str]) -> Problem | None:
    cells: Mapping[Any, CellValue] = report.applications if identity.table == "applications" \
        else report.review_litigation
    plus = identity.plus_for(report.form_version, row_keys)
    values = {term: _num(cells.get(identity.cell(over, term)))
              for term in (*plus, *identity.minus, identity.total)}
    if not plus or any(v is None for v in values.values()):
        return None  # a blank is not a zero: nothing to check
    printed = values[identity.total]
    total = sum(values[t] for t in plus) - sum(values[t] for t in identity.minus)  # type: ignore[misc]
    if abs(total - printed) <= 1e-6:  # type: ignore[operator]
        return None
    fields = {**values, "over": over, "label": identity.label(over), "sum": total, "printed": printed}
    return Problem(identity.problem_code, identity.problem_message.format(**fields), identity.problem_severity,
                   identity.problem_where.format(**fields))
