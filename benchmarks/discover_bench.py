"""Discovery over the real pages saved from government sites (tests/fixtures/sites): the family adapters
parsing every saved page (pages/s, links/s, MB/s), and discovery end to end over each site served on
127.0.0.1 (listing and article requests included, the per-host limits lifted). Usage:
python -m benchmarks discover_bench"""

from __future__ import annotations

import time
from pathlib import Path

from gongkai.fetch import discover_reports, make_session
from gongkai.fetch.families import read_listing
from gongkai.fetch.families.saved import load_sites, serve_site
from gongkai.fetch.registry import Registry, agency_from_dict

SITES_DIR = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "sites"
ROUNDS = 200  # parses of every saved page


def _parse_figures() -> None:
    pages = [(url, file.read_text("utf-8")) for site in load_sites(SITES_DIR) for url, file in site.pages()]
    size = sum(len(text.encode()) for _, text in pages)
    links = 0
    started = time.perf_counter()
    for _ in range(ROUNDS):
        for url, text in pages:
            _, listing = read_listing(text, url)  # the family chosen from the page, then its reader
            links += len(listing.items) + len(listing.pages)
    seconds = time.perf_counter() - started
    count = len(pages) * ROUNDS
    print(
        f"adapters: {len(pages)} saved pages x {ROUNDS} rounds = {count} pages in {seconds:.2f} s: "
        f"{count / seconds:.0f} pages/s, {links / seconds:.0f} links/s, {size * ROUNDS / seconds / 2**20:.1f} MB/s"
    )


def _discovery_figures() -> None:
    requests = found = 0
    started = time.perf_counter()
    for site in load_sites(SITES_DIR):
        year = site.expected["discover"]["year"]
        with serve_site(site) as base:
            agency = agency_from_dict(
                {
                    "slug": f"bench-{site.name}",
                    "name": site.name,
                    "listing_urls": [site.listing.replace(site.origin, base)],
                    "allow_private": True,
                    "rate_limit": 1000.0,
                    "concurrency": 8,
                    "max_pages": 20,
                }
            )
            with make_session(Registry([agency]), retries=0, timeout=(2.0, 5.0)) as session:
                for _ in range(10):
                    result = discover_reports(agency, year, session)
                    requests += result.pages_read + len(result)
                    found += len(result)
    seconds = time.perf_counter() - started
    print(
        f"discovery on loopback: {requests} page requests answered in {seconds:.2f} s "
        f"({requests / seconds:.0f} pages/s), {found} report links ({found / seconds:.0f} links/s)"
    )


def main() -> None:
    _parse_figures()
    _discovery_figures()


if __name__ == "__main__":
    main()
