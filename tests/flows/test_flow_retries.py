"""Tasks retry what is transient and nothing else, with Prefect's real engine (`retry_condition_fn`).

A loopback HTTP server counts the requests: a permanent answer (404) is asked for once, a transient one
(503) once per attempt. The pipeline's own tasks given a corrupt file and a report that fails validation
run once: their outcome is a status, not an error to retry.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from gongkai.fetch import Fetched, FetchError, make_session
from gongkai.fetch.registry import registry_for_portal
from gongkai.pipeline.retry import is_transient

REAL = Path(__file__).parents[1] / "fixtures" / "real"
HOSTILE = Path(__file__).parents[1] / "fixtures" / "hostile"


class _Counting(BaseHTTPRequestHandler):
    hits: Counter[str] = Counter()

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.hits[self.path] += 1
        status = {"/gone.pdf": 404, "/busy.pdf": 503, "/report.pdf": 200}.get(self.path, 404)
        body = b"%PDF-1.4 not much\n%%EOF" if status == 200 else b"no"
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    _Counting.hits = Counter()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Counting)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def _answered(fetched: Fetched) -> bytes:
    """The body of a 200; any other answer the fetch library returned is a permanent failure."""
    if fetched.status != 200:
        raise FetchError(
            f"http_{fetched.status}", f"{fetched.url}: HTTP {fetched.status}", status=fetched.status
        )
    return fetched.content


def test_a_404_is_asked_once_and_a_503_once_per_attempt(prefect_api: str, server: str) -> None:
    from prefect import flow

    from tasks import stage_task

    registry = registry_for_portal(server, [{"slug": "loopback", "name": "回环", "listing_urls": ["/"]}])

    # the fetch library with no retries of its own: each task attempt is one request
    @stage_task("download", retries=2, base_delay=0)
    def download(url: str) -> bytes:
        with make_session(registry, retries=0, backoff=0.01) as session:
            return _answered(session.get(url))

    @flow
    def get_all() -> dict[str, str]:
        futures = {
            path: download.submit(f"{server}{path}") for path in ("/gone.pdf", "/busy.pdf", "/report.pdf")
        }
        for future in futures.values():
            future.wait()
        return {path: future.state.type.value for path, future in futures.items()}

    states = get_all()
    assert states == {"/gone.pdf": "FAILED", "/busy.pdf": "FAILED", "/report.pdf": "COMPLETED"}
    assert _Counting.hits["/gone.pdf"] == 1  # permanent: not retried
    assert _Counting.hits["/busy.pdf"] == 3  # transient: the first attempt and two retries
    assert _Counting.hits["/report.pdf"] == 1


def _run_counts(task_run_ids: list[Any]) -> list[int]:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        return [client.read_task_run(run_id).run_count for run_id in task_run_ids]


def test_a_corrupt_file_and_a_failing_report_run_each_task_once(prefect_api: str, tmp_path: Path) -> None:
    from prefect import flow

    from gongkai.lake.raw import archive_raw
    from gongkai.pipeline.batch import Batch
    from gongkai.pipeline.plan import lake_store
    from gongkai.pipeline.record import DocumentRecord
    from tasks import Parcel
    from tasks.parse import extract_parse
    from tasks.validate import validate
    from tasks.write import write

    lake = str(tmp_path / "lake")
    records = []
    for path in (HOSTILE / "truncated.pdf", REAL / "hongze-2023.pdftotext-layout.txt"):
        sha, uri = archive_raw(lake_store(lake), path.read_bytes())
        records.append(
            DocumentRecord(
                "a",
                2023,
                f"http://127.0.0.1:1/{path.name}",
                sha256=sha,
                raw_uri=uri,
                outcomes={"fetch": "ok"},
            )
        )

    @flow
    def stages() -> tuple[list[Any], Any]:
        parsed = extract_parse.submit(Parcel(Batch(lake, records)))
        outcome = validate.submit(parsed, None, False)
        written = write.submit(parsed, outcome)
        written.wait()
        return [f.task_run_id for f in (parsed, outcome, written)], written.result()

    run_ids, result = stages()
    assert _run_counts(run_ids) == [1, 1, 1]
    tally = result.tallies[0]
    assert (tally.parsed, tally.written) == (2, 2)
    assert tally.statuses == {"failed": 1, "quarantined": 1}


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (FetchError("http_503", "busy", transient=True, status=503), True),
        (FetchError("timeout", "no answer", transient=True), True),
        (FetchError("http_404", "gone", status=404), False),
        (FetchError("error_page", "an error page with status 200"), False),
        (ConnectionResetError("reset by peer"), True),
        (TimeoutError("timed out"), True),
        (OSError(5, "Input/output error"), True),
        (FileNotFoundError(2, "No such file"), False),
        (PermissionError(13, "Permission denied"), False),
        (ValueError("corrupt PDF"), False),
        (KeyError("raw/ab/abcd"), False),
        (TypeError("a programming error"), False),
        (AssertionError("a programming error"), False),
        (RuntimeError("could not commit to s3://b/p after 8 attempts: too many concurrent writers"), True),
        (RuntimeError("something else"), False),
    ],
)
def test_what_is_transient(error: BaseException, transient: bool) -> None:
    assert is_transient(error) is transient


def test_what_is_transient_for_s3_and_requests() -> None:
    import requests
    from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError

    def client_error(code: str, status: int) -> ClientError:
        return ClientError(
            {"Error": {"Code": code, "Message": code}, "ResponseMetadata": {"HTTPStatusCode": status}},
            "PutObject",
        )

    assert is_transient(EndpointConnectionError(endpoint_url="http://127.0.0.1:1"))
    assert is_transient(ReadTimeoutError(endpoint_url="http://127.0.0.1:1"))
    assert is_transient(client_error("SlowDown", 503))
    assert is_transient(client_error("InternalError", 500))
    assert is_transient(client_error("Throttling", 400))
    assert not is_transient(client_error("NoSuchBucket", 404))
    assert not is_transient(client_error("AccessDenied", 403))
    assert is_transient(requests.ConnectionError("refused"))
    assert is_transient(requests.Timeout("slow"))
    assert not is_transient(requests.exceptions.InvalidURL("bad"))  # a RequestException is an OSError
    assert not is_transient(requests.exceptions.SSLError("certificate verify failed"))
    # raised while handling a transient error (or from one): transient too
    try:
        try:
            raise ConnectionResetError("reset")
        except ConnectionResetError as exc:
            raise ValueError("wrapped") from exc
    except ValueError as wrapped:
        assert is_transient(wrapped)
    assert not is_transient(None)
