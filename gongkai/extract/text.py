"""Plain text and Markdown → Document, recognising the table layouts text converters produce.

Layouts:
- ``tab``: one table row per line, cells separated by tabs;
- ``cell_per_line``: one cell per line (each line a tab then the cell), rows separated by blank
  lines, a cell's text continuing on the next line when it has no tab;
- ``pipe`` / ``markdown``: ``a | b | c`` rows, with or without outer pipes and ``|---|`` rules;
- ``cell_stream``: every cell its own paragraph with no row boundaries at all (what copying a
  table out of a PDF viewer gives). Rows are recovered later by the parser from the form's shape.

A text longer than GONGKAI_TEXT_MAX_CHARS is refused before it is split (`too_much_text`, `text_over_cap`
for a document of any format): a report has tens of thousands of characters, and parsing costs time in
proportion to them (a 56 MB text: ~3 minutes, the whole document budget).
"""

from __future__ import annotations

import re

from gongkai.extract.charset import decode
from gongkai.model import Cell, Document, Paragraph, Problem, Table
from gongkai.settings import get_settings
from gongkai.values import clean_text, looks_numeric

_MD_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_SECTION_HEADING = re.compile(r"^[#*\s]*[一二三四五六七八九十]+[、.．].{2,40}(情况|事项)[*\s]*$")
_SENTENCE_END = re.compile(r"[。；;！？!?]\s*$")
_CONTINUATION_MAX = 60


def decode_text(data: bytes) -> str:
    """Decode bytes of unknown charset (gongkai.extract.charset: BOMs, UTF-8, GB18030, Big5, a guess)."""
    return decode(data).text


_HTML_TABLE = re.compile(r"(<table\b.*?</table\s*>)", re.S | re.I)


def text_over_cap(characters: int) -> Problem | None:
    """The refusal of a document whose text has `characters` characters, when that is over the cap."""
    cap = get_settings().text_max_chars
    if characters <= cap:
        return None
    return Problem(
        "too_much_text",
        f"the document's text is {characters:,} characters, over the {cap:,} cap (a report has tens of "
        "thousands): too large to be a report, so it was not parsed (GONGKAI_TEXT_MAX_CHARS)",
        "error",
    )


def extract_text(text: str, media_type: str = "text/plain") -> Document:
    refusal = text_over_cap(len(text))
    if refusal is not None:
        return Document.refused(media_type, refusal.code, refusal.message, extractor="text")
    blocks: list[Paragraph | Table] = []
    # tables a converter left as HTML inside the text are read as HTML tables (their spans kept)
    for index, part in enumerate(_HTML_TABLE.split(text)):
        if index % 2:
            from gongkai.extract.html import extract_html

            blocks.extend(extract_html(part.encode("utf-8")).blocks)
        else:
            blocks.extend(_line_blocks(part))
    return Document(blocks=_group_cell_streams(blocks), media_type=media_type, extractor="text")


def _line_blocks(text: str) -> list[Paragraph | Table]:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    blocks: list[Paragraph | Table] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if "\t" in line:
            end = _tab_region_end(lines, i)
            region = lines[i:end]
            if sum(1 for ln in region if "\t" in ln) >= 2:
                blocks.append(_tab_table(region))
            else:  # a stray tab inside prose
                blocks.extend(
                    Paragraph(_strip_markdown(ln.replace("\t", " "))) for ln in region if ln.strip()
                )
            i = end
        elif _is_spaced_row(line):
            end = i
            while end < len(lines) and (_is_spaced_row(lines[end], following=True) or not lines[end].strip()):
                end += 1
            rows = _spaced_rows([_positioned_cells(ln) for ln in lines[i:end] if ln.strip()])
            blocks.append(
                Table(rows=[[Cell(clean_text(text)) for _, text in row] for row in rows], layout="spaced")
            )
            i = end
        elif _is_pipe_row(line):
            end = i
            while end < len(lines) and (_is_pipe_row(lines[end]) or _MD_RULE.match(lines[end])):
                end += 1
            blocks.append(_pipe_table(lines[i:end]))
            i = end
        else:
            if line.strip():
                blocks.append(Paragraph(_strip_markdown(line)))
            i += 1
    return blocks


