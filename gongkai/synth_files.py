"""Synthetic reports as the files agencies and crawlers publish: CMS pages (UTF-8 and GBK) whose empty
cells are written the ways editors write them, Word files with merged cells (landscape A4, ruled), text
dumps whose cells are run together, and converter Markdown (pipe tables, or HTML tables inside).

Used by the round-trip harness (benchmarks/roundtrip.py) and its fast subset in tests/parse: every file
must parse back to the values it was made from, or flag the cells it cannot read — never a silent
wrong number. PDF (LibreOffice) and scans are made by the harness, which batches the slow conversions.
"""

from __future__ import annotations

import html
import io
import json
import random
import re
from collections import Counter
from pathlib import Path
from typing import Any

from gongkai import forms
from gongkai.model import Cell, CellValue, Document, Paragraph, Problem, Report, Table
from gongkai.outcome import status_for
from gongkai.synth import SynthReport, random_report, render, render_document

# how CMS editors and Word's HTML export write a cell with nothing in it
EMPTY_CELLS = (
    "",
    "&nbsp;",
    "<o:p> </o:p>",
    "<span></span>",
    "<p class=MsoNormal><span><o:p>&nbsp;</o:p></span></p>",
    " ",
    "\u3000",
    "<span style='font-size:10pt'>&nbsp;</span>",
    "<br>",
    "&#8203;",
)
CHROME_TOP = (
    "首页 > 政务公开 > 政府信息公开年报",
    "【字体：大 中 小】 打印本页 关闭窗口",
    "发布时间：2024-01-15 10:32 浏览次数：1375 来源：本站",
)
CHROME_BOTTOM = (
    "打印本页 关闭窗口",
    "主办单位：某某市人民政府办公室 网站标识码：3201000001",
    "苏ICP备05009290号-1 苏公网安备 32010202010345号",
    "技术支持：某某网络科技有限公司 联系电话：025-12345678",
)


def consistent_report(
    rng: random.Random, form: str, *, single_other_row: bool = False, totals_only: bool = False
) -> SynthReport:
    """A random report whose 表三 and 表四 meet their identities, as nearly every real report does:
    row 总计 = the parts, (七)总计 = the result rows, 新收 + 上年结转 = 总计 + 结转下年; blanks, zeros and
    totals-only rows mixed in. 表二's fee amount is a decimal (万元)."""
    synth = random_report(rng, form, single_other_row=single_other_row)
    keys = [r.key for r in synth.rows]
    results = keys[2:-2]
    apps = synth.applications
    for key in keys:
        if totals_only:
            apps[key] = [None] * 6 + [0]
        parts = apps[key][:6]
        if rng.random() < 0.3:
            parts = [rng.choice((0, 0, 1, 2, 3, 12, 47, 305)) if p is not None else None for p in parts]
        apps[key] = [*parts, apps[key][6]]

    def column(key: str, c: int) -> int | None:
        return apps[key][c]

    for c in range(6):
        values = [column(k, c) for k in results]
        if all(v is None for v in values):
            for key in (
                "new_requests",
                "carried_over_from_last_year",
                "results_total",
                "carried_forward_to_next_year",
            ):
                apps[key][c] = None
            continue
        done = sum(v or 0 for v in values)
        forward = rng.choice((0, 0, 1, 3))
        carried = min(column("carried_over_from_last_year", c) or 0, done + forward)
        apps["results_total"][c] = done
        apps["carried_over_from_last_year"][c] = carried
        apps["carried_forward_to_next_year"][c] = forward
        apps["new_requests"][c] = done + forward - carried
    for key in keys:
        parts = apps[key][:6]
        apps[key][6] = None if all(p is None for p in parts) else sum(p or 0 for p in parts)
    if totals_only:  # only 总计 printed: its own identities still hold down the column
        totals = {key: rng.choice((0, 0, 1, 2, 5)) for key in keys}
        totals["results_total"] = done = sum(totals[k] for k in results)
        totals["carried_over_from_last_year"] = carried = min(totals["carried_over_from_last_year"], done)
        totals["new_requests"] = done + totals["carried_forward_to_next_year"] - carried
        for key in keys:
            apps[key] = [None] * 6 + [totals[key]]
    review: list[int | None] = []
    for _ in range(3):
        block = [rng.choice((0, 0, 0, 1, 2, 7)) for _ in range(4)]
        review += [*block, sum(block)]
    synth.review = review
    for item, metric in list(synth.active):
        if metric == "fee_amount":
            synth.active[(item, metric)] = rng.choice((0, 0.0, 12.5, 3.46, 1024.7, 0.85))
    return synth


