"""Validation with Great Expectations: suites in expectations/, one per lake table (checks.py), run over
frames of a batch of reports (frames.py) by `validate_reports` (runner.py). Imported lazily: GX is slow
to import. The outcome types live in gongkai/outcome.py: the lake writes them and imports nothing of
validate (validate depends on the lake, never the other way)."""

from __future__ import annotations

from typing import Any

from gongkai.outcome import CheckFailure, ReportOutcome, ValidationOutcome

__all__ = ["CheckFailure", "ReportOutcome", "ValidationOutcome", "validate_reports"]


def __getattr__(name: str) -> Any:
    if name == "validate_reports":
        from gongkai.validate.runner import validate_reports

        return validate_reports
    raise AttributeError(name)
