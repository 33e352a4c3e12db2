"""Sections 二, 三 and 四 of the national forms: from a run of segments to canonical cells."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
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
    # of those, the rows that printed their numbers (no more than one row's) on their label's own line: all
    # of them are the row's, and a row below whose label was lost printed none there
    lined: set[str] = field(default_factory=set)
    # the 法人或其他组织 column as printed, by row, where the header prints it as one column with no kinds
    aggregated: dict[str, str] = field(default_factory=dict)

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


def _label_tails_joined(rows: list[LogicalRow]) -> list[LogicalRow]:
    """A row cut by a page break, ruled on both pages: its numbers sit under the start of its label
    ('8.属于行政'), the rest of the label opens the next page on a row with no number ('查询事项'). The
    tail joins the label above it only where that label names no row alone and the two, one after the
    other, are the printed label of a row of the form — never a row of its own that happens to follow an
    unreadable label (a blank '3.要求提供公开出版物' after a garbled '重2.复申请')."""
    out: list[LogicalRow] = []
    for row in rows:
        parent = out[-1] if out else None
        if (
            parent is not None
            and parent.labels
            and any(v.strip() for v in parent.values)
            and len(row.labels) == 1
            and not any(v.strip() for v in row.values)
            and _match_row(parent.labels) is None
            and _cut_label(parent.labels[-1], row.labels[0])
        ):
            out[-1] = replace(parent, labels=[*parent.labels[:-1], parent.labels[-1] + row.labels[0]])
            continue
        out.append(row)
    return out


def _cut_label(head: str, tail: str) -> bool:
    """`head` then `tail` is a 表三 row's label as the form prints it (numbering and punctuation aside)."""
    start, rest = forms.normalize_label(head), forms.normalize_label(tail)
    return bool(start and rest) and any(start + rest in forms.normalize_label(k.label) for k in _ROW_KEYS)


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
                parent,
                values=[*parent.values, *row.values],
                sources=parent.sources | row.sources,
                lined=False,
            )
            continue
        out.append(row)
    return out


# ---------------------------------------------------------------- 表三 columns named by the header

LEGAL_KINDS = forms.APPLICANT_KEYS[1:6]
AGGREGATE = "legal_persons"  # 法人或其他组织 printed as one column, no kinds under it: no canonical cell
SUBTOTAL = "legal_persons_subtotal"  # 小计/合计 of the five kinds: a check, not a canonical cell
_AMBIGUOUS = "?"
_LEAVES = (
    ("自然人", "natural_person"),
    ("商业企业", "commercial_enterprise"),
    ("科研机构", "research_institution"),
    ("公益组织", "public_interest_org"),
    ("法律服务机构", "legal_service_org"),
)
_LEGAL_GROUP = re.compile(r"法人(或者?|和|及|与|或其他|其他)?其?[他它]?组织|^法人$")
_OTHER_WORDS = frozenset({"其他", "其它", "其他组织", "其它组织"})
_SUM_WORDS = frozenset({"总计", "合计", "总数"})


def _head_word(text: str) -> str | None:
    """What one header cell names: a canonical column, the legal-person group, a sum (总计/合计: the
    table's or the group's, by where it stands), 小计, or nothing the parser knows (None)."""
    norm = normalize_label(text)
    if not norm:
        return None
    legal = _LEGAL_GROUP.search(norm)
    rest = _LEGAL_GROUP.sub("", norm) if legal else norm
    if legal:
        if "自然人" in rest:
            return _AMBIGUOUS  # 自然人、法人或其他组织 in one cell
        if "小计" in rest or any(w in rest for w in _SUM_WORDS):
            return SUBTOTAL
        return "legal" if not rest or rest in ("申请人", "申请人情况") else _AMBIGUOUS
    found = {key for word, key in _LEAVES if word in norm}
    if len(found) > 1:
        return _AMBIGUOUS
    if found:
        return found.pop()
    if norm in _OTHER_WORDS:
        return "other_org"
    if norm == "小计":
        return SUBTOTAL
    if norm in _SUM_WORDS:
        return "sum"
    return None


