"""Round trip: synthetic reports of both forms rendered in every format the product reads, parsed back and
scored cell by cell — exact, flagged (wrong or null, but the cell, its row or its table carries a flag or
a problem, or the report is quarantined/failed), and silently wrong (must be 0).

    python -m benchmarks roundtrip                      # 24 reports, every format but scans
    python -m benchmarks.roundtrip --reports 60 --scans --formats pdf,scan
    python -m benchmarks.roundtrip --values real         # the 13 real reports' values, not random ones
    python -m benchmarks.roundtrip --formats html_pictures      # pages whose tables are pictures (slow: OCR)
    python -m benchmarks.roundtrip --reports 12 --formats docx_pictures,pdf_pictures   # tables as pictures (OCR)
    python -m benchmarks.roundtrip --reports 12 --formats docx_drawings   # tables pasted as EMF pictures
    python -m benchmarks.roundtrip --formats html_browser_pdf   # CMS pages printed by Chromium (needs it)
    python -m benchmarks.roundtrip --formats html_browser_narrow   # … with columns too narrow for the numbers

Random values (the default) are adversarial: any magnitude, zeros and blanks mixed in a row. `--values real`
renders the values careful readers wrote down for the real reports in tests/fixtures (seeds, the shared
corpus, real PDFs) instead: the nearest the harness comes to the held-out real reports.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import shutil
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from gongkai.extract import extract_bytes
from gongkai.parse import parse_document
from gongkai.synth import SynthReport
from gongkai.synth_files import (
    consistent_variants,
    expected_cells,
    score,
    stamped_pdf,
    synth_from_golden,
    to_docx,
    to_docx_drawings,
    to_docx_pictures,
    to_glued_text,
    to_html,
    to_markdown,
    to_sanitized_html,
    turned_pdf,
)
from gongkai.synth_layouts import LAYOUTS
from gongkai.synth_pictures import PicturePage, bundle, picture_page, screenshots, table_pages

FIXTURES = Path(__file__).parents[1] / "tests" / "fixtures"

TEXT_FORMATS: dict[str, Callable[[SynthReport, random.Random], bytes]] = {
    "html": lambda s, r: to_html(s, r),
    "html_gbk": lambda s, r: to_html(s, r, "gb2312"),
    "html_sanitized": to_sanitized_html,
    "docx": to_docx,
    "glued_rows": lambda s, r: to_glued_text(s, r, "rows").encode("utf-8"),
    "glued_table": lambda s, r: to_glued_text(s, r, "table").encode("utf-8"),
    "glued_page": lambda s, r: to_glued_text(s, r, "page").encode("utf-8"),
    "markdown_pipe": lambda s, r: to_markdown(s, r, "pipe").encode("utf-8"),
    "markdown_html": lambda s, r: to_markdown(s, r, "html").encode("utf-8"),
}
FILE_NAMES = {
    "html": "r.html",
    "html_gbk": "r.html",
    "html_sanitized": "r.html",
    "docx": "r.docx",
    "markdown_pipe": "r.md",
    "markdown_html": "r.md",
    "pdf": "r.pdf",
    "pdf_rotated": "r.pdf",
    "pdf_printed": "r.pdf",
    "scan": "r.pdf",
    "html_pictures": "r.mht",
    "docx_pictures": "r.docx",
    "pdf_pictures": "r.pdf",
    "docx_drawings": "r.docx",
}
# the CMS page (UTF-8, every other one GBK) opened in LibreOffice Writer and saved as PDF or Word: the
# office-suite renderings of real pages, with the page's own spans, empty cells and widths
OFFICE_FROM_HTML = {"html_office_pdf": "pdf", "html_office_docx": "docx:MS Word 2007 XML"}
FILE_NAMES |= {
    "html_office_pdf": "r.pdf",
    "html_office_docx": "r.docx",
    "html_browser_pdf": "r.pdf",
    "html_browser_narrow": "r.pdf",
}
# the Word file with each table pasted as a screenshot, and its PDF (LibreOffice): read by OCR, slow,
# so not among the default formats
PICTURE_FORMATS = ("docx_pictures", "pdf_pictures")


def _soffice_pdfs(
    docx_files: list[Path], out_dir: Path, target: str = "pdf", infilter: str | None = None
) -> None:
    binary = shutil.which("soffice") or shutil.which("libreoffice")
    if binary is None:
        raise SystemExit("soffice not found: PDF round trip needs LibreOffice")
    with tempfile.TemporaryDirectory() as profile:
        for start in range(0, len(docx_files), 20):  # one LibreOffice start per 20 files
            subprocess.run(
                [
                    binary,
                    "--headless",
                    f"-env:UserInstallation=file://{profile}",
                    *([f"--infilter={infilter}"] if infilter else []),
                    "--convert-to",
                    target,
                    "--outdir",
                    str(out_dir),
                    *map(str, docx_files[start : start + 20]),
                ],
                check=True,
                capture_output=True,
                timeout=600,
            )


NARROW_WIDTH = 380  # CSS pixels: columns too narrow for 表三's five-digit numbers at 17 px


def cms_page(html: bytes, *, width: int = 0, narrow: bool = False) -> bytes:
    """A CMS page (`to_html`) whose tables the CMS fixed at `width` CSS pixels (wider than the paper), or,
    with `narrow`, laid out fixed at that width in large type: too narrow for their numbers."""
    fixed = "table-layout:fixed;" if narrow else ""
    if width:
        html = html.replace(b"<table ", f'<table style="{fixed}width:{width}px" '.encode())
    if narrow:
        html = html.replace(b"</head>", b"<style>td{font-size:17px}</style></head>")
    return html


def chromium_pdf(page: Path, out: Path, *, header_footer: bool) -> None:
    """The page printed to PDF by a browser (headless Chromium's "Save as PDF"): with `header_footer` the
    date, title, address and n/N it prints on every page, as a person saving a page gets by default."""
    binary = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if binary is None:
        raise SystemExit(
            "chromium not found: the browser-printed round trip needs it (apt-get install chromium)"
        )
    subprocess.run(
        [
            binary,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            *([] if header_footer else ["--no-pdf-header-footer"]),
            f"--print-to-pdf={out}",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )


def scan_of(pdf: bytes, rng: random.Random, dpi: int) -> bytes:
    """The PDF printed and scanned: rasterised at `dpi`, slightly rotated, blurred and speckled."""
    import numpy as np
    from PIL import Image, ImageFilter

    with tempfile.TemporaryDirectory() as scratch:
        source = Path(scratch) / "in.pdf"
        source.write_bytes(pdf)
        subprocess.run(
            ["pdftoppm", "-r", str(dpi), "-gray", "-png", str(source), f"{scratch}/p"],
            check=True,
            capture_output=True,
            timeout=300,
        )
        pages = []
        for png in sorted(Path(scratch).glob("p*.png")):
            image = Image.open(png).convert("L").rotate(rng.uniform(-0.8, 0.8), fillcolor=255, expand=False)
            image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 0.8)))
            pixels = np.array(image)
            noise = np.random.default_rng(rng.randint(0, 2**31)).random(pixels.shape)
            pixels[noise < 0.0015] = 0
            pixels[noise > 0.9985] = 255
            pages.append(Image.fromarray(pixels).convert("RGB"))
        buffer = io.BytesIO()
        pages[0].save(buffer, "PDF", save_all=True, append_images=pages[1:], resolution=dpi)
        return buffer.getvalue()


def real_values() -> list[SynthReport]:
    """The real reports whose every cell a careful reader wrote down, as reports to render."""
    paths = [*(FIXTURES / "seeds" / "expected").glob("*.json"), *(FIXTURES / "real").glob("*.json")]
    paths += (FIXTURES / "corpus").glob("*.json")
    return [synth_from_golden(json.loads(p.read_text(encoding="utf-8"))) for p in sorted(paths)]


def picture_bundle(page: PicturePage, rng: random.Random) -> bytes:
    """A page whose tables are pictures (gongkai/synth_pictures.py), each table laid out by LibreOffice."""
    with tempfile.TemporaryDirectory() as scratch:
        sources = []
        for n, markup in enumerate(table_pages(page)):
            sources.append(Path(scratch) / f"t{n}.html")
            sources[-1].write_text(markup, encoding="utf-8")
        _soffice_pdfs(sources, Path(scratch), "pdf:writer_web_pdf_Export")
        pictures = [
            screenshots(p.with_suffix(".pdf").read_bytes(), page, n, rng) for n, p in enumerate(sources)
        ]
    return bundle(page, pictures, rng)


def run(
    reports: int,
    seed: int,
    formats: list[str],
    dpi: int = 200,
    on_silent: Callable[[str, int, str], None] | None = None,
    timings: dict[tuple[str, int], float] | None = None,
    syntheses: list[SynthReport] | None = None,
) -> dict[str, Counter[str]]:
    syntheses = syntheses if syntheses is not None else consistent_variants(seed, reports)
    results: dict[str, Counter[str]] = {f: Counter() for f in formats}
    files: dict[tuple[str, int], bytes] = {}
    for index, synth in enumerate(syntheses):
        for fmt in formats:
            if fmt in TEXT_FORMATS:
                files[(fmt, index)] = TEXT_FORMATS[fmt](synth, random.Random(seed * 1000 + index))
    via_pdf = [f for f in formats if f in LAYOUTS and LAYOUTS[f].via_pdf]
    # more publishers' layouts (gongkai/synth_layouts.py); their Word files become PDFs here
    for index, synth in enumerate(syntheses):
        for fmt in formats:
            if fmt in LAYOUTS:
                files[(fmt, index)] = LAYOUTS[fmt].render(synth, random.Random(seed * 1000 + index))
    if via_pdf:
        with tempfile.TemporaryDirectory() as scratch:
            paths = [Path(scratch) / f"{fmt}_{i:04d}.docx" for fmt in via_pdf for i in range(len(syntheses))]
            for path in paths:
                fmt, index = path.stem.rsplit("_", 1)
                path.write_bytes(files[(fmt, int(index))])
            _soffice_pdfs(paths, Path(scratch))
            for path in paths:
                fmt, index = path.stem.rsplit("_", 1)
                files[(fmt, int(index))] = path.with_suffix(".pdf").read_bytes()
    if {"pdf", "pdf_rotated", "pdf_printed", "scan"} & set(formats):
        with tempfile.TemporaryDirectory() as scratch:
            paths = []
            for index, synth in enumerate(syntheses):
                path = Path(scratch) / f"r{index:04d}.docx"
                path.write_bytes(to_docx(synth, random.Random(seed * 1000 + index)))
                paths.append(path)
            _soffice_pdfs(paths, Path(scratch))
            for index in range(len(syntheses)):
                pdf = (Path(scratch) / f"r{index:04d}.pdf").read_bytes()
                if "pdf" in formats:
                    files[("pdf", index)] = pdf
                if "pdf_rotated" in formats:  # pages turned in a viewer and saved: /Rotate 90, 180 or 270
                    files[("pdf_rotated", index)] = turned_pdf(pdf, 90 * (1 + index % 3))
                if "pdf_printed" in formats:  # the page printed by a browser: print date, URL and n/N
                    files[("pdf_printed", index)] = stamped_pdf(
                        pdf, f"2024/1/{index % 28 + 1} 10:32", f"https://www.example.gov.cn/art/{index}.html"
                    )
                if "scan" in formats:
                    # the seed picks the skew, blur and specks too, so other seeds test other scans
                    files[("scan", index)] = scan_of(pdf, random.Random(seed * 1000 + index), dpi)
    for fmt, target in OFFICE_FROM_HTML.items():
        if fmt not in formats:
            continue
        with tempfile.TemporaryDirectory() as scratch:
            paths = []
            for index, synth in enumerate(syntheses):
                charset = "gb2312" if index % 2 else "utf-8"
                path = Path(scratch) / f"h{index:04d}.html"
                path.write_bytes(to_html(synth, random.Random(seed * 1000 + index), charset))
                paths.append(path)
            _soffice_pdfs(paths, Path(scratch), target, infilter="HTML (StarWriter)")
            suffix = "." + target.split(":")[0]
            for index, path in enumerate(paths):
                files[(fmt, index)] = path.with_suffix(suffix).read_bytes()
    for fmt in ("html_browser_pdf", "html_browser_narrow"):  # need Chromium: not among the default formats
        if fmt not in formats:
            continue
        with tempfile.TemporaryDirectory() as scratch:
            for index, synth in enumerate(syntheses):
                charset = "gb2312" if index % 2 else "utf-8"
                page, pdf = Path(scratch) / f"b{index:04d}.html", Path(scratch) / f"b{index:04d}.pdf"
                html = to_html(synth, random.Random(seed * 1000 + index), charset)
                if fmt == "html_browser_narrow":
                    html = cms_page(html, width=NARROW_WIDTH, narrow=True)
                page.write_bytes(html)
                chromium_pdf(page, pdf, header_footer=index % 3 != 0)
                files[(fmt, index)] = pdf.read_bytes()
    pages: dict[int, PicturePage] = {}
    if "html_pictures" in formats:
        for index, synth in enumerate(syntheses):
            pages[index] = picture_page(synth, random.Random(seed * 1000 + index))
            files[("html_pictures", index)] = picture_bundle(pages[index], random.Random(seed * 1000 + index))
    if "docx_drawings" in formats:  # each picture drawn by LibreOffice: not among the default formats
        for index, synth in enumerate(syntheses):
            files[("docx_drawings", index)] = to_docx_drawings(synth, random.Random(seed * 1000 + index))
    if set(PICTURE_FORMATS) & set(formats):
        with tempfile.TemporaryDirectory() as scratch:
            paths = []
            for index, synth in enumerate(syntheses):
                pictured = to_docx_pictures(synth, random.Random(seed * 1000 + index))
                if "docx_pictures" in formats:
                    files[("docx_pictures", index)] = pictured
                path = Path(scratch) / f"p{index:04d}.docx"
                path.write_bytes(pictured)
                paths.append(path)
            if "pdf_pictures" in formats:
                _soffice_pdfs(paths, Path(scratch))
                for index, path in enumerate(paths):
                    files[("pdf_pictures", index)] = path.with_suffix(".pdf").read_bytes()
    for (fmt, index), data in sorted(files.items()):
        synth = syntheses[index]
        name = LAYOUTS[fmt].file_name if fmt in LAYOUTS else FILE_NAMES.get(fmt, "r.txt")
        started = time.perf_counter()
        report = parse_document(extract_bytes(data, name))
        if timings is not None:
            timings[(fmt, index)] = time.perf_counter() - started
        aggregated = (fmt in LAYOUTS and LAYOUTS[fmt].legal_persons_aggregated) or (
            fmt == "html_pictures" and pages[index].legal_persons_aggregated
        )
        counts = score(report, expected_cells(synth, legal_persons_aggregated=aggregated), synth.form)
        results[fmt] += counts
        results[fmt]["reports"] += 1
        if counts["silent"] and on_silent is not None:
            on_silent(fmt, index, report.form_version)
    return results


def print_table(results: dict[str, Counter[str]], seconds: float) -> None:
    print(f"{'format':<24}{'reports':>8}{'cells':>8}{'exact':>9}{'flagged':>9}{'silent':>8}")
    for fmt, c in results.items():
        cells = c["exact"] + c["flagged"] + c["silent"]
        pct = 100 * c["exact"] / cells if cells else 0.0
        print(f"{fmt:<24}{c['reports']:>8}{cells:>8}{pct:>8.1f}%{c['flagged']:>9}{c['silent']:>8}")
    print(f"({seconds:.1f} s)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=24)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--formats",
        default=",".join([*TEXT_FORMATS, "pdf", "pdf_rotated", "pdf_printed", *OFFICE_FROM_HTML, *LAYOUTS]),
    )
    parser.add_argument("--scans", action="store_true", help="also scans of the PDFs (slow: OCR)")
    parser.add_argument("--dpi", type=int, default=200)
    parser.add_argument(
        "--values", choices=("random", "real"), default="random", help="real: the 13 real reports' values"
    )
    args = parser.parse_args(argv if argv is not None else [])
    formats = args.formats.split(",") + (["scan"] if args.scans and "scan" not in args.formats else [])
    started = time.perf_counter()
    timings: dict[tuple[str, int], float] = {}
    results = run(
        args.reports,
        args.seed,
        formats,
        args.dpi,
        on_silent=lambda f, i, form: print(f"  silent wrong cells: {f} report {i} (read as {form})"),
        timings=timings,
        syntheses=real_values() if args.values == "real" else None,
    )
    print_table(results, time.perf_counter() - started)
    slow = ("scan", "html_pictures", *PICTURE_FORMATS, "docx_drawings")
    for fmt in slow:  # the formats read by OCR or LibreOffice: what reading one report costs
        seconds = sorted(t for (f, _), t in timings.items() if f == fmt)
        if seconds:
            print(
                f"{fmt}: {sum(seconds) / len(seconds):.1f} s per report to extract and parse "
                f"(median {seconds[len(seconds) // 2]:.1f}, max {seconds[-1]:.1f})"
            )


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