def _cell_html(cell: Cell, value_cell: bool, rng: random.Random) -> str:
    text = cell.text if cell.text.startswith("<h3>") else html.escape(cell.text)
    if not cell.text:
        text = rng.choice(EMPTY_CELLS)
    elif value_cell and rng.random() < 0.3:
        text = f"<p class=MsoNormal align=center><span lang=EN-US>{text}<o:p></o:p></span></p>"
    spans = (f" rowspan={cell.row_span}" if cell.row_span > 1 else "") + (
        f" colspan={cell.col_span}" if cell.col_span > 1 else ""
    )
    return f"<td{spans} style='border:solid windowtext 1.0pt'>{text}</td>"


def tables_html(document: Document, rng: random.Random) -> list[str]:
    out: list[str] = []
    for block in document.blocks:
        if isinstance(block, Paragraph):
            out.append(f"<p class=MsoNormal>{html.escape(block.text)}</p>")
            continue
        rows = []
        for row in block.rows:
            rows.append(
                "<tr>"
                + "".join(
                    _cell_html(c, not any("\u4e00" <= ch <= "\u9fff" for ch in c.text), rng) for c in row
                )
                + "</tr>"
            )
        out.append(
            "<table class=MsoNormalTable border=1 cellspacing=0 cellpadding=0>" + "".join(rows) + "</table>"
        )
    return out


def decorated(synth: SynthReport, rng: random.Random) -> Document:
    """The report's grids with cells written as people write them: a blank as —, / or 无, a count with its
    unit word (5件), a zero as 0件 — values unchanged."""
    document = render_document(synth, rng)
    for block in document.blocks:
        if not isinstance(block, Table):
            continue
        for row in block.rows:
            for cell in row:
                roll = rng.random()
                if cell.text == "" and roll < 0.08:
                    cell.text = rng.choice(("—", "/", "无", "-"))
                elif cell.text.isdigit() and roll < 0.04:
                    cell.text += "件"
    return document


def to_html(synth: SynthReport, rng: random.Random, charset: str = "utf-8") -> bytes:
    """A CMS page; on some, the editor put the section heading into the table's first row."""
    document = decorated(synth, rng)
    title = html.escape(document.blocks[0].text)  # type: ignore[union-attr]
    heading_in_table = rng.random() < 0.3
    if heading_in_table:
        for i, block in enumerate(document.blocks):
            if isinstance(block, Table) and i > 0 and isinstance(document.blocks[i - 1], Paragraph):
                heading = document.blocks[i - 1].text  # type: ignore[union-attr]
                width = len(block.grid()[0])
                block.rows.insert(0, [Cell(f"<h3>{heading}</h3>", col_span=width)])
                document.blocks[i - 1] = Paragraph("")
    page = (
        f"<!DOCTYPE html><html xmlns:o='urn:schemas-microsoft-com:office:office'><head>"
        f"<meta http-equiv='Content-Type' content='text/html; charset={charset}'><title>{title}</title></head>"
        "<body><div class='nav-menu'>首页 | 政务公开 | 互动交流</div>"
        f"<div class='article'>{''.join(tables_html(document, rng))}</div>"
        "<div class='footer'>主办单位：某某人民政府办公室 ICP备00000000号</div></body></html>"
    )
    encoding = "gb18030" if charset.lower() in ("gbk", "gb2312", "gb18030") else charset
    return page.encode(encoding)