def _column_class(stack: list[tuple[str, int]]) -> str | None:
    """A grid column's canonical key from the header cells above it (text, column span), top to bottom.
    Two cells naming different columns: the narrower names this one (a PDF's rulings can stretch a header
    cell over its neighbours, never shrink one), the same width cannot be told apart."""
    named = [(w, span) for w, span in ((_head_word(t), n) for t, n in stack) if w]
    words = [w for w, _ in named]
    if _AMBIGUOUS in words:
        return _AMBIGUOUS
    legal = "legal" in words
    leaves = {w for w in words if w != "legal"}
    if len(leaves) > 1:
        narrowest = min(n for w, n in named if w != "legal")
        leaves = {w for w, n in named if w != "legal" and n == narrowest}
    if len(leaves) > 1:
        return _AMBIGUOUS
    leaf = leaves.pop() if leaves else None
    if leaf is None:
        return AGGREGATE if legal else None
    if leaf == "sum":
        return SUBTOTAL if legal else "total"
    if leaf == "natural_person" and legal:
        return _AMBIGUOUS
    return leaf


@dataclass(frozen=True)
class Header:
    """表三's value columns as its header names them: each slot (a canonical key, AGGREGATE or SUBTOTAL)
    with the grid columns under it (one, or adjacent ones a ruling split)."""

    slots: tuple[tuple[str, tuple[int, ...]], ...] = ()
    ambiguous: str = ""  # why the header could not be read (then it is not used)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(k for k, _ in self.slots)

    def shifted(self, offset: int) -> Header:
        """The header over a table whose grid has `offset` more columns on its left."""
        return Header(tuple((k, tuple(c + offset for c in cols)) for k, cols in self.slots), self.ambiguous)

    @property
    def national(self) -> bool:
        """The national form's seven columns in its order: read as every 表三 has always been read."""
        return self.keys == forms.APPLICANT_KEYS


def _header_of(run: list[Segment]) -> Header | None:
    """The header of a run of value-less grid rows, or None when the run names neither 自然人 nor 法人或其他组织,
    or fewer than two kinds of applicant column (a heading, blank rows whose labels read 其他 or 总计): not
    表三's header."""
    texts = {normalize_label(t) for s in run for t in s.filled or ()}
    if not any("自然人" in t or _LEGAL_GROUP.search(t) for t in texts):
        return None
    classes = _column_classes(run)
    named = {k for k in classes if k is not None}
    if len(named) < 2:
        return None
    slots: list[tuple[str, list[int]]] = []
    for c, key in enumerate(classes):
        if key is None:
            continue
        if slots and slots[-1][0] == key and slots[-1][1][-1] == c - 1:
            slots[-1][1].append(c)
        else:
            slots.append((key, [c]))
    keys = [k for k, _ in slots]
    why = ""
    if _AMBIGUOUS in keys:
        why = "a header cell names more than one applicant column"
    elif len(set(keys)) < len(keys):
        why = "a column name is printed over two columns apart"
    elif AGGREGATE in keys and (set(LEGAL_KINDS) | {SUBTOTAL}) & set(keys):
        why = "法人或其他组织 stands over one column of its own beside its kinds"
    elif SUBTOTAL in keys and not set(LEGAL_KINDS) & set(keys):
        why = "a 小计 column with no kinds of 法人或其他组织 to add up"
    return Header(tuple((k, tuple(cols)) for k, cols in slots), why)


def _column_classes(run: list[Segment]) -> list[str | None]:
    """What the header rows of `run` name over each grid column (_column_class), None where nothing."""
    return column_classes([tuple(zip(s.filled, s.spans, strict=True)) for s in run if s.filled and s.spans])


def column_classes(rows: Sequence[Sequence[tuple[str, int]]]) -> list[str | None]:
    """What header rows name over each grid column (_column_class), None where nothing; each row gives every
    grid position's (text, column span), a position a span covers holding the spanning cell's."""
    classes: list[str | None] = []
    for c in range(max((len(row) for row in rows), default=0)):
        stack: list[tuple[str, int]] = []
        for row in rows:
            cell = row[c] if c < len(row) else ("", 1)
            if cell[0].strip() and (not stack or stack[-1] != cell):
                stack.append(cell)
        classes.append(_column_class(stack))
    return classes


def _against_national(run: list[Segment], width: int) -> str:
    """Why the header rows of `run` forbid reading the table's last seven columns as the national form's
    seven, in its order: a column named where that order has another (其他 over the first value column,
    总计 over the second). '' when nothing the header names says so."""
    offset = width - len(forms.APPLICANT_KEYS)
    wrong = [
        (c, key)
        for c, key in enumerate(_column_classes(run))
        if key in forms.APPLICANT_KEYS
        and 0 <= c - offset < len(forms.APPLICANT_KEYS)
        and forms.APPLICANT_KEYS[c - offset] != key
    ]
    if not wrong:
        return ""
    c, key = wrong[0]
    return (
        f"it names {key} over value column {c - offset + 1}, where the national form prints "
        f"{forms.APPLICANT_KEYS[c - offset]}, but not every column could be read"
    )


