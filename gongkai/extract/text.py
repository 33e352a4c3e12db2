"""Plain text and Markdown → Document, recognising the table layouts text converters produce.

Layouts:
- ``tab``: one table row per line, cells separated by tabs;
- ``cell_per_line``: one cell per line (each line a tab then the cell), rows separated by blank
  lines, a cell's text continuing on the next line when it has no tab;
- ``pipe`` / ``markdown``: ``a | b | c`` rows, with or without outer pipes and ``|---|`` rules;
- ``cell_stream``: every cell its own paragraph with no row boundaries at all (what copying a
  table out of a PDF viewer gives). Rows are recovered later by the parser from the form's shape.
"""

from __future__ import annotations

import re

from charset_normalizer import from_bytes

from gongkai.extract.sniff import wide_text_encoding
from gongkai.forms import clean_text
from gongkai.model import Cell, Document, Paragraph, Table
from gongkai.values import looks_numeric

_MD_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_SECTION_HEADING = re.compile(r"^[#*\s]*[一二三四五六七八九十]+[、.．].{2,40}(情况|事项)[*\s]*$")
_SENTENCE_END = re.compile(r"[。；;！？!?]\s*$")
_CONTINUATION_MAX = 60


def decode_text(data: bytes) -> str:
    """Decode bytes of unknown charset: UTF-16/32 by their BOM, UTF-8 (with or without BOM), then GB18030,
    then a guess."""
    for encoding in (wide_text_encoding(data), "utf-8-sig", "gb18030"):
        if encoding is None:
            continue
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    best = from_bytes(data).best()
    return str(best) if best is not None else data.decode("utf-8", errors="replace")


def extract_text(text: str, media_type: str = "text/plain") -> Document:
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
                blocks.extend(Paragraph(_strip_markdown(ln.replace("\t", " "))) for ln in region if ln.strip())
            i = end
        elif _is_spaced_row(line):
            end = i
            while end < len(lines) and (_is_spaced_row(lines[end], following=True) or not lines[end].strip()):
                end += 1
            rows = [[Cell(clean_text(c)) for c in _SPACED_SPLIT.split(ln.strip())] for ln in lines[i:end] if ln.strip()]
            blocks.append(Table(rows=rows, layout="spaced"))
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
    return Document(blocks=_group_cell_streams(blocks), media_type=media_type, extractor="text")


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


def _is_spaced_row(line: str, following: bool = False) -> bool:
    """A line laid out in columns with runs of spaces (pdftotext -layout, fixed-width exports): at
    least one column is a number, or the line carries on a table already started."""
    cells = [c for c in _SPACED_SPLIT.split(line.strip()) if c]
    if len(cells) < 2:
        return following and bool(line.strip()) and len(line.strip()) <= _CONTINUATION_MAX \
            and not _SENTENCE_END.search(line) and not _SECTION_HEADING.match(line.strip())
    return following or sum(1 for c in cells if _is_number(c)) >= 2


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
        rows.append([Cell(_strip_markdown(c.replace("<br>", "").replace("<br/>", ""))) for c in stripped.split("|")])
    return Table(rows=rows, layout="markdown" if markdown else "pipe")


_PLACEHOLDER = re.compile(r"^(?:列|column|col|field|字段|unnamed:?)?\s*_?\d{1,3}$", re.I)


def _is_placeholder_header(line: str) -> bool:
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    named = [c for c in cells if c]
    if not named:
        return True
    if all(_PLACEHOLDER.match(c) for c in named):
        numbers = [int(re.sub(r"\D", "", c)) for c in named]
        return any(not c[0].isdigit() for c in named) or numbers == list(range(numbers[0], numbers[0] + len(numbers)))
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
