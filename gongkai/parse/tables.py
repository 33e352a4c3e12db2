"""Sections 二, 三 and 四 of the national forms: from a run of segments to canonical cells."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from gongkai import forms
from gongkai.forms import Key, match_key, normalize_label
from gongkai.model import CellValue, Problem
from gongkai.parse.glued import looks_glued, pieces_of, readings
from gongkai.parse.stream import LogicalRow, Segment, _is_header_like, classify, logical_rows
from gongkai.values import parse_value

APPLICANT_HEADER_WORDS = (
    "申请人情况",
    "自然人",
    "法人或其他组织",
    "商业企业",
    "科研机构",
    "社会公益组织",
    "法律服务机构",
    "勾稽关系",
)
REVIEW_HEADER_WORDS = ("结果维持", "结果纠正", "其他结果", "尚未审结", "未经复议", "复议后起诉")

# every row key a report may print, in the order they are tried (specific words before general ones)
_ROW_KEYS: tuple[Key, ...] = tuple(
    {k.key: k for k in (*forms.APPLICATION_ROWS["f2021"], forms.OTHER_HANDLING)}.values()
)


def cell_value(
    raw: str | None, hint: str | None = None, flags: tuple[str, ...] = (), unit: str | None = None
) -> CellValue:
    parsed = parse_value(raw, hint)
    return CellValue(parsed.value, (raw or "").strip(), [*parsed.flags, *flags], parsed.unit or unit)


# ---------------------------------------------------------------- 表三 applications


@dataclass
class ApplicationsReading:
    cells: dict[str, list[CellValue]] = field(default_factory=dict)  # row key → 7 cells
    problems: list[Problem] = field(default_factory=list)
    # the cells a row printed, in order, where their columns are not known (no grid, fewer than seven):
    # its numbers were placed by count, and may be placed again by the table's identities
    unplaced: dict[str, list[str]] = field(default_factory=dict)
    # rows read from text with no grid: there a row printed blank leaves no trace, and the numbers under
    # its label may be the next row's, whose label was lost
    gridless: set[str] = field(default_factory=set)
    # the cells a gridless row printed, in order, when its own label named it: a row below it whose label
    # was lost may have printed its numbers right after them (parse._place_by_identities)
    printed: dict[str, list[str]] = field(default_factory=dict)

    @property
    def prints_other_subrows(self) -> bool:
        return any(k in self.cells for k in ("other_overdue_correction", "other_overdue_fee", "other_other"))


_INNER_ENUMERATOR = re.compile(r"(?<=\S)(?=\d{1,2}[.．、][^\d])")


def _names_two_rows(labels: list[str]) -> bool:
    """A label cell holding two rows' labels ('大量反复申请4.无正当理由5.要求行政机关确认…'): a layout without
    rulings put a blank row's wrapped label into the next row's. Which row the numbers are for is unknown."""
    pieces = _INNER_ENUMERATOR.split("".join(labels).replace(" ", ""))
    keys = {match_key(p, _ROW_KEYS) for p in pieces} - {None}
    if keys & set(forms.OTHER_SUBROWS):
        keys.discard(forms.OTHER_HANDLING.key)  # （六）其他处理 is the group of its numbered rows
    return len(keys) > 1


def _match_row(labels: list[str]) -> str | None:
    if not labels or _names_two_rows(labels[-1:]):
        return None
    candidates = [labels[-1], "".join(labels[-2:]), "".join(labels)]
    for text in candidates:
        key = match_key(text, _ROW_KEYS)
        if key:
            return key
    return None


# the rows in printed order, （六）其他处理 printed as one row where its three rows would be
_FORM_ORDER = {
    k.key: i
    for i, k in enumerate(
        (*forms.APPLICATION_ROWS["f2021"][:-2], forms.OTHER_HANDLING, *forms.APPLICATION_ROWS["f2021"][-2:])
    )
}


def _blank_rows_split_off(rows: list[LogicalRow]) -> list[LogicalRow]:
    """Rows printed blank in text where empty cells leave nothing: their label runs straight into the next
    row's ('3.危及“三安全一稳定”' then '4.保护第三方合法权益 0 0 …'), and the two labels read as one row's.
    A label naming a row of its own that the form prints before the row its last label names is that blank
    row — only in a table read row by row (every value run under a label, none split off a longer run)
    and where no other row of the table names it."""
    valued = [r for r in rows if any(v.strip() for v in r.values)]
    if 3 * sum(1 for r in valued if r.labels) < 2 * len(valued):
        return rows  # labels and values not read row by row (a column of labels, then the numbers)
    named = [_match_row(r.labels) for r in rows]
    out: list[LogicalRow] = []
    for row, key in zip(rows, named, strict=True):
        own = match_key(row.labels[-1], _ROW_KEYS) if row.labels else None
        if own is None or own != key or len(row.labels) < 2:
            out.append(row)
            continue
        blanks: list[tuple[int, str]] = []
        for index, label in enumerate(row.labels[:-1]):
            other = match_key(label, _ROW_KEYS)
            if (
                other is None
                or other in named
                or any(other == b for _, b in blanks)
                or _names_two_rows([label])
                or _FORM_ORDER[other] >= _FORM_ORDER[own]
                or (other == forms.OTHER_HANDLING.key and own in forms.OTHER_SUBROWS)
                or (blanks and _FORM_ORDER[other] <= _FORM_ORDER[blanks[-1][1]])
            ):
                continue
            blanks.append((index, other))
        if not blanks or len(blanks) > len(forms.ALL_APPLICATION_ROW_KEYS) // 3:
            out.append(row)
            continue
        for index, _ in blanks:
            out.append(
                replace(
                    row, labels=[row.labels[index]], values=[], printed_blank=True, sources=set(row.sources)
                )
            )
        out.append(replace(row, labels=row.labels[blanks[-1][0] + 1 :]))
    return out


MAX_REJOINED = 21  # values of a labelled row and the rows split off it that are put back together


def _rejoined(rows: list[LogicalRow]) -> list[LogicalRow]:
    """Rows that logical_rows split off a labelled row's run of 14 or 21 values (taken for rows whose
    labels were lost), put back into it: in text that drops empty cells a row prints fewer than seven, so
    the run is cut by the table's identities instead (parse._place_by_identities)."""
    out: list[LogicalRow] = []
    for row in rows:
        parent = out[-1] if out else None
        if (
            row.split_from_previous
            and parent is not None
            and parent.labels
            and not parent.gridded
            and len(parent.values) + len(row.values) <= MAX_REJOINED
        ):
            out[-1] = replace(
                parent, values=[*parent.values, *row.values], sources=parent.sources | row.sources
            )
            continue
        out.append(row)
    return out


