"""Make tests/fixtures/pictures/: a CMS report page whose tables are published as pictures.

Each report table of a corpus article page (tests/fixtures/corpus/<name>.utf8.html) is rendered the way
a site's editor screenshots a Word table: the table alone in an HTML file → PDF with LibreOffice
(`soffice --headless --convert-to pdf`) → PNG with pypdfium2 at DPI, cropped to its ink plus a margin.
The page keeps its text; each table is replaced by an <img> (a relative src, an absolute src, and a
lazy-loading data-src, as CMSs write them), plus a photo that is not a table. Run from the repository:

    python scripts/make_table_pictures.py [--name 001_88afcdf2753bf816] [--dpi 130]
"""

from __future__ import annotations

import argparse
import io
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pypdfium2
from lxml import html
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "fixtures" / "corpus"
OUT = ROOT / "tests" / "fixtures" / "pictures"
STYLE = (
    "@page{size:21cm 80cm;margin:1cm} table{border-collapse:collapse} td,th{border:1px solid #000;padding:2px 5px;"
    "font-family:'Noto Sans CJK SC','WenQuanYi Zen Hei',sans-serif;font-size:10.5pt}"
)
MARGIN = 10  # pixels of white kept around the table's ink


def render_table(table_html: str, dpi: int, work: Path) -> bytes:
    source = work / "table.html"
    source.write_text(
        f'<html><head><meta charset="utf-8"><style>{STYLE}</style></head><body>{table_html}</body></html>',
        encoding="utf-8",
    )
    subprocess.run(
        [
            "soffice",
            "--headless",
            "--convert-to",
            "pdf:writer_web_pdf_Export",
            "--outdir",
            str(work),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    pdf = pypdfium2.PdfDocument(str(work / "table.pdf"))
    image = pdf[0].render(scale=dpi / 72).to_pil().convert("L")
    pdf.close()
    ink = np.argwhere(np.asarray(image) < 200)
    (top, left), (bottom, right) = ink.min(axis=0), ink.max(axis=0)
    box = (max(0, left - MARGIN), max(0, top - MARGIN), right + MARGIN + 1, bottom + MARGIN + 1)
    out = io.BytesIO()
    image.crop(box).save(out, "PNG", optimize=True)  # no dpi said: as most web pictures
    return out.getvalue()


def photo() -> bytes:
    """A picture that is not a table (a smooth gradient with a disc: a photo's stand-in)."""
    y, x = np.mgrid[0:160, 0:240]
    rgb = np.stack([x, y + 60, 255 - x // 2], axis=-1).astype(np.uint8)
    rgb[(x - 120) ** 2 + (y - 80) ** 2 < 40**2] = (200, 40, 40)
    out = io.BytesIO()
    Image.fromarray(rgb, "RGB").save(out, "JPEG", quality=80)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--name", default="001_88afcdf2753bf816")
    parser.add_argument("--dpi", type=int, default=130)
    args = parser.parse_args()
    if not shutil.which("soffice"):
        raise SystemExit("LibreOffice (soffice) is needed")
    OUT.mkdir(parents=True, exist_ok=True)
    page = html.fromstring((CORPUS / f"{args.name}.utf8.html").read_bytes())
    tables = [t for t in page.iter("table") if t.find(".//table") is None]
    # an absolute path, a path relative to the page, a lazy-loading data-src (its src a placeholder)
    ways = (
        'src="/uploads/2021/01/{}"',
        'src="../uploads/2021/01/{}"',
        'data-src="/uploads/2021/01/{}" src="/images/loading.gif"',
    )
    with tempfile.TemporaryDirectory() as tmp:
        for n, table in enumerate(tables, 1):
            name = f"{args.name[:3]}-table{n}.png"
            (OUT / name).write_bytes(
                render_table(html.tostring(table, encoding="unicode"), args.dpi, Path(tmp))
            )
            way = ways[(n - 1) % len(ways)]
            img = html.fragment_fromstring(f'<p><img {way.format(name)} width="600"></p>')
            table.getparent().replace(table, img)
    (OUT / "photo.jpg").write_bytes(photo())
    article = next(page.iter("h1")).getparent()  # the photo opens the article, under its heading
    article.insert(
        1, html.fragment_fromstring('<p><img src="/uploads/2021/01/photo.jpg" alt="机关大楼"></p>')
    )
    page.find("head").insert(0, html.fragment_fromstring('<meta charset="utf-8">'))
    (OUT / f"{args.name[:3]}-pictures.html").write_bytes(
        html.tostring(page, encoding="utf-8", doctype="<!DOCTYPE html>")
    )


if __name__ == "__main__":
    main()