def to_sanitized_html(synth: SynthReport, rng: random.Random) -> bytes:
    """A CMS page whose sanitizer removed the empty cells (<td></td>) altogether: the grid lost their
    positions, so rows with blanks can only be placed by count — and must be flagged, not shifted."""
    page = to_html(synth, rng).decode("utf-8")
    page = re.sub(
        r"<td style='border:solid windowtext 1.0pt'>(?:|&nbsp;|<o:p> </o:p>|<span></span>| |\u3000|<br>"
        r"|&#8203;|<p class=MsoNormal><span><o:p>&nbsp;</o:p></span></p>|"
        r"<span style='font-size:10pt'>&nbsp;</span>)</td>",
        "",
        page,
    )
    return page.encode("utf-8")


def to_docx(synth: SynthReport, rng: random.Random) -> bytes:
    """A Word file as an office suite saves it: landscape A4, ruled tables with merged cells."""
    return document_docx(decorated(synth, rng), landscape=True, font_size=9)


def to_docx_pictures(synth: SynthReport, rng: random.Random) -> bytes:
    """The report's Word file with each table pasted as a screenshot of it: the table alone in a Word file,
    rendered by LibreOffice and rasterised at 96, 120 or 150 dpi (a screen's resolution), cropped to its ink;
    shown at its size. A table longer than a page is two pictures one under the other. Needs soffice."""
    document = decorated(synth, rng)
    dpi = rng.choice((96, 120, 150))
    framed = rng.random() < 0.5  # each table's pictures in a bordered one-column table, as many publishers do
    tables = [(i, b) for i, b in enumerate(document.blocks) if isinstance(b, Table)]
    shots = table_screenshots([t for _, t in tables], dpi)
    pictures = {i: shot for (i, _), shot in zip(tables, shots, strict=True)}
    return document_docx(
        document, landscape=True, font_size=9, pictures=pictures, picture_dpi=dpi, picture_frames=framed
    )


def table_screenshots(tables: list[Table], dpi: int, margin: int = 8) -> list[list[bytes]]:
    """Each table as PNG pictures (one per page it takes), as a screenshot of it in a word processor."""
    import shutil
    import subprocess
    import tempfile
    from pathlib import Path

    import numpy as np
    import pypdfium2

    binary = shutil.which("soffice") or shutil.which("libreoffice")
    if binary is None:
        raise RuntimeError("soffice not found: pictures of tables need LibreOffice")
    shots: list[list[bytes]] = []
    with tempfile.TemporaryDirectory() as scratch:
        paths = []
        for n, table in enumerate(tables):
            path = Path(scratch) / f"t{n:03d}.docx"
            path.write_bytes(document_docx(Document([table]), landscape=True, font_size=9))
            paths.append(str(path))
        subprocess.run(
            [binary, "--headless", f"-env:UserInstallation=file://{scratch}/profile", "--convert-to", "pdf"]
            + ["--outdir", scratch, *paths],
            check=True,
            capture_output=True,
            timeout=600,
        )
        for path in paths:
            pdf = pypdfium2.PdfDocument(str(Path(path).with_suffix(".pdf")))
            pages = []
            for page in pdf:
                image = page.render(scale=dpi / 72).to_pil().convert("RGB")
                ink = np.argwhere(np.asarray(image.convert("L")) < 200)
                if not len(ink):
                    continue
                (top, left), (bottom, right) = ink.min(axis=0), ink.max(axis=0)
                box = (max(0, left - margin), max(0, top - margin), right + margin + 1, bottom + margin + 1)
                out = io.BytesIO()
                image.crop(box).save(out, "PNG", optimize=True)
                pages.append(out.getvalue())
            pdf.close()
            shots.append(pages)
    return shots


