"""Fast subset of the round-trip harness (benchmarks/roundtrip.py): synthetic reports of both forms as CMS
pages (empty cells as &nbsp;, <o:p> </o:p>, <span></span>, zero-width spaces), GBK pages, Word files,
crawler text dumps and converter Markdown parse back with no silently wrong cell."""

from __future__ import annotations

import pytest

from benchmarks.roundtrip import TEXT_FORMATS, real_values, run

# share of cells read exactly: formats that keep the table's grid lose nothing. Run-together text and a
# page whose empty cells were removed place a row's numbers by the column identities: the cells several
# placements fit stay null (and flagged) — mostly a 0 that could sit in any of a row's blank columns, and
# in run-together text 表二 rows, which have no identity to cut them by
FLOOR = {"glued_rows": 0.9, "glued_table": 0.9, "glued_page": 0.9, "html_sanitized": 0.96}


@pytest.mark.parametrize("fmt", list(TEXT_FORMATS))
def test_every_format_parses_back_with_no_silent_wrong_cell(fmt: str) -> None:
    counts = run(6, seed=3, formats=[fmt])[fmt]
    cells = counts["exact"] + counts["flagged"] + counts["silent"]
    assert counts["reports"] == 6 and cells > 6 * 190
    assert counts["silent"] == 0, counts
    assert counts["exact"] >= FLOOR.get(fmt, 1.0) * cells, counts


# The real reports' values (13 reports, mostly zeros and small numbers) in the same formats: only the
# cells no sound cut or placement can read stay null — a 表二 row '1011' (1,0,11 or 10,1,1), a 表四 whose
# 总计 its publisher got wrong
REAL_FLOOR = {"glued_rows": 0.97, "glued_table": 0.95, "glued_page": 0.95, "html_sanitized": 0.99}


def test_the_real_reports_values_parse_back_in_every_text_format() -> None:
    formats = list(TEXT_FORMATS)
    results = run(0, seed=0, formats=formats, syntheses=real_values())
    for fmt in formats:
        counts = results[fmt]
        cells = counts["exact"] + counts["flagged"] + counts["silent"]
        assert counts["reports"] == 13 and cells == 2568, (fmt, counts)
        assert counts["silent"] == 0, (fmt, counts)
        assert counts["exact"] >= REAL_FLOOR.get(fmt, 1.0) * cells, (fmt, counts)
