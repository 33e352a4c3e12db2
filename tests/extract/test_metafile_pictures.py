"""Word reports whose tables were pasted from a spreadsheet as vector pictures (EMF): LibreOffice draws
each picture on a page of its own, and the PDF extractor reads its characters and rulings — exact values,
not OCR guesses. A picture that draws its text as glyph numbers (other characters in any other font) is
refused loudly, never read as wrong digits. The pictures come from gongkai.synth_metafile."""

from __future__ import annotations

import random
import struct

import pytest

from gongkai.extract import extract_bytes
from gongkai.extract.marked_pictures import read_metafile
from gongkai.extract.metafile import (
    DEFAULT_SIZE_CM,
    EMF_TYPE,
    WMF_TYPE,
    draws_glyph_numbers,
    metafile_size_cm,
    metafile_type,
)
from gongkai.extract.pictures import PictureReader
from gongkai.model import Cell, Table
from gongkai.outcome import status_for
from gongkai.parse import parse_document
from gongkai.synth_files import consistent_report, expected_cells, score, to_docx_drawings
from gongkai.synth_metafile import PIXELS_PER_MM, table_emf, table_wmf

SMALL = Table([[Cell("项目"), Cell("数量")], [Cell("本年新收政府信息公开申请数量"), Cell("801")]])


def _wmf(glyph_option: bool) -> bytes:
    """A placeable WMF: header, one META_EXTTEXTOUT of "12", EOF."""
    placeable = b"\xd7\xcd\xc6\x9a" + struct.pack("<HhhhhHIH", 0, 0, 0, 2000, 1000, 1440, 0, 0)
    text = struct.pack("<hhhH", 10, 10, 2, 0x10 if glyph_option else 0) + b"12"
    record = struct.pack("<IH", 3 + len(text) // 2, 0x0A32) + text
    eof = struct.pack("<IH", 3, 0)
    header = struct.pack("<HHHIHIH", 1, 9, 0x300, 0, 0, 0, 0)
    return placeable + header + record + eof


def test_metafiles_are_told_from_bitmaps_and_say_their_size() -> None:
    emf = table_emf(SMALL, random.Random(1))
    assert metafile_type(emf) == EMF_TYPE
    assert metafile_type(_wmf(False)) == WMF_TYPE
    assert metafile_type(b"\x89PNG\r\n\x1a\n" + b"\0" * 100) is None
    width_px, height_px = struct.unpack_from("<ii", emf, 16)
    width, height = metafile_size_cm(emf)
    assert width == pytest.approx(width_px / PIXELS_PER_MM / 10, rel=0.01)
    assert height == pytest.approx(height_px / PIXELS_PER_MM / 10, rel=0.01)
    assert metafile_size_cm(_wmf(False)) == pytest.approx((2000 * 2.54 / 1440, 1000 * 2.54 / 1440))
    damaged = emf[:24] + struct.pack("<iiii", 0, 0, 10**9, 10**9) + emf[40:]
    assert metafile_size_cm(damaged) == DEFAULT_SIZE_CM


def test_text_drawn_as_glyph_numbers_is_told_apart() -> None:
    assert not draws_glyph_numbers(table_emf(SMALL, random.Random(2)))
    assert draws_glyph_numbers(table_emf(SMALL, random.Random(2), glyphs=True))
    assert not draws_glyph_numbers(_wmf(False))
    assert draws_glyph_numbers(_wmf(True))


def test_a_vector_picture_is_read_from_its_characters() -> None:
    reader = PictureReader("document", read_drawing=read_metafile)
    blocks = reader.read("image1.emf", table_emf(SMALL, random.Random(3)))
    assert blocks is not None
    [table] = [b for b in blocks if isinstance(b, Table)]
    assert [[c.text for c in row] for row in table.rows] == [
        ["项目", "数量"],
        ["本年新收政府信息公开申请数量", "801"],
    ]
    assert table.source == "text"
    assert [p.code for p in reader.problems()] == ["metafile_pictures"]


def test_a_wmf_picture_with_gbk_text_is_read_from_its_characters() -> None:
    """Older Office and WPS paste WMF: text in the font's code page (GBK), decoded by LibreOffice."""
    reader = PictureReader("document", read_drawing=read_metafile)
    wmf = table_wmf(SMALL, random.Random(4))
    assert metafile_type(wmf) == WMF_TYPE and "本年新收".encode("gbk") in wmf
    blocks = reader.read("image1.wmf", wmf)
    assert blocks is not None
    [table] = [b for b in blocks if isinstance(b, Table)]
    assert [[c.text for c in row] for row in table.rows] == [
        ["项目", "数量"],
        ["本年新收政府信息公开申请数量", "801"],
    ]


@pytest.mark.parametrize("form", ["f2019", "f2021"])
def test_tables_pasted_as_emf_read_back_exactly(form: str) -> None:
    synth = consistent_report(random.Random(7), form)
    document = extract_bytes(to_docx_drawings(synth, random.Random(8), unreadable=False), "r.docx")
    assert [p.code for p in document.problems if p.severity != "info"] == []
    assert any(p.code == "metafile_pictures" for p in document.problems)
    report = parse_document(document)
    assert report.form_version == form
    expected = expected_cells(synth)
    counts = score(report, expected, form)
    assert counts["exact"] == len(expected), counts
    values = [v for v in report.applications.values() if v.value is not None]
    assert values and not any("ocr" in v.flags for v in values)


def test_a_table_drawn_as_glyph_numbers_is_flagged_never_read() -> None:
    synth = consistent_report(random.Random(9), "f2021")
    document = extract_bytes(to_docx_drawings(synth, random.Random(10), unreadable=True), "r.docx")
    [unreadable] = [p for p in document.problems if p.code == "picture_unreadable"]
    assert "glyph numbers" in unreadable.message and unreadable.severity == "warning"
    report = parse_document(document)
    expected = expected_cells(synth)
    counts = score(report, expected, "f2021")
    assert counts["silent"] == 0 and counts["flagged"] > 0, counts
    assert status_for(report, []) != "valid"


def _blank_emf() -> bytes:
    """An EMF that draws nothing: its header (a 10 x 5 cm frame) and EMR_EOF."""
    header = struct.pack("<iiiiiiii", 0, 0, 378, 189, 0, 0, 10000, 5000)
    header += struct.pack("<IIIIHHIII", 0x464D4520, 0x10000, 0, 2, 1, 0, 0, 0, 0)
    header += struct.pack("<iiii", 1920, 1080, 508, 286)
    data = struct.pack("<II", 1, 8 + len(header)) + header + struct.pack("<IIIII", 14, 20, 0, 16, 20)
    return data[:48] + struct.pack("<I", len(data)) + data[52:]


@pytest.mark.ocr
def test_a_vector_picture_with_no_characters_goes_to_ocr_and_a_blank_one_gives_nothing() -> None:
    """A metafile with no text records (its text drawn as outlines, or nothing at all) gives a page with no
    text layer: it is read by OCR like a scanned page. A blank drawing holds no table: nothing is added."""
    blank = _blank_emf()
    assert metafile_type(blank) == EMF_TYPE and metafile_size_cm(blank) == (10.0, 5.0)
    document = read_metafile(blank)
    assert document.tables == []
    assert any(p.code == "metafile_ocr" for p in document.problems)
    reader = PictureReader("document", read_drawing=read_metafile)
    assert reader.read("image9.emf", blank) is None
    assert reader.no_table == ["image9.emf"] and reader.failed == []
