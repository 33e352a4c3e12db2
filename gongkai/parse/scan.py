"""Tables whose text was run together: what crawlers keep of a page (`get_text()` with no separator),
where a whole table is one line and each row is its label glued to its digits
('一、本年新收政府信息公开申请数量801000081二、上年结转…').

The rows are found by the form's labels, in the form's order; each row's digits are the run between its
label and the next one, and are cut back into cells only where the row's number of cells and its
identity (总计 = the sum of the parts) leave exactly one reading. Anything else is null and flagged.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from gongkai import forms
from gongkai.model import CellValue, Problem
from gongkai.parse.glued import pieces_of, readings, row_readings
from gongkai.parse.placing import Reading, settle
from gongkai.values import parse_value

# label words that start a row, searched in the raw text: the form's patterns without anchors
_RUN = re.compile(r"[+\-]?\d(?:[\d,.\t \u3000]|-(?=\d))*")  # a minus inside starts a negative (本年增/减)
_PAREN_NUMBER = re.compile(r"[(（]\s*\d{1,2}\s*[)）]")
_CJK = re.compile(r"[\u4e00-\u9fff“”\"]")
MAX_CANDIDATES = 4096  # readings of one row (blanks dropped) kept for the column identities to narrow
MAX_READINGS = 256  # readings of a row with no identities, cut to find the cells they agree on
MAX_GAP = 400  # characters of label text (and page debris) between one row's digits and the next label


@dataclass
class ScannedTables:
    form: str | None = None
    applications: dict[str, list[CellValue]] = field(default_factory=dict)
    review: dict[str, CellValue] = field(default_factory=dict)
    active: dict[tuple[str, str], CellValue] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    # how many rows of 表三 were found by their labels
    application_rows_found: int = 0


def prepare(text: str) -> str:
    """Full-width digits and brackets to ASCII; '(1)' enumerators masked so they are not numbers."""
    t = unicodedata.normalize("NFKC", text).replace("\u00a0", " ")
    t = re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", t)  # thousands separators
    return _PAREN_NUMBER.sub(lambda m: "(" + "#" * (len(m.group(0)) - 2) + ")", t)


def _words(key: forms.Key | forms.Item) -> list[str]:
    words = [re.sub(r"[\^$]|\\d\?|\(\?![^)]*\)", "", p) for p in key.patterns]
    return [w for w in words if w]


def _find(t: str, words: list[str], start: int, end: int) -> tuple[int, int] | None:
    """The earliest match of any of `words` in t[start:end]: (start, end)."""
    best: tuple[int, int] | None = None
    for word in words:
        m = re.compile(word).search(t, start, end)
        if m and (best is None or m.start() < best[0]):
            best = (m.start(), m.end())
    return best


def _runs(segment: str) -> list[str]:
    """Digit runs in the text between two labels. A run followed by '.'/'、' and a CJK character ends
    with the next row's enumerator ('…0003.危及' is the row's 000 then '3.'), which is not a number."""
    out: list[str] = []
    for m in _RUN.finditer(segment):
        run = m.group(0).rstrip(" \t\u3000")
        after = segment[m.start() + len(run) :]
        if run.endswith(".") and (not after or _CJK.match(after)):
            run = run[:-2]  # the enumerator digit and its dot
        elif after.startswith("、"):
            run = run[:-1]
        run = run.rstrip(".,").strip()
        if run:
            out.append(run)
    return out


def scan(text: str) -> ScannedTables:
    t = prepare(text)
    result = ScannedTables()
    app_span = _scan_applications(t, result)
    start = app_span[1] if app_span else 0
    _scan_review(t, start, result)
    active_end = app_span[0] if app_span else len(t)
    _scan_active(t, active_end, result)
    return result


# ---------------------------------------------------------------- 表三


def _locate_rows(t: str, rows: tuple[forms.Key, ...], start: int) -> list[tuple[int, int] | None]:
    found: list[tuple[int, int] | None] = []
    position = start
    for row in rows:
        hit = _find(t, _words(row), position, min(len(t), position + MAX_GAP))
        found.append(hit)
        if hit:
            position = hit[1]
    return found


def _scan_applications(t: str, result: ScannedTables) -> tuple[int, int] | None:
    first = forms.APPLICATION_ROWS["f2021"][0]
    best: tuple[int, str, list[tuple[int, int] | None]] | None = None
    for m in list(re.finditer("|".join(_words(first)), t))[:8]:
        for form in ("f2021", "f2019"):
            located = _locate_rows(t, forms.APPLICATION_ROWS[form], m.start())
            score = 2 * sum(1 for x in located if x) - len(located)  # rows found, less the form's rows missed
            if best is None or score > best[0]:
                best = (score, form, located)
    if best is None or best[0] < 0:  # fewer than half the rows found: not this table
        return None
    _, form, located = best
    score = sum(1 for x in located if x)
    rows = forms.APPLICATION_ROWS[form]
    result.form = form
    result.application_rows_found = score
    hits = [h for h in located if h]
    table_end = hits[-1][1]
    domains: dict[str, list[Reading] | None] = {}
    runs_of: dict[str, list[str]] = {}
    for index, (row, hit) in enumerate(zip(rows, located, strict=True)):
        where = f"applications.{row.key}"
        if hit is None:
            result.problems.append(
                Problem(
                    "row_missing",
                    f"表三 row {row.key}: its label was not found in the "
                    "run-together text; its cells are null",
                    "warning",
                    where,
                )
            )
            result.applications[row.key] = [CellValue(None, "", ["glued_row_not_found"]) for _ in range(7)]
            domains[row.key] = None
            above = next((rows[i].key for i in range(index - 1, -1, -1) if located[i]), None)
            if above is not None:  # a blank row leaves no digits: the ones above may be this row's
                result.problems.append(
                    Problem(
                        "row_values_unsure",
                        f"表三 row {row.key} was not found in the run-together text: the digits read for "
                        f"{above} may be {row.key}'s",
                        "warning",
                        f"applications.{above}",
                    )
                )
            continue
        following = next((h for h in located[index + 1 :] if h), None)
        if following is not None:
            runs = _runs(t[hit[1] : following[0]])
        else:  # the last row: only the digits right after its label's own text
            last = _RUN.search(t, hit[1], min(len(t), hit[1] + 60))
            between = t[hit[1] : last.start()] if last else ""
            runs = _runs(last.group(0)) if last and not re.search(r"[。;；:：]", between) else []
            table_end = last.end() if last else hit[1]
        runs_of[row.key] = runs
        domains[row.key] = _row_domain(runs)
    if not _settle_by_identities(result, form, domains, runs_of):
        for key, runs in runs_of.items():  # the identities settle nothing: each row on its own
            result.applications[key] = _cut(runs, [7], True, f"applications.{key}", result.problems)
    _check_columns(result, form)
    return hits[0][0], table_end


def _cut(
    runs: list[str], blocks: list[int], totals: bool, where: str, problems: list[Problem]
) -> list[CellValue]:
    size = sum(blocks)
    if not runs:  # nothing printed between this label and the next: every cell blank
        return [CellValue(None, "") for _ in range(size)]
    if len(runs) > 1:
        problems.append(
            Problem(
                "glued_cells_ambiguous",
                f"the run-together text has {len(runs)} groups of digits "
                f"({' / '.join(runs)}) where one row is expected; its cells are left null",
                "warning",
                where,
            )
        )
        return [CellValue(None, " ".join(runs), ["glued_cells_ambiguous"]) for _ in range(size)]
    run = runs[0]
    digits, cuts, negatives = pieces_of(run)
    found = readings(digits, blocks, totals, cuts | negatives, negatives, limit=MAX_READINGS)
    if len(found) == 1:
        exact = len(cuts) == size - 1  # every cell was separated: nothing was cut
        return [CellValue(n, str(n), [] if exact else ["glued_cells_split"]) for n in found[0]]
    # several readings: a cell is still read where every one of them gives it the same number
    agreed = (
        [
            found[0][c] if len(found) < MAX_READINGS and len({r[c] for r in found}) == 1 else None
            for c in range(size)
        ]
        if found
        else [None] * size
    )
    problems.append(
        Problem(
            "glued_cells_ambiguous",
            f"the digits {run} run together with no separator and "
            f"{'several readings fit' if found else 'no reading fits'} the row's {size} cells and identities; "
            f"{'the cells where they differ are' if any(a is not None for a in agreed) else 'the cells are'} left null",
            "warning",
            where,
        )
    )
    return [
        CellValue(None, run, ["glued_cells_ambiguous"])
        if a is None
        else CellValue(a, str(a), ["glued_cells_split"])
        for a in agreed
    ]


def _row_domain(runs: list[str]) -> list[Reading] | None:
    """Every reading of a 表三 row's run of digits, blanks dropped (glued.row_readings); None when the
    row cannot be read that way (several runs, a decimal, too many readings)."""
    if not runs:
        return [(None,) * 7]  # nothing printed: every cell blank
    if len(runs) > 1:
        return None
    digits, cuts, negatives = pieces_of(runs[0])
    found = row_readings(digits, 6, cuts | negatives, negatives, limit=MAX_CANDIDATES)
    return list(dict.fromkeys(found)) if found else None


def _settle_by_identities(
    result: ScannedTables,
    form: str,
    domains: dict[str, list[Reading] | None],
    runs_of: dict[str, list[str]],
) -> bool:
    """Each row's cells from the readings of its digits (blanks dropped) that the column identities leave:
    a cell is taken where every reading left gives it the same value, else it is null and flagged. False
    (nothing taken) when the identities cannot all hold with the rows' readings: the text is not a table
    that adds up, so nothing may be settled by its sums."""
    known = {(k,): [(r,) for r in d] for k, d in domains.items() if d is not None}
    values_of = settle(forms.RESULT_ROWS[form], known)
    if values_of is False:
        return False
    assert values_of is not True
    for key, column_values in values_of.items():
        width = len(column_values)
        run = " ".join(runs_of[key])
        several = len(domains[key] or []) > 1
        flags = ["glued_cells_split", *(["column_identities_used"] if several else [])]
        cells: list[CellValue] = []
        for column in range(width):
            values = column_values[column]
            if len(values) == 1:
                (value,) = values
                cells.append(
                    CellValue(None, "") if value is None else CellValue(value, str(value), list(flags))
                )
            else:
                cells.append(CellValue(None, run, ["glued_cells_ambiguous"]))
        if len(run.split()) == width:
            cells = [
                CellValue(c.value, c.raw, [f for f in c.flags if f != "glued_cells_split"]) for c in cells
            ]
        result.applications[key] = cells
        open_columns = [
            forms.APPLICANT_KEYS[c] for c, cell in enumerate(cells) if "glued_cells_ambiguous" in cell.flags
        ]
        if open_columns:
            result.problems.append(
                Problem(
                    "glued_cells_ambiguous",
                    f"the digits {run} run together with no separator; with blank cells printed as nothing, "
                    f"several readings fit the row and the table's identities in {', '.join(open_columns)}: "
                    "those cells are left null",
                    "warning",
                    f"applications.{key}",
                )
            )
    return True


def _check_columns(result: ScannedTables, form: str) -> None:
    """Cuts are confirmed by the table's column identities; where one fails, the cut cells are flagged."""
    apps = result.applications
    result_rows = forms.RESULT_ROWS[form]

    def value(row: str, column: int) -> float | None:
        cells = apps.get(row)
        number = None if cells is None else cells[column].value
        return None if number is None else float(number)

    for column, key in enumerate(forms.APPLICANT_KEYS):
        parts = [value(r, column) for r in result_rows]
        total = value("results_total", column)
        ends = [
            value(r, column)
            for r in (
                "new_requests",
                "carried_over_from_last_year",
                "results_total",
                "carried_forward_to_next_year",
            )
        ]
        broken: list[str] = []
        if total is not None and all(p is not None for p in parts) and abs(sum(parts) - total) > 1e-9:  # type: ignore[arg-type]
            broken += [*result_rows, "results_total"]
        if None not in ends and abs(ends[0] + ends[1] - ends[2] - ends[3]) > 1e-9:  # type: ignore[operator]
            broken += [
                "new_requests",
                "carried_over_from_last_year",
                "results_total",
                "carried_forward_to_next_year",
            ]
        flagged = False
        for row in dict.fromkeys(broken):
            cell = apps[row][column]
            if "glued_cells_split" in cell.flags and "glued_identity_unconfirmed" not in cell.flags:
                cell.flags.append("glued_identity_unconfirmed")
                flagged = True
        if flagged:
            result.problems.append(
                Problem(
                    "glued_identity_unconfirmed",
                    f"表三 column {key}: cells cut from run-together digits do not meet "
                    "the column's identities; the cut may be wrong, check them",
                    "warning",
                    f"applications.{key}",
                )
            )


