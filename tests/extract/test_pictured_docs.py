"""Word and PDF reports whose tables are pictures (a screenshot of each table pasted into the Word file, and
that file exported to PDF): the pictures are read by OCR where they stand, every value flagged ocr, and no
cell may be silently wrong. Committed from the round-trip harness's docx_pictures / pdf_pictures formats
(scripts/make_pictured_docs.py), so this runs without LibreOffice. A photo in the flow adds nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gongkai.extract import extract_bytes
from gongkai.model import Paragraph, Table
from gongkai.parse import parse_document
from gongkai.synth_files import score

FIXTURES = Path(__file__).parents[1] / "fixtures" / "pictured_docs"
REPORTS = sorted(p for p in FIXTURES.glob("seed*") if p.suffix in (".docx", ".pdf"))


def test_there_are_pictured_reports_of_both_forms_and_formats() -> None:
    assert {p.suffix for p in REPORTS} == {".docx", ".pdf"}
    forms = {json.loads(p.with_suffix(".json").read_text(encoding="utf-8"))["form_version"] for p in REPORTS}
    assert forms == {"f2019", "f2021"}


@pytest.mark.ocr
@pytest.mark.parametrize("path", REPORTS, ids=lambda p: p.name)
def test_tables_pasted_as_pictures_read_back_with_no_silent_wrong_cell(path: Path) -> None:
    _reads_back(path.read_bytes(), path)


@pytest.mark.ocr
def test_pictures_framed_in_tables_read_back_with_no_silent_wrong_cell() -> None:
    path = next(p for p in REPORTS if p.suffix == ".docx")
    # frames alone (a caption repeated over each picture would stand between a table's two halves)
    _reads_back(_framed(path.read_bytes(), ""), path)


def _reads_back(data: bytes, path: Path) -> None:
    expected = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    document = extract_bytes(data, path.name)
    tables = [b for b in document.blocks if isinstance(b, Table)]
    # 表二, 表三 (two pictures joined), 表四
    assert len(tables) == 3 and all(t.source == "ocr" for t in tables)
    assert any(p.code == "ocr_pictures" for p in document.problems)
    report = parse_document(document)
    assert report.form_version == expected["form_version"]
    counts = score(report, expected["cells"], expected["form_version"])
    assert counts["exact"] + counts["flagged"] + counts["silent"] == len(expected["cells"])
    assert counts["silent"] == 0, counts
    assert counts["exact"] >= 0.95 * len(expected["cells"]), counts
    values = [v for table in (report.active_disclosure, report.applications) for v in table.values()]
    assert values and all("ocr" in v.flags for v in values if v.value is not None)


def _framed(data: bytes, caption: str) -> bytes:
    """The Word file with each picture moved into a ruled one-column table, under a caption row — the
    frame many publishers put around a pasted screenshot."""
    import io

    import docx

    document = docx.Document(io.BytesIO(data))
    pictured = [p for p in document.paragraphs if p._p.xpath(".//a:blip")]
    for paragraph in pictured:
        frame = document.add_table(rows=2, cols=1)
        frame.style = "Table Grid"
        frame.cell(0, 0).text = caption
        paragraph._p.addprevious(frame._tbl)
        cell = frame.cell(1, 0)._tc
        cell.remove(cell.p_lst[0])
        cell.append(paragraph._p)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@pytest.mark.parametrize("caption", ["表格截图", "（2023年度）"])
def test_pictures_framed_in_a_table_stand_where_the_frame_stood(caption: str) -> None:
    """Not a table of one cell holding the caption and nothing else (its picture silently lost), but the
    caption and the picture in order, the picture to be read by OCR in its place."""
    from gongkai.extract.docx import extract_docx
    from gongkai.extract.pictures import PictureMark

    path = next(p for p in REPORTS if p.suffix == ".docx")
    plain, framed = extract_docx(path.read_bytes()), extract_docx(_framed(path.read_bytes(), caption))
    marks = [b for b in plain.blocks if isinstance(b, PictureMark)]
    assert len(marks) >= 3
    kinds = [(type(b).__name__, b.text if type(b) is Paragraph else "") for b in framed.blocks]
    expected = []
    for block in plain.blocks:
        if isinstance(block, PictureMark):
            expected.append(("Paragraph", caption))
        expected.append((type(block).__name__, block.text if type(block) is Paragraph else ""))
    assert kinds == expected
    assert [m.data for m in framed.blocks if isinstance(m, PictureMark)] == [m.data for m in marks]


def test_a_picture_in_a_data_tables_cell_is_read_after_the_table() -> None:
    import io

    import docx

    from gongkai.extract.docx import extract_docx
    from gongkai.extract.pictures import PictureMark

    path = next(p for p in REPORTS if p.suffix == ".docx")
    document = docx.Document(io.BytesIO(path.read_bytes()))
    picture = next(p for p in document.paragraphs if p._p.xpath(".//a:blip"))
    table = document.add_table(rows=2, cols=2)
    for (r, c), text in {(0, 0): "项目", (0, 1): "数量", (1, 0): "收费金额", (1, 1): "0"}.items():
        table.cell(r, c).text = text
    table.cell(1, 1)._tc.append(picture._p)  # a screenshot pasted into a cell of a real table
    out = io.BytesIO()
    document.save(out)
    blocks = extract_docx(out.getvalue()).blocks
    at = next(i for i, b in enumerate(blocks) if isinstance(b, Table) and b.rows[0][0].text == "项目")
    assert [[c.text for c in row] for row in blocks[at].rows] == [["项目", "数量"], ["收费金额", "0"]]
    first = next(b for b in extract_docx(path.read_bytes()).blocks if isinstance(b, PictureMark))
    assert isinstance(blocks[at + 1], PictureMark) and blocks[at + 1].data == first.data


@pytest.mark.ocr
@pytest.mark.parametrize("name", ["photo.docx", "photo.pdf"])
def test_a_photo_in_the_flow_adds_nothing(name: str) -> None:
    document = extract_bytes((FIXTURES / name).read_bytes(), name)
    # the text as written (the PDF wraps the long line), and nothing else: no words read from the photo
    assert "".join(b.text for b in document.blocks if isinstance(b, Paragraph)) == (
        "某某局2023年政府信息公开工作年度报告一、总体情况"
        "2023年，我局认真贯彻落实《中华人民共和国政府信息公开条例》，全面推进政务公开工作。"
    )
    assert all(b.source == "text" and type(b) is Paragraph for b in document.blocks)
    read = next(p for p in document.problems if p.code == "ocr_pictures")
    assert "no table in" in read.message and "tables read" not in read.message