def _is_number(text: str) -> bool:
    return bool(text.strip()) and looks_numeric(text)


def _strip_markdown(line: str) -> str:
    text = re.sub(r"^\s*#{1,6}\s*", "", clean_text(line))
    return text.replace("**", "").replace("__", "").strip()


# ---------------------------------------------------------------- tab layouts


def _tab_region_end(lines: list[str], start: int) -> int:
    """A tab region runs over tab lines, blank lines and short continuation lines right after a cell."""
    i = start
    while i < len(lines):
        line = lines[i]
        if "\t" in line or not line.strip():
            i += 1
            continue
        if _is_continuation(lines[i - 1], line):
            i += 1
            continue
        break
    while i > start and not lines[i - 1].strip():
        i -= 1
    return i


def _is_continuation(previous: str, line: str) -> bool:
    """A line without a tab that carries on the previous cell (a label wrapped inside its cell)."""
    if not previous.strip() or "\t" not in previous:
        return False
    last_cell = previous.rsplit("\t", 1)[-1].strip()
    stripped = line.strip()
    return (
        bool(last_cell)
        and not _is_number(last_cell)
        and not _is_number(stripped)
        and len(re.sub(r"\s", "", stripped)) <= _CONTINUATION_MAX
        and not _SECTION_HEADING.match(stripped)
        and not _SENTENCE_END.search(last_cell)
    )


def _tab_table(lines: list[str]) -> Table:
    tab_lines = [ln for ln in lines if "\t" in ln]
    one_cell = sum(1 for ln in tab_lines if re.fullmatch(r"[ \u00a0\u3000]*\t[^\t]*", ln))
    if tab_lines and one_cell >= 0.7 * len(tab_lines):
        return _cell_per_line_table(lines)
    rows: list[list[Cell]] = []
    for line in lines:
        if not line.strip():
            continue
        if "\t" not in line and rows:  # continuation of the row's last cell
            rows[-1][-1].text += line.strip()
            continue
        rows.append([Cell(clean_text(c)) for c in line.split("\t")])
    return Table(rows=rows, layout="tab")


def _cell_per_line_table(lines: list[str]) -> Table:
    rows: list[list[Cell]] = []
    current: list[Cell] = []
    for line in lines:
        if not line.strip() and "\t" not in line:
            if current:
                rows.append(current)
                current = []
            continue
        if "\t" not in line:
            if current:
                current[-1].text += line.strip()
            else:
                current.append(Cell(line.strip()))
            continue
        head, *cells = line.split("\t")
        if head.strip():  # content before the first tab is a cell of its own
            current.append(Cell(clean_text(head)))
        current.extend(Cell(clean_text(c)) for c in cells)
    if current:
        rows.append(current)
    return Table(rows=rows, layout="cell_per_line")


# ---------------------------------------------------------------- columns aligned with spaces


_SPACED_SPLIT = re.compile(r"[ \u3000\u00a0]{2,}")


_SPACED_CELL = re.compile(r"[^ \u3000\u00a0]+(?:[ \u3000\u00a0][^ \u3000\u00a0]+)*")
_LABEL_START = re.compile(
    r"^\s*(?:[（(][一二三四五六七八九十]+[)）]|[一二三四五六七八九十]+[、.．]|\d{1,2}[.．、]\D)"
)
_CLAUSE_HEADING = re.compile(r"^第.{1,6}条")
_WIDE_GAP = re.compile(r"[ \u3000\u00a0]{4,}")
_COLUMN_TOLERANCE = 2  # characters: layout text puts a cell's lines at the same column, give or take


