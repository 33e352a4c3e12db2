"""Discovery and fetching against the fixture portal over real HTTP on 127.0.0.1, with its fault switches."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from gongkai.fetch import Discovery, FetchResult, PoliteSession, ReportLink, fetch_document
from gongkai.fetch.portal import SITE_DIR, Fault, Portal, Resource, Site, build_site
from gongkai.lake.raw import raw_key
from gongkai.lake.store import Store
from gongkai.lake.writer import write_lineage
from gongkai.pipeline.plan import plan
from gongkai.pipeline.record import DocumentRecord, Prior

FILES = SITE_DIR / "files"
HONGZE_2024_PDF = "/huaian-hongze-gov/files/2024-annual-report.pdf"
HONGZE_2023_PDF = "/huaian-hongze-gov/files/2023-annual-report.pdf"
HUAIAN_2024_PDF = "/huaian-gov/files/2024-annual-report.pdf"
JINGMEN_WPS = "/jingmen-dongbao-bureau/files/2024-annual-report.wps"

Session = Callable[..., PoliteSession]
Discover = Callable[..., Discovery]


def _paths(portal: Portal, links: list[ReportLink]) -> list[str]:
    return sorted(link.url.replace(portal.base_url, "") for link in links)


def _link(portal: Portal, path: str, kind: str = "attachment", slug: str = "huaian-gov") -> ReportLink:
    return ReportLink(f"{portal.base_url}{path}", slug, 2024, "t", kind)


def _prior(store: Store, link: ReportLink, *results: FetchResult) -> Prior | None:
    """What the next fetch of `link` knows, as the pipeline learns it: the fetch records are written to the
    lake's lineage, and the plan reads the latest successful one back."""
    write_lineage(store, [r.event for r in results])
    return plan([DocumentRecord(link.agency, link.year, link.url, link=link)], store.uri)[0].prior


# ---------------------------------------------------------------- discovery


def test_discovers_every_report_through_pagination_articles_gbk_and_datastores(
    portal: Portal, session_for: Session, discover: Discover
) -> None:
    session = session_for(portal)
    found = {
        (a.slug, y): _paths(portal, discover(portal, a.slug, y, session))
        for a in portal.registry.agencies
        for y in (2020, 2023, 2024)
    }
    assert found == {
        # GBK listing (gb2312 declared), two reports on its first page, article pages with the PDF attached
        ("huaian-hongze-gov", 2020): [],
        ("huaian-hongze-gov", 2023): [HONGZE_2023_PDF],
        ("huaian-hongze-gov", 2024): [HONGZE_2024_PDF],
        ("huaian-gov", 2020): [],
        ("huaian-gov", 2023): [],
        ("huaian-gov", 2024): [HUAIAN_2024_PDF],
        # the article page is itself the report
        ("wuhan-dongxihu-dpf", 2020): [],
        ("wuhan-dongxihu-dpf", 2023): [],
        ("wuhan-dongxihu-dpf", 2024): ["/wuhan-dongxihu-dpf/art/2024.html"],
        ("bengbu-bengshan-dpf", 2020): ["/bengbu-bengshan-dpf/files/2020-annual-report.docx"],
        ("bengbu-bengshan-dpf", 2023): [],
        ("bengbu-bengshan-dpf", 2024): [],
        ("jinjiang-dpf", 2020): [],
        ("jinjiang-dpf", 2023): ["/jinjiang-dpf/files/2023-annual-report.pdf"],
        ("jinjiang-dpf", 2024): [],
        ("zibo-zhangdian-dpf", 2020): [],
        ("zibo-zhangdian-dpf", 2023): ["/zibo-zhangdian-dpf/art/2023.html"],
        ("zibo-zhangdian-dpf", 2024): [],
        # GBK with no charset, script pagination (report on page 2), a WPS file; and the district portal's
        # Hanweb datastore in GBK under an ISO-8859-1 header, a PDF in a pdf.js viewer, a .doc, and a
        # "backup" link to 127.0.0.2
        # publish only reports before 2019 (test_discovers_reports_before_2019)
        **{
            (slug, y): [] for slug in ("moumou-county-gov", "moumou-city-justice") for y in (2020, 2023, 2024)
        },
        ("jingmen-dongbao-bureau", 2020): [],
        ("jingmen-dongbao-bureau", 2023): [],
        ("jingmen-dongbao-bureau", 2024): sorted(
            [
                JINGMEN_WPS,
                "/picture/0/2024021411.pdf",
                "/picture/0/2024021412.doc",
                f"http://127.0.0.2:{portal.port}/picture/0/2024021411.pdf",
            ]
        ),
    }


