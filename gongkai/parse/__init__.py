"""Document → canonical Report: form, metadata, every cell of 表二/表三/表四, and problems.

Knows nothing of files or formats: it reads the document model only.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from itertools import groupby
from typing import Any, cast

from gongkai import forms
from gongkai.model import CellValue, Document, FormVersion, Paragraph, Problem, Report
from gongkai.parse import metadata, placing
from gongkai.parse.glued import pieces_of, row_readings
from gongkai.parse.historical import historical_figures
from gongkai.parse.scan import ScannedTables, scan
from gongkai.parse.stream import Segment, classify, segments_of, upright
from gongkai.parse.tables import ApplicationsReading, read_active, read_applications, read_review
from gongkai.parse.wide_tables import columns_rejoined
from gongkai.values import parse_value

PARSER_VERSION = "1.8.0"  # 1.6: 表三 columns placed by the header's names (法人或其他组织 as one column, a 小计, other orders)
# 1.6.1: running heads and feet (a browser's print date, URL and n/N) are read into no table row, nor as the
# publication date; 1.6.2: numbers on a row's label line are its own (not a lost row's below it);
# 1.6.3: a 表三 header not understood but naming a column out of the national order is flagged
# (header_columns_ambiguous), not read in that order silently; 1.7.0: text dumps of PDFs — a 表三 row with no
# number in a table in doubt is said (row_blank_unsure), 表二 labels stacked before their numbers are read only
# one way (stacked_rows_ambiguous), the form decided by notice or year when the tables do not say it;
# 1.7.1: a 表三 label cut by a page break ('8.属于行政' over its numbers, '查询事项' opening the next page) is
# joined to its tail where only the two together name the row; 1.8.0: 表三 printed in column parts side by side
# (a spreadsheet too wide for its paper) is joined back into one table, or said (table_parts_not_joined);
# 1.5.1: years and dates in Chinese numerals (二〇二三年度…报告, 二〇二四年一月二十五日) are read;
# 1.5: blank rows whose label ran into the next, rows whose label was lost, all placements at once

_H2 = re.compile(r"主动公开政府信息(情况)?$")
_H3 = re.compile(r"收到和处理政府信息公开申请(情况)?$")
_H4 = re.compile(r"(政府信息公开)?行政复议.{0,2}行政诉讼(情况)?$")
_H5 = re.compile(r"(存在的?主要问题|主要问题及|其他需要报告)")
_REPORT_WORDS = re.compile(r"政府信息公开|政务公开|信息公开")
_PRE2019_STATS = re.compile(
    r"(指标名称|计量单位|历年累计|受理.{0,20}申请.{0,10}\d+\s*件|申请.{0,6}\d+\s*(件|条))"
)


def parse_document(
    document: Document, *, source: str = "", sha256: str = "", media_type: str | None = None
) -> Report:
    report = Report(
        source=source,
        sha256=sha256,
        media_type=media_type or document.media_type,
        extractor=document.extractor,
        parser_version=PARSER_VERSION,
    )
    report.problems.extend(document.problems)
    document, part_problems = columns_rejoined(upright(document))
    report.problems.extend(part_problems)
    segments = segments_of(document)
    if not segments:
        if not any(p.severity == "error" for p in document.problems):
            report.problems.append(
                Problem(
                    "empty_document",
                    "the document has no text at all; if it is a scanned image it needs OCR",
                    "error",
                )
            )
        return report

    # every line of text, table rows included: some PDFs frame their whole body text in a table
    lines: list[str] = []
    running: list[str] = []  # running heads and feet: last, and never the publication date (a print date)
    for block in document.blocks:
        if isinstance(block, Paragraph):
            (running if block.running else lines).append(block.text)
        else:
            lines.extend(" ".join(c.text for c in row) for row in block.rows)
    report.published_date = metadata.published_date(lines)
    lines += running
    report.report_year = metadata.report_year(lines)
    report.agency_name = metadata.agency_name(lines)

    full_text = "\n".join(lines)
    evidence = national_form_evidence(full_text, report.report_year)
    regions = _regions(segments)
    scanned: ScannedTables | None = None
    if regions is None:
        scanned = scan(full_text)
        if scanned.application_rows_found:  # the tables' text run together: read by the form's labels
            return _from_scan(report, scanned, full_text)
        if evidence:
            return _tables_not_found(report, evidence, full_text, scanned, segments)
        figures, figure_problems = historical_figures(document)
        report.form_version = _pre2019_or_unknown(segments, report, bool(figures))
        if report.form_version == "pre2019":
            report.historical_figures = figures
            report.problems.extend(figure_problems)
        return report
    active_segs, app_segs, review_segs = regions
    applications = read_applications(app_segs)
    read = sum(c.value is not None for cells in applications.cells.values() for c in cells)
    if not read or any(p.code == "glued_cells_ambiguous" for p in applications.problems):
        # nothing read, or rows run together: the form's labels and its column identities may read more
        scanned = scan(full_text)
        if sum(c.value is not None for cells in scanned.applications.values() for c in cells) > read:
            return _from_scan(report, scanned, full_text)
    report.form_version = _form_of(active_segs or segments, applications, full_text, report)
    _place_by_identities(report.form_version, applications)
    report.problems.extend(applications.problems)
    _fill_applications(report, applications)

    review, review_problems = read_review(review_segs)
    if not review:
        scanned = scanned or scan(full_text)
        review = scanned.review
        review_problems += [p for p in scanned.problems if p.where == "review_litigation"]
    report.problems.extend(review_problems)
    for column in forms.REVIEW_COLUMNS:
        report.review_litigation[column] = review.get(column) or CellValue(None, "")
    if not review and not review_problems:
        report.problems.append(
            _missing(
                "表四 (review and litigation)",
                "review_litigation",
                evidence or "表三 was read",
                "行政复议/行政诉讼",
            )
        )

    active, active_problems = read_active(active_segs, report.form_version)
    report.problems.extend(active_problems)
    _fill_active(report, active)
    if not active and active_segs:
        report.problems.append(
            Problem(
                "active_unreadable",
                "表二 (主动公开) was found but no item row could be read; its cells are left null",
                "warning",
                "active_disclosure",
            )
        )
    if not active_segs:
        report.problems.append(
            Problem(
                "active_missing", "the report prints no 表二 (主动公开) table", "warning", "active_disclosure"
            )
        )
    report.problems.extend(check_identities(report))
    report.problems.extend(_blank_rows_unconfirmed(applications, report.problems))
    return report


def _blank_rows_unconfirmed(reading: ApplicationsReading, problems: list[Problem]) -> list[Problem]:
    """表三 rows found with no number in text with no grid, in a table already in doubt (an identity that
    does not hold, a row not found, cells placed by count): printed blank, or their numbers were read
    into another row (text dumps of PDF tables shuffle cells) — nothing says which. In a table that adds up
    with nothing in doubt, a blank row is a blank row."""
    if not any(
        p.severity in ("warning", "error") and (p.where or "").startswith("applications") for p in problems
    ):
        return []
    return [
        Problem(
            "row_blank_unsure",
            f"表三 row {key} prints no number in text with no grid, and the table is in doubt: printed "
            "blank, or its numbers were read into another row; its cells are null",
            "warning",
            f"applications.{key}",
        )
        for key, cells in reading.cells.items()
        if key in reading.gridless and all(c.value is None for c in cells)
    ]


# ---------------------------------------------------------------- evidence of the national forms

_NOTICE = re.compile(r"(?:国办公开办函)?\s*[〔\[［(（【]\s*(2019|2021)\s*[〕\]］)）】]\s*(60|30)\s*号")
# words only the national forms print: their row and column labels (a pre-2019 report uses none of them)
_FORM_WORDS = tuple(
    dict.fromkeys(
        forms.normalize_label(w)
        for w in (
            "本年新收政府信息公开申请数量",
            "上年结转政府信息公开申请数量",
            "结转下年度继续办理",
            "属于三类内部事务信息",
            "属于四类过程性信息",
            "本机关不掌握相关政府信息",
            "没有现成信息需要另行制作",
            "补正后申请内容仍不明确",
            "信访举报投诉类申请",
            "要求行政机关确认或重新出具已获取信息",
            "危及“三安全一稳定”",
            "保护第三方合法权益",
            "未经复议直接起诉",
            "复议后起诉",
            *forms.FORM_MARKERS["f2021"],
            *forms.FORM_MARKERS["f2019"][:4],
        )
    )
)


def national_form_evidence(text: str, year: int | None) -> str | None:
    """Why the report must be on a national form (2019 or 2021), or None: its year, the format notice it
    cites, or a row label of the forms that it prints."""
    notice = _NOTICE.search(text)
    if notice:
        return f"the text cites 国办公开办函〔{notice.group(1)}〕{notice.group(2)}号"
    flat = forms.normalize_label(text.replace("\n", ""))
    word = next((w for w in _FORM_WORDS if w in flat), None)
    if word:
        return f"the text prints the national form's label {word}"
    if year is not None and year >= 2019:
        return f"the report year is {year}"
    return None


def _evidence_form(text: str, year: int | None, scanned: ScannedTables | None = None) -> str:
    flat = forms.normalize_label(text.replace("\n", ""))
    score = {
        f: sum(forms.normalize_label(m) in flat for m in markers) for f, markers in forms.FORM_MARKERS.items()
    }
    if score["f2021"] != score["f2019"]:
        return max(score, key=lambda f: score[f])
    notice = _NOTICE.search(text)
    if notice:
        return "f2021" if notice.group(1) == "2021" else "f2019"
    if scanned is not None and scanned.form:
        return scanned.form
    return "f2019" if year in (2019, 2020) else "f2021"


def _missing(table: str, where: str, evidence: str, rows: str) -> Problem:
    return Problem(
        "national_table_missing",
        f"{table} not found: {evidence} but no table with its rows ({rows}) was read; its cells are null",
        "error",
        where,
    )


def _fill_active(report: Report, active: dict[tuple[str, str], CellValue]) -> None:
    for item in forms.ACTIVE_ITEMS[report.form_version]:
        for metric in item.metrics:
            cell = active.get((item.key, metric.key))
            if cell is None:
                unit = "万元" if metric.key == "fee_amount" else None if "amount" in metric.key else item.unit
                cell = CellValue(None, "", [], unit)
            report.active_disclosure[(item.key, metric.key)] = cell


def _tables_not_found(
    report: Report, evidence: str, text: str, scanned: ScannedTables, segments: list[Segment]
) -> Report:
    """A report on a national form whose 表三 could not be read: its cells null and the table named; 表二 and
    表四 read where the report prints them readably (a 表三 pasted as an image leaves the others)."""
    report.form_version = _evidence_form(text, report.report_year, scanned)  # type: ignore[assignment]
    _fill_applications(report, ApplicationsReading(), quiet=True)
    h4 = _first(segments, 0, lambda s: _heading(s, _H4))
    review_start = h4 if h4 is not None else _first(segments, 0, _has_cell(("行政复议",)))
    review: dict[str, CellValue] = {}
    if review_start is not None:
        end = _first(
            segments,
            review_start + 1,
            lambda s: (
                _heading(s, _H5) or (s.is_prose and bool(re.match(r"^[五六七八九][、.．]", s.text.strip())))
            ),
        )
        review, review_problems = read_review(segments[review_start:end])
        report.problems.extend(review_problems)
    for column in forms.REVIEW_COLUMNS:
        report.review_litigation[column] = review.get(column) or CellValue(None, "")
    h2 = _first(segments, 0, lambda s: _heading(s, _H2))
    h2 = h2 if h2 is not None else _first(segments, 0, _has_cell(("第二十条",)))
    active: dict[tuple[str, str], CellValue] = {}
    if h2 is not None:
        active, active_problems = read_active(segments[h2:review_start], report.form_version)
        report.problems.extend(active_problems)
    _fill_active(report, active)
    if not active:
        report.problems.append(
            _missing(
                "表二 (active disclosure)", "active_disclosure", evidence, "规章, 行政许可, 行政事业性收费 …"
            )
        )
    report.problems.append(
        _missing("表三 (applications)", "applications", evidence, "本年新收, 予以公开 … 结转下年度继续办理")
    )
    if not review:
        report.problems.append(
            _missing("表四 (review and litigation)", "review_litigation", evidence, "行政复议/行政诉讼")
        )
    report.problems.extend(check_identities(report))
    return report


def _from_scan(report: Report, scanned: ScannedTables, text: str) -> Report:
    """The report read from run-together text by the form's labels (parse/scan.py)."""
    report.form_version = _evidence_form(text, report.report_year, scanned)  # type: ignore[assignment]
    report.problems.append(
        Problem(
            "tables_run_together",
            "the tables' cells are run together with no separator "
            "(a crawler's text dump); rows were found by their labels and cut back into "
            "cells only where one reading fits",
            "info",
        )
    )
    report.problems.extend(scanned.problems)
    _fill_applications(report, ApplicationsReading(cells=scanned.applications), quiet=True)
    for column in forms.REVIEW_COLUMNS:
        report.review_litigation[column] = scanned.review.get(column) or CellValue(None, "")
    if not scanned.review:
        report.problems.append(
            _missing(
                "表四 (review and litigation)", "review_litigation", "表三 was read", "行政复议/行政诉讼"
            )
        )
    active = scanned.active if scanned.form == report.form_version or scanned.active else {}
    _fill_active(report, active)
    if not active:
        report.problems.append(
            _missing(
                "表二 (active disclosure)",
                "active_disclosure",
                "表三 was read",
                "规章, 行政许可, 行政事业性收费 …",
            )
        )
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
    return lambda seg: (
        not seg.is_prose
        and any(
            any(w in forms.normalize_label(c) for w in words)
            for c in seg.cells
            if len(c) <= 60 and classify(c) == "label"
        )
    )


