"""The PDFium object reader gives the very Document pdfminer gives (blocks, texts, spans, pages,
problems) on every PDF fixture, and really reads the born-digital pages itself (a silent fallback
to pdfminer everywhere would pass the equality trivially)."""

from __future__ import annotations

import io
from pathlib import Path

import pdfplumber
import pytest

from gongkai.extract.pdf import extract_pdf
from gongkai.extract.pdf_objects import PdfiumPage, pdfium_pages

FIXTURES = Path(__file__).parents[1] / "fixtures"
PDFS = sorted(
    [
        *(FIXTURES / "corpus").glob("*.pdf"),
        *(FIXTURES / "real").glob("*.pdf"),
        *(FIXTURES / "scanned").glob("*.pdf"),
        *(FIXTURES / "hostile").glob("*.pdf"),
    ]
)
BORN_DIGITAL = sorted([*(FIXTURES / "corpus").glob("*.pdf"), *(FIXTURES / "real").glob("*.pdf")])
# pages pdfminer still reads, by file (none today: vertical writing in WPS table cells is read too)
PDFMINER_PAGES: dict[str, list[int]] = {}


@pytest.mark.parametrize("path", PDFS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_pdfium_objects_give_the_pdfminer_document(path: Path) -> None:
    data = path.read_bytes()
    fast, slow = extract_pdf(data, backend="pdfium"), extract_pdf(data, backend="pdfminer")
    assert [(type(b).__name__, b.page) for b in fast.blocks] == [
        (type(b).__name__, b.page) for b in slow.blocks
    ]
    for ours, theirs in zip(fast.blocks, slow.blocks, strict=True):
        assert ours == theirs
    assert fast.problems == slow.problems
    assert fast.scanned_pages == slow.scanned_pages
    assert fast == slow


@pytest.mark.parametrize("path", BORN_DIGITAL, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_pdfium_reads_the_born_digital_pages(path: Path) -> None:
    data = path.read_bytes()
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        pages = pdfium_pages(data, list(pdf.pages))
        by_pdfminer = [n for n, page in enumerate(pages, 1) if not isinstance(page, PdfiumPage)]
    assert by_pdfminer == PDFMINER_PAGES.get(path.name, [])


@pytest.mark.parametrize(("name", "number"), [("huaian-2024.pdf", 4), ("hongze-2023.pdf", 3)])
def test_pdfium_chars_and_rulings_match_pdfminers(name: str, number: int) -> None:
    """The objects themselves, not only what the table code makes of them: same chars in the same
    order with boxes within a fraction of a point, same lines and rects (hongze's page 3 has a
    table cell in vertical writing)."""
    data = (FIXTURES / "real" / name).read_bytes()
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        page = pdf.pages[number - 1]
        mine = pdfium_pages(data, list(pdf.pages))[number - 1]
        assert isinstance(mine, PdfiumPage)
        assert [c["text"] for c in mine.chars] == [c["text"] for c in page.chars]
        for kind in ("char", "line", "rect", "curve"):
            a, b = mine.objects.get(kind, []), page.objects.get(kind, [])
            assert len(a) == len(b), kind
            for x, y in zip(a, b, strict=True):
                # pdfminer takes a glyph's advance from /W, PDFium sometimes from the font program
                tolerance = 0.25 if kind == "char" else 1e-3
                assert all(abs(x[k] - y[k]) < tolerance for k in ("x0", "top", "x1", "bottom")), (kind, x, y)


def test_pages_pdfium_cannot_read_alike_are_read_by_pdfminer(monkeypatch: pytest.MonkeyPatch) -> None:
    from gongkai.extract import pdf_objects

    data = (FIXTURES / "real" / "hongze-2023.pdf").read_bytes()
    expected = extract_pdf(data, backend="pdfminer")
    monkeypatch.setattr(pdf_objects, "_font_metrics", lambda page: {})  # no font is known: no page is taken
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        pages = list(pdf.pages)
        assert pdfium_pages(data, pages) == pages
    assert extract_pdf(data) == expected


def test_table_code_failing_on_pdfium_objects_retries_with_pdfminers(monkeypatch: pytest.MonkeyPatch) -> None:
    from gongkai.extract import pdf

    data = (FIXTURES / "corpus" / "000_79fb0eaf2da186ab.pdf").read_bytes()
    expected = extract_pdf(data, backend="pdfminer")
    page_blocks = pdf._page_blocks

    def fails_on_pdfium(page: object, number: int) -> object:
        if isinstance(page, PdfiumPage):
            raise AssertionError("PDFium objects")
        return page_blocks(page, number)

    monkeypatch.setattr(pdf, "_page_blocks", fails_on_pdfium)
    assert extract_pdf(data) == expected


def test_a_file_pdfium_refuses_keeps_pdfminers_pages() -> None:
    data = (FIXTURES / "corpus" / "000_79fb0eaf2da186ab.pdf").read_bytes()
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        pages = list(pdf.pages)
        assert pdfium_pages(data[: len(data) // 3], pages) == pages


@pytest.mark.parametrize("path", BORN_DIGITAL, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_the_faster_table_steps_equal_pdfplumbers(path: Path) -> None:
    from pdfplumber.table import Table, TableFinder

    from gongkai.extract.pdf_objects import _intersections_to_cells

    data = path.read_bytes()
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdfium_pages(data, list(pdf.pages)):
            finder = TableFinder(page)  # pdfplumber's own steps, on the same objects
            assert _intersections_to_cells(finder.intersections) == finder.cells
            ours = page.find_tables()
            assert [t.cells for t in ours] == [t.cells for t in finder.tables]
            assert [t.extract() for t in ours] == [Table.extract(t) for t in finder.tables]
