"""Reports whose text carries look-alike ideographs (Kangxi radicals, compatibility ideographs, as the
fonts of Word/WPS PDF exports give them) parse exactly like the same report in unified ideographs."""

from __future__ import annotations

import json
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest

from gongkai.extract.glyphs import UNIFY, unify_ideographs
from gongkai.golden import differences
from gongkai.pipeline import parse_bytes

FIXTURES = Path(__file__).parents[1] / "fixtures"
SEEDS = sorted((FIXTURES / "seeds").glob("*.txt"))
# unified ideograph → a look-alike code point for it (the first found), as a PDF font may map it
LOOK_ALIKE = {ord(unified): chr(code) for code, unified in sorted(UNIFY.items(), reverse=True)}


def disguised(text: str) -> str:
    return text.translate(LOOK_ALIKE)


def test_look_alikes_become_the_unified_ideographs() -> None:
    assert unify_ideographs("⼀、本年新收政府信息公开申请数量") == "一、本年新收政府信息公开申请数量"
    assert (
        unify_ideographs("⾏政复议 2025年1⽉9⽇ ⻓沙市 ⻔头沟区") == "行政复议 2025年1月9日 长沙市 门头沟区"
    )
    assert unify_ideographs("\uf98e度") == "年度"  # a compatibility ideograph
    # digits, full-width punctuation and plain ideographs are left as printed
    assert unify_ideographs("１２３，（一）总计：12") == "１２３，（一）总计：12"
    assert all(unicodedata.category(u) == "Lo" for u in UNIFY.values())


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.stem)
def test_a_seed_in_look_alike_ideographs_parses_to_its_golden(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    changed = disguised(text)
    assert (
        sum(a != b for a, b in zip(text, changed, strict=True)) > 50
    )  # labels, dates and names are disguised
    expected = json.loads((path.parent / "expected" / f"{path.stem}.json").read_text(encoding="utf-8"))
    report = parse_bytes(changed.encode("utf-8"), path.name, budget=False)
    assert differences(report, expected) == []
    plain = parse_bytes(text.encode("utf-8"), path.name, budget=False)
    assert [p.code for p in report.problems] == [p.code for p in plain.problems]


@pytest.mark.skipif(not (shutil.which("soffice") or shutil.which("libreoffice")), reason="needs LibreOffice")
def test_a_pdf_whose_font_maps_to_radicals_parses_to_its_golden(tmp_path: Path) -> None:
    page = FIXTURES / "corpus" / "000_79fb0eaf2da186ab.utf8.html"
    html = tmp_path / "report.html"
    html.write_text(disguised(page.read_text(encoding="utf-8")), encoding="utf-8")
    binary = shutil.which("soffice") or shutil.which("libreoffice")
    subprocess.run(
        [binary, "--headless", f"-env:UserInstallation=file://{tmp_path / 'profile'}",
         "--convert-to", "pdf:writer_web_pdf_Export", "--outdir", str(tmp_path), str(html)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    pdf = (tmp_path / "report.pdf").read_bytes()
    expected = json.loads((FIXTURES / "corpus" / "000_79fb0eaf2da186ab.json").read_text(encoding="utf-8"))
    report = parse_bytes(pdf, "report.pdf", budget=False)
    assert report.media_type == "application/pdf"
    assert differences(report, expected) == []