def _regions(segments: list[Segment]) -> tuple[list[Segment], list[Segment], list[Segment]] | None:
    """(表二, 表三, 表四) segments, or None when the document prints no 表三."""
    new_requests = _first(
        segments, 0, _has_cell(("新收政府信息公开申请", "本年新收", "上年结转", "予以公开"))
    )
    if new_requests is None:
        return None
    h3 = _first(segments, 0, lambda s: _heading(s, _H3))
    app_start = h3 if h3 is not None and h3 <= new_requests else new_requests
    # the applicant header rows sit right above the first row; include them
    while (
        app_start > 0
        and h3 is None
        and not segments[app_start - 1].is_prose
        and _has_cell(("申请人", "自然人", "勾稽", "商业企业", "法人或其他组织", "其他", "总计"))(
            segments[app_start - 1]
        )
    ):
        app_start -= 1
    h4 = _first(segments, new_requests, lambda s: _heading(s, _H4))
    review_start = h4 if h4 is not None else _first(segments, new_requests, _has_cell(("行政复议",)))
    review_start = review_start if review_start is not None else len(segments)
    end = _first(
        segments,
        review_start + 1,
        lambda s: (
            _heading(s, _H5) or (s.is_prose and bool(re.match(r"^[五六七八九][、.．]", s.text.strip())))
        ),
    )
    end = end if end is not None else len(segments)
    h2 = _first(segments, 0, lambda s: _heading(s, _H2))
    if h2 is None or h2 > app_start:
        h2 = _first(segments, 0, _has_cell(("第二十条",)))
    active = segments[h2:app_start] if h2 is not None and h2 < app_start else []
    return active, segments[app_start:review_start], segments[review_start:end]