def document_docx(
    document: Document,
    *,
    ruled: bool = True,
    landscape: bool = False,
    font_size: float | None = None,
    pictures: dict[int, list[bytes]] | None = None,
    picture_dpi: int = 96,
    picture_frames: bool = False,
) -> bytes:
    """A document's paragraphs and tables as a Word file: merged cells for spans; `ruled` tables get
    the "Table Grid" style, others the default (cells apart by white space, no lines). `pictures`: block
    index → the PNGs shown in its place (at `picture_dpi`, no wider than the page's text); with
    `picture_frames`, in the cells of a ruled one-column table, a picture a row."""
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.oxml.ns import qn
    from docx.shared import Emu, Pt

    out = docx.Document()
    if landscape:
        section = out.sections[0]
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = section.page_height, section.page_width
    style = out.styles["Normal"]
    style.font.name = "Noto Sans CJK SC"
    if font_size:
        style.font.size = Pt(font_size)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "Noto Sans CJK SC")
    section = out.sections[0]
    text_width = section.page_width - section.left_margin - section.right_margin
    for index, block in enumerate(document.blocks):
        if pictures is not None and index in pictures:
            from PIL import Image

            frame = out.add_table(rows=len(pictures[index]), cols=1) if picture_frames else None
            if frame is not None:
                frame.style = "Table Grid"
            for row, png in enumerate(pictures[index]):
                width = Image.open(io.BytesIO(png)).width * 914400 // picture_dpi
                if frame is None:
                    out.add_picture(io.BytesIO(png), width=Emu(min(width, text_width)))
                else:  # the cell's padding takes a little of the text's width
                    run = frame.cell(row, 0).paragraphs[0].add_run()
                    run.add_picture(io.BytesIO(png), width=Emu(min(width, text_width - 2 * 114300)))
            continue
        if isinstance(block, Paragraph):
            out.add_paragraph(block.text)
            continue
        grid = block.grid()
        table = out.add_table(rows=len(grid), cols=len(grid[0]))
        if ruled:
            table.style = "Table Grid"
        for r, c, cell in block.origins():
            target = table.cell(r, c)
            if cell.row_span > 1 or cell.col_span > 1:
                target = target.merge(table.cell(r + cell.row_span - 1, c + cell.col_span - 1))
            target.text = cell.text
    buffer = io.BytesIO()
    out.save(buffer)
    return buffer.getvalue()


def _row_text(row: list[Cell]) -> str:
    return "".join(c.text for c in row)


