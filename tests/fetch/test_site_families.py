"""Each CMS family's adapter on real pages saved from real government sites (tests/fixtures/sites): the
family chosen from the page, and the exact report links it yields (expected.json, checked by hand against
the saved pages); then discovery end to end over the site served on 127.0.0.1."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from gongkai.fetch import discover_reports, make_session
from gongkai.fetch.discover import is_report_title
from gongkai.fetch.families import document_url, is_column, read_article, read_listing, report_year
from gongkai.fetch.families.saved import SavedSite, load_sites, serve_site
from gongkai.fetch.registry import (
    DEFAULT_EXCLUDE_PATTERN,
    DEFAULT_TITLE_PATTERN,
    Registry,
    agency_from_dict,
)

SITES = load_sites(Path(__file__).resolve().parents[1] / "fixtures" / "sites")


def listing_reports(site: SavedSite) -> dict[str, Any]:
    """What the family reads on the site's listing page: its name, further pages, and the report links
    (kind "attachment" for a document, "article" for a page to open), the year null when none is written."""
    text = site.folder.joinpath(site.file_for(site.listing) or "").read_text("utf-8")
    family, listing = read_listing(text, site.listing)
    title_pattern, exclude = re.compile(DEFAULT_TITLE_PATTERN), re.compile(DEFAULT_EXCLUDE_PATTERN)
    reports = [
        {
            "url": link.url,
            "title": link.title,
            "year": report_year(link.title),
            "kind": "attachment" if document_url(link) else "article",
        }
        for link in dict.fromkeys(listing.items)
        if is_report_title(link.title, title_pattern, exclude)
        and not (report_year(link.title) is None and is_column(link.url))
    ]
    return {
        "family": family,
        "pages": listing.pages,
        "sections": [{"url": s.url, "title": s.title} for s in listing.sections],
        "reports": reports,
    }


def article_attachments(site: SavedSite) -> dict[str, list[dict[str, str]]]:
    out = {}
    for url in site.expected.get("articles", {}):
        file = site.file_for(url)
        assert file is not None, f"{site.name}: article {url} is not saved"
        out[url] = [{"url": a.url, "title": a.title} for a in read_article(file.read_text("utf-8"), url)]
    return out


def discovered(site: SavedSite) -> dict[str, Any]:
    """Discovery for the expected year over the site served on loopback, URLs written back to the site's."""
    year = site.expected["discover"]["year"]
    with serve_site(site) as base:
        agency = agency_from_dict(
            {
                "slug": f"site-{site.name}",
                "name": site.name,
                "listing_urls": [site.listing.replace(site.origin, base)],
                "allow_private": True,
                "rate_limit": 200.0,
                "concurrency": 4,
                "max_pages": 20,
                "expected_years": [year],
            }
        )
        with make_session(Registry([agency]), backoff=0.01, retries=0, timeout=(2.0, 5.0)) as session:
            found = discover_reports(agency, year, session)
    return {
        "year": year,
        "links": [
            {
                "url": link.url.replace(base, site.origin),
                "title": link.title,
                "year": link.year,
                "kind": link.kind,
            }
            for link in found
        ],
        "problems": sorted({p.code for p in found.problems}),
    }


def test_every_saved_site_names_its_source_and_a_known_family() -> None:
    from gongkai.fetch.families import FAMILIES

    assert SITES, "no saved sites under tests/fixtures/sites"
    for site in SITES:
        source = site.folder.joinpath("SOURCE.md").read_text("utf-8")
        assert "Repository:" in source and "Commit:" in source and "Original URL:" in source, site.name
        assert site.family in {family.NAME for family in FAMILIES}, site.folder


@pytest.mark.parametrize("site", SITES, ids=[f"{s.family}/{s.name}" for s in SITES])
def test_listing_yields_the_exact_report_links(site: SavedSite) -> None:
    observed = listing_reports(site)
    assert observed["family"] == site.family
    expected = site.expected
    assert observed == {k: expected[k] for k in ("family", "pages", "sections", "reports")}


@pytest.mark.parametrize("site", [s for s in SITES if s.expected.get("articles")], ids=lambda s: s.name)
def test_article_pages_yield_their_attachments(site: SavedSite) -> None:
    assert article_attachments(site) == site.expected["articles"]


@pytest.mark.parametrize("site", SITES, ids=[f"{s.family}/{s.name}" for s in SITES])
def test_discovery_over_the_saved_site_on_loopback(site: SavedSite) -> None:
    assert discovered(site) == site.expected["discover"]
