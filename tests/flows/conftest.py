"""Flow test fixtures: Prefect's test harness (entered once per session: ~7 s), a real S3 endpoint,
and the fixture government portal on 127.0.0.1."""

from __future__ import annotations

import os
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

# before Prefect is imported anywhere: no analytics DNS lookups, a private PREFECT_HOME, quiet logs
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="gongkai-prefect-home-"))
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "CRITICAL")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")

ROOT = Path(__file__).resolve().parents[2]
# the lake engineer's S3 server helper (SeaweedFS, else moto) — shared, not duplicated
sys.path.insert(0, str(ROOT / "tests" / "lake"))
sys.path.insert(0, str(ROOT / "infra"))

from lake_s3server import s3_env, s3_server  # noqa: E402


@pytest.fixture(scope="session")
def prefect_api() -> Iterator[str]:
    """Prefect's test harness: a temporary API server (SQLite) for the whole session; yields its URL."""
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield PREFECT_API_URL.value()


@pytest.fixture(scope="session")
def flows_s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with s3_server(tmp_path_factory.mktemp("flows-s3")) as (endpoint, _kind):
        yield endpoint


@pytest.fixture
def s3_lake(monkeypatch: pytest.MonkeyPatch, flows_s3_endpoint: str) -> str:
    """A fresh bucket on the real S3 endpoint, the AWS variables pointing at it; returns the lake URI."""
    from gongkai.lake.store import make_s3_client
    from gongkai.pipeline.plan import lake_store

    for key, value in s3_env(flows_s3_endpoint).items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL_S3", raising=False)
    lake_store.cache_clear()
    bucket = f"flows-{uuid.uuid4().hex[:12]}"
    make_s3_client().create_bucket(Bucket=bucket)
    yield f"s3://{bucket}/gongkai"
    lake_store.cache_clear()
