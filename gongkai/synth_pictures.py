"""Synthetic report pages whose tables are pictures, for the round-trip harness (benchmarks/roundtrip.py
--formats html_pictures): a CMS article page whose 表二/表三/表四 are screenshots of the tables, saved with
its pictures as the MHTML bundle fetch archives (gongkai.fetch.pictures, gongkai.extract.mhtml).

A page is made in three steps, the middle one by the harness (it batches LibreOffice):
1. `picture_page(synth, rng)`: the plan — the report's document (表三 printed as most reports print it,
   with its columns reordered, with a 小计 column, or with 法人或其他组织 as one column), the picture's
   resolution (96–150 dpi, what CMS screenshots have), text size, ruling width, which tables are cut into
   two screenshots, whether the CMS shrank wide pictures; and `table_pages(page)`: each table alone as an
   HTML file, for LibreOffice to lay out as a PDF.
2. LibreOffice: HTML → PDF (`soffice --convert-to pdf:writer_web_pdf_Export`).
3. `screenshots(pdf, ...)`: the PDF rasterised at the plan's resolution, cropped to its ink, cut in two at
   a ruling near its middle where planned; `bundle(...)`: the page's text with an <img> where each table
   stood, packed with its pictures as MHTML.
"""

from __future__ import annotations

import html
import io
import random
import subprocess
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from gongkai.extract.mhtml import write_bundle
from gongkai.model import Document, Paragraph, Table
from gongkai.synth import SynthReport
from gongkai.synth_files import decorated
from gongkai.synth_layouts import _aggregate_table, _is_applications, _reordered_table, _subtotal_table

if TYPE_CHECKING:
    from PIL import Image

PAGE_URL = "http://www.example.gov.cn/art/2024/1/15/art_1229_4120.html"
DPIS = (96, 110, 120, 130, 150)
MARGIN = 10  # pixels of white around a table's ink, as a screenshot tool crops it
# how a CMS names a picture in the page: an absolute path, one relative to the page, a lazy-loading data-src
SOURCES = (
    'src="/picture/0/{name}"',
    'src="../../../../picture/0/{name}"',
    'data-src="/picture/0/{name}" src="/images/loading.gif"',
    'src="http://www.example.gov.cn/picture/0/{name}"',
)
STYLE = (
    "@page{{size:{width}cm 120cm;margin:1cm}} td,p{{font-family:'Noto Sans CJK SC',sans-serif;"
    "font-size:{points}pt}}"
)


@dataclass
class PicturePage:
    """What one page looks like: its document and how its tables were screenshot."""

    document: Document
    dpi: int
    points: float  # the tables' text size
    rule: str  # CSS width of the rulings (0.5pt is under a pixel at 96 dpi: a grey line)
    page_cm: float  # the width the table was laid out in (narrow pages wrap the labels)
    pad: int
    split: set[int] = field(default_factory=set)  # tables (by index) cut into two screenshots
    max_width: int | None = None  # the CMS shrank pictures wider than this
    heading_inside: set[int] = field(default_factory=set)  # tables screenshot with their heading above
    columns: str = "plain"  # how 表三 prints its applicant columns: plain, reordered, subtotal, aggregate

    @property
    def legal_persons_aggregated(self) -> bool:
        """表三 prints 法人或其他组织 as one column: its five kinds are not printed (must come back null)."""
        return self.columns == "aggregate"


def picture_page(synth: SynthReport, rng: random.Random) -> PicturePage:
    """How one report's page is published: its document (表三's columns printed one of four ways) and how
    its tables were screenshot, all drawn from `rng`."""
    document = decorated(synth, rng)
    style = rng.choices(("plain", "reordered", "subtotal", "aggregate"), (5, 2, 1, 2))[0]
    if style != "plain":
        reshape = {"reordered": _reordered_table, "subtotal": _subtotal_table, "aggregate": _aggregate_table}
        document = replace(
            document,
            blocks=[
                reshape[style](b, synth, rng) if isinstance(b, Table) and _is_applications(b) else b
                for b in document.blocks
            ],
        )
    tables = [i for i, b in enumerate(document.blocks) if isinstance(b, Table)]
    long_tables = [n for n, i in enumerate(tables) if len(document.blocks[i].rows) >= 10]  # type: ignore[union-attr]
    split = {n for n in long_tables if rng.random() < 0.35}
    return PicturePage(
        document=document,
        dpi=rng.choice(DPIS),
        points=rng.choice((9, 10.5, 10.5, 12)),
        rule=rng.choice(("1px", "1px", "0.5pt", "1pt")),
        page_cm=rng.choice((21, 21, 29.7)),
        pad=rng.choice((1, 2, 4)),
        split=split,
        max_width=rng.choice((None, None, None, 640, 760, 900)),
        heading_inside={n for n in range(len(tables)) if rng.random() < 0.15},
        columns=style,
    )