# ---------------------------------------------------------------- form


def _form_of(
    active_segs: list[Segment], applications: ApplicationsReading, text: str, report: Report
) -> FormVersion:
    """The form by its tables' own labels (表二's items, 表三's （六） rows); where they say nothing — 表二
    not read, （六）其他处理 printed as one row, as the 2019 form and some 2021-form reports do — by the
    format notice the text cites, else by the report's year (the 2021 form exists from the 2021 reports),
    and said: a 2021 report may still print the 2019 form."""
    flat = "".join(forms.normalize_label(s.text) for s in active_segs)
    score = {
        form: sum(forms.normalize_label(m) in flat for m in markers)
        for form, markers in forms.FORM_MARKERS.items()
    }
    if score["f2021"] != score["f2019"]:
        return cast(FormVersion, max(score, key=lambda f: score[f]))
    if applications.prints_other_subrows:
        return "f2021"
    if "other_handling" not in applications.cells:
        return "f2021"
    notice = _NOTICE.search(text)
    if notice:
        return "f2021" if notice.group(1) == "2021" else "f2019"
    year = report.report_year
    if year is not None and year <= 2020:
        return "f2019"
    report.problems.append(
        Problem(
            "form_uncertain",
            "neither 表二 nor 表三 says which national form the report prints (表二 not read, （六）其他处理 "
            "printed as one row): read as the 2021 form, "
            + (f"required for {year} reports" if year else "the report's year not found")
            + "; 表三 and 表四 are the same in both",
            "warning",
        )
    )
    return "f2021"


