"""DOC and WPS (old binary Word formats) → DOCX with LibreOffice headless, then the DOCX extractor."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from gongkai.extract.docx import extract_docx
from gongkai.extract.limits import grant_time
from gongkai.extract.pictures import read_marked_pictures
from gongkai.model import Document

CONVERT_SECONDS = 120


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def extract_office(data: bytes, media_type: str = "application/msword") -> Document:
    binary = soffice()
    if binary is None:
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
            subprocess.run(
                [
                    binary,
                    "--headless",
                    "--norestore",
                    f"-env:UserInstallation=file://{tmp}/profile",
                    "--convert-to",
                    "docx",
                    "--outdir",
                    tmp,
                    str(source),
                ],
                capture_output=True,
                timeout=CONVERT_SECONDS,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return Document.refused(
                media_type,
                "extraction_timeout",
                f"LibreOffice did not convert the file within {CONVERT_SECONDS} s",
                extractor="office",
            )
        converted = Path(tmp) / "report.docx"
        if not converted.exists():
            return Document.refused(
                media_type,
                "corrupt_file",
                "LibreOffice could not convert the file: it is damaged or not a Word document",
                extractor="office",
            )
        document = read_marked_pictures(extract_docx(converted.read_bytes()))
    document.media_type = media_type
    document.extractor = "office"
    return document
