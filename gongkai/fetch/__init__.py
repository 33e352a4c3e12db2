"""Fetching: the agency registry, report discovery, polite and resilient downloads into the raw zone.

Library functions for one agency and year, with no orchestration in them (the pipeline's stages in
`gongkai.pipeline` call them): `discover_reports(agency, year, session[, store]) -> Discovery` (a list of
ReportLink with `.problems`), `fetch_document(link, session, store[, prior]) -> FetchResult` (status
ok/unchanged/failed, reason, sha256, the fetch record). A PoliteSession is thread-safe; its per-host limits
hold across threads and sessions.
"""

from gongkai.fetch.discover import Discovery, ReportLink, discover_reports, report_year
from gongkai.fetch.fetcher import FetchResult, fetch_document
from gongkai.fetch.http import Fetched, FetchError, PoliteSession, decode_page, make_session
from gongkai.fetch.registry import Agency, Registry, RegistryError, load_registry, registry_for_portal

__all__ = [
    "Agency",
    "Discovery",
    "FetchError",
    "FetchResult",
    "Fetched",
    "PoliteSession",
    "Registry",
    "RegistryError",
    "ReportLink",
    "decode_page",
    "discover_reports",
    "fetch_document",
    "load_registry",
    "make_session",
    "registry_for_portal",
    "report_year",
]
