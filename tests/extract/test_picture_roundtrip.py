"""Report pages whose tables are pictures, read back cell by cell: the round-trip harness's html_pictures
pages (benchmarks/roundtrip.py --formats html_pictures, gongkai/synth_pictures.py), a few committed with
the values they print (scripts/make_picture_roundtrips.py), so this runs without LibreOffice. Tables
screenshot at 96–150 dpi, some cut into two pictures, some shrunk by the CMS, 表三's columns printed
other ways; saved as the MHTML fetch writes. No cell may be silently wrong, and these read exactly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gongkai.extract.mhtml import read_bundle
from gongkai.pipeline import parse_bytes
from gongkai.synth_files import score

FIXTURES = Path(__file__).parents[1] / "fixtures" / "pictures_roundtrip"
PAGES = sorted(FIXTURES.glob("*.mht"))


def test_the_pages_cover_both_forms_cut_tables_and_small_pictures() -> None:
    assert len(PAGES) >= 3
    plans = [json.loads(p.with_suffix(".json").read_text(encoding="utf-8")) for p in PAGES]
    assert {p["form_version"] for p in plans} == {"f2019", "f2021"}
    assert sum(bool(p["plan"]["split"]) for p in plans) >= 2  # tables cut into two pictures
    assert any(p["plan"]["max_width"] for p in plans)  # pictures the CMS shrank
    assert {p["plan"]["columns"] for p in plans} >= {"aggregate"}
    for page in PAGES:  # the pictures are in the bundle, one per table or piece of one
        bundle = read_bundle(page.read_bytes())
        assert bundle is not None and len(bundle.resources) >= 3


@pytest.mark.ocr
@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_a_page_of_table_pictures_reads_back_exactly(path: Path) -> None:
    expected = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    report = parse_bytes(path.read_bytes(), "r.mht")
    assert report.form_version == expected["form_version"]
    counts = score(report, expected["cells"], expected["form_version"])
    assert counts["silent"] == 0, counts
    assert counts["exact"] == len(expected["cells"]), counts
    # every value came from a picture
    values = [*report.applications.values(), *report.review_litigation.values()]
    assert values and all("ocr" in c.flags for c in values if c.value is not None)