def _positioned_cells(line: str) -> list[tuple[int, str]]:
    """A layout line's cells (runs of text apart by two or more spaces) with the column each starts at."""
    return [(m.start(), m.group()) for m in _SPACED_CELL.finditer(line)]


def _spaced_rows(lines: list[list[tuple[int, str]]]) -> list[list[tuple[int, str]]]:
    """Rows of a space-aligned table with the lines of wrapped labels put back into their cells.

    A cell too narrow for its label wraps it over several lines, and only one of them carries the row's
    numbers. A line without numbers after such a row continues its label cells, column by column ('（三）
    不予公 / 开' and '1.属于 / 国家秘 / 密' become '（三）不予公开' and '1.属于国家秘密'), unless it starts
    a new enumerated label ('2.其他', '（四）'): then it and the lines after it open the next row, as a
    vertically centred label does (see _opened). Lines before the first row with numbers (the header) and
    after a block heading ('第二十条第（五）项') stay as they are, and so does a fragment in no column of the
    row it follows."""
    rows: list[list[tuple[int, str]]] = []
    anchor: list[tuple[int, str]] | None = None  # the last row with numbers
    opening: list[list[tuple[int, str]]] = []  # label lines of the row to come
    for cells in lines:
        if any(_is_number(text) for _, text in cells):
            rows.extend(_opened(cells, opening))
            opening = []
            rows.append(cells)
            anchor = cells
        elif anchor is None or _CLAUSE_HEADING.match(cells[0][1]):
            rows.extend(opening)  # a heading ('第二十条第（五）项') opens a new block: its lines are its own
            opening = []
            rows.append(cells)
            anchor = None
        elif opening or any(_LABEL_START.match(text) for _, text in cells):
            opening.append(cells)
        else:
            leftover = _join_by_column(anchor, cells)
            if leftover:
                rows.append(leftover)
    rows.extend(opening)
    return _blanks_restored(rows)


def _blanks_restored(rows: list[list[tuple[int, str]]]) -> list[list[tuple[int, str]]]:
    """A row with fewer numbers than the fuller row above it left some cells blank; white space does not
    say which. Each of its numbers is placed under the nearest number column of that row (by the middle
    of the text), and blanks fill the others — only when every number sits clearly in a column of its
    own. Otherwise the row stays as it is. A row with no fuller row above it (the first under a page break
    or a paragraph that cut the table) is placed under the nearest fuller row below it, the same way — in
    the same table: not past a line of words that is no row's label (another table's header). A block
    heading ('第二十条…') starts afresh."""
    middles_of = [_number_middles(row) for row in rows]
    # per row, the number columns of the nearest row below it with more numbers, in the same table
    below: list[list[float] | None] = [None] * len(rows)
    nearest: dict[int, tuple[int, list[float]]] = {}  # count of numbers → the nearest row below with it
    for i in range(len(rows) - 1, -1, -1):
        middles = middles_of[i]
        if middles is None:
            if _CLAUSE_HEADING.match(rows[i][0][1]) or not _LABEL_START.match(rows[i][0][1]):
                nearest = {}
            continue
        fuller = [found for count, found in nearest.items() if count > len(middles)]
        below[i] = min(fuller)[1] if fuller else None
        nearest[len(middles)] = (i, middles)
    out: list[list[tuple[int, str]]] = []
    reference: list[float] | None = None  # the number columns' middles of the fullest row so far
    for row, middles, after in zip(rows, middles_of, below, strict=True):
        if middles is None:
            if _CLAUSE_HEADING.match(row[0][1]):
                reference = None
            out.append(row)
            continue
        guide = reference
        if reference is None or len(middles) >= len(reference):
            reference = middles
            guide = after
        numbers = [k for k, (_, text) in enumerate(row) if _is_number(text)]
        columns = None if guide is None else _columns_of(middles, guide)
        if guide is None or columns is None or numbers != list(range(numbers[0], len(row))):
            out.append(row)  # nothing to place it under, a number in no clear column, or labels after numbers
            continue
        values: list[tuple[int, str]] = [(round(m), "") for m in guide]
        for k, column in zip(numbers, columns, strict=True):
            values[column] = row[k]
        out.append(row[: numbers[0]] + values)
    return out


