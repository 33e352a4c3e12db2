"""LibreOffice headless as a converter: old Word files to DOCX (gongkai.extract.office), vector pictures
to PDF (gongkai.extract.metafile). Each conversion runs its own soffice with a throwaway profile, so
conversions in parallel children never share (and lock) one profile."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from gongkai.extract.limits import EXTRACTION_TIMEOUT

CONVERT_SECONDS = 120


class ConversionFailed(Exception):
    """LibreOffice is missing, timed out, or wrote nothing; `code` is the problem code to report."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(source: Path, target: str, *, seconds: float = CONVERT_SECONDS) -> Path:
    """`source` converted to the `target` format (a file extension, optionally with its filter, e.g.
    "docx" or "pdf:writer_pdf_Export"), written next to it; its path."""
    binary = soffice()
    if binary is None:
        raise ConversionFailed(
            "converter_missing", "LibreOffice (soffice) is not installed: install libreoffice-writer-nogui"
        )
    folder = source.parent
    try:
        subprocess.run(
            [
                binary,
                "--headless",
                "--norestore",
                f"-env:UserInstallation=file://{folder}/profile",
                "--convert-to",
                target,
                "--outdir",
                str(folder),
                str(source),
            ],
            capture_output=True,
            timeout=seconds,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ConversionFailed(
            EXTRACTION_TIMEOUT, f"LibreOffice did not convert the file within {seconds:.0f} s"
        ) from None
    converted = source.with_suffix("." + target.split(":", 1)[0])
    if not converted.exists():
        raise ConversionFailed("corrupt_file", "LibreOffice could not convert the file: it is damaged")
    return converted
