"""A server that drips its answer a byte at a time (the headers or the body) is cut off at the request's
deadline — a socket timeout alone restarts on every byte — and delays only its own agency."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from gongkai.cli import main
from gongkai.fetch import FetchError, PoliteSession
from gongkai.fetch.portal import Fault, Portal
from gongkai.lake.raw import raw_key
from gongkai.lake.reader import read_table
from gongkai.lake.store import open_store

DRIPPED = "/huaian-gov/files/2024-annual-report.pdf"


@pytest.mark.parametrize("kind", ["drip", "drip_headers"])
def test_a_dripping_server_fails_at_the_deadline(
    portal: Portal, session_for: Callable[..., PoliteSession], kind: str
) -> None:
    portal.faults[DRIPPED] = Fault(kind, seconds=1.0)  # one byte a second: each read well within its timeout
    session = session_for(portal, deadline=5.0, timeout=(2.0, 3.0))
    started = time.monotonic()
    with pytest.raises(FetchError) as caught:
        session.get(portal.base_url + DRIPPED)
    elapsed = time.monotonic() - started
    assert elapsed <= 7.0, f"the request ran {elapsed:.1f} s past its 5 s deadline"
    assert caught.value.code == "deadline" and caught.value.transient
    assert str(caught.value).startswith("deadline: the server took more than 5 s to send the document")
    assert portal.site.hits[DRIPPED] == 1  # the deadline covers retries too: none is started after it


def test_the_deadline_spans_retries(portal: Portal, session_for: Callable[..., PoliteSession]) -> None:
    portal.faults[DRIPPED] = Fault("500")  # answered at once, for good: retried until the deadline would pass
    session = session_for(portal, deadline=2.0, retries=50, backoff=0.3)
    started = time.monotonic()
    with pytest.raises(FetchError) as caught:
        session.get(portal.base_url + DRIPPED)
    assert time.monotonic() - started <= 3.0
    assert caught.value.code == "http_500" and "deadline would pass" in str(caught.value)
    assert 2 <= portal.site.hits[DRIPPED] < 50


def test_a_healthy_download_is_untouched_by_the_watchdog(
    portal: Portal, session_for: Callable[..., PoliteSession]
) -> None:
    session = session_for(portal, deadline=5.0)
    for _ in range(3):  # kept-alive connections are reused and watched again
        fetched = session.get(portal.base_url + DRIPPED)
        assert (
            fetched.status == 200 and fetched.content.startswith(b"%PDF") and len(fetched.content) == 412842
        )


def test_a_dripping_agency_delays_only_itself(
    portal: Portal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    portal.faults[DRIPPED] = Fault("drip", seconds=1.0)
    monkeypatch.setenv("GONGKAI_FETCH_DEADLINE", "5")
    registry = str(portal.write_registry(tmp_path / "registry.toml"))
    lake = str(tmp_path / "lake")
    started = time.monotonic()
    code = main(
        [
            "fetch",
            "--year",
            "2024",
            "--registry",
            registry,
            "--lake",
            lake,
            "--json",
            "--backoff",
            "0.05",
            "--retries",
            "1",
        ]
    )
    elapsed = time.monotonic() - started
    rows = {a["agency"]: a for a in json.loads(capsys.readouterr().out)["agencies"]}
    assert code == 1  # partial: one agency failed
    counts = {slug: (r["status"], r["found"], r["fetched"], r["failed"]) for slug, r in rows.items()}
    assert counts == {
        "huaian-gov": ("failed", 1, 0, 1),  # its PDF dripped: cut off at the deadline
        "huaian-hongze-gov": ("ok", 1, 1, 0),
        "wuhan-dongxihu-dpf": ("ok", 1, 1, 0),
        "jingmen-dongbao-bureau": ("partial", 4, 3, 1),  # as without the drip: a link to 127.0.0.2 refused
        **{
            slug: ("none", 0, 0, 0)
            for slug in (
                "bengbu-bengshan-dpf",
                "jinjiang-dpf",
                "zibo-zhangdian-dpf",
                "moumou-county-gov",
                "moumou-city-justice",
            )
        },
    }
    reasons = rows["huaian-gov"]["reasons"]
    assert any("deadline: the server took more than 5 s to send the document" in r for r in reasons), reasons
    store = open_store(lake)
    fetches = [
        e for e in read_table(store, "lineage").to_pylist() if e["stage"] == "fetch" and e["status"] == "ok"
    ]
    assert len(fetches) == 5  # the other agencies' reports landed
    assert all(store.exists(raw_key(e["output_sha256"])) for e in fetches)
    assert elapsed < 60, f"the fetch took {elapsed:.0f} s: the dripping host held the run"