def read_applications(segments: list[Segment]) -> ApplicationsReading:
    logical = _blank_rows_split_off(_rejoined(logical_rows(segments, 7, APPLICANT_HEADER_WORDS)))
    valued = [r for r in logical if any(v.strip() for v in r.values) or r.printed_blank]
    # a grid row whose seven cells are all blank is a row all the same, when its label names one — unless
    # it is the rest of a row that a page break cut in two (its values above it, under a broken label);
    # so is a text row printing seven empty cells (a pipe table's '| 5.属于三类内部事务信息 | | … |')
    first = next((i for i, r in enumerate(logical) if any(v.strip() for v in r.values)), len(logical))
    named = {_match_row(r.labels) for r in valued}
    with_blank = [
        r
        for i, r in enumerate(logical)
        if any(v.strip() for v in r.values)
        or r.printed_blank
        or (r.gridded and len(r.values) == 7 and _match_row(r.labels))
        or (
            i > first  # below the first row of numbers: not a header row
            and len(r.values) >= 7
            and not _is_header_like(r.labels, APPLICANT_HEADER_WORDS)
            and _match_row(r.labels) not in {*named, None}
        )
    ]
    if len(with_blank) == len(valued):
        return _read_applications(valued)
    readings = [_read_applications(with_blank), _read_applications(valued)]
    return min(readings, key=lambda r: sum(1 for p in r.problems if p.code == "row_unplaced"))


