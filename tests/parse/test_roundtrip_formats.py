"""Fast subset of the round-trip harness (benchmarks/roundtrip.py): synthetic reports of both forms as CMS
pages (empty cells as &nbsp;, <o:p> </o:p>, <span></span>, zero-width spaces), GBK pages, Word files,
crawler text dumps and converter Markdown parse back with no silently wrong cell."""

from __future__ import annotations

import pytest

from benchmarks.roundtrip import TEXT_FORMATS, run

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