def _is_value(text: str) -> bool:
    return not any("\u4e00" <= ch <= "\u9fff" for ch in text) or text.endswith("件")


def _table_markup(table: Table, page: PicturePage) -> str:
    """The table as LibreOffice lays it out: ruled (the width on every cell), values centred."""
    rows = []
    for row in table.rows:
        cells = []
        for cell in row:
            spans = (f" rowspan={cell.row_span}" if cell.row_span > 1 else "") + (
                f" colspan={cell.col_span}" if cell.col_span > 1 else ""
            )
            align = " align=center" if _is_value(cell.text) else ""
            text = html.escape(cell.text) or "&nbsp;"
            cells.append(f"<td{spans}{align} style='border:{page.rule} solid #000'>{text}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f"<table border=1 cellspacing=0 cellpadding={page.pad} style='border-collapse:collapse'>"
        + "".join(rows)
        + "</table>"
    )


def table_pages(page: PicturePage) -> list[str]:
    """Each table of the page alone in an HTML file (its heading above it where the plan says), for
    LibreOffice to lay out."""
    out: list[str] = []
    blocks = page.document.blocks
    for i in (i for i, b in enumerate(blocks) if isinstance(b, Table)):
        # 表四's fifteen columns do not fit a portrait page (LibreOffice pushes them onto a second page)
        wide = max(len(row) for row in blocks[i].rows) > 10  # type: ignore[union-attr]
        style = STYLE.format(width=max(page.page_cm, 29.7) if wide else page.page_cm, points=page.points)
        out.append(
            f'<html><head><meta charset="utf-8"><style>{style}</style></head><body>'
            f"{_table_markup(blocks[i], page)}</body></html>"  # type: ignore[arg-type]
        )
    return out


def _heading(page: PicturePage, table: int) -> str | None:
    """The heading the table stands under, when the plan puts it inside the table's picture."""
    blocks = page.document.blocks
    i = [i for i, b in enumerate(blocks) if isinstance(b, Table)][table]
    before = blocks[i - 1] if i > 0 else None
    return before.text if table in page.heading_inside and isinstance(before, Paragraph) else None


