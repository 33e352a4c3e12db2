"""The outcome types moved to gongkai/outcome.py (the lake imports them without importing validate);
this name stays for callers that still import it from here."""

from gongkai.outcome import CheckFailure, ReportOutcome, ValidationOutcome, is_failed, status_for

__all__ = ["CheckFailure", "ReportOutcome", "ValidationOutcome", "is_failed", "status_for"]