def _pre2019_or_unknown(segments: list[Segment], report: Report, has_figures: bool) -> FormVersion:
    text = "".join(s.text for s in segments)
    if _REPORT_WORDS.search(text) and (has_figures or _PRE2019_STATS.search(text)):
        report.problems.append(
            Problem(
                "no_national_tables",
                "the report prints none of the national form tables (表二/表三/表四): "
                "read as a pre-2019 free-form report",
                "info",
            )
        )
        return "pre2019"
    report.problems.append(
        Problem(
            "not_a_report",
            "no table of the national forms and no disclosure statistics were found: this does "
            "not look like a 政府信息公开工作年度报告 (check the file is the report, not a listing or error page)",
            "error",
        )
    )
    return "unknown"


def _fill_applications(report: Report, reading: ApplicationsReading, quiet: bool = False) -> None:
    rows = forms.APPLICATION_ROWS[report.form_version]
    keys = [r.key for r in rows]
    if report.form_version == "f2021" and forms.single_other_row(reading.cells):
        keys.append(forms.OTHER_HANDLING.key)  # a 2021-form report printing （六）其他处理 as one row
    for key in keys:
        cells = reading.cells.get(key)
        if (
            cells is None
            and reading.cells
            and not (key in forms.OTHER_SUBROWS and forms.single_other_row(reading.cells))
        ):
            report.problems.append(
                Problem(
                    "row_missing",
                    f"表三 row {key} was not found; its cells are null",
                    "warning",
                    f"applications.{key}",
                )
            )
            above = next((k for k in reversed(keys[: keys.index(key)]) if k in reading.cells), None)
            if above in reading.gridless:
                report.problems.append(
                    Problem(
                        "row_values_unsure",
                        f"表三 row {key} was not found in text with no grid: the numbers read for {above} may "
                        f"be {key}'s (a row printed blank leaves no trace, and {key}'s label may be lost)",
                        "warning",
                        f"applications.{above}",
                    )
                )
        for column, i in zip(forms.APPLICANT_KEYS, range(7), strict=True):
            report.applications[(key, column)] = cells[i] if cells else CellValue(None, "")
    extra = set(reading.cells) - set(keys)
    for key in sorted(extra):
        report.problems.append(
            Problem(
                "row_not_in_form",
                f"表三 prints row {key}, which form {report.form_version} does not have; ignored",
                "warning",
                f"applications.{key}",
            )
        )
    if not reading.cells and not quiet:
        report.problems.append(
            Problem(
                "applications_unreadable",
                "表三 was found but none of its rows could be read",
                "error",
                "applications",
            )
        )