def test_discovers_reports_before_2019(portal: Portal, session_for: Session, discover: Discover) -> None:
    session = session_for(portal)
    found = {
        (slug, y): _paths(portal, discover(portal, slug, y, session))
        for slug in ("moumou-county-gov", "moumou-city-justice")
        for y in (2016, 2017, 2018)
    }
    assert found == {
        ("moumou-county-gov", 2016): ["/moumou-county-gov/art/2016.html"],  # a GBK article page
        ("moumou-county-gov", 2017): [],
        ("moumou-county-gov", 2018): ["/moumou-county-gov/files/2018-annual-report.wps"],
        ("moumou-city-justice", 2016): [],
        ("moumou-city-justice", 2018): [],
        ("moumou-city-justice", 2017): ["/moumou-city-justice/files/2017-annual-report.doc"],
    }


def test_notices_interpretations_and_other_columns_are_passed_over(
    portal: Portal, discover: Discover
) -> None:
    found = discover(portal, "jingmen-dongbao-bureau", 2024)
    titles = {link.title for link in found}
    assert not any("解读" in t or "通知" in t for t in titles)
    assert found.pages_read == 5  # the bureau's 4 listing pages (script pagination) + the portal's one
    assert portal.site.hits.get("/jingmen-dongbao-bureau/nianbao/lead-1.html") is None  # not opened
    wps = next(link for link in found if link.url.endswith(".wps"))
    assert wps.referer == f"{portal.base_url}/jingmen-dongbao-bureau/art/2024.html"


def test_a_report_year_the_registry_does_not_expect_is_reported_loudly(
    portal: Portal, discover: Discover
) -> None:
    found = discover(portal, "jingmen-dongbao-bureau", 2024)  # the bureau's column also lists 2022
    unexpected = [p for p in found.problems if p.code == "unexpected_year"]
    assert len(unexpected) == 1 and unexpected[0].severity == "warning"
    assert "UNEXPECTED REPORT YEAR" in unexpected[0].message and "2022" in unexpected[0].message
    assert sorted(found.years_seen) == [2022, 2024]

    agency = replace(portal.registry.get("huaian-hongze-gov"), expected_years=(2024,))
    from gongkai.fetch import discover_reports

    hongze = discover_reports(agency, 2024, portal_session := _plain_session(portal))
    portal_session.close()
    assert [p.code for p in hongze.problems] == ["unexpected_year"] and "2023" in hongze.problems[0].message


def _plain_session(portal: Portal) -> PoliteSession:
    from gongkai.fetch import make_session

    return make_session(portal.registry, backoff=0.05, timeout=(2.0, 1.0))


def test_an_expected_year_missing_from_the_listing_is_reported(portal: Portal, discover: Discover) -> None:
    agency = replace(portal.registry.get("huaian-gov"), expected_years=(2023, 2024))
    from gongkai.fetch import discover_reports

    session = _plain_session(portal)
    found = discover_reports(agency, 2023, session)
    session.close()
    assert list(found) == [] and [p.code for p in found.problems] == ["expected_report_missing"]


def test_registry_page_template_and_max_pages(portal: Portal, session_for: Session) -> None:
    from gongkai.fetch import discover_reports

    session = session_for(portal)
    # pages named by the registry's template; the probe past the last page (404) ends it quietly
    templated = replace(portal.registry.get("jinjiang-dpf"), pagination="index_{n}.html", max_pages=5)
    found = discover_reports(templated, 2023, session)
    assert len(found) == 1 and not found.problems and found.pages_read == 2
    # a bound too small for the column is said
    short = replace(
        portal.registry.get("jingmen-dongbao-bureau"),
        max_pages=1,
        listing_urls=portal.registry.get("jingmen-dongbao-bureau").listing_urls[:1],
    )
    found = discover_reports(short, 2024, session)
    assert list(found) == [] and "listing_truncated" in [p.code for p in found.problems]


