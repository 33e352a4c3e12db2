"""Fetching: the agency registry, report discovery, polite and resilient downloads into the raw zone.

Library functions for one agency and year, with no orchestration in them (a Prefect task wraps them):
`discover_reports(agency, year, session[, store]) -> Discovery` (a list of ReportLink with `.problems`),
`fetch_document(link, session, store) -> FetchResult` (status ok/unchanged/failed, reason, sha256,
the fetch record), and both for one agency: `fetch_agency(agency, year, session, store) -> AgencyFetch`. A PoliteSession is thread-safe; its per-host limits hold across threads and sessions.
"""

from gongkai.fetch.discover import Discovery, ReportLink, discover_reports, report_year
from gongkai.fetch.fetcher import AgencyFetch, FetchResult, fetch_agency, fetch_document, previous_fetch
from gongkai.fetch.http import Fetched, FetchError, PoliteSession, decode_page, make_session
from gongkai.fetch.registry import Agency, Registry, RegistryError, load_registry, registry_for_portal

__all__ = ["Agency", "AgencyFetch", "Discovery", "FetchError", "FetchResult", "Fetched", "PoliteSession", "Registry",
           "RegistryError", "ReportLink", "decode_page", "discover_reports", "fetch_agency", "fetch_document", "load_registry",
           "make_session", "previous_fetch", "registry_for_portal", "report_year"]
