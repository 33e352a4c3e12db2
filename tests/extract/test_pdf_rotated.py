"""A PDF whose pages carry /Rotate (content drawn turned, shown upright: a page turned in a viewer and
saved, a landscape page printed to PDF) reads exactly like the upright file. The rotation leaves float
noise in the rulings' coordinates; read naively, horizontal rulings became vertical and tables lost rows
or shifted numbers a column, with no error."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pypdf
import pytest

from gongkai.extract.pdf import extract_pdf
from gongkai.golden import differences
from gongkai.pipeline import parse_bytes
from gongkai.synth_files import turned_pdf

FIXTURES = Path(__file__).parents[1] / "fixtures"
PDFS = [FIXTURES / "real" / "huaian-2024.pdf", FIXTURES / "real" / "hongze-2024.pdf"] + sorted(
    (FIXTURES / "corpus").glob("00[03]_*.pdf")
)


def turned(path: Path, degrees: int) -> bytes:
    return turned_pdf(path.read_bytes(), degrees)


def golden(path: Path) -> dict:
    return json.loads(path.with_name(path.name.split(".")[0] + ".json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("degrees", [90, 180, 270])
@pytest.mark.parametrize("path", PDFS, ids=lambda p: p.stem)
def test_a_rotated_pdf_parses_to_the_upright_files_golden(path: Path, degrees: int) -> None:
    data = turned(path, degrees)
    assert pypdf.PdfReader(io.BytesIO(data)).pages[0].rotation == degrees
    report = parse_bytes(data, path.name, budget=False)
    assert differences(report, golden(path)) == []


def test_rotated_tables_have_the_upright_tables_shape() -> None:
    path = FIXTURES / "real" / "huaian-2024.pdf"
    upright = extract_pdf(path.read_bytes())
    rotated = extract_pdf(turned(path, 90))

    def shapes(tables: list) -> list[list[int]]:  # ruled boxes of one column around text are not compared
        return [[len(t.rows), max(map(len, t.rows))] for t in tables if max(map(len, t.rows)) > 1]

    assert shapes(rotated.tables) == shapes(upright.tables) == [[8, 4], [6, 2], [28, 10], [4, 15]]