def _read_applications(rows: list[LogicalRow]) -> ApplicationsReading:
    reading = ApplicationsReading()
    if not rows:
        return reading
    keys = [None if r.split_from_previous else _match_row(r.labels) for r in rows]
    if "other_handling" in keys and set(keys) & {
        "other_overdue_correction",
        "other_overdue_fee",
        "other_other",
    }:
        # a table printing the three （六） rows has no single 其他处理 row: that label is the group's,
        # on a sub-row whose own label was lost
        keys = [None if k == "other_handling" else k for k in keys]
    # which row set (three 其他处理 rows, or one) the table prints decides where lost labels go
    orders = [[k.key for k in forms.APPLICATION_ROWS[f]] for f in ("f2021", "f2019")]
    if "other_handling" in keys:
        orders.reverse()
    readings = [_infer_lost_labels(keys, order) for order in orders]
    inferred = min(
        readings, key=lambda r: sum(1 for k, i in zip(keys, r, strict=True) if k is None and i is None)
    )
    totals_only = all(len([v for v in r.values if v.strip()]) <= 1 for r in rows)
    # a table whose cells were glued together: each row is one run of digits
    glued = totals_only and any(looks_glued(v, 7) for r in rows for v in r.values)
    for row, key, was_inferred in zip(rows, keys, inferred, strict=True):
        final = key or was_inferred
        if final is None:
            reading.problems.append(
                Problem(
                    "row_unplaced",
                    f"a row of 表三 with values {row.trimmed_values()} has no label that names a "
                    f"canonical row and could not be placed by position; check the table",
                    "warning",
                    "applications",
                )
            )
            continue
        if final in reading.cells:
            reading.problems.append(
                Problem(
                    "row_duplicate",
                    f"表三 prints row {final} twice; the first is kept",
                    "warning",
                    f"applications.{final}",
                )
            )
            continue
        if not row.gridded:
            reading.gridless.add(final)
        label_flags = (*row.source_flags, *(("label_inferred",) if key is None else ()))
        hint = row.labels[-1] if row.labels else None
        digits = "".join(v.strip() for v in row.values)
        if row.printed_blank:
            reading.cells[final] = [CellValue(None, "", list(row.source_flags)) for _ in range(7)]
        elif (
            (glued or (row.glued and len(row.trimmed_values()) == 1))
            and digits.isdigit()
            and len(digits) >= 7
        ):
            reading.cells[final] = _unglued(
                digits, [7], label_flags, reading.problems, f"applications.{final}"
            )
        else:
            raw_cells, column_flags = _columns(row, totals_only)
            if not row.gridded and key is not None:
                reading.printed[final] = row.trimmed_values()
            reading.cells[final] = [cell_value(raw, hint, (*column_flags, *label_flags)) for raw in raw_cells]
            if column_flags and len(row.trimmed_values()) <= 7:
                reading.unplaced[final] = row.trimmed_values()
            # a grid row with blank cells left of its seven values is a label column the ruling split in two
            if (
                row.gridded
                and column_flags
                and (len(row.values) < 7 or any(v.strip() for v in row.values[:-7]))
            ):
                reading.problems.append(
                    Problem(
                        "grid_misfit",
                        f"表三 row {final} has {len(row.values)} cells where the grid has 7 applicant "
                        "columns; its values were placed by count, check them",
                        "warning",
                        f"applications.{final}",
                    )
                )
        if key is None:
            reading.problems.append(
                Problem(
                    "label_inferred",
                    f"a 表三 row had no readable label; placed as {final} by its position "
                    "between labelled rows",
                    "info",
                    f"applications.{final}",
                )
            )
    return reading


def _unglued(
    digits: str,
    blocks: list[int],
    flags: tuple[str, ...],
    problems: list[Problem],
    where: str,
    totals: bool = True,
) -> list[CellValue]:
    """Cells of a glued run of digits: the unique reading the identities allow, else nulls, flagged."""
    numbers, cuts, negatives = pieces_of(digits)
    found = readings(numbers, blocks, totals, cuts | negatives, negatives)
    if len(found) == 1:
        return [CellValue(n, str(n), ["glued_cells_split", *flags]) for n in found[0]]
    problems.append(
        Problem(
            "glued_cells_ambiguous",
            f"the digits {digits} run together with no separator and "
            f"{'several readings fit' if found else 'no reading fits'} the table's identities; the cells are left "
            "null",
            "warning",
            where,
        )
    )
    return [CellValue(None, digits, ["glued_cells_ambiguous", *flags]) for _ in range(sum(blocks))]


