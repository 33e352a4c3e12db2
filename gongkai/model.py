"""The data that flows between stages: documents (extract → parse) and reports (parse → validate → write).

Plain dataclasses, no I/O. Every stage reads one of these and produces the next.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning", "info"]
FormVersion = Literal["f2021", "f2019", "pre2019", "unknown"]


@dataclass(frozen=True)
class Problem:
    """Something that went wrong or looks wrong, with a stable machine-readable code."""

    code: str
    message: str
    severity: Severity = "warning"
    where: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"severity": self.severity, "code": self.code, "message": self.message, "where": self.where}


# ---------------------------------------------------------------- document model (extract → parse)


@dataclass
class Cell:
    """One source cell. Spans are as printed; `Table.grid()` expands them."""

    text: str
    row_span: int = 1
    col_span: int = 1


# how a block's text was obtained: ``text`` from the file's own text, ``ocr`` read from a page image
# (the parser flags every value of an ``ocr`` block)
Source = Literal["text", "ocr"]


@dataclass
class Paragraph:
    text: str
    page: int | None = None
    source: Source = "text"
    # a running head or foot: a line in the page's top or bottom margin (page numbers, the URL and date a
    # browser prints on each page); a table cut by the page break continues across it
    running: bool = False


@dataclass
class Table:
    """A table as the source laid it out: rows of cells, spanned positions not repeated.

    `layout` says how the rows were recovered (``grid`` for HTML/DOCX/PDF, or the text layout:
    ``tab``, ``cell_per_line``, ``pipe``, ``markdown``) so the parser knows how far to trust
    column positions.
    """

    rows: list[list[Cell]]
    page: int | None = None
    layout: str = "grid"
    # pages the table continues on (a table split by a page break and joined by the extractor)
    pages: list[int] = field(default_factory=list)
    source: Source = "text"
    # a PDF table whose rulings stop open at its last or first row (a row cut by a page break, as browsers
    # print it): the cut row continues in the next page's first row, and the pages' parts join there
    open_bottom: bool = False
    open_top: bool = False

    def origins(self) -> list[tuple[int, int, Cell]]:
        """Each printed cell with the grid row and column it starts at (positions spans above take skipped)."""
        origins: list[tuple[int, int, Cell]] = []
        taken: set[tuple[int, int]] = set()
        for r, row in enumerate(self.rows):
            c = 0
            for cell in row:
                while (r, c) in taken:
                    c += 1
                origins.append((r, c, cell))
                taken |= {(r + dr, c + dc) for dr in range(cell.row_span) for dc in range(cell.col_span)}
                c += cell.col_span
        return origins

    def grid(self) -> list[list[str | None]]:
        """Expand spans into a rectangular matrix; positions covered by a span hold None."""
        matrix: list[list[str | None]] = []
        pending: dict[tuple[int, int], bool] = {}
        for r, row in enumerate(self.rows):
            out: list[str | None] = []
            c = 0
            for cell in row:
                while pending.pop((r, c), False):
                    out.append(None)
                    c += 1
                out.append(cell.text)
                for dr in range(cell.row_span):
                    for dc in range(cell.col_span):
                        if dr or dc:
                            if dr == 0:
                                out.append(None)
                            else:
                                pending[(r + dr, c + dc)] = True
                c += cell.col_span
            while pending.pop((r, c), False):
                out.append(None)
                c += 1
            matrix.append(out)
        width = max((len(r) for r in matrix), default=0)
        return [r + [None] * (width - len(r)) for r in matrix]


Block = Paragraph | Table


@dataclass
class Document:
    """A report's content as ordered blocks, plus what extraction noticed."""

    blocks: list[Block]
    media_type: str = "text/plain"
    problems: list[Problem] = field(default_factory=list)
    extractor: str = "text"
    # pages (1-based) that have no text layer: scanned images for OCR to read
    scanned_pages: list[int] = field(default_factory=list)

    @classmethod
    def refused(
        cls,
        media_type: str,
        code: str,
        message: str,
        *,
        extractor: str = "none",
        problems: Sequence[Problem] = (),
    ) -> Document:
        """A file that could not be read: no blocks, and an error saying why (after any `problems` noticed
        before it). The one way extraction gives up on a file."""
        return cls(
            blocks=[],
            media_type=media_type,
            extractor=extractor,
            problems=[*problems, Problem(code, message, "error")],
        )

    @property
    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]

    def text(self) -> str:
        """All text in reading order (tables row by row, cells tab-separated)."""
        parts: list[str] = []
        for block in self.blocks:
            if isinstance(block, Paragraph):
                parts.append(block.text)
            else:
                parts.extend("\t".join(c.text for c in row) for row in block.rows)
        return "\n".join(parts)