def _number_middles(row: list[tuple[int, str]]) -> list[float] | None:
    """The middle of each number cell of a layout row (by characters); None when it holds no number."""
    middles = [start + len(text) / 2 for start, text in row if _is_number(text)]
    return middles or None


def _columns_of(middles: list[float], reference: list[float]) -> list[int] | None:
    """The reference column under each middle, left to right and each used once; None if one is unclear."""
    gaps = [b - a for a, b in zip(reference, reference[1:], strict=False)]
    tolerance = min([_COLUMN_TOLERANCE + 1.0, *(g / 2 - 0.5 for g in gaps)])
    columns: list[int] = []
    for middle in middles:
        nearest = min(range(len(reference)), key=lambda i: abs(reference[i] - middle))
        if abs(reference[nearest] - middle) > tolerance or (columns and nearest <= columns[-1]):
            return None
        columns.append(nearest)
    return columns


def _opened(row: list[tuple[int, str]], opening: list[list[tuple[int, str]]]) -> list[list[tuple[int, str]]]:
    """The label lines above a row of numbers, put where they belong; the rows to place before it are
    returned (`row` is changed in place). Each label cell of the row takes the fragments above it in its
    column, in line order. Where that cell starts an enumerated label of its own ('7.属于行政执'), the
    fragments above are not its top: they are the labels of rows printed blank, which have no line of
    numbers ('6.属于四类过 / 程性信息'), each a row of its own from its enumerator on. Otherwise the last of
    them (from its last enumerator on) is the top of the cell's label, vertically centred on the numbers,
    and is put in front of it. A line with a fragment in no column of the row stays a row of its own."""
    placed: list[tuple[int, list[tuple[int, str]]]] = []  # (line, cells): rows before `row`
    above: dict[int, list[tuple[int, int, str]]] = {}  # label cell → its fragments (line, start, text)
    for line, fragments in enumerate(opening):
        matched, leftover = _by_column(row, fragments)
        for k, start, text in matched:
            above.setdefault(k, []).append((line, start, text))
        if leftover:
            placed.append((line, leftover))
    for k, parts in above.items():
        groups: list[list[tuple[int, int, str]]] = []
        for part in parts:
            if not groups or _LABEL_START.match(part[2]):
                groups.append([])
            groups[-1].append(part)
        if not _LABEL_START.match(row[k][1]):
            top = groups.pop()
            row[k] = (row[k][0], "".join(text for _, _, text in top) + row[k][1])
        for group in groups:
            line, start, _ = group[0]
            placed.append((line, [(start, "".join(text for _, _, text in group))]))
    return [cells for _, cells in sorted(placed, key=lambda p: (p[0], p[1][0][0]))]  # by line, then column


def _by_column(
    row: list[tuple[int, str]], fragments: list[tuple[int, str]]
) -> tuple[list[tuple[int, int, str]], list[tuple[int, str]]]:
    """Each fragment with the label cell of `row` that starts in its column, as (cell, start, text); and
    the fragments that match no label cell (all of them when the line has more than the row's labels)."""
    matched: list[tuple[int, int, str]] = []
    leftover: list[tuple[int, str]] = []
    labels = [k for k, (_, text) in enumerate(row) if not _is_number(text)]
    for start, text in fragments:
        near = [k for k in labels if abs(row[k][0] - start) <= _COLUMN_TOLERANCE]
        if not near or len(fragments) > len(labels):
            leftover.append((start, text))
            continue
        matched.append((near[0], start, text))
    return matched, leftover


