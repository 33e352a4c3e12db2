"""Extract + parse in one call, for the CLI, the lake loader and the flows."""

from __future__ import annotations

import hashlib

from gongkai.extract import EXTRACTOR_VERSION, extract_bytes
from gongkai.extract.limits import run_within_budget
from gongkai.extract.sniff import sniff_media_type
from gongkai.model import Document, Report
from gongkai.parse import parse_document


def parse_bytes(data: bytes, source: str, *, budget: bool = True) -> Report:
    """Bytes of any supported format → Report. Never raises for bad input; problems say why.

    With `budget` (the default) the whole handling runs in a child process within one time and memory
    budget (gongkai.extract.limits): a huge or hostile file of any format, HTML and text included,
    becomes a report with the problem `document_budget_exceeded`, never a stalled or swollen run."""
    sha256 = hashlib.sha256(data).hexdigest()
    if not budget:
        return _parse(data, source, sha256)
    outcome = run_within_budget(lambda: _parse(data, source, sha256))
    if isinstance(outcome, Report):
        return outcome
    media_type = sniff_media_type(data, source)
    document = Document(blocks=[], media_type=media_type, extractor="none", problems=[outcome])
    return _report(document, source, sha256)


def _parse(data: bytes, source: str, sha256: str) -> Report:
    return _report(extract_bytes(data, source), source, sha256)


def _report(document: Document, source: str, sha256: str) -> Report:
    report = parse_document(document, source=source, sha256=sha256, media_type=document.media_type)
    report.extractor = f"{document.extractor}@{EXTRACTOR_VERSION}"
    return report
