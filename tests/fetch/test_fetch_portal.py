"""Fetching from the fixture portal over real HTTP on 127.0.0.1, with its fault switches."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from gongkai.fetch import discover_reports, fetch_document, load_registry, make_session
from gongkai.fetch.portal import Fault, Portal, start_portal
from gongkai.lake.store import open_store

FIXTURES = Path(__file__).parents[1] / "fixtures"


@pytest.fixture
def portal() -> Iterator[Portal]:
    with start_portal() as running:
        yield running


def _session(portal: Portal, **options: object):  # type: ignore[no-untyped-def]
    return make_session(portal.registry, backoff=0.05, timeout=(2.0, 1.0), **options)


def _links(portal: Portal, slug: str, year: int, session=None):  # type: ignore[no-untyped-def]
    return discover_reports(portal.registry.get(slug), year, session or _session(portal))


def test_discovers_every_report_through_pagination_articles_and_gbk(portal: Portal) -> None:
    session = _session(portal)
    found = {(a.slug, y): sorted(link.url.rsplit("/", 1)[-1] for link in _links(portal, a.slug, y, session))
             for a in portal.registry.agencies for y in (2020, 2023, 2024)}
    assert found[("huaian-hongze-gov", 2023)] == ["2023-annual-report.pdf"]  # GBK listing, page 1
    assert found[("huaian-hongze-gov", 2024)] == ["2024-annual-report.pdf"]
    assert found[("bengbu-bengshan-dpf", 2020)] == ["2020-annual-report.docx"]
    assert found[("wuhan-dongxihu-dpf", 2024)] == ["2024.html"]  # the article page is the report
    assert found[("huaian-gov", 2023)] == []
    assert sum(len(v) for v in found.values()) == 7


def test_fetch_archives_exact_bytes_and_a_rerun_downloads_nothing(portal: Portal, tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "lake"))
    session = _session(portal)
    link = _links(portal, "huaian-gov", 2024, session)[0]
    first = fetch_document(link, session, store)
    assert first.status == "ok"
    assert first.sha256 == hashlib.sha256((FIXTURES / "real" / "huaian-2024.pdf").read_bytes()).hexdigest()
    assert store.get(f"raw/{first.sha256[:2]}/{first.sha256}") == (FIXTURES / "real" / "huaian-2024.pdf").read_bytes()
    assert first.event.stage == "fetch" and first.event.details["http_status"] == 200
    second = fetch_document(link, session, store)
    assert (second.status, second.sha256, second.event.details["http_status"]) == ("unchanged", first.sha256, 304)


@pytest.mark.parametrize(("fault", "attempts"), [
    (Fault("500", times=2), 3),
    (Fault("429", times=1), 2),
    (Fault("reset", times=1), 2),
    (Fault("truncate", times=1), 2),
    (Fault("slow", times=1, seconds=2.0), 2),
])
def test_transient_faults_are_retried_and_recovered(portal: Portal, tmp_path: Path, fault: Fault,
                                                    attempts: int) -> None:
    session = _session(portal)
    link = _links(portal, "huaian-gov", 2024, session)[0]
    portal.faults[link.url.replace(portal.base_url, "")] = fault
    result = fetch_document(link, session, open_store(str(tmp_path)))
    assert result.status == "ok", result.reason
    assert result.event.details["attempts"] == attempts


@pytest.mark.parametrize(("fault", "code"), [
    (Fault("500"), "http_500"),
    (Fault("truncate"), "truncated"),
    (Fault("error200"), "error_page"),
    (Fault("redirect_loop"), "redirect_loop"),
    (Fault("redirect_private"), "address_refused"),
    (Fault("404"), "http_404"),
])
def test_permanent_faults_are_recorded_with_their_reason_and_the_rest_goes_on(portal: Portal, tmp_path: Path,
                                                                             fault: Fault, code: str) -> None:
    store = open_store(str(tmp_path))
    session = _session(portal, retries=1)
    broken = _links(portal, "huaian-hongze-gov", 2024, session)[0]
    healthy = _links(portal, "huaian-hongze-gov", 2023, session)[0]
    portal.faults[broken.url.replace(portal.base_url, "")] = fault
    results = [fetch_document(link, session, store) for link in (broken, healthy)]
    assert results[0].status == "failed" and results[0].reason.startswith(code), results[0].reason
    assert results[0].event.status == "failed" and results[0].event.error
    assert results[1].status == "ok"


def test_robots_txt_is_respected(portal: Portal, tmp_path: Path) -> None:
    from gongkai.fetch import ReportLink

    link = ReportLink(f"{portal.base_url}/private/secret.pdf", "huaian-gov", 2024, "secret", "attachment")
    result = fetch_document(link, _session(portal), open_store(str(tmp_path)))
    assert result.status == "failed" and result.reason.startswith("robots_disallowed")
    assert portal.site.hits.get("/private/secret.pdf", 0) == 0


def test_a_report_year_the_registry_does_not_expect_is_reported(portal: Portal) -> None:
    from dataclasses import replace

    agency = replace(portal.registry.get("huaian-hongze-gov"), expected_years=(2024,))
    found = discover_reports(agency, 2024, _session(portal))
    assert [p.code for p in found.problems] == ["unexpected_year"]
    assert "2023" in found.problems[0].message


def test_gongkai_fetch_command_prints_a_table_per_agency(portal: Portal, tmp_path: Path) -> None:
    registry = portal.write_registry(tmp_path / "registry.toml")
    assert [a.slug for a in load_registry(registry).agencies] == [a.slug for a in portal.registry.agencies]
    command = [sys.executable, "-m", "gongkai.cli", "fetch", "--year", "2024", "--registry", str(registry),
               "--lake", str(tmp_path / "lake")]
    first = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "huaian-gov" in first.stdout and "│ 1     │ 1       │ 0" in first.stdout
    second = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert "│ 1     │ 0       │ 1" in second.stdout  # unchanged: nothing downloaded again
