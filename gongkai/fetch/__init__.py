"""Fetching: the agency registry, report discovery, polite and resilient downloads into the raw zone."""

from gongkai.fetch.discover import Discovery, ReportLink, discover_reports
from gongkai.fetch.fetcher import FetchResult, fetch_document, previous_fetch
from gongkai.fetch.http import FetchError, PoliteSession, make_session
from gongkai.fetch.registry import Agency, Registry, load_registry, registry_for_portal

__all__ = ["Agency", "Discovery", "FetchError", "FetchResult", "PoliteSession", "Registry", "ReportLink",
           "discover_reports", "fetch_document", "load_registry", "make_session", "previous_fetch",
           "registry_for_portal"]