# ---------------------------------------------------------------- rows placed by count


_BLANK_MARK = re.compile(r"[—\-–－/／无\\]+")


def _place_by_identities(form: str, reading: ApplicationsReading) -> None:
    """Rows whose values were placed by count (a sanitizer removed their empty cells, a converter dropped
    blanks): the cells they printed, in order, are put back into the columns the table's identities allow
    (parse/placing.py). So are the rows whose label was lost in text with no grid: their numbers follow the
    row above's, and each way of cutting that run into the rows is a reading. A cell is taken where every
    choice of readings that meets all the identities at once agrees; elsewhere it stays null with
    column_inferred. Nothing changes when the identities cannot all hold."""
    if form not in forms.APPLICATION_ROWS:
        return
    rows = forms.printed_rows(form, forms.single_other_row(reading.cells))
    lost = _lost_rows(rows, reading)
    counted = [k for k in reading.unplaced if k in reading.cells]
    if not counted and not lost:
        return
    groups: dict[placing.Group, list[placing.Joint]] = {}
    for key, cells in reading.cells.items():
        if key in lost and key not in reading.lined:
            continue
        if key not in counted:
            # a row joins the sums when each cell is a count or printed blank (not unreadable, not words)
            if all(
                isinstance(c.value, int) or (c.value is None and _BLANK_MARK.fullmatch(c.raw.strip() or "-"))
                for c in cells
            ):
                groups[(key,)] = [(tuple(c.value if isinstance(c.value, int) else None for c in cells),)]
        elif (
            len({tuple(c.flags) for c in cells}) == 1
        ):  # no cell flagged on its own (OCR could not read it …)
            found = _placements(reading.unplaced[key])
            if found is not None:
                groups[(key,)] = [(r,) for r in found]
    for above, below in lost.items():
        if above in reading.lined:
            # its numbers are all its own (printed on its label's line, a row's worth): the rows below whose
            # label was lost printed no line of numbers, so they are blank — if the identities hold so
            own = groups.pop((above,), None)
            if own is not None:
                groups[(above, *below)] = [(*joint, *[(None,) * 7] * len(below)) for joint in own]
            continue
        joints = _lost_row_readings(reading.printed[above], len(below))
        if joints is not None:
            groups[(above, *below)] = joints
    placed = {r for g in groups for r in g}
    if not set(counted) <= placed:
        return
    values_of = placing.settle(rows[2:-2], groups)
    if values_of is False or values_of is True:
        return
    settled: set[str] = set()
    inferred = {k for below in lost.values() for k in below if k in placed}
    cut = [k for k in lost if k in placed and k not in counted and k not in reading.lined]
    for key in [*counted, *cut, *inferred]:
        flags = [] if key in inferred else [f for f in reading.cells[key][0].flags if f != "column_inferred"]
        flags += ["label_inferred"] if key in inferred else []
        printed = reading.unplaced.get(key) or reading.printed.get(key) or []
        if key in inferred:
            above = next(a for a, below in lost.items() if key in below)
            printed = reading.printed[above]
        shown = " ".join(v.strip() for v in printed if v.strip())
        cells = [
            CellValue(
                next(iter(values)),
                "" if next(iter(values)) is None else str(next(iter(values))),
                [*flags, "column_identities_used"],
            )
            if len(values) == 1
            else CellValue(None, shown, [*flags, "column_inferred"])
            for values in values_of[key]
        ]
        reading.cells[key] = cells
        if all(c.value is not None or "column_inferred" not in c.flags for c in cells):
            settled.add(f"applications.{key}")
    for key in inferred:
        above = next(a for a, below in lost.items() if key in below)
        reading.problems.append(
            Problem(
                "label_inferred",
                f"表三 row {key} printed no label in text with no grid: its numbers were cut from the run after "
                "the row above, where the table's column identities allow one reading"
                if above not in reading.lined
                else f"表三 row {key} printed no label and no line of numbers of its own (the row above, {above}, "
                "printed its numbers on its label's line): read as printed blank, as the table's column "
                "identities allow",
                "info",
                f"applications.{key}",
            )
        )
    reading.problems[:] = [
        p for p in reading.problems if not (p.code == "grid_misfit" and p.where in settled)
    ]