def table_headers(segments: list[Segment]) -> dict[int, Header]:
    """Each grid table's 表三 header (by block index): the value-less grid rows above its first row of
    numbers. A table of header rows alone (a PDF whose header and body rulings differ is read as two
    tables) is the header of the table right after it, their value columns flush right. A table with no
    header of its own (表三 continued after a page break) takes the header of the table before it when
    their grids are as wide. A table printing two different headers has none that can be trusted."""
    headers: dict[int, Header] = {}
    runs: dict[int, list[Segment]] = {}
    widths: dict[int, int] = {}
    valued: set[int] = set()  # tables with a row of numbers
    # per table: why its header rows, not understood, still forbid reading its columns in the national order
    misplaced: dict[int, str] = {}
    numbers: dict[int, Counter[int]] = {}  # per table: how many rows print a number in each column
    last: int | None = None
    for seg in segments:
        if not seg.gridded or seg.filled is None:
            continue
        block = seg.block_index
        widths[block] = len(seg.filled)
        at = [c for c, text in zip(seg.columns or (), seg.cells, strict=False) if classify(text) == "value"]
        if not at:
            runs.setdefault(block, []).append(seg)
            continue
        valued.add(block)
        numbers.setdefault(block, Counter()).update(at)
        run = runs.pop(block, [])
        found = _header_of(run) if run else None
        if run and block not in headers and block not in misplaced:
            misplaced[block] = _against_national(run, widths[block])
        if block in headers:  # rows of numbers seen before in this table: a header printed again
            if found is not None and found.slots != headers[block].slots:
                headers[block] = Header(headers[block].slots, "the table prints two different headers")
            continue
        above = max((b for b in runs if b < block), default=None)
        if found is None and above is not None and above not in valued:
            alone = _header_of(runs[above])
            if alone is not None and alone.slots and alone.slots[-1][1][-1] == widths[above] - 1:
                found = alone.shifted(widths[block] - widths[above])
        if found is None and last is not None:
            before = headers[last]
            if widths.get(last) == widths[block]:
                found = before
            elif before.slots and before.slots[-1][1][-1] == widths[last] - 1:
                found = before.shifted(widths[block] - widths[last])  # the value columns flush right
        for b in [b for b in runs if b < block]:
            del runs[b]
        if found is not None:
            headers[block] = found
            last = block
    # a header is understood only where it names every column the table prints numbers in (a word it
    # does not know, a misread one, a column it does not name: not understood, read as before)
    for block, header in list(headers.items()):
        named = {c for _, cols in header.slots for c in cols}
        if not header.ambiguous and {c for c, n in numbers[block].items() if n >= 2} - named:
            del headers[block]
    # …unless what it does name is not where the national order has it (a reordered header, a word of it
    # misread): read in the national order all the same, but said to be in doubt — a column read in the
    # wrong order breaks no identity
    for block, why in misplaced.items():
        if why and block not in headers:
            headers[block] = Header((), why)
    return headers


def _by_header(row: LogicalRow, header: Header) -> dict[str, str] | None:
    """The row's printed text under each of the header's slots, or None when its cells do not sit under
    the header's columns (a cell missing, two numbers under one column, a number under no column)."""
    columns = row.columns
    if (
        not row.gridded
        or columns is None
        or len(columns) != len(row.values)
        or len(set(columns)) < len(columns)
    ):
        return None
    at = dict(zip(columns, row.values, strict=True))
    out: dict[str, str] = {}
    for key, cols in header.slots:
        present = [at[c] for c in cols if c in at]
        filled = [v for v in present if v.strip()]
        if not present or len(filled) > 1:
            return None
        out[key] = (filled or present)[0]
    under = {c for _, cols in header.slots for c in cols}
    if any(v.strip() and c not in under for c, v in at.items()):
        return None
    return out


def _num_of(raw: str, hint: str | None) -> float | None:
    value = parse_value(raw, hint).value
    return None if value is None else float(value)


