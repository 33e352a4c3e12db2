"""Scanned reports (image-only PDFs and page images) are read by OCR into the same document model and
parsed by the same parser; every value read by OCR carries the flag ``ocr``; an unreadable cell is
null, never a guess. Fixtures: tests/fixtures/scanned/ (scripts/make_scans.py)."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from gongkai.extract import extract_bytes
from gongkai.extract.ocr import (
    _as_number,
    _between,
    _check_separators,
    _extended,
    _glyphs,
    _joined,
    _leading_bar,
    _open_edges,
    _separator_gaps,
    _slash,
    _stray_specks,
    _text_lines,
    clean_number,
)
from gongkai.golden import differences
from gongkai.model import Report
from gongkai.pipeline import parse_bytes

FIXTURES = Path(__file__).parents[1] / "fixtures"
SCANNED = sorted((FIXTURES / "scanned").glob("*.pdf"))
# the cell accuracy the scanned fixtures reach together (docs/ocr.md: 0.995), and each of them (0.990–1.000)
MIN_OVERALL_ACCURACY = 0.99
MIN_FIXTURE_ACCURACY = 0.985


def expected_for(scan: Path) -> dict:
    stem = scan.name.split(".")[0]
    for folder in ("corpus", "real"):
        path = FIXTURES / folder / f"{stem}.json"
        if path.exists():
            return json.loads(path.read_text(encoding="utf-8"))
    raise FileNotFoundError(stem)


def cells_of(report: Report) -> list:
    return [
        *report.active_disclosure.values(),
        *report.applications.values(),
        *report.review_litigation.values(),
    ]


_reports: dict[str, Report] = {}


def scanned_report(path: Path) -> Report:
    if path.name not in _reports:  # OCR costs seconds a page: read each fixture once per session
        _reports[path.name] = parse_bytes(path.read_bytes(), path.name)
    return _reports[path.name]


def test_there_are_scanned_fixtures_at_several_resolutions() -> None:
    assert len(SCANNED) >= 4
    assert {p.name.split(".")[1] for p in SCANNED} >= {"150dpi", "200dpi"}
    for path in SCANNED:  # image-only: no text layer at all
        assert extract_bytes_text_layer(path) == ""


def extract_bytes_text_layer(path: Path) -> str:
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        return "".join(page.extract_text() or "" for page in pdf.pages).strip()


@pytest.mark.ocr
@pytest.mark.parametrize("path", SCANNED, ids=lambda p: p.name)
def test_scanned_fixture_parses_with_ocr_flags_and_no_wrong_numbers(path: Path) -> None:
    expected = expected_for(path)
    report = scanned_report(path)
    assert report.media_type == "application/pdf"
    assert report.form_version == expected["form_version"], [(p.code, p.message) for p in report.problems]
    assert report.report_year == expected["report_year"]
    cells = cells_of(report)
    diffs = differences(report, expected)
    cell_diffs = [
        d
        for d in diffs
        if d.split(":")[0].split(".")[0] in ("active_disclosure", "applications", "review_litigation")
    ]
    # a cell OCR could not read is null (and reported); no cell holds a number the page does not print
    assert all(": got None," in d for d in cell_diffs), cell_diffs
    assert 1 - len(cell_diffs) / len(cells) >= MIN_FIXTURE_ACCURACY, cell_diffs
    read = [c for c in cells if c.raw]
    assert read and all("ocr" in c.flags for c in read)
    assert any(p.code == "ocr_pages" for p in report.problems)


@pytest.mark.ocr
def test_a_scan_with_page_numbers_stamped_on_it_is_still_read_by_ocr() -> None:
    from gongkai.extract.pdf import extract_pdf
    from gongkai.synth_files import stamped_pdf

    path = FIXTURES / "scanned" / "000_79fb0eaf2da186ab.150dpi.pdf"
    stamped = stamped_pdf(path.read_bytes())
    import pdfplumber

    with pdfplumber.open(io.BytesIO(stamped)) as pdf:  # a text layer: the stamps only
        assert pdf.pages[0].extract_text() == "- 1 -"
    text_layer = extract_pdf(stamped)
    assert text_layer.scanned_pages == [1, 2, 3, 4] and not text_layer.blocks
    report = parse_bytes(stamped, "stamped.pdf")
    assert any(p.code == "ocr_pages" for p in report.problems)
    assert {k: c.value for k, c in report.applications.items()} == {
        k: c.value for k, c in scanned_report(path).applications.items()
    }
    assert len(report.applications) == len(scanned_report(path).applications) > 150


def test_a_text_layer_of_glyph_codes_is_garbled_and_a_real_one_is_not() -> None:
    from gongkai.extract.pdf import _garbled

    assert _garbled("(cid:1)(cid:2)(cid:3)一")
    assert _garbled("\x01\x04\x05\x06\x07ab")
    assert _garbled("\ue001\ue002\ue003本年")
    assert not _garbled("一、本年新收政府信息公开申请数量80100081")
    assert not _garbled("")


@pytest.mark.ocr
def test_a_pdf_whose_fonts_map_no_characters_is_read_from_its_rendering() -> None:
    from gongkai.extract.pdf import extract_pdf
    from gongkai.synth_files import without_unicode_maps

    name = "000_79fb0eaf2da186ab"
    garbled = without_unicode_maps((FIXTURES / "corpus" / f"{name}.pdf").read_bytes())
    text_layer = extract_pdf(garbled)
    assert text_layer.scanned_pages == [1, 2, 3, 4] and not text_layer.blocks
    assert [p.code for p in text_layer.problems] == ["unreadable_text_layer", "scanned_pages"]
    report = parse_bytes(garbled, f"{name}.pdf")
    assert report.form_version == "f2021"
    expected = json.loads((FIXTURES / "corpus" / f"{name}.json").read_text(encoding="utf-8"))
    assert differences(report, expected) == []
    assert all("ocr" in c.flags for c in cells_of(report) if c.raw)


@pytest.mark.ocr
def test_scanned_fixtures_reach_the_stated_cell_accuracy() -> None:
    total = wrong = 0
    for path in SCANNED:
        report = scanned_report(path)
        diffs = [
            d
            for d in differences(report, expected_for(path))
            if not d.startswith(("form_version", "report_year", "agency_name", "published_date"))
        ]
        total += len(cells_of(report))
        wrong += len(diffs)
    assert 1 - wrong / total >= MIN_OVERALL_ACCURACY, f"{wrong} of {total} cells differ"


@pytest.mark.ocr
def test_unread_cells_are_reported() -> None:
    for path in SCANNED:
        report = scanned_report(path)
        nulls = [d for d in differences(report, expected_for(path)) if ": got None," in d]
        if nulls:
            assert any(p.code == "ocr_unreadable" for p in report.problems)


def test_born_digital_pdf_has_no_ocr_flag() -> None:
    report = parse_bytes((FIXTURES / "real" / "huaian-2024.pdf").read_bytes(), "huaian-2024.pdf")
    assert not [c for c in cells_of(report) if "ocr" in c.flags]
    assert not any(p.code.startswith("ocr") for p in report.problems)


def _image_pdf(pixels: np.ndarray) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "PDF", resolution=150.0)
    return out.getvalue()


@pytest.mark.ocr
def test_blank_noisy_scan_gives_a_problem_and_no_numbers() -> None:
    rng = np.random.default_rng(7)
    page = np.clip(rng.normal(235, 8, (1754, 1240)), 0, 255).astype(np.uint8)
    page[rng.integers(0, 1754, 300), rng.integers(0, 1240, 300)] = 40  # dust
    report = parse_bytes(_image_pdf(page), "blank-scan.pdf")
    codes = {p.code for p in report.problems}
    assert "ocr_no_text" in codes
    assert report.form_version == "unknown"
    assert all(c.value is None for c in cells_of(report))


def test_without_the_engine_a_scan_gets_ocr_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    import gongkai.extract.ocr as ocr

    monkeypatch.setitem(sys.modules, "rapidocr_onnxruntime", None)  # the package is not installed
    monkeypatch.setattr(ocr, "_engine", None)
    report = parse_bytes(SCANNED[0].read_bytes(), SCANNED[0].name)
    problems = {p.code: p for p in report.problems}
    assert problems["ocr_unavailable"].severity == "error"
    assert "scanned_pages" in problems
    assert all(c.value is None for c in cells_of(report))


@pytest.mark.ocr
def test_a_page_image_file_is_read_by_ocr() -> None:
    import pypdfium2
    from PIL import Image

    pdf = pypdfium2.PdfDocument(SCANNED[0])
    image = pdf[0].render(scale=150 / 72, grayscale=True).to_pil()
    out = io.BytesIO()
    image.save(out, "PNG", dpi=(150, 150))
    document = extract_bytes(out.getvalue(), "page.png")
    assert document.media_type == "image/png" and document.extractor == "ocr"
    assert document.blocks and all(b.source == "ocr" for b in document.blocks)
    text = document.text()
    assert "政府信息公开工作年度报告" in text and "主动公开政府信息情况" in text
    assert Image.open(io.BytesIO(out.getvalue())).size == image.size


def test_only_unambiguous_digit_confusions_are_corrected() -> None:
    assert clean_number("1O") == ("10", True)
    assert clean_number("l2") == ("12", True)
    assert clean_number("3,4O5") == ("3,405", True)
    assert clean_number("O") == ("O", False)  # no real digit: not taken for a number
    assert clean_number("12") == ("12", False)
    assert clean_number("行政许可") == ("行政许可", False)
    assert clean_number("1O件") == ("1O件", False)


def test_digits_stacked_in_a_column_are_not_a_ruling() -> None:
    # a ruling broken by noise: nearly solid pieces; a column of '0's: stroke, row-sized gap, stroke…
    joined = _joined([(100.0, 0, 300), (100.5, 304, 600)], 4, 10)
    assert [(round(a), b, c) for a, b, c in joined] == [(100, 0, 600)]
    assert _joined([(100.0, s, s + 30) for s in range(0, 600, 40)], 4, 10) == []
    assert _joined([(100.0, s, s + 30) for s in range(0, 600, 60)], 4, 50) == []  # even with a wide gap


def test_a_speck_apart_from_the_glyphs_is_not_part_of_the_line() -> None:
    mask = np.zeros((40, 120), np.uint8)
    mask[10:30, 10:22] = 255  # a digit
    mask[27:30, 100:103] = 255  # dust, far to its right: read as '.' or '2' if kept
    assert _text_lines(mask, 200) == [(10, 10, 22, 30)]
    mask[27:30, 25:28] = 255  # a speck just after the last digit: '3007.' is no number
    assert _text_lines(mask, 200) == [(10, 10, 22, 30)]
    mask[10:30, 31:43] = 255  # …but between two digits it is a decimal point and stays
    assert _text_lines(mask, 200) == [(10, 10, 43, 30)]


def test_a_minus_sign_is_part_of_the_line_and_a_speck_before_it_is_not() -> None:
    mask = np.zeros((40, 80), np.uint8)
    mask[10:30, 20:32] = 255  # a digit
    mask[19:22, 10:18] = 255  # a flat bar at mid-height just before it: '-5'
    assert _text_lines(mask, 200) == [(10, 10, 32, 30)]
    mask[19:22, 10:18] = 0
    mask[25:29, 13:17] = 255  # a round speck there is dust
    assert _text_lines(mask, 200) == [(20, 10, 32, 30)]


def test_stray_specks_are_those_apart_from_any_glyph() -> None:
    ink = np.zeros((60, 120), np.uint8)
    ink[10:30, 10:22] = 255  # a digit
    ink[27:30, 25:28] = 255  # a point beside it
    ink[45:48, 90:93] = 255  # dust
    stray = _stray_specks(ink, 200)
    assert stray[46, 91] and not stray[28, 26] and not stray[20, 15]


def test_a_ruling_reaches_the_crossing_ruling_a_character_stroke_stops_short_of() -> None:
    ink = np.zeros((100, 100), np.uint8)
    ink[10, :] = ink[50, :] = 255  # two horizontal rulings
    ink[10:51, 20] = 255  # a vertical ruling meeting both
    ink[16:45, 60] = 255  # the stroke of a character in the row, 6 px clear of each ruling
    verticals = [(20.0, 10, 50), (60.0, 16, 44)]
    horizontals = [(10.0, 0, 99), (50.0, 0, 99)]
    assert _between(verticals, horizontals, 8, ink, 1) == [(20.0, 10, 50)]
    assert len(_between(verticals, horizontals, 8)) == 2  # (without the ink to look at)


def test_a_stroke_reaches_no_ruling_that_does_not_run_across_it() -> None:
    # two short flat runs (the bottoms of close-set digits, bridged by blur) far to the right of a
    # character stroke spanning their height: no grid of strokes
    verticals = [(20.0, 8, 30), (300.0, 8, 30)]
    flats = [(12.0, 280, 330), (26.0, 280, 330)]
    assert _between(verticals, flats, 8) == [(300.0, 12, 26)]


def test_a_jagged_ruling_is_carried_on_to_the_edge_its_ink_reaches() -> None:
    ink = np.zeros((60, 400), np.uint8)
    ink[5:55, 10] = ink[5:55, 390] = 255  # the table's edges
    ink[30, 10:60] = 255  # the ruling's first stretch, one row off the rest (lost to the run test)
    ink[31, 60:391] = 255
    ink[45, 100:300] = 255  # a dash inside a cell, clear of the walls
    edges = [(10.0, 5, 54), (390.0, 5, 54)]
    found = [(31.0, 60, 390), (45.0, 100, 300)]
    assert _extended(found, edges, ink, 0, 150, 4) == [(31.0, 10, 390), (45.0, 100, 300)]


def test_glyph_count_and_look_alikes() -> None:
    mask = np.zeros((20, 60), np.uint8)
    for x in (2, 16, 30, 44):  # four digits set apart, and a comma-high speck
        mask[2:18, x : x + 10] = 255
    mask[15:18, 56:58] = 255
    assert _glyphs(mask) == 4  # a reading of three digits ('362' for '1362') has lost one
    assert _as_number("Ⅱ") == "11" and _as_number("Ⅱ", look_alikes=False) is None
    assert _as_number("[362") is None and _as_number("0.") is None and _as_number("1O") == "10"


def test_a_row_cut_open_by_the_page_break_gets_its_missing_bottom_edge() -> None:
    horizontals = [100.0, 160.0, 220.0]  # rows above; the last row's bottom ruling is on the next page
    verticals = [(float(x), 100, 280) for x in (50, 300, 400, 500)]  # they run on 60 px past 220 and stop
    assert _open_edges(verticals, horizontals, 4, 200) == [(280.0, 50, 500)]
    assert _open_edges([(float(x), 100, 221) for x in (50, 300, 400)], horizontals, 4, 200) == []  # closed
    # the strokes of a large title crossing two stroke-'rulings' make no table edge
    assert _open_edges([(float(x), 240, 330) for x in (50, 90, 130)], [240.0, 292.0], 4, 200) == []


def test_a_slash_is_told_from_a_one() -> None:
    slash = np.zeros((28, 12), np.uint8)
    for y in range(25):  # a stroke leaning right, as '/' is printed for a blank cell (read as '1' or '7')
        x = 8 - int(y * 0.3)
        slash[y, x : x + 3] = 255
    slash[26:28, 9:11] = 255  # a speck beside it
    assert _slash(slash)
    one = np.zeros((28, 12), np.uint8)
    one[2:26, 6:9] = 255  # an upright stem with its flag
    one[2:6, 3:6] = 255
    assert not _slash(one)
    assert not _slash(np.full((20, 80), 255, np.uint8))  # a wide line of text is no stroke


def _digits(*spans: tuple[int, int]) -> np.ndarray:
    """A line 20 px tall with a 4 px-wide 'digit' (a box outline) at each column span."""
    mask = np.zeros((20, 80), np.uint8)
    for x0, x1 in spans:
        mask[0:20, x0 : x0 + 3] = mask[0:20, x1 - 3 : x1] = 255
        mask[0:3, x0:x1] = mask[17:20, x0:x1] = 255
    return mask


def test_a_point_sits_on_the_baseline_and_is_as_large_as_a_point() -> None:
    mask = _digits((0, 10), (22, 32))
    mask[16:20, 14:18] = 255  # a point on the baseline in the gap
    assert _separator_gaps(mask) == [True]
    mask[16:20, 14:18] = 0
    mask[13, 15:17] = 255  # a pixel of noise in the gap, above the baseline: no point
    assert _separator_gaps(mask) == [False]
    mask[13, 15:17] = 0
    mask[19, 15] = 255  # a lone pixel on the baseline: too small for a point
    assert _separator_gaps(mask) == [False]


def test_a_speck_read_as_a_colon_between_close_set_digits_is_dropped() -> None:
    ink = _digits((0, 10), (12, 22), (24, 34))
    ink[8:10, 10:12] = 255  # specks between the first two digits, read as ':'
    read = [("1:23", 0.95, "")]
    assert _check_separators(read, ink, [(0, 0, 34, 20)]) == [("123", 0.95, "nopoint:1:23")]
    wide = _digits((0, 10), (22, 32))
    wide[16:20, 14:18] = 255  # a point in a gap wide enough for one, read as ':' (no separator)
    assert _check_separators([("1:2", 0.95, "")], wide, [(0, 0, 32, 20)])[0][2] == "unsure"


def test_a_number_read_without_the_minus_its_ink_begins_with_is_unsure() -> None:
    ink = _digits((12, 22))
    ink[9:12, 0:12] = 255  # a minus run into the digit's ink by blur
    assert _leading_bar(ink)
    assert _check_separators([("0", 0.99, "")], ink, [(0, 0, 22, 20)])[0][2] == "unsure"
    assert _check_separators([("-0", 0.99, "")], ink, [(0, 0, 22, 20)])[0][2] == ""
    ink[9:12, 0:10] = 0  # a crossbar's stub before the stem (a '4'): no minus
    assert not _leading_bar(ink)


def test_a_minus_before_a_seven_is_not_wiped_as_a_speck() -> None:
    """A '7''s ink at mid-height stands far right of its box: the minus before it touches no ink within the
    speck reach (a clean screenshot's '-7' read as 7). A flat bar far from any glyph is still dust."""
    from gongkai.extract.ocr import _stray_specks

    ink = np.zeros((40, 90), np.uint8)
    ink[8:11, 30:45] = 1  # the 7's bar
    for row in range(10, 32):  # its stem, slanting down to the left
        column = 44 - (row - 10) * 10 // 21
        ink[row, column - 1 : column + 1] = 1
    ink[19:21, 20:28] = 1  # the minus: 2 px before the 7's box, at its mid-height
    ink[19:21, 70:78] = 1  # a flat speck far from any glyph
    stray = _stray_specks(ink, 200)
    assert not stray[19:21, 20:28].any()
    assert stray[19:21, 70:78].all()