def _infer_lost_labels(keys: list[str | None], order: list[str]) -> list[str | None]:
    """Give unlabelled rows the canonical keys missing between their labelled neighbours, when the
    count of unlabelled rows equals the count of missing keys (otherwise the placement is unknown)."""
    inferred: list[str | None] = [None] * len(keys)
    position = {k: i for i, k in enumerate(order)}
    i = 0
    while i < len(keys):
        if keys[i] is not None:
            i += 1
            continue
        j = i
        while j < len(keys) and keys[j] is None:
            j += 1
        before = next((position[k] for k in reversed(keys[:i]) if k in position), -1)
        after = next((position[k] for k in keys[j:] if k in position), len(order))
        present = set(keys)
        missing = [k for k in order[before + 1 : after] if k not in present]
        if len(missing) == j - i:
            inferred[i:j] = missing
        i = j
    return inferred


def _identity_holds(cells: list[str]) -> bool | None:
    values = [parse_value(c).value for c in cells]
    if any(v is None for v in values):
        return None
    return abs(sum(values[:-1]) - values[-1]) < 1e-9  # type: ignore[arg-type,operator]


def _columns(row: LogicalRow, totals_only: bool) -> tuple[list[str], tuple[str, ...]]:
    """The row's seven applicant cells, choosing between the readings its layout allows."""
    if row.gridded and len(row.values) == 7:  # a grid row prints every cell, blanks included
        return list(row.values), ()
    values = row.trimmed_values()
    filled = [v for v in values if v.strip()]
    if totals_only and len(filled) == 1:
        return ["", "", "", "", "", "", filled[0]], (() if len(values) == 7 else ("column_inferred",))
    if len(values) == 7:
        return values, ()
    if len(values) > 7:
        if len(filled) == 7:
            return filled, ("column_inferred",)
        return values[-7:], ("column_inferred",)
    pad = [""] * (7 - len(values))
    left, right = values + pad, pad + values
    if _identity_holds(right) and not _identity_holds(left):
        return right, ("column_inferred",)
    return left, ("column_inferred",)


# ---------------------------------------------------------------- 表四 review and litigation


def read_review(segments: list[Segment]) -> tuple[dict[str, CellValue], list[Problem]]:
    rows = [r for r in logical_rows(segments, 0, REVIEW_HEADER_WORDS) if any(v.strip() for v in r.values)]
    problems: list[Problem] = []
    if not rows:
        return {}, problems
    chosen: list[str] | None = None
    flags: tuple[str, ...] = ()
    full = [r.values for r in rows if r.gridded and len(r.values) == 15] or [
        r.trimmed_values() for r in rows if len(r.trimmed_values()) == 15
    ]
    by_block = {match_key(r.labels[-1], forms.REVIEW_BLOCKS): r for r in rows if r.labels}
    stream = [v.strip() for r in rows for v in r.trimmed_values() if v.strip()]
    source_flags = tuple(dict.fromkeys(f for r in rows for f in r.source_flags))
    if len(stream) == 1 and looks_glued(stream[0], 15):
        cells = _unglued(stream[0], [5, 5, 5], source_flags, problems, "review_litigation")
        return dict(zip(forms.REVIEW_COLUMNS, cells, strict=True)), problems
    # a line of fifteen numbers apart by single spaces (a PDF with no rulings): one cell per number
    tokens = stream[0].split() if len(stream) == 1 else []
    if not full and len(tokens) == 15 and all(classify(t) == "value" for t in tokens):
        full = [tokens]
    if full:
        chosen = list(full[0])
    elif all(b.key in by_block and len(by_block[b.key].trimmed_values()) == 5 for b in forms.REVIEW_BLOCKS):
        chosen = [v for b in forms.REVIEW_BLOCKS for v in by_block[b.key].trimmed_values()]
    else:
        stream = [v for r in rows for v in r.trimmed_values()]
        filled = [v for v in stream if v.strip()]
        if len(stream) == 15:
            chosen = stream
        elif len(filled) == 15:
            chosen, flags = filled, ("column_inferred",)
    if chosen is None:
        problems.append(
            Problem(
                "review_unreadable",
                "表四 was found but its 15 cells could not be told apart "
                f"({sum(len(r.trimmed_values()) for r in rows)} values); its cells are left null",
                "warning",
                "review_litigation",
            )
        )
        return {}, problems
    flags = (*flags, *source_flags)
    return {
        col: cell_value(raw, None, flags) for col, raw in zip(forms.REVIEW_COLUMNS, chosen, strict=True)
    }, problems