def turned_pdf(pdf: bytes, degrees: int) -> bytes:
    """The PDF as a viewer saves it after turning its pages: content drawn turned by -degrees, /Rotate
    degrees, so it looks the same. (pypdf, a development dependency: generators only.)"""
    import pypdf

    writer = pypdf.PdfWriter()
    for page in pypdf.PdfReader(io.BytesIO(pdf)).pages:
        added = writer.add_page(page)
        added.rotate(-degrees)
        added.transfer_rotation_to_content()
        added.rotate(degrees)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def stamped_pdf(pdf: bytes, header: str = "", footer: str = "") -> bytes:
    """The PDF with running heads and feet drawn in Helvetica over what each page holds: a page number
    ('- 1 -') at the foot, or `footer` and 'n/N' as a browser prints a page's address; `header` at the
    head (a browser's print date and title). What browsers, portals and assembling tools add to a report,
    and what gives a scan a thin text layer. (pypdf, a development dependency: generators only.)"""
    import pypdf

    writer = pypdf.PdfWriter(clone_from=io.BytesIO(pdf))
    pages = len(writer.pages)
    for number, page in enumerate(writer.pages, 1):
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        foot = [(30.0, 16.0, footer), (width - 50, 16.0, f"{number}/{pages}")] if footer else []
        lines = (foot or [(width / 2 - 12, 20.0, f"- {number} -")]) + (
            [(30.0, height - 24, header)] if header else []
        )
        page.merge_page(pypdf.PdfReader(io.BytesIO(_text_page(width, height, lines))).pages[0])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def without_unicode_maps(pdf: bytes) -> bytes:
    """The PDF with its fonts' ToUnicode maps removed: it looks the same, but its text layer reads as
    glyph codes — what some converters and print drivers write. (pypdf: generators only.)"""
    import pypdf
    from pypdf.generic import NameObject

    writer = pypdf.PdfWriter(clone_from=io.BytesIO(pdf))
    for page in writer.pages:
        fonts = page["/Resources"].get_object().get("/Font")
        for font in (fonts.get_object() if fonts else {}).values():
            font.get_object().pop(NameObject("/ToUnicode"), None)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _text_page(width: float, height: float, lines: list[tuple[float, float, str]]) -> bytes:
    """A one-page PDF of ASCII text lines at (x, y), written out by hand (no PDF writer needed)."""
    stream = "".join(f"BT /F1 10 Tf {x:.1f} {y:.1f} Td ({text}) Tj ET\n" for x, y, text in lines).encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {width} {height}] "
        "/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"endstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def to_glued_text(synth: SynthReport, rng: random.Random, style: str = "rows") -> str:
    """A crawler's text dump of the page: every cell's text run together with no separator, blanks gone.
    `style`: "rows" (a line per table row), "table" (a whole table on one line), "page" (the report body
    on one line, as `get_text()` of a minified page gives it). Page chrome around it."""
    document = render_document(synth, rng)
    lines: list[str] = list(rng.sample(CHROME_TOP, 2))
    for block in document.blocks:
        if isinstance(block, Paragraph):
            lines.append(block.text)
        elif style == "rows":
            lines += [_row_text(row) for row in block.rows]
        else:
            lines.append("".join(_row_text(row) for row in block.rows))
    lines += rng.sample(CHROME_BOTTOM, 2)
    if style == "page":
        head, body, tail = lines[:2], lines[2:-2], lines[-2:]
        lines = [*head, "".join(body), *tail]
    return "\n".join(lines) + "\n"


def to_markdown(synth: SynthReport, rng: random.Random, tables: str = "pipe") -> str:
    """What PDF-to-Markdown converters write: pipe tables (spans flattened, blanks empty), or the tables as
    HTML inside the Markdown."""
    if tables == "pipe":
        return render(synth, "markdown", rng)
    document = decorated(synth, rng)
    parts: list[str] = []
    for block in document.blocks:
        if isinstance(block, Paragraph):
            parts.append(("## " if block.text[:2] in ("二、", "三、", "四、", "五、") else "") + block.text)
        else:
            parts.append(tables_html(Document(blocks=[block]), rng)[0])
    return "\n\n".join(parts) + "\n"


def expected_cells(
    synth: SynthReport, *, legal_persons_aggregated: bool = False
) -> dict[str, int | float | None]:
    """Every cell the report prints, by 'table.row.column' — what parsing must give back. A layout printing
    法人或其他组织 as one column (`legal_persons_aggregated`) does not print its five kinds: those cells must
    come back null (the sum they print is no canonical cell), and a number there is a wrong number."""
    out: dict[str, int | float | None] = {}
    for row in synth.rows:
        for column, value in zip(forms.APPLICANT_KEYS, synth.applications[row.key], strict=True):
            printed = not (legal_persons_aggregated and column in forms.APPLICANT_KEYS[1:6])
            out[f"applications.{row.key}.{column}"] = value if printed else None
    for column, value in zip(forms.REVIEW_COLUMNS, synth.review, strict=True):
        out[f"review_litigation.{column}"] = value
    for (item, metric), amount in synth.active.items():
        out[f"active_disclosure.{item}.{metric}"] = amount
    return out


# flags that say "look at this cell" (a cell carrying only other flags was read as printed)
ATTENTION_FLAGS = frozenset(
    {
        "column_inferred",
        "label_inferred",
        "glued_cells_ambiguous",
        "glued_identity_unconfirmed",
        "text_in_cell",
        "ocr_unreadable",
        "glued_row_not_found",
        "grid_misfit",
        "legal_persons_aggregated",
        "stacked_rows_ambiguous",
        "text_crosses_ruling",
    }
)