def _cells_by_header(
    printed: dict[str, str],
    final: str,
    hint: str | None,
    flags: tuple[str, ...],
    reading: ApplicationsReading,
) -> list[CellValue]:
    """The seven canonical cells of a row read under its header: a column the header does not print is
    null (flagged legal_persons_aggregated when 法人或其他组织 was printed as one column); an aggregate's
    and a 小计's numbers are checked against the row's other cells."""
    aggregated = AGGREGATE in printed
    cells = []
    for key in forms.APPLICANT_KEYS:
        if key in printed:
            cells.append(cell_value(printed[key], hint, flags))
        else:
            extra = ("legal_persons_aggregated",) if aggregated and key in LEGAL_KINDS else ()
            cells.append(CellValue(None, "", [*extra, *flags]))
    if SUBTOTAL in printed and (subtotal := _num_of(printed[SUBTOTAL], hint)) is not None:
        parts = [
            cell.value for key, cell in zip(forms.APPLICANT_KEYS, cells, strict=True) if key in LEGAL_KINDS
        ]
        added = sum(float(p) for p in parts if p is not None)
        if abs(added - subtotal) > 1e-9:
            reading.problems.append(
                Problem(
                    "legal_subtotal_mismatch",
                    f"表三 row {final}: the 法人或其他组织 columns printed sum to {added:g} (the others blank) but "
                    f"its 小计 column prints {subtotal:g}; one of them is misread or misprinted",
                    "warning",
                    f"applications.{final}",
                )
            )
    if aggregated:
        reading.aggregated[final] = printed[AGGREGATE].strip()
        natural, group, total = cells[0].value, _num_of(printed[AGGREGATE], hint), cells[6].value
        if total is not None and (natural is not None or group is not None):
            added = (natural or 0) + (group or 0)
            if abs(added - total) > 1e-9:
                reading.problems.append(
                    Problem(
                        "identity_row_total",
                        f"表三 row {final}: 自然人 and 法人或其他组织 (printed as one column) sum to {added:g} but "
                        f"总计 prints {total:g}",
                        "warning",
                        f"applications.{final}.total",
                    )
                )
    return cells


def read_applications(segments: list[Segment]) -> ApplicationsReading:
    logical = _blank_rows_split_off(
        _label_tails_joined(_rejoined(logical_rows(segments, 7, APPLICANT_HEADER_WORDS)))
    )
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
    headers = table_headers(segments)
    if len(with_blank) == len(valued):
        return _read_applications(valued, headers)
    readings = [_read_applications(with_blank, headers), _read_applications(valued, headers)]
    return min(readings, key=lambda r: sum(1 for p in r.problems if p.code == "row_unplaced"))


def _header_problems(reading: ApplicationsReading, headers: list[Header]) -> None:
    """What the tables' headers say about the whole of 表三: columns it prints another way, or not at all."""
    for why in dict.fromkeys(h.ambiguous for h in headers if h.ambiguous):
        reading.problems.append(
            Problem(
                "header_columns_ambiguous",
                f"表三's header does not say which column is which ({why}); its cells were placed as the "
                "national form's seven columns, check them",
                "warning",
                "applications",
            )
        )
    if reading.aggregated:
        shown = ", ".join(f"{k} {v or '(blank)'}" for k, v in reading.aggregated.items())
        reading.problems.append(
            Problem(
                "legal_persons_aggregated",
                "表三 prints 法人或其他组织 as one column, without 商业企业, 科研机构, 社会公益组织, 法律服务机构 and "
                "其他: those five columns are null (flag legal_persons_aggregated). The column as printed, by "
                f"row: {shown}",
                "warning",
                "applications",
            )
        )
    used = [h for h in headers if not h.ambiguous]
    missing = [k for k in forms.APPLICANT_KEYS if used and all(k not in h.keys for h in used)]
    if any(AGGREGATE in h.keys for h in used):
        missing = [k for k in missing if k not in LEGAL_KINDS]
    if missing:
        reading.problems.append(
            Problem(
                "columns_not_printed",
                f"表三's header prints no column for {', '.join(missing)}: those cells are null",
                "info",
                "applications",
            )
        )