MAX_LOST = 2  # rows in a row whose label was lost, below one whose label is printed
MAX_JOINTS = 20_000  # readings of a row and the rows below it whose label was lost


def _lost_rows(rows: tuple[str, ...], reading: ApplicationsReading) -> dict[str, tuple[str, ...]]:
    """Rows the table did not print a label for, by the row above whose numbers may hold theirs: a gridless
    row named by its own label, and the run of rows missing right after it (at most MAX_LOST)."""
    out: dict[str, tuple[str, ...]] = {}
    index = 0
    while index < len(rows):
        key = rows[index]
        end = index + 1
        while end < len(rows) and rows[end] not in reading.cells:
            end += 1
        below = rows[index + 1 : end]
        if key in reading.printed and below and len(below) <= MAX_LOST:
            out[key] = below
        index = end
    return out


def _lost_row_readings(printed: list[str], lost: int) -> list[placing.Joint] | None:
    """Each way the cells a row printed may be its own and then those of the `lost` rows below it (each
    possibly printed blank: no cells), every row's cells placed as _placements places them."""
    # only the numbers: an empty cell or a blank mark may be the lost label's, not a column of a row
    cells = [c for c in printed if c.strip() and not _BLANK_MARK.fullmatch(c.strip())]
    out: list[placing.Joint] = []
    for cuts in itertools.combinations_with_replacement(range(len(cells) + 1), lost):
        bounds = [0, *cuts, len(cells)]
        options: list[list[placing.Reading]] = []
        for start, stop in itertools.pairwise(bounds):
            found = _placements(cells[start:stop]) if stop > start else [(None,) * 7]
            if not found:
                break
            options.append(found)
        else:
            for joint in itertools.product(*options):
                out.append(joint)
                if len(out) > MAX_JOINTS:
                    return None
    return out or None


