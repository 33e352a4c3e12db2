"""CMS pages printed to PDF by a browser, with the values they print: tests/fixtures/browser_printed/.

The round-trip harness (benchmarks/roundtrip.py --formats html_browser_pdf) prints synthetic CMS pages with
headless Chromium ("Save as PDF"). Chromium is not among the test machine's packages, so a few of those
PDFs are committed with the cells they print, and tests/extract/test_browser_printed.py reads them back.
Chosen for what browsers do that office suites do not: a 表三 row cut by the page break with its rulings
left open on both pages, the date, title, address and n/N printed on every page, and a page whose tables
are wider than the paper (the browser prints what fits and cuts the rest off), and one whose columns the
CMS fixed too narrow for its numbers (the browser prints them across the rulings into the next cells).

    .venv/bin/python scripts/make_browser_pdfs.py     # needs chromium on PATH
"""

from __future__ import annotations

import random
import tempfile
from pathlib import Path

from benchmarks.roundtrip import chromium_pdf, cms_page
from gongkai.synth_files import consistent_variants, to_html, write_expected

OUT = Path(__file__).parents[1] / "tests" / "fixtures" / "browser_printed"
# (harness seed, report index, charset, header and footer, table width in CSS pixels or 0, columns fixed
# too narrow): report 6 of seed 1 has the cut row
PLAN: list[tuple[int, int, str, bool, int, bool]] = [
    (1, 6, "utf-8", False, 0, False),
    (1, 1, "gb2312", True, 0, False),
    (1, 2, "utf-8", True, 1400, False),
    (1, 0, "utf-8", False, 380, True),
]


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        for seed, index, charset, header_footer, width, narrow in PLAN:
            synth = consistent_variants(seed, index + 1)[index]  # as the harness makes report `index`
            page = Path(scratch) / f"s{seed}_r{index}.html"
            html = to_html(synth, random.Random(seed * 1000 + index), charset)
            page.write_bytes(cms_page(html, width=width, narrow=narrow))
            stem = f"seed{seed}-report{index}.{charset}{'.stamped' if header_footer else ''}"
            stem += (f".narrow{width}" if narrow else f".wide{width}") if width else ""
            chromium_pdf(page, OUT / f"{stem}.pdf", header_footer=header_footer)
            expected = write_expected(
                OUT / f"{stem}.json",
                synth,
                charset=charset,
                stamped=header_footer,
                table_width=width,
                narrow=narrow,
            )
            print(f"{stem}: {synth.form}, {len(expected['cells'])} cells")


if __name__ == "__main__":
    main()