def _join_by_column(row: list[tuple[int, str]], fragments: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Append each fragment to the label cell of `row` that starts in its column (in place); the fragments
    that match no label cell are returned."""
    matched, leftover = _by_column(row, fragments)
    for k, _, text in matched:
        row[k] = (row[k][0], row[k][1] + text)
    return leftover


def _is_spaced_row(line: str, following: bool = False) -> bool:
    """A line laid out in columns with runs of spaces (pdftotext -layout, fixed-width exports): at
    least one column is a number, or the line carries on a table already started."""
    cells = [c for c in _SPACED_SPLIT.split(line.strip()) if c]
    if len(cells) < 2:
        return (
            following
            and bool(line.strip())
            and len(line.strip()) <= _CONTINUATION_MAX
            and not _SENTENCE_END.search(line)
            and not _SECTION_HEADING.match(line.strip())
        )
    numbers = sum(1 for c in cells if _is_number(c))
    # a row of a report that fills only 总计 has one number: a label, a wide gap, the number
    return (
        following
        or numbers >= 2
        or (
            numbers == 1
            and _is_number(cells[-1])
            and not _is_number(cells[0])
            and _WIDE_GAP.search(line.strip()) is not None
        )
    )


# ---------------------------------------------------------------- pipe / Markdown tables


def _is_pipe_row(line: str) -> bool:
    return line.count("|") >= 2 or (line.strip().startswith("|") and line.count("|") >= 1)


def _pipe_table(lines: list[str]) -> Table:
    markdown = any(_MD_RULE.match(ln) for ln in lines) or all(ln.strip().startswith("|") for ln in lines)
    rows: list[list[Cell]] = []
    for index, line in enumerate(lines):
        if _MD_RULE.match(line):
            continue
        if index + 1 < len(lines) and _MD_RULE.match(lines[index + 1]) and _is_placeholder_header(line):
            continue  # a header a converter made up ('列1 | 列2', 'Unnamed: 0'), not a row of the report
        stripped = line.strip()
        if stripped.startswith("|"):
            stripped = stripped[1:]
        if stripped.endswith("|") and not stripped.endswith("\\|"):
            stripped = stripped[:-1]
        rows.append(
            [Cell(_strip_markdown(c.replace("<br>", "").replace("<br/>", ""))) for c in stripped.split("|")]
        )
    return Table(rows=rows, layout="markdown" if markdown else "pipe")


_PLACEHOLDER = re.compile(r"^(?:列|column|col|field|字段|unnamed:?)?\s*_?\d{1,3}$", re.I)


def _is_placeholder_header(line: str) -> bool:
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    named = [c for c in cells if c]
    if not named:
        return True
    if all(_PLACEHOLDER.match(c) for c in named):
        numbers = [int(re.sub(r"\D", "", c)) for c in named]
        return any(not c[0].isdigit() for c in named) or numbers == list(
            range(numbers[0], numbers[0] + len(numbers))
        )
    return False


# ---------------------------------------------------------------- cell streams


def _group_cell_streams(blocks: list[Paragraph | Table]) -> list[Paragraph | Table]:
    """Runs of short, sentence-less paragraphs with many numbers are a table copied cell by cell."""
    out: list[Paragraph | Table] = []
    run: list[Paragraph] = []

    def flush() -> None:
        numeric = sum(1 for p in run if _is_number(p.text))
        if len(run) >= 8 and numeric >= 4 and numeric >= 0.25 * len(run):
            out.append(Table(rows=[[Cell(p.text.strip())] for p in run], layout="cell_stream"))
        else:
            out.extend(run)
        run.clear()

    for block in blocks:
        if (
            isinstance(block, Paragraph)
            and len(block.text) <= 60
            and not _SENTENCE_END.search(block.text)
            and not _SECTION_HEADING.match(block.text)
        ):
            run.append(block)
            continue
        flush()
        out.append(block)
    flush()
    return out
