"""Word and PDF reports whose tables are pictures, with the values they print: tests/fixtures/pictured_docs/.

The round-trip harness's formats docx_pictures and pdf_pictures (benchmarks/roundtrip.py): a synthetic
report's Word file with each table pasted as a screenshot of it (gongkai.synth_files.to_docx_pictures),
and that file exported to PDF by LibreOffice. Making them needs LibreOffice, so a few are committed with
the cells they print, and tests/extract/test_pictured_docs.py reads them back without it. Also a report
whose only picture is a photo (not a table), as Word file and PDF: it must add nothing.

    .venv/bin/python scripts/make_pictured_docs.py     # writes tests/fixtures/pictured_docs/
"""

from __future__ import annotations

import random
import tempfile
from pathlib import Path

from benchmarks.roundtrip import _soffice_pdfs
from gongkai.model import Document, Paragraph
from gongkai.synth_files import consistent_variants, document_docx, to_docx_pictures, write_expected

ROOT = Path(__file__).parents[1]
OUT = ROOT / "tests" / "fixtures" / "pictured_docs"
PHOTO = ROOT / "tests" / "fixtures" / "pictures" / "photo.jpg"
# (harness seed, report index, format): both forms; report 0's screenshots are at 96 dpi, report 1's at 120
PLAN: list[tuple[int, int, str]] = [(1, 0, "docx"), (1, 1, "pdf")]


def photo_document() -> bytes:
    """A short report text with a photo of the agency's building (a picture with no table) in its flow."""
    from PIL import Image

    photo = Image.open(PHOTO).resize((720, 480))  # shown 7.5 × 5 inches at 96 dpi: well over the size floor
    buffer = Path(tempfile.mkdtemp()) / "photo.jpg"
    photo.save(buffer, "JPEG", quality=80)
    text = [
        Paragraph("某某局2023年政府信息公开工作年度报告"),
        Paragraph(""),  # the photo's place
        Paragraph("一、总体情况"),
        Paragraph("2023年，我局认真贯彻落实《中华人民共和国政府信息公开条例》，全面推进政务公开工作。"),
    ]
    return document_docx(Document(text), pictures={1: [buffer.read_bytes()]}, picture_dpi=96)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        for seed, index, fmt in PLAN:
            synth = consistent_variants(seed, index + 1)[index]  # as the harness makes report `index`
            docx = Path(scratch) / f"s{seed}_r{index}.docx"
            docx.write_bytes(to_docx_pictures(synth, random.Random(seed * 1000 + index)))
            if fmt == "pdf":
                _soffice_pdfs([docx], Path(scratch))
            stem = f"seed{seed}-report{index}"
            (OUT / f"{stem}.{fmt}").write_bytes(docx.with_suffix(f".{fmt}").read_bytes())
            expected = write_expected(OUT / f"{stem}.json", synth)
            print(f"{stem}.{fmt}: {synth.form}, {len(expected['cells'])} cells")
        photo = Path(scratch) / "photo.docx"
        photo.write_bytes(photo_document())
        _soffice_pdfs([photo], Path(scratch))
        for suffix in (".docx", ".pdf"):
            (OUT / f"photo{suffix}").write_bytes(photo.with_suffix(suffix).read_bytes())


if __name__ == "__main__":
    main()
