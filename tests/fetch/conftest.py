"""The fixture portal on 127.0.0.1 and sessions with short backoffs, for the fetch tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from gongkai.fetch import Discovery, PoliteSession, discover_reports, make_session
from gongkai.fetch.portal import Portal, start_portal
from gongkai.lake.store import Store, open_store


@pytest.fixture
def portal() -> Iterator[Portal]:
    """The demo agencies and the extra one with site quirks (jingmen-dongbao-bureau)."""
    with start_portal(extras=True) as running:
        yield running


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return open_store(str(tmp_path / "lake"))


@pytest.fixture
def session_for() -> Iterator[Callable[..., PoliteSession]]:
    """A session on a portal's registry with short backoffs and timeouts, so faults cost little time."""
    made: list[PoliteSession] = []

    def make(portal: Portal, **options: object) -> PoliteSession:
        made.append(make_session(portal.registry, **{"backoff": 0.05, "timeout": (2.0, 1.0), **options}))
        return made[-1]

    yield make
    for session in made:
        session.close()


@pytest.fixture
def discover(session_for: Callable[..., PoliteSession]) -> Callable[..., Discovery]:
    def run(portal: Portal, slug: str, year: int, session: PoliteSession | None = None) -> Discovery:
        return discover_reports(portal.registry.get(slug), year, session or session_for(portal))

    return run
