"""Extract + parse in one call, for the CLI, the lake loader and the flows."""

from __future__ import annotations

import hashlib

from gongkai.extract import EXTRACTOR_VERSION, extract_bytes
from gongkai.model import Report
from gongkai.parse import parse_document


def parse_bytes(data: bytes, source: str) -> Report:
    """Bytes of any supported format → Report. Never raises for bad input; problems say why."""
    sha256 = hashlib.sha256(data).hexdigest()
    document = extract_bytes(data, source)
    report = parse_document(document, source=source, sha256=sha256, media_type=document.media_type)
    report.extractor = f"{document.extractor}@{EXTRACTOR_VERSION}"
    return report