# ---------------------------------------------------------------- canonical report (parse → lake)


@dataclass
class CellValue:
    value: int | float | None
    raw: str
    flags: list[str] = field(default_factory=list)
    unit: str | None = None


@dataclass
class HistoricalFigure:
    """A figure a pre-2019 report states, in the vocabulary of gongkai/historical.py."""

    metric: str
    value: int | float | None
    unit: str | None
    period: str  # year (本年度) | cumulative (历年累计)
    raw: str  # the sentence or table cell it was read from
    source: str  # prose | table
    flags: list[str] = field(default_factory=list)


@dataclass
class Report:
    """A parsed report in canonical keys. `to_json` is the contract of spec/report-json.md."""

    source: str
    sha256: str
    media_type: str
    form_version: FormVersion = "unknown"
    report_year: int | None = None
    agency_name: str | None = None
    published_date: str | None = None
    # (item, metric) -> value
    active_disclosure: dict[tuple[str, str], CellValue] = field(default_factory=dict)
    # (row, column) -> value
    applications: dict[tuple[str, str], CellValue] = field(default_factory=dict)
    # column -> value
    review_litigation: dict[str, CellValue] = field(default_factory=dict)
    historical_figures: list[HistoricalFigure] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # which code read it: the extractor that made the document ("pdf@1") and the parser version
    extractor: str | None = None
    parser_version: str | None = None

    @classmethod
    def refused(
        cls,
        source: str,
        sha256: str,
        code: str,
        message: str,
        *,
        media_type: str = "application/octet-stream",
    ) -> Report:
        """A report of a file that was never parsed (unreadable, or the parser failed): form `unknown`, no
        cells, and an error saying why. The one way a run records a file it could not read."""
        return cls(
            source=source, sha256=sha256, media_type=media_type, problems=[Problem(code, message, "error")]
        )

    def to_json(self) -> dict[str, Any]:
        def cell(v: CellValue) -> dict[str, Any]:
            return {"value": v.value, "raw": v.raw, "flags": list(v.flags)}

        return {
            "source": self.source,
            "sha256": self.sha256,
            "media_type": self.media_type,
            "form_version": self.form_version,
            "report_year": self.report_year,
            "agency_name": self.agency_name,
            "published_date": self.published_date,
            "active_disclosure": [
                {
                    "item": item,
                    "metric": metric,
                    "value": v.value,
                    "unit": v.unit,
                    "raw": v.raw,
                    "flags": list(v.flags),
                }
                for (item, metric), v in self.active_disclosure.items()
            ],
            "applications": [
                {"row": row, "column": column, **cell(v)} for (row, column), v in self.applications.items()
            ],
            "review_litigation": [
                {"column": column, **cell(v)} for column, v in self.review_litigation.items()
            ],
            "historical_figures": [
                {
                    "metric": h.metric,
                    "value": h.value,
                    "unit": h.unit,
                    "period": h.period,
                    "raw": h.raw,
                    "source": h.source,
                    "flags": list(h.flags),
                }
                for h in self.historical_figures
            ],
            "problems": [p.to_json() for p in self.problems],
        }


# ---------------------------------------------------------------- lineage (every stage appends one)


@dataclass
class LineageEvent:
    """One stage's work on one document: what went in, what came out, with which code."""

    stage: str  # discover | fetch | archive | extract | parse | validate | write
    status: str  # ok | unchanged | skipped | failed
    started_at: str  # ISO 8601, UTC
    ended_at: str
    report_id: str | None = None
    agency_id: str | None = None
    input_uri: str | None = None
    input_sha256: str | None = None
    output_uri: str | None = None
    output_sha256: str | None = None
    code_version: str | None = None
    flow_run_id: str | None = None
    task_run_id: str | None = None
    error: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    report_year: int | None = None  # the lake partition of the event's row (0 = not known yet)


def report_id_for(sha256: str) -> str:
    """A report version is identified by its bytes: the first 16 hex digits of their sha256."""
    return sha256[:16]
