"""CMS pages printed to PDF by a browser, with the values they print: tests/fixtures/browser_printed/.

The round-trip harness (benchmarks/roundtrip.py --formats html_browser_pdf) prints synthetic CMS pages with
headless Chromium ("Save as PDF"). Chromium is not among the test machine's packages, so a few of those
PDFs are committed with the cells they print, and tests/extract/test_browser_printed.py reads them back.
Chosen for what browsers do that office suites do not: a 表三 row cut by the page break with its rulings
left open on both pages, the date, title, address and n/N printed on every page, and a page whose tables
are wider than the paper (the browser prints what fits and cuts the rest off).

    .venv/bin/python scripts/make_browser_pdfs.py     # needs chromium on PATH
"""

from __future__ import annotations

import random
import tempfile
from pathlib import Path

from benchmarks.roundtrip import chromium_pdf
from gongkai.synth_files import consistent_variants, to_html, write_expected

OUT = Path(__file__).parents[1] / "tests" / "fixtures" / "browser_printed"
# (harness seed, report index, charset, header and footer, table width in CSS pixels or 0): report 6 of
# seed 1 has the cut row
PLAN: list[tuple[int, int, str, bool, int]] = [
    (1, 6, "utf-8", False, 0),
    (1, 1, "gb2312", True, 0),
    (1, 2, "utf-8", True, 1400),
]


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        for seed, index, charset, header_footer, width in PLAN:
            synth = consistent_variants(seed, index + 1)[index]  # as the harness makes report `index`
            page = Path(scratch) / f"s{seed}_r{index}.html"
            html = to_html(synth, random.Random(seed * 1000 + index), charset)
            if width:  # the CMS fixed the tables' width: wider than the paper
                html = html.replace(b"<table ", f'<table style="width:{width}px" '.encode())
            page.write_bytes(html)
            stem = f"seed{seed}-report{index}.{charset}{'.stamped' if header_footer else ''}"
            stem += f".wide{width}" if width else ""
            chromium_pdf(page, OUT / f"{stem}.pdf", header_footer=header_footer)
            expected = write_expected(
                OUT / f"{stem}.json", synth, charset=charset, stamped=header_footer, table_width=width
            )
            print(f"{stem}: {synth.form}, {len(expected['cells'])} cells")


if __name__ == "__main__":
    main()
