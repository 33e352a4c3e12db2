"""Report pages whose tables are pictures, with the values they print: tests/fixtures/pictures_roundtrip/.

The round-trip harness (benchmarks/roundtrip.py --formats html_pictures) renders synthetic reports as CMS
pages whose tables are screenshots (gongkai/synth_pictures.py: LibreOffice lays each table out, the PDF is
rasterised at 96–150 dpi, some tables cut into two pictures) saved with their pictures as MHTML. Rendering
needs LibreOffice, so a few of those pages are committed with the cells they print, and
tests/extract/test_picture_roundtrip.py reads them back without it. Seeded: the same plan gives the same
files (for the same LibreOffice and fonts).

    .venv/bin/python scripts/make_picture_roundtrips.py     # writes tests/fixtures/pictures_roundtrip/
"""

from __future__ import annotations

import random
from pathlib import Path

from benchmarks.roundtrip import picture_bundle
from gongkai.synth_files import consistent_variants, expected_cells, write_expected
from gongkai.synth_pictures import picture_page

OUT = Path(__file__).parents[1] / "tests" / "fixtures" / "pictures_roundtrip"
# (harness seed, report index), as the harness makes them: both forms, 表二 and 表三 each cut into two
# pictures; report 5 at 150 dpi with 法人或其他组织 as one column, report 14 shrunk to 640 px with a 小计 column;
# seed 2 report 5 (760 px, none cut) prints 66777, whose 7s lost their bars when erased as a ruling (66117)
PLAN: list[tuple[int, int]] = [(1, 5), (1, 14), (2, 5)]


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for seed, index in PLAN:
        synth = consistent_variants(seed, index + 1)[index]
        page = picture_page(synth, random.Random(seed * 1000 + index))
        stem = f"seed{seed}-report{index}"
        (OUT / f"{stem}.mht").write_bytes(picture_bundle(page, random.Random(seed * 1000 + index)))
        cells = expected_cells(synth, legal_persons_aggregated=page.legal_persons_aggregated)
        plan = {
            "dpi": page.dpi,
            "points": page.points,
            "split": sorted(page.split),
            "max_width": page.max_width,
            "columns": page.columns,
        }
        write_expected(OUT / f"{stem}.json", synth, cells, plan=plan)
        print(
            f"{stem}: {synth.form}, {len(cells)} cells, {page.dpi} dpi, {page.points} pt, tables cut in two "
            f"{sorted(page.split)}, shrunk to {page.max_width or '-'} px, 法人或其他组织 as one column "
            f"{page.legal_persons_aggregated}, 表三 columns {page.columns}"
        )


if __name__ == "__main__":
    main()
