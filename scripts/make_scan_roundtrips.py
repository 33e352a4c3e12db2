"""Scans of synthetic reports with the values they print: tests/fixtures/scanned_roundtrip/.

The round-trip harness (benchmarks/roundtrip.py --formats scan) renders synthetic reports of both forms
to PDF with LibreOffice, then prints and scans them (rasterised at a resolution, turned, blurred,
speckled). Rendering needs LibreOffice and takes a while, so a few of those scans are committed with
the cells they print, and tests/extract/test_scan_roundtrip.py reads them back without LibreOffice.
Seeded: the same plan gives the same files (for the same LibreOffice and fonts).

    .venv/bin/python scripts/make_scan_roundtrips.py     # writes tests/fixtures/scanned_roundtrip/
"""

from __future__ import annotations

import random
import tempfile
from pathlib import Path

from benchmarks.roundtrip import _soffice_pdfs, scan_of
from gongkai.synth_files import consistent_variants, to_docx, write_expected

OUT = Path(__file__).parents[1] / "tests" / "fixtures" / "scanned_roundtrip"
# (harness seed, report index, dpi): both forms, both resolutions; ~0.7 MB a report at 150 dpi and
# ~1.1 MB at 200. Among them: minus signs (f2019's 本年增/减), a fee with a decimal point, blank marks
PLAN: list[tuple[int, int, int]] = [(1, 7, 200), (1, 6, 150), (2, 1, 150)]


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        for seed, index, dpi in PLAN:
            synth = consistent_variants(seed, index + 1)[index]  # as the harness makes report `index`
            docx = Path(scratch) / f"s{seed}_r{index}.docx"
            docx.write_bytes(to_docx(synth, random.Random(seed * 1000 + index)))
            _soffice_pdfs([docx], Path(scratch))
            pdf = docx.with_suffix(".pdf").read_bytes()
            stem = f"seed{seed}-report{index}.{dpi}dpi"
            (OUT / f"{stem}.pdf").write_bytes(scan_of(pdf, random.Random(seed * 1000 + index), dpi))
            expected = write_expected(OUT / f"{stem}.json", synth)
            print(f"{stem}: {synth.form}, {len(expected['cells'])} cells")


if __name__ == "__main__":
    main()