# ---------------------------------------------------------------- 表四


def _scan_review(t: str, start: int, result: ScannedTables) -> None:
    head = re.compile("行政复议").search(t, start)
    if head is None:
        return
    window_end = min(len(t), head.end() + MAX_GAP)
    totals = [m for m in re.finditer("总计|合计", t[head.start() : window_end])]
    for m in reversed(totals):
        after = head.start() + m.end()
        run = _RUN.match(t, after + len(t[after:window_end]) - len(t[after:window_end].lstrip()))
        if run:
            cells = _cut([run.group(0).strip()], [5, 5, 5], True, "review_litigation", result.problems)
            result.review = dict(zip(forms.REVIEW_COLUMNS, cells, strict=True))
            return


# ---------------------------------------------------------------- 表二


def _scan_active(t: str, end: int, result: ScannedTables) -> None:
    head = re.compile(r"第二十条第").search(t, 0, end)
    if head is None:
        return
    region = t[head.start() : end]
    score = {
        f: sum(forms.normalize_label(m) in forms.normalize_label(region) for m in markers)
        for f, markers in forms.FORM_MARKERS.items()
    }
    form = max(score, key=lambda f: score[f]) if score["f2021"] != score["f2019"] else result.form or "f2021"
    result.form = result.form or form
    position = 0
    for item in forms.ACTIVE_ITEMS[form]:
        words = [item.label, *_words(item)] if item.key != "normative_documents" else ["规范性文件"]
        hit = _find(region, words, position, min(len(region), position + MAX_GAP))
        if hit is None:
            continue
        position = hit[1]
        run = _RUN.match(region, hit[1] + len(region[hit[1] :]) - len(region[hit[1] :].lstrip()))
        if run is None:
            continue
        text = run.group(0).strip().rstrip(".,")
        where = f"active_disclosure.{item.key}"
        unit = (
            "万元" if item.key == "administrative_fees" and item.metrics[0].key == "fee_amount" else item.unit
        )
        if len(item.metrics) == 1:
            parsed = parse_value(text)
            cells = [CellValue(parsed.value, text, list(parsed.flags), parsed.unit or unit)]
        else:
            cells = _cut([text], [len(item.metrics)], False, where, result.problems)
        for metric, cell in zip(item.metrics, cells, strict=True):
            if "amount" in metric.key and metric.key != "fee_amount":
                cell.unit = None
            elif cell.unit is None:
                cell.unit = unit
            result.active[(item.key, metric.key)] = cell
