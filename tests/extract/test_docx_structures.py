"""Word documents as templates and editors really save them: content controls around the body, the
report inside a layout table, text boxes stored twice, rows that start right of the grid's first column."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree

from gongkai.extract import extract_bytes
from gongkai.extract.docx import _table
from gongkai.golden import differences
from gongkai.pipeline import parse_bytes

CORPUS = Path(__file__).parents[1] / "fixtures" / "corpus"
DOCX = sorted(CORPUS.glob("*.docx"))
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"


def w(tag: str) -> str:
    return f"{{{W}}}{tag}"


def rewritten(data: bytes, change: Callable[[etree._Element], None]) -> bytes:
    """The package with word/document.xml's body changed by `change`."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info.filename)
            if info.filename == "word/document.xml":
                root = etree.fromstring(body)
                change(root.find(w("body")))
                body = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
            target.writestr(info, body)
    return out.getvalue()


def content(body: etree._Element) -> list[etree._Element]:
    return [child for child in body if child.tag != w("sectPr")]


def in_content_controls(body: etree._Element) -> None:
    for child in content(body):  # each paragraph and table in its own w:sdt, the whole in one more
        sdt = etree.Element(w("sdt"))
        child.addprevious(sdt)
        etree.SubElement(sdt, w("sdtContent")).append(child)
    outer = etree.Element(w("sdt"))
    inner = etree.SubElement(outer, w("sdtContent"))
    for child in content(body):
        inner.append(child)
    body.insert(0, outer)


def in_a_layout_table(body: etree._Element) -> None:
    frame = etree.Element(w("tbl"))
    cell = etree.SubElement(etree.SubElement(frame, w("tr")), w("tc"))
    children = content(body)
    for child in children:
        cell.append(child)
    etree.SubElement(cell, w("p"))  # a cell must end with a paragraph
    body.insert(0, frame)


@pytest.mark.parametrize("change", [in_content_controls, in_a_layout_table], ids=lambda f: f.__name__)
@pytest.mark.parametrize("path", DOCX, ids=lambda p: p.name)
def test_wrapped_report_parses_exactly(path: Path, change: Callable[[etree._Element], None]) -> None:
    expected = json.loads((CORPUS / f"{path.name.split('.')[0]}.json").read_text(encoding="utf-8"))
    report = parse_bytes(rewritten(path.read_bytes(), change), path.name)
    assert differences(report, expected) == []


def test_a_text_box_is_read_once() -> None:
    def text_box(body: etree._Element) -> None:
        paragraph = etree.Element(w("p"), nsmap={"w": W, "mc": MC})
        alternate = etree.SubElement(etree.SubElement(paragraph, w("r")), f"{{{MC}}}AlternateContent")
        for branch in ("Choice", "Fallback"):  # Word writes the box as DrawingML and again as VML
            box = etree.SubElement(etree.SubElement(alternate, f"{{{MC}}}{branch}"), w("txbxContent"))
            etree.SubElement(
                etree.SubElement(etree.SubElement(box, w("p")), w("r")), w("t")
            ).text = "盒中文字"
        body.insert(0, paragraph)

    data = rewritten(DOCX[0].read_bytes(), text_box)
    first = extract_bytes(data, "box.docx").blocks[0]
    assert first.text == "盒中文字"


def test_a_row_that_starts_right_of_the_grid_keeps_its_columns() -> None:
    xml = f"""<w:tbl xmlns:w="{W}">
      <w:tr><w:tc><w:p><w:r><w:t>项目</w:t></w:r></w:p></w:tc>
            <w:tc><w:tcPr><w:vMerge w:val="restart"/></w:tcPr><w:p><w:r><w:t>甲</w:t></w:r></w:p></w:tc>
            <w:tc><w:p><w:r><w:t>乙</w:t></w:r></w:p></w:tc></w:tr>
      <w:tr><w:trPr><w:gridBefore w:val="1"/></w:trPr>
            <w:tc><w:tcPr><w:vMerge/></w:tcPr><w:p/></w:tc>
            <w:tc><w:p><w:r><w:t>5</w:t></w:r></w:p></w:tc></w:tr>
    </w:tbl>"""
    table = _table(etree.fromstring(xml))
    assert [[(c.text, c.row_span, c.col_span) for c in row] for row in table.rows] == [
        [("项目", 1, 1), ("甲", 2, 1), ("乙", 1, 1)],
        [("", 1, 1), ("5", 1, 1)],
    ]


def test_a_row_whose_every_cell_continues_a_merge_is_kept() -> None:
    """A header row lying wholly under cells merged from above (自然人 and 总计 over two rows, as a table cut
    from a wider one prints it) is a row: dropped, the merged cells reached over the first row of numbers."""
    merged = '<w:tc><w:tcPr><w:vMerge w:val="restart"/></w:tcPr><w:p><w:r><w:t>{}</w:t></w:r></w:p></w:tc>'
    continued = "<w:tc><w:tcPr><w:vMerge/></w:tcPr><w:p/></w:tc>"
    number = "<w:tc><w:p><w:r><w:t>{}</w:t></w:r></w:p></w:tc>"
    xml = f"""<w:tbl xmlns:w="{W}">
      <w:tr>{merged.format("自然人")}{merged.format("总计")}</w:tr>
      <w:tr>{continued}{continued}</w:tr>
      <w:tr>{number.format(3)}{number.format(5)}</w:tr>
    </w:tbl>"""
    table = _table(etree.fromstring(xml))
    assert table.grid() == [["自然人", "总计"], [None, None], ["3", "5"]]