def test_an_unreadable_listing_is_an_error_and_an_unreadable_later_page_too(
    portal: Portal, discover: Discover
) -> None:
    portal.faults["/huaian-gov/nianbao/index.html"] = Fault("404")
    found = discover(portal, "huaian-gov", 2024)
    assert list(found) == [] and [(p.code, p.severity) for p in found.problems] == [
        ("listing_http_404", "error")
    ]
    portal.faults["/jingmen-dongbao-bureau/nianbao/index_1.html"] = Fault("500")
    found = discover(portal, "jingmen-dongbao-bureau", 2024)
    assert ("listing_incomplete_http_500", "error") in [(p.code, p.severity) for p in found.problems]
    assert JINGMEN_WPS not in _paths(portal, found) and "/picture/0/2024021412.doc" in _paths(portal, found)


def test_an_article_page_that_fails_is_kept_as_the_report_so_its_failure_is_recorded(
    portal: Portal, discover: Discover, session_for: Session, store: Store
) -> None:
    portal.faults["/huaian-gov/art/2024.html"] = Fault("500")
    session = session_for(portal, retries=1)
    found = discover(portal, "huaian-gov", 2024, session)
    assert _paths(portal, found) == ["/huaian-gov/art/2024.html"] and found[0].kind == "page"
    assert [p.code for p in found.problems] == ["article_http_500"]
    result = fetch_document(found[0], session, store)
    assert (result.status, result.code) == ("failed", "http_500")


# ---------------------------------------------------------------- fetching


def test_fetch_archives_exact_bytes_with_a_record_and_a_rerun_downloads_nothing(
    portal: Portal, session_for: Session, discover: Discover, store: Store
) -> None:
    session = session_for(portal)
    link = discover(portal, "huaian-gov", 2024, session)[0]
    first = fetch_document(link, session, store)
    data = (FILES / "huaian-2024.pdf").read_bytes()
    assert first.status == "ok"
    assert first.sha256 == hashlib.sha256(data).hexdigest()
    assert store.get(raw_key(first.sha256)) == data and first.uri == raw_key(first.sha256)  # lake-relative
    event = first.event
    assert (event.stage, event.status, event.agency_id, event.report_year) == (
        "fetch",
        "ok",
        "huaian-gov",
        2024,
    )
    assert (event.input_uri, event.output_sha256, event.report_id) == (
        link.url,
        first.sha256,
        first.sha256[:16],
    )
    details = event.details
    assert (details["http_status"], details["media_type"], details["bytes"]) == (
        200,
        "application/pdf",
        len(data),
    )
    assert details["etag"] and details["last_modified"] == "Mon, 20 Jan 2025 08:00:00 GMT"
    assert details["content_type"] == "application/pdf" and details["url"] == link.url
    assert event.started_at <= event.ended_at

    second = fetch_document(link, session, store, _prior(store, link, first))
    assert (second.status, second.sha256, second.uri) == ("unchanged", first.sha256, first.uri)
    assert second.event.details["http_status"] == 304 and second.event.details["conditional"]
    assert portal.site.bodies[HUAIAN_2024_PDF] == 1  # the bytes were sent once


def test_conditional_get_with_last_modified_only(portal: Portal, session_for: Session, store: Store) -> None:
    session = session_for(portal)
    link = _link(portal, JINGMEN_WPS, slug="jingmen-dongbao-bureau")
    first = fetch_document(link, session, store)
    assert first.status == "ok" and first.event.details["etag"] is None
    assert first.event.details["media_type"] == "application/msword"  # a WPS file is an OLE document
    second = fetch_document(link, session, store, _prior(store, link, first))
    assert (second.status, second.event.details["http_status"]) == ("unchanged", 304)
    assert portal.site.bodies[JINGMEN_WPS] == 1