def write_expected(
    path: Path, synth: SynthReport, cells: dict[str, int | float | None] | None = None, **made: Any
) -> dict[str, Any]:
    """Commit the values a rendered round-trip file prints, as JSON at `path` (beside the file): its form,
    how it was made (`made`), and every cell (`expected_cells` unless given). Returns what was written."""
    expected = {
        "form_version": synth.form,
        **made,
        "cells": expected_cells(synth) if cells is None else cells,
    }
    path.write_text(json.dumps(expected, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return expected


def covers(problem: Problem, cell: str) -> bool:
    """Whether a problem points a reader at this cell: its table, row, column or the cell itself. A broken
    identity names one cell (a row's 总计, a column's 总计) but puts the whole row and column in doubt."""
    where = problem.where
    if not where:
        return False
    table, _, rest = cell.partition(".")
    if table != "applications":
        block = rest.rsplit("_", 1)[0]
        return (
            where in (table, cell)
            or cell.startswith(f"{where}.")
            or (problem.code.startswith("identity_") and where.startswith(f"{table}.{block}_"))
        )
    row, _, column = rest.rpartition(".")
    if where in (table, f"{table}.{row}", f"{table}.{column}", cell):
        return True
    if problem.code.startswith("identity_"):
        _, named_row, named_column = (where.split(".") + ["", ""])[:3]
        return named_row == row or named_column == column
    return False


def _is_count(cell: str) -> bool:
    """A cell that holds a count: a fraction in it is flagged value_not_integer by the lake."""
    return not cell.endswith(("amount", "fee_amount"))


def score(report: Report, expected: dict[str, int | float | None], form: str) -> Counter[str]:
    """exact / flagged / silent per cell."""
    counts: Counter[str] = Counter()
    status = status_for(report, [])
    loud = [p for p in report.problems if p.severity in ("warning", "error")]
    for name, want in expected.items():
        table, _, rest = name.partition(".")
        got: CellValue | None
        if report.form_version != form:
            got = None
        elif table == "applications":
            row, _, column = rest.rpartition(".")
            got = report.applications.get((row, column))
        elif table == "review_litigation":
            got = report.review_litigation.get(rest)
        else:
            item, _, metric = rest.partition(".")
            got = report.active_disclosure.get((item, metric))
        value = None if got is None else got.value
        if (value is None and want is None) or (
            value is not None and want is not None and abs(value - want) < 1e-9
        ):
            counts["exact"] += 1
        elif (
            status in ("failed", "quarantined")
            or (got is not None and ATTENTION_FLAGS & set(got.flags))
            or (_is_count(name) and value is not None and value != int(value))
            or any(covers(p, name) for p in loud)
        ):
            counts["flagged"] += 1
        else:
            counts["silent"] += 1
    return counts


def synth_from_golden(golden: dict[str, Any], *, unnamed: str = "某某单位") -> SynthReport:
    """A golden file's values (tests/fixtures/seeds/expected, the shared corpus) as a report to render."""
    form = golden["form_version"]
    rows = forms.APPLICATION_ROWS[form]
    if "other_handling" in golden["applications"] and form == "f2021":
        rows = forms.APPLICATION_ROWS["f2019"]
    applications = {r.key: [golden["applications"][r.key][c] for c in forms.APPLICANT_KEYS] for r in rows}
    active = {(k.split(".")[0], k.split(".")[1]): v for k, v in golden["active_disclosure"].items()}
    review = [golden["review_litigation"][c] for c in forms.REVIEW_COLUMNS]
    return SynthReport(
        form,
        golden["report_year"],
        golden["agency_name"] or unnamed,
        applications,
        review,
        active,
        set(),
        tuple(rows),
    )


def consistent_variants(seed: int, count: int) -> list[SynthReport]:
    """`count` reports of both forms (and 2021-form reports printing （六）其他处理 as one row)."""
    rng = random.Random(seed)
    out: list[SynthReport] = []
    for i in range(count):
        form = ("f2021", "f2019")[i % 2]
        out.append(
            consistent_report(
                rng, form, single_other_row=form == "f2021" and i % 6 == 4, totals_only=i % 7 == 3
            )
        )
    return out


def to_docx_drawings(synth: SynthReport, rng: random.Random, *, unreadable: bool | None = None) -> bytes:
    """The report's Word file with each table pasted from a spreadsheet as a vector picture: EMF (its
    cells' text drawn as characters, its rulings as lines), or in one report in three a WMF (GBK text), as
    older Office and WPS paste (gongkai.synth_metafile); shown at its size. One EMF report in eight (or as
    `unreadable` says) has a table drawn as glyph numbers, which cannot be read: it must be flagged."""
    from gongkai.synth_metafile import table_emf, table_wmf

    document = decorated(synth, rng)
    tables = [i for i, b in enumerate(document.blocks) if isinstance(b, Table)]
    wmf = unreadable is None and rng.random() < 1 / 3
    glyphs = (
        rng.choice(tables)
        if tables and not wmf and (rng.random() < 1 / 8 if unreadable is None else unreadable)
        else None
    )
    drawings = {
        i: table_wmf(document.blocks[i], rng)
        if wmf
        else table_emf(document.blocks[i], rng, glyphs=i == glyphs)  # type: ignore[arg-type]
        for i in tables
    }
    stand_ins = _stand_ins(drawings)
    return with_metafiles(
        document_docx(document, landscape=True, font_size=9, pictures=stand_ins), drawings, stand_ins
    )


def _stand_ins(drawings: dict[int, bytes]) -> dict[int, list[bytes]]:
    """A distinct PNG the size of each drawing, to be swapped for it (python-docx adds bitmaps only)."""
    from PIL import Image

    from gongkai.extract.metafile import metafile_size_cm
    from gongkai.synth_metafile import PIXELS_PER_MM

    stand_ins = {}
    for n, (index, drawing) in enumerate(sorted(drawings.items())):
        width, height = (round(side * 10 * PIXELS_PER_MM) for side in metafile_size_cm(drawing))
        picture = Image.new("L", (max(width, 8), max(height, 8)), 255)
        picture.putpixel((n % picture.width, 0), 0)  # distinct bytes: python-docx stores a picture once
        out = io.BytesIO()
        picture.save(out, "PNG")
        stand_ins[index] = [out.getvalue()]
    return stand_ins


def with_metafiles(docx: bytes, drawings: dict[int, bytes], stand_ins: dict[int, list[bytes]]) -> bytes:
    """The Word file with its stand-in pictures (`_stand_ins` of the drawings) replaced by the drawings:
    the media parts renamed .emf or .wmf, their relationships and content types following."""
    import zipfile

    from gongkai.extract.metafile import WMF_TYPE, metafile_type

    by_stand_in = {png[0]: drawings[index] for index, png in stand_ins.items()}
    with zipfile.ZipFile(io.BytesIO(docx)) as source:
        parts = {item.filename: source.read(item.filename) for item in source.infolist()}
    renamed = {
        name: name.rsplit(".", 1)[0] + (".wmf" if metafile_type(by_stand_in[data]) == WMF_TYPE else ".emf")
        for name, data in parts.items()
        if name.startswith("word/media/") and data in by_stand_in
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            if name in renamed:
                name, data = renamed[name], by_stand_in[data]
            elif name == "word/_rels/document.xml.rels":
                for old, new in renamed.items():
                    data = data.replace(f'"{old[5:]}"'.encode(), f'"{new[5:]}"'.encode())  # relative to word/
            elif name == "[Content_Types].xml":
                data = data.replace(
                    b"</Types>",
                    b'<Default Extension="emf" ContentType="image/x-emf"/>'
                    b'<Default Extension="wmf" ContentType="image/x-wmf"/></Types>',
                )
            target.writestr(name, data)
    return out.getvalue()
