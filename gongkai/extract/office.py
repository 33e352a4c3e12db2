"""DOC and WPS (old binary Word formats) → DOCX with LibreOffice headless, then the DOCX extractor."""

from __future__ import annotations

import tempfile
from pathlib import Path

from gongkai.extract.docx import extract_docx
from gongkai.extract.libreoffice import CONVERT_SECONDS, ConversionFailed, convert, soffice
from gongkai.extract.limits import grant_time
from gongkai.extract.marked_pictures import read_marked_pictures
from gongkai.model import Document


def extract_office(data: bytes, media_type: str = "application/msword") -> Document:
    if soffice() is None:
        return Document.refused(
            media_type,
            "converter_missing",
            "DOC/WPS files need LibreOffice (soffice) to "
            "convert them; install libreoffice-writer-nogui and run again",
            extractor="office",
        )
    with tempfile.TemporaryDirectory(prefix="gongkai-office-") as tmp:
        source = Path(tmp) / "report.doc"
        source.write_bytes(data)
        grant_time(CONVERT_SECONDS)  # the conversion's own limit is added to the document's budget
        try:
            converted = convert(source, "docx")
        except ConversionFailed as failed:
            message = str(failed)
            if failed.code == "corrupt_file":
                message = "LibreOffice could not convert the file: it is damaged or not a Word document"
            return Document.refused(media_type, failed.code, message, extractor="office")
        document = read_marked_pictures(extract_docx(converted.read_bytes()))
    document.media_type = media_type
    document.extractor = "office"
    return document