def test_same_bytes_without_validators_are_unchanged_by_their_hash(
    portal: Portal, session_for: Session, store: Store
) -> None:
    session = session_for(portal)
    link = _link(portal, HUAIAN_2024_PDF)
    first = fetch_document(link, session, store)
    prior = _prior(store, link, first)
    assert prior is not None
    second = fetch_document(link, session, store, replace(prior, etag=None, last_modified=None))
    assert (second.status, second.sha256, second.event.details["http_status"]) == (
        "unchanged",
        first.sha256,
        200,
    )
    assert second.event.details["already_archived"]


def test_changed_bytes_are_fetched_and_archived_beside_the_old(
    portal: Portal, session_for: Session, store: Store
) -> None:
    session = session_for(portal)
    link = _link(portal, HUAIAN_2024_PDF)
    first = fetch_document(link, session, store)
    portal.site.files[HUAIAN_2024_PDF] = Resource((FILES / "hongze-2024.pdf").read_bytes(), "application/pdf")
    second = fetch_document(link, session, store, _prior(store, link, first))
    assert second.status == "ok" and second.sha256 != first.sha256
    assert store.exists(raw_key(first.sha256)) and store.exists(raw_key(second.sha256))


def test_lost_raw_bytes_are_fetched_again_in_full(portal: Portal, session_for: Session, store: Store) -> None:
    session = session_for(portal)
    link = _link(portal, HUAIAN_2024_PDF)
    first = fetch_document(link, session, store)
    prior = _prior(store, link, first)
    store.delete(raw_key(first.sha256))
    second = fetch_document(link, session, store, prior)
    assert second.event.details["http_status"] == 200 and not second.event.details["conditional"]
    assert store.exists(raw_key(first.sha256))


@pytest.mark.parametrize(
    ("fault", "attempts"),
    [
        (Fault("500", times=2), 3),
        (Fault("429", times=1, seconds=1), 2),
        (Fault("reset", times=1), 2),
        (Fault("truncate", times=1), 2),
        (Fault("slow", times=1, seconds=2.0), 2),
    ],
)
def test_transient_faults_are_retried_and_recovered(
    portal: Portal, session_for: Session, store: Store, fault: Fault, attempts: int
) -> None:
    portal.faults[HUAIAN_2024_PDF] = fault
    started = time.monotonic()
    result = fetch_document(_link(portal, HUAIAN_2024_PDF), session_for(portal), store)
    assert result.status == "ok", result.reason
    assert result.event.details["attempts"] == attempts
    assert result.sha256 == hashlib.sha256((FILES / "huaian-2024.pdf").read_bytes()).hexdigest()
    if fault.kind == "429":
        assert time.monotonic() - started >= 0.9  # Retry-After: 1 was honoured


@pytest.mark.parametrize(
    ("path", "fault", "code"),
    [
        (HONGZE_2024_PDF, Fault("500"), "http_500"),
        (HONGZE_2024_PDF, Fault("truncate"), "truncated"),
        (HONGZE_2024_PDF, Fault("reset"), "connection_error"),
        (HONGZE_2024_PDF, Fault("slow", seconds=1.5), "timeout"),
        (HONGZE_2024_PDF, Fault("error200"), "error_page"),  # an HTML error page under a .pdf URL
        (
            "/wuhan-dongxihu-dpf/art/2024.html",
            Fault("error200"),
            "error_page",
        ),  # an error page as the report page
        (HONGZE_2024_PDF, Fault("redirect_loop"), "redirect_loop"),
        (HONGZE_2024_PDF, Fault("redirect_private"), "address_refused"),
        (HONGZE_2024_PDF, Fault("404"), "http_404"),
    ],
)
def test_permanent_faults_are_recorded_with_their_reason_and_the_rest_goes_on(
    portal: Portal, session_for: Session, store: Store, path: str, fault: Fault, code: str
) -> None:
    session = session_for(portal, retries=1)
    broken = _link(portal, path, "page" if path.endswith(".html") else "attachment")
    portal.faults[path] = fault
    results = [fetch_document(link, session, store) for link in (broken, _link(portal, HONGZE_2023_PDF))]
    assert (results[0].status, results[0].code) == ("failed", code), results[0].reason
    assert results[0].event.status == "failed" and results[0].event.error == results[0].reason
    assert results[0].sha256 is None and _prior(store, broken, results[0]) is None
    assert results[1].status == "ok"
    if fault.kind == "redirect_private":
        assert "127.0.0.2" in results[0].reason


