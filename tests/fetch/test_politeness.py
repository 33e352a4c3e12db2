"""Politeness at scale: robots.txt by RFC 9309 (temporary refusal when unreachable, the last copy kept,
network failures allowed with a note), per-host defaults from the settings, and a national run that schedules
hosts fairly so a slow site does not hold the others (loopback servers on their own ports)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from gongkai.fetch import PoliteSession, ReportLink, fetch_document, make_session
from gongkai.fetch.portal import Fault, Portal, Resource, Site
from gongkai.fetch.registry import Registry, agency_from_dict, registry_toml
from gongkai.lake.store import Store
from gongkai.pipeline.discover import HostQueues, discover_each
from gongkai.settings import refresh_settings


def _portal(robots: bytes | None) -> Portal:
    site = Site()
    if robots is not None:
        site.files["/robots.txt"] = Resource(robots, "text/plain")
    for n in range(2):
        site.files[f"/r{n}.pdf"] = Resource(b"%PDF-1.4 report %%EOF", "application/pdf")
    return Portal(site=site, agencies=[{"slug": "custom", "name": "甲", "listing_urls": ["/"]}])


def _link(portal: Portal, path: str) -> ReportLink:
    return ReportLink(f"{portal.base_url}{path}", "custom", 2024, "2024年报", "attachment")


@pytest.fixture
def quick_robots(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("GONGKAI_ROBOTS_TTL", "0.3")
    monkeypatch.setenv("GONGKAI_ROBOTS_RETRY_SECONDS", "0.3")
    refresh_settings()
    yield
    monkeypatch.undo()
    refresh_settings()


def _session(portal: Portal) -> PoliteSession:
    return make_session(portal.registry, backoff=0.01, retries=1, timeout=(2.0, 2.0))


def test_a_robots_txt_server_error_refuses_for_a_while_then_is_asked_again(
    quick_robots: None, store: Store
) -> None:
    with _portal(b"User-agent: *\nDisallow:\n") as portal, _session(portal) as session:
        portal.faults["/robots.txt"] = Fault("500", times=2)  # both attempts of the first read fail
        refused = fetch_document(_link(portal, "/r0.pdf"), session, store)
        assert (refused.status, refused.code) == ("failed", "robots_unavailable")
        assert portal.site.hits.get("/r0.pdf", 0) == 0 and portal.site.hits["/robots.txt"] == 2
        again = fetch_document(_link(portal, "/r0.pdf"), session, store)  # within the retry window: no ask
        assert again.code == "robots_unavailable" and portal.site.hits["/robots.txt"] == 2
        time.sleep(0.35)
        assert fetch_document(_link(portal, "/r0.pdf"), session, store).status == "ok"
        assert portal.site.hits["/robots.txt"] == 3 and portal.site.hits["/r0.pdf"] == 1


def test_the_last_robots_txt_stands_while_the_server_cannot_answer(quick_robots: None, store: Store) -> None:
    with _portal(b"User-agent: *\nDisallow: /r1.pdf\n") as portal, _session(portal) as session:
        assert fetch_document(_link(portal, "/r0.pdf"), session, store).status == "ok"
        portal.faults["/robots.txt"] = Fault("500")
        time.sleep(0.35)  # the copy expired: read again, unreachable, the copy kept
        assert fetch_document(_link(portal, "/r1.pdf"), session, store).code == "robots_disallowed"
        assert portal.site.hits["/robots.txt"] == 3  # 1 read + 2 attempts of the re-read
        assert fetch_document(_link(portal, "/r0.pdf"), session, store).status in ("ok", "unchanged")
        assert portal.site.hits.get("/r1.pdf", 0) == 0


def test_a_robots_txt_the_network_cannot_bring_allows_with_a_note(
    quick_robots: None, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    with _portal(b"User-agent: *\nDisallow: /\n") as portal, _session(portal) as session:
        portal.faults["/robots.txt"] = Fault("reset")  # the connection drops: no answer at all
        with caplog.at_level(logging.WARNING, logger="gongkai.fetch.http"):
            result = fetch_document(_link(portal, "/r0.pdf"), session, store)
        assert result.status == "ok" and portal.site.hits["/r0.pdf"] == 1
        assert any("robots.txt of" in r.getMessage() and "allowed" in r.getMessage() for r in caplog.records)


def test_hosts_the_registry_says_nothing_of_get_the_settings_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GONGKAI_FETCH_RATE_LIMIT", "4.5")
    monkeypatch.setenv("GONGKAI_FETCH_CONCURRENCY", "3")
    refresh_settings()
    try:
        agency = agency_from_dict(
            {"slug": "slow-site", "name": "乙", "listing_urls": ["https://a.gov.cn/x/"], "rate_limit": 0.5}
        )
        with make_session(Registry([agency])) as session:
            assert session.default == (4.5, 3)
            assert session.limits == {"a.gov.cn": (0.5, 2)}
            assert (session.gate("https://b.gov.cn/").limits, session.gate("https://a.gov.cn/").limits) == (
                (4.5, 3),
                (0.5, 2),
            )
    finally:
        monkeypatch.undo()
        refresh_settings()


def test_host_queues_take_hosts_in_turn_within_their_limits() -> None:
    queues: HostQueues[str] = HostQueues(
        [("slow", "s1"), ("slow", "s2"), ("slow", "s3"), ("a", "a1"), ("a", "a2"), ("b", "b1")],
        lambda host: 1,
    )
    taken = [queues.take() for _ in range(3)]
    assert taken == [("slow", "s1"), ("a", "a1"), ("b", "b1")]  # one of each host, not three of the first
    queues.done("a")
    assert queues.take() == ("a", "a2")
    queues.done("slow")
    assert queues.take() == ("slow", "s2")
    for host in ("a", "b", "slow"):
        queues.done(host)
    assert queues.take() == ("slow", "s3")
    queues.done("slow")
    assert queues.take() is None


class _Listing(BaseHTTPRequestHandler):
    delay = 0.0

    def do_GET(self) -> None:  # noqa: N802
        time.sleep(self.delay)
        if self.path == "/robots.txt":
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = '<html><body><a href="/r.pdf">2024年政府信息公开工作年度报告</a></body></html>'.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@contextmanager
def _host(delay: float) -> Iterator[str]:
    handler = type("Handler", (_Listing,), {"delay": delay})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_slow_host_holds_one_worker_and_the_fast_hosts_finish_first(tmp_path: Path) -> None:
    delay = 0.5
    with _host(delay) as slow, _host(0.0) as fast_a, _host(0.0) as fast_b:
        # the slow host's agencies first, as a registry sorted by name might have them
        bases = [("slow", slow)] * 3 + [("a", fast_a)] * 3 + [("b", fast_b)] * 3
        agencies = [
            agency_from_dict(
                {
                    "slug": f"{name}-{n}",
                    "name": f"{name} {n}",
                    "listing_urls": [f"{base}/list{n}/"],
                    "allow_private": True,
                    "rate_limit": 100.0,
                    "concurrency": 1,
                }
            )
            for n, (name, base) in enumerate(bases)
        ]
        path = tmp_path / "registry.toml"
        path.write_text(registry_toml(Registry(agencies)), encoding="utf-8")
        started = time.monotonic()
        finished: dict[str, float] = {}

        def heard(one: object) -> None:
            finished[one.tallies[0].agency_id] = time.monotonic() - started  # type: ignore[attr-defined]

        found = discover_each([a.slug for a in agencies], 2024, registry=str(path), workers=2, progress=heard)
    assert [d.tallies[0].found for d in found] == [1] * 9  # every agency's report, in the order asked
    fast = [t for slug, t in finished.items() if not slug.startswith("slow")]
    slow_times = [t for slug, t in finished.items() if slug.startswith("slow")]
    assert len(fast) == 6 and max(fast) < delay * 2  # within two slow answers, not behind the slow site
    assert max(fast) < max(slow_times) and max(slow_times) >= delay * 4  # robots + 3 listings, one at a time