def _read_applications(
    rows: list[LogicalRow], headers: dict[int, Header] | None = None
) -> ApplicationsReading:
    reading = ApplicationsReading()
    if not rows:
        return reading
    headers = headers or {}
    # the headers of the tables the rows were read from (one, or one per page of a split 表三)
    used = list(dict.fromkeys(headers[r.block] for r in rows if r.block in headers))
    # a header naming other columns than the national seven: no row of 表三 is read as the national seven
    foreign = next((h for h in used if not h.ambiguous and not h.national), None)
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
    printing = {k for k, r in zip(keys, rows, strict=True) if k is not None and not r.printed_blank}
    if "other_handling" in printing or printing & set(forms.OTHER_SUBROWS):
        # a labelled row with numbers names which set the table prints: a lost label is one of that set's
        # rows (taken for the other set's, the rows of the set it prints were left null with no word)
        orders = orders[:1]
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
        header = headers.get(row.block) if row.block is not None else None
        if header is not None and header.ambiguous:
            header = None
        printed = _by_header(row, header) if header is not None and not row.printed_blank else None
        if row.printed_blank:
            reading.cells[final] = [CellValue(None, "", list(row.source_flags)) for _ in range(7)]
        elif printed is not None and header is not None:
            reading.cells[final] = _cells_by_header(printed, final, hint, label_flags, reading)
        elif foreign is not None and (header is None or not header.national):
            # 表三's header names other columns than the national seven, and this row's cells do not sit
            # under them (or it was read from no grid under that header): no column can be told, none is guessed
            shown = " ".join(v.strip() for v in row.values if v.strip())
            reading.cells[final] = [
                CellValue(None, shown, ["column_inferred", *label_flags]) for _ in range(7)
            ]
            reading.problems.append(
                Problem(
                    "row_off_header",
                    f"表三 row {final} prints cells ({shown}) that do not sit under the header's columns "
                    f"({', '.join((header or foreign).keys)}); its cells are left null",
                    "warning",
                    f"applications.{final}",
                )
            )
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
                if row.lined and len(row.trimmed_values()) <= 7:
                    reading.lined.add(final)
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
    _header_problems(reading, used)
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
    for row in _unstacked(logical_rows(segments, 0), items, out, problems):
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
            if all(i.key != item.key for i, _ in matched) and (item.key, item.metrics[0].key) not in out:
                problems.append(
                    Problem(
                        "item_missing",
                        f"表二 item {item.label} was not found in the table; its cells are null",
                        "warning",
                        f"active_disclosure.{item.key}",
                    )
                )
    return out, problems


def _unstacked(
    rows: list[LogicalRow],
    items: tuple[forms.Item, ...],
    out: dict[tuple[str, str], CellValue],
    problems: list[Problem],
) -> list[LogicalRow]:
    """Rows whose labels name two or more items one after the other, their numbers after them (a text dump
    that reads the label column, then the numbers): each item gets its own row where the numbers can be
    read only one way — a column of one metric, or a run that reads the same row by row and column by
    column. Else which number is whose is unknown: the items' cells are null, flagged, and said."""
    result: list[LogicalRow] = []
    by_key = {i.key: i for i in items}
    for row in rows:
        named: list[str] = []  # the items the row's last labels name, one each (headings before them)
        for label in reversed(row.labels):
            key = match_key(label, items)
            if key is None:
                break
            named.insert(0, key)
        if len(named) < 2:
            result.append(row)
            continue
        labels = row.labels[-len(named) :]
        stack = [by_key[k] for k in named]
        values = row.trimmed_values()
        width = len(stack[0].metrics)
        by_rows = [values[i * width : (i + 1) * width] for i in range(len(stack))]
        by_columns = [values[i :: len(stack)] for i in range(len(stack))]
        if (
            len(set(named)) == len(named)
            and all(len(item.metrics) == width for item in stack)
            and len(values) == width * len(stack)
            and by_rows == by_columns
        ):
            result.extend(
                replace(row, labels=[label], values=cells, columns=None, gridded=False)
                for label, cells in zip(labels, by_rows, strict=True)
            )
            continue
        for item in stack:
            for metric in item.metrics:
                out[(item.key, metric.key)] = CellValue(None, "", ["stacked_rows_ambiguous"])
        problems.append(
            Problem(
                "stacked_rows_ambiguous",
                f"表二 prints the labels {'、'.join(i.label for i in stack)} one after another and then "
                f"{len(values)} numbers: whose number is which cannot be told (row by row and column by "
                "column read differently); their cells are null",
                "warning",
                "active_disclosure",
            )
        )
    return result


def _unit_in(labels: list[str]) -> str | None:
    text = normalize_label("".join(labels))
    m = re.search(r"(万元|元)", text)
    return m.group(1) if m else None