def test_a_link_to_a_host_the_registry_does_not_allow_is_refused_without_connecting(
    portal: Portal, session_for: Session, store: Store
) -> None:
    link = ReportLink(
        f"http://127.0.0.2:{portal.port}/picture/0/2024021411.pdf",
        "jingmen-dongbao-bureau",
        2024,
        "备用下载",
        "attachment",
    )
    hits = dict(portal.site.hits)
    result = fetch_document(link, session_for(portal), store)
    assert (result.status, result.code) == ("failed", "address_refused")
    assert portal.site.hits == hits


def test_a_retry_after_beyond_the_cap_fails_at_once(
    portal: Portal, session_for: Session, store: Store
) -> None:
    portal.faults[HUAIAN_2024_PDF] = Fault("429", seconds=3600)
    started = time.monotonic()
    result = fetch_document(_link(portal, HUAIAN_2024_PDF), session_for(portal), store)
    assert (result.status, result.code) == ("failed", "http_429") and "3600" in result.reason
    assert time.monotonic() - started < 5 and portal.site.hits[HUAIAN_2024_PDF] == 1


def test_the_size_cap(portal: Portal, session_for: Session, store: Store) -> None:
    result = fetch_document(_link(portal, HUAIAN_2024_PDF), session_for(portal, max_bytes=100_000), store)
    assert (result.status, result.code) == ("failed", "too_large")


# ---------------------------------------------------------------- robots.txt and politeness


def test_robots_txt_is_respected(portal: Portal, session_for: Session, store: Store) -> None:
    result = fetch_document(_link(portal, "/private/secret.pdf"), session_for(portal), store)
    assert (result.status, result.code) == ("failed", "robots_disallowed")
    assert portal.site.hits.get("/private/secret.pdf", 0) == 0 and portal.site.hits["/robots.txt"] == 1


def _custom_portal(robots: bytes | None, fault: Fault | None = None) -> Portal:
    site = Site()
    if robots is not None:
        site.files["/robots.txt"] = Resource(robots, "text/plain")
    for n in range(3):
        site.files[f"/r{n}.pdf"] = Resource(b"%PDF-1.4 report %%EOF", "application/pdf")
    if fault:
        site.faults["/robots.txt"] = fault
    return Portal(site=site, agencies=[{"slug": "custom", "name": "甲", "listing_urls": ["/"]}])


def test_an_unreadable_robots_txt_allows_nothing_and_a_missing_one_everything(
    session_for: Session, store: Store
) -> None:
    with _custom_portal(None, Fault("500")) as portal:
        result = fetch_document(
            _link(portal, "/r0.pdf", slug="custom"), session_for(portal, retries=1), store
        )
        assert (result.status, result.code) == ("failed", "robots_unavailable")
        assert portal.site.hits.get("/r0.pdf", 0) == 0
    with _custom_portal(None) as portal:  # 404 for robots.txt
        assert (
            fetch_document(_link(portal, "/r0.pdf", slug="custom"), session_for(portal), store).status == "ok"
        )


def test_crawl_delay_slows_the_host_down(session_for: Session, store: Store) -> None:
    with _custom_portal(b"User-agent: *\nCrawl-delay: 0.3\n") as portal:
        session = session_for(portal)
        started = time.monotonic()
        for n in range(3):
            assert fetch_document(_link(portal, f"/r{n}.pdf", slug="custom"), session, store).status == "ok"
        assert time.monotonic() - started >= 0.6