def _placements(printed: list[str]) -> list[placing.Reading] | None:
    """The placements of a row's printed cells: counts and blank marks (—, /, 无, an empty cell) keep
    their order; a cell of run-together digits ('000000') is cut like glued text. None when a cell holds
    words or a fraction (it may stand for a number) or digits run together sit beside blank marks."""
    values: list[int | None] = []
    runs: list[str] = []
    for raw in printed:
        text = raw.strip()
        if not text or _BLANK_MARK.fullmatch(text):
            values.append(None)
            continue
        value = parse_value(text).value
        if not isinstance(value, int) or value < 0:
            return None
        values.append(value)
        runs.append(re.sub(r"\D", "", text))
    numbers = [v for v in values if v is not None]
    if all(run == str(n) for run, n in zip(runs, numbers, strict=True)):
        return placing.placements(values, 6)
    if None in values:
        return None
    digits, cuts, _ = pieces_of(" ".join(runs))
    return row_readings(digits, 6, cuts)


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
    cells: Mapping[Any, CellValue] = (
        report.applications if identity.table == "applications" else report.review_litigation
    )
    plus = identity.plus_for(report.form_version, row_keys)
    values = {
        term: _num(cells.get(identity.cell(over, term))) for term in (*plus, *identity.minus, identity.total)
    }
    printed = values[identity.total]
    blank_plus = [t for t in plus if values[t] is None]
    if not plus or printed is None or any(values[t] is None for t in identity.minus):
        return None  # a blank is not a zero: nothing to check
    partial = bool(blank_plus)
    if partial and (identity.partial_message is None or len(blank_plus) == len(plus)):
        return None
    if partial and any(
        "legal_persons_aggregated" in getattr(cells.get(identity.cell(over, t)), "flags", ())
        for t in blank_plus
    ):
        return None  # not blank: printed together in one column (checked where the row was read)
    total = sum(values[t] or 0 for t in plus) - sum(values[t] or 0 for t in identity.minus)
    if abs(total - printed) <= 1e-6:
        return None
    fields = {**values, "over": over, "label": identity.label(over), "sum": total, "printed": printed}
    message = identity.partial_message if partial and identity.partial_message else identity.problem_message
    return Problem(
        identity.problem_code,
        message.format(**fields),
        identity.problem_severity,
        identity.problem_where.format(**fields),
    )
