"""Fetch throughput against the fixture portal on 127.0.0.1: documents and MB per second for a first
run (downloads) and a re-run (conditional GETs), with 1 and 4 threads, the per-host limits lifted;
and how closely a per-host rate limit is kept. Usage: python -m benchmarks fetch_bench"""

from __future__ import annotations

import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from gongkai.fetch import ReportLink, fetch_document, make_session
from gongkai.fetch.portal import Portal, Resource, Site, build_site
from gongkai.lake.store import open_store

DOCUMENTS = 200


def _portal(rate: float, concurrency: int) -> Portal:
    site: Site = build_site()
    pdf = site.files["/huaian-gov/files/2024-annual-report.pdf"].body
    for n in range(DOCUMENTS):  # distinct bytes per document, as on a real site
        site.files[f"/bench/{n}.pdf"] = Resource(pdf + f"\n%{n}\n".encode(), "application/pdf")
    return Portal(
        site=site,
        agencies=[
            {
                "slug": "bench",
                "name": "基准",
                "listing_urls": ["/bench/"],
                "rate_limit": rate,
                "concurrency": concurrency,
            }
        ],
    )


def _run(portal: Portal, workers: int, lake: str) -> tuple[float, int, list[str]]:
    session = make_session(portal.registry)
    store = open_store(lake)
    links = [
        ReportLink(f"{portal.base_url}/bench/{n}.pdf", "bench", 2024, "bench", "attachment")
        for n in range(DOCUMENTS)
    ]
    started = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        results = list(pool.map(lambda link: fetch_document(link, session, store), links))
    seconds = time.perf_counter() - started
    session.close()
    return (
        seconds,
        sum(len(portal.site.files[f"/bench/{n}.pdf"].body) for n in range(DOCUMENTS)),
        [r.status for r in results],
    )


def main() -> None:
    for workers in (1, 4):
        with tempfile.TemporaryDirectory() as lake, _portal(rate=10_000, concurrency=workers) as portal:
            first, size, statuses = _run(portal, workers, lake)
            assert set(statuses) == {"ok"}, set(statuses)
            again, _, statuses = _run(portal, workers, lake)
            assert set(statuses) == {"unchanged"}, set(statuses)
            print(
                f"{workers} thread(s), {DOCUMENTS} PDFs of {size / DOCUMENTS / 1e3:.0f} kB: first run "
                f"{DOCUMENTS / first:.0f} docs/s ({size / first / 1e6:.1f} MB/s, raw archive on local disk); "
                f"re-run {DOCUMENTS / again:.0f} docs/s (conditional GET, 304)"
            )
    with tempfile.TemporaryDirectory() as lake, _portal(rate=20.0, concurrency=4) as portal:
        count = 40
        session = make_session(portal.registry)
        store = open_store(lake)
        started = time.perf_counter()
        threads = [
            threading.Thread(
                target=fetch_document,
                args=(
                    ReportLink(f"{portal.base_url}/bench/{n}.pdf", "bench", 2024, "b", "attachment"),
                    session,
                    store,
                ),
            )
            for n in range(count)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        seconds = time.perf_counter() - started
        session.close()
        print(
            f"rate limit 20 requests/s, {count} threads, {count} documents (+ robots.txt): "
            f"{(count + 1) / seconds:.1f} requests/s kept; at most {portal.site.max_in_flight} in flight (limit 4)"
        )
