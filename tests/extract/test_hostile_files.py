"""Untrusted files give distinct problem codes within their limits; nothing hangs or crashes."""

from __future__ import annotations

import mmap
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from gongkai.extract import extract_bytes
from gongkai.extract.limits import extract_limited
from gongkai.extract.pdf import extract_pdf
from gongkai.model import Document, Problem
from gongkai.pipeline import parse_bytes

HOSTILE = Path(__file__).parents[1] / "fixtures" / "hostile"
CODES = {
    "empty.pdf": "empty_file",
    "truncated.pdf": "corrupt_file",
    "encrypted.pdf": "encrypted",
    "zipbomb.docx": "zip_bomb",
    "entities.docx": "xml_entities_refused",
    "error-page.pdf": "not_a_report",
}


@pytest.mark.parametrize("name", sorted(CODES))
def test_hostile_file_gets_its_code(name: str) -> None:
    started = time.monotonic()
    report = parse_bytes((HOSTILE / name).read_bytes(), name)
    assert time.monotonic() - started < 30
    assert report.form_version == "unknown"
    assert CODES[name] in [p.code for p in report.problems]


def test_extraction_past_its_time_limit_is_stopped() -> None:
    data = (Path(__file__).parents[1] / "fixtures" / "real" / "huaian-2024.pdf").read_bytes()
    started = time.monotonic()
    document = extract_limited(extract_pdf, data, "application/pdf", seconds=0.05)
    assert time.monotonic() - started < 10
    assert [p.code for p in document.problems] == ["extraction_timeout"]
    assert document.blocks == []


def test_too_large_is_refused_before_extraction(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GONGKAI_MAX_DOCUMENT_BYTES", "1000")
    document = extract_bytes(b"%PDF-1.7" + b"0" * 2000)
    assert [p.code for p in document.problems] == ["too_large"]


def _allocate(megabytes: int) -> Callable[[bytes], Document]:
    def extract(data: bytes) -> Document:
        ballast = bytearray(megabytes * 2**20)  # touched: really allocated
        return Document(
            blocks=[],
            media_type="text/plain",
            extractor="test",
            problems=[Problem("allocated", str(len(ballast)), "info")],
        )

    return extract


def test_memory_cap_is_what_extraction_adds_to_a_large_parent() -> None:
    # a run that imported Prefect and GX is forked at ~2.5 GB of address space: the cap must not count it
    reserved = mmap.mmap(-1, 4 * 2**30)  # address space only, never touched
    try:
        fits = extract_limited(_allocate(200), b"", "text/plain", memory=512 * 2**20)
        assert [p.code for p in fits.problems] == ["allocated"]
        too_much = extract_limited(_allocate(1024), b"", "text/plain", memory=512 * 2**20)
        assert [p.code for p in too_much.problems] == ["too_large"]
    finally:
        reserved.close()