# ---------------------------------------------------------------- 表二 active disclosure


def read_active(segments: list[Segment], form: str) -> tuple[dict[tuple[str, str], CellValue], list[Problem]]:
    items = forms.ACTIVE_ITEMS[form]
    out: dict[tuple[str, str], CellValue] = {}
    problems: list[Problem] = []
    matched: list[tuple[forms.Item, LogicalRow]] = []
    for row in logical_rows(segments, 0):
        if not row.labels or not any(v.strip() for v in row.values):
            continue
        key = match_key(row.labels[-1], items) or match_key("".join(row.labels[-2:]), items)
        item = next((i for i in items if i.key == key), None)
        if item is not None and all(i.key != item.key for i, _ in matched):
            matched.append((item, row))
    # cells run together in one row mean they are run together in every row of the table
    glued = any(
        len(i.metrics) > 1
        and len(r.trimmed_values()) == 1
        and looks_glued(r.trimmed_values()[0], len(i.metrics))
        for i, r in matched
    )
    for item, row in matched:
        values = row.trimmed_values()
        if (
            (glued or row.glued)
            and len(item.metrics) > 1
            and len(values) == 1
            and re.fullmatch(r"-?\d[\d.,\-]*", values[0].strip())
        ):
            cells = _unglued(
                values[0],
                [len(item.metrics)],
                row.source_flags,
                problems,
                f"active_disclosure.{item.key}",
                totals=False,
            )
            for metric, cell in zip(item.metrics, cells, strict=True):
                cell.unit = item.unit
                out[(item.key, metric.key)] = cell
            continue
        header_unit = _unit_in(row.labels)
        # fewer cells than metrics, with no grid to say which are blank: placed by count, flagged
        by_count = len(values) < len(item.metrics) and not (
            row.gridded and len(row.values) == len(item.metrics)
        )
        flags = (*row.source_flags, *(("column_inferred",) if by_count else ()))
        if by_count:
            problems.append(
                Problem(
                    "grid_misfit",
                    f"表二 row {item.label} prints {len(values)} cells for {len(item.metrics)} metrics; "
                    "they were placed from the left, check them",
                    "warning",
                    f"active_disclosure.{item.key}",
                )
            )
        for metric, raw in zip(item.metrics, values + [""] * (len(item.metrics) - len(values)), strict=False):
            unit = (
                "万元" if metric.key == "fee_amount" else header_unit if "amount" in metric.key else item.unit
            )
            cell = cell_value(raw, item.label, flags, unit=unit)
            if metric.key == "fee_amount" and cell.unit == "元" and cell.value is not None:
                cell = CellValue(
                    round(cell.value / 10_000, 6), cell.raw, [*cell.flags, "unit_converted"], "万元"
                )
            out[(item.key, metric.key)] = cell
        if len(values) > len(item.metrics):
            problems.append(
                Problem(
                    "extra_cells",
                    f"表二 row {item.label} prints {len(values)} cells for {len(item.metrics)} metrics; "
                    "the first ones are kept",
                    "warning",
                    f"active_disclosure.{item.key}",
                )
            )
    if matched:
        for item in items:
            if all(i.key != item.key for i, _ in matched):
                problems.append(
                    Problem(
                        "item_missing",
                        f"表二 item {item.label} was not found in the table; its cells are null",
                        "warning",
                        f"active_disclosure.{item.key}",
                    )
                )
    return out, problems


def _unit_in(labels: list[str]) -> str | None:
    text = normalize_label("".join(labels))
    m = re.search(r"(万元|元)", text)
    return m.group(1) if m else None