def test_per_host_concurrency_and_rate_hold_across_threads(store: Store) -> None:
    from gongkai.fetch import make_session

    site = build_site()
    with Portal(
        site=site,
        agencies=[
            {"slug": "one-host", "name": "甲", "listing_urls": ["/"], "rate_limit": 20.0, "concurrency": 2}
        ],
    ) as portal:
        for n in range(8):
            site.files[f"/slow/{n}.pdf"] = Resource(b"%PDF-1.4 %%EOF", "application/pdf")
            site.faults[f"/slow/{n}.pdf"] = Fault("slow", seconds=0.2)
        session = make_session(portal.registry, backoff=0.05)
        results: list[str] = []
        threads = [
            threading.Thread(
                target=lambda n=n: results.append(
                    fetch_document(_link(portal, f"/slow/{n}.pdf", slug="one-host"), session, store).status
                )
            )
            for n in range(8)
        ]
        started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        elapsed = time.monotonic() - started
        session.close()
    assert results == ["ok"] * 8
    assert site.max_in_flight == 2  # at most 2 in flight to the host, though 8 threads asked
    assert elapsed >= 4 * 0.2  # 8 slow answers, two at a time


def test_the_user_agent_says_who_we_are(portal: Portal, session_for: Session) -> None:
    seen: list[str] = []
    site = portal.site
    site.files["/ua.pdf"] = Resource(b"%PDF-1.4 %%EOF", "application/pdf")
    original = portal.server.RequestHandlerClass.do_GET

    def spy(handler) -> None:  # type: ignore[no-untyped-def]
        seen.append(handler.headers.get("User-Agent", ""))
        original(handler)

    portal.server.RequestHandlerClass.do_GET = spy  # type: ignore[method-assign]
    session_for(portal).get(f"{portal.base_url}/ua.pdf")
    assert seen and all(ua.startswith("gongkai/") and "robots.txt" in ua for ua in seen)


def test_portal_content_is_packaged_with_gongkai() -> None:
    assert Path(SITE_DIR, "site.toml").is_file()
    site = build_site()
    assert site.files[HONGZE_2024_PDF].body == (FILES / "hongze-2024.pdf").read_bytes()
    gbk = site.files["/jingmen-dongbao-bureau/nianbao/index.html"]
    assert gbk.content_type == "text/html" and b"charset" not in gbk.body
    assert "东宝区某局" in gbk.body.decode("gbk")


def test_discovery_with_a_store_revalidates_pages_instead_of_downloading_them(
    portal: Portal, session_for: Session, store: Store
) -> None:
    import datetime as dt

    from gongkai.fetch import discover_reports
    from gongkai.fetch.pages import PageCache

    session = session_for(portal)
    agency = portal.registry.get("wuhan-dongxihu-dpf")
    first = discover_reports(agency, 2024, session, store)
    bodies = dict(portal.site.bodies)
    second = discover_reports(agency, 2024, session, store)
    assert [link.url for link in second] == [link.url for link in first]
    page = second[0].prefetched
    assert (
        page is not None
        and page.revalidated
        and page.content == portal.site.files["/wuhan-dongxihu-dpf/art/2024.html"].body
    )
    assert portal.site.bodies == bodies  # listing pages and the article answered 304
    result = fetch_document(second[0], session, store)
    assert result.status == "ok" and result.event.details["from_discovery"]
    assert result.event.details["http_status"] == 304
    # a copy older than max_age is fetched in full
    stale = PageCache(store, session, max_age=dt.timedelta(0))
    assert not stale.get(f"{portal.base_url}/wuhan-dongxihu-dpf/nianbao/index.html").revalidated


def test_the_state_files_of_older_lakes_are_not_read(
    portal: Portal, session_for: Session, store: Store
) -> None:
    """Fetch state lives in lineage alone: an old lake's ``state/fetch/*.json`` neither makes a request
    conditional nor is written any more."""
    import json

    link = _link(portal, HUAIAN_2024_PDF)
    old_state = f"state/fetch/{hashlib.sha1(link.url.encode()).hexdigest()}.json"
    store.put(old_state, json.dumps({"url": link.url, "etag": '"stale"', "sha256": "ab" * 32}).encode())
    result = fetch_document(link, session_for(portal), store)
    assert (result.status, result.event.details["conditional"], result.event.details["http_status"]) == (
        "ok",
        False,
        200,
    )
    assert store.list("state/") == [old_state]
    assert result.event.details["etag"] and _prior(store, link, result).etag == result.event.details["etag"]