def _with_heading(image: Image.Image, text: str, page: PicturePage) -> Image.Image:
    """The heading drawn above the table, as a screenshot taken with it shows it. (LibreOffice puts a
    table that follows a paragraph on a page of its own, so the heading is drawn here.)"""
    from PIL import Image, ImageDraw, ImageFont

    found = subprocess.run(
        ["fc-match", "-f", "%{file}\n%{index}", "Noto Sans CJK SC"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\n")
    font = ImageFont.truetype(found[0], round(page.points * page.dpi / 72), index=int(found[1] or 0))
    _, _, right, bottom = (int(v) for v in font.getbbox(text))
    gap = round(page.dpi / 10)
    out = Image.new(
        "RGB", (max(image.width, right + 2 * MARGIN), bottom + gap + image.height + MARGIN), "white"
    )
    ImageDraw.Draw(out).text((MARGIN, MARGIN), text, font=font, fill="black")
    out.paste(image, (0, MARGIN + bottom + gap))
    return out


def screenshots(pdf: bytes, page: PicturePage, table: int, rng: random.Random) -> list[bytes]:
    """A table's PDF as the screenshots a CMS shows: rasterised at the page's resolution, cropped to the
    ink, cut in two at a ruling near the middle when planned, shrunk to the CMS's width; PNG."""
    import numpy as np
    import pypdfium2
    from PIL import Image

    document = pypdfium2.PdfDocument(pdf)
    if len(document) != 1:
        raise ValueError(f"table {table} was laid out on {len(document)} pages, not one")
    try:
        image = document[0].render(scale=page.dpi / 72).to_pil().convert("RGB")
    finally:
        document.close()
    pixels = np.asarray(image.convert("L"))
    ink = np.argwhere(pixels < 200)
    (top, left), (bottom, right) = ink.min(axis=0), ink.max(axis=0)
    image = image.crop((max(0, left - MARGIN), max(0, top - MARGIN), right + MARGIN + 1, bottom + MARGIN + 1))
    heading = _heading(page, table)
    if heading:
        image = _with_heading(image, heading, page)
    parts = [image]
    if table in page.split:
        found = _ruling_near_middle(np.asarray(image.convert("L")), rng)
        if found is not None:
            # hand-made crops: the ruling in both screenshots (with a pixel or two of the row beyond it),
            # or only in the upper one (the lower opens on a row with no top ruling), or only in the lower
            top, bottom = found
            where = rng.choice(("both", "both", "upper", "lower"))
            upper_end = bottom + 1 + rng.randint(0, 2) if where != "lower" else top - rng.randint(1, 3)
            lower_start = top - rng.randint(0, 2) if where != "upper" else bottom + rng.randint(2, 4)
            parts = [
                image.crop((0, 0, image.width, upper_end)),
                image.crop((0, lower_start, image.width, image.height)),
            ]
    out = []
    for part in parts:
        if page.max_width and part.width > page.max_width:
            height = round(part.height * page.max_width / part.width)
            part = part.resize((page.max_width, height), Image.Resampling.LANCZOS)
        buffer = io.BytesIO()
        part.save(buffer, "PNG", optimize=True)  # no resolution said: as most web pictures
        out.append(buffer.getvalue())
    return out


def _ruling_near_middle(gray: object, rng: random.Random) -> tuple[int, int] | None:
    """The first and last pixel row of a horizontal ruling between 35 % and 65 % of the picture's height
    (the table's own rows)."""
    import numpy as np

    dark = np.asarray(gray) < 160
    height = dark.shape[0]
    rows = [int(y) for y in np.flatnonzero(dark.mean(axis=1) > 0.6) if 0.35 * height <= y <= 0.65 * height]
    rulings: list[tuple[int, int]] = []
    for y in rows:
        if rulings and y == rulings[-1][1] + 1:
            rulings[-1] = (rulings[-1][0], y)
        else:
            rulings.append((y, y))
    return rng.choice(rulings) if rulings else None


def bundle(page: PicturePage, pictures: list[list[bytes]], rng: random.Random) -> bytes:
    """The article page (the report's text, an <img> per screenshot where its table stood) and its
    pictures as one MHTML document."""
    blocks = page.document.blocks
    body: list[str] = []
    resources: list[tuple[str, str, bytes]] = []
    tables = [i for i, b in enumerate(blocks) if isinstance(b, Table)]
    for i, block in enumerate(blocks):
        if isinstance(block, Paragraph):
            n = next((n for n, t in enumerate(tables) if t == i + 1), None)
            if n is not None and n in page.heading_inside:
                continue  # the heading is in the picture
            tag = "h1" if i == 0 else "p"
            body.append(f"<{tag}>{html.escape(block.text)}</{tag}>")
            continue
        n = tables.index(i)
        for part, data in enumerate(pictures[n]):
            name = f"{rng.getrandbits(48):012x}.png"
            source = rng.choice(SOURCES).format(name=name)
            body.append(
                f'<p style="text-align:center"><img {source} width="100%" title="{n + 1}-{part}"></p>'
            )
            resources.append((f"http://www.example.gov.cn/picture/0/{name}", "image/png", data))
    title = html.escape(blocks[0].text) if isinstance(blocks[0], Paragraph) else ""
    page_html = (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head><body>'
        "<div class='nav'>首页 &gt; 政务公开 &gt; 政府信息公开年报</div>"
        f"<div class='article'>{''.join(body)}</div>"
        "<div class='footer'>主办单位：某某人民政府办公室 ICP备00000000号</div></body></html>"
    ).encode()
    return write_bundle(page_html, PAGE_URL, resources, "text/html; charset=utf-8")
