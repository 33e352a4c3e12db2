"""Lake fixtures: a local folder and a real S3 endpoint process (SeaweedFS, or moto's server) on 127.0.0.1."""

from __future__ import annotations

import copy
import uuid
from pathlib import Path

import pytest
from lake_fixtures import REAL_TEXT_FILES, SEED_FILES
from lake_s3server import s3_env, s3_server

from gongkai.model import Report
from gongkai.pipeline import parse_bytes


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    with s3_server(tmp_path_factory.mktemp("s3server")) as server:
        yield server


@pytest.fixture
def s3_environment(monkeypatch: pytest.MonkeyPatch, s3_endpoint: tuple[str, str]) -> dict[str, str]:
    env = s3_env(s3_endpoint[0])
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL_S3", raising=False)
    return env


@pytest.fixture(scope="session")
def _s3_bucket(s3_endpoint: tuple[str, str]) -> str:
    # one bucket for the session (SeaweedFS gives every bucket its own volumes); a prefix per test
    import boto3
    from botocore.config import Config
    from lake_s3server import ACCESS_KEY, SECRET_KEY

    bucket = f"lake-{uuid.uuid4().hex[:12]}"
    boto3.client(
        "s3",
        endpoint_url=s3_endpoint[0],
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}),
    ).create_bucket(Bucket=bucket)
    return bucket


@pytest.fixture
def s3_lake(s3_environment: dict[str, str], _s3_bucket: str) -> str:
    """A fresh lake per test under its own prefix of the session's bucket."""
    return f"s3://{_s3_bucket}/{uuid.uuid4().hex[:10]}/lake"


@pytest.fixture(params=["local", "s3"])
def lake_uri(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "local":
        return str(tmp_path / "lake")
    return request.getfixturevalue("s3_lake")


@pytest.fixture(scope="session")
def _parsed() -> dict[str, Report]:
    return {p.name: parse_bytes(p.read_bytes(), str(p)) for p in [*SEED_FILES, *REAL_TEXT_FILES]}


@pytest.fixture
def parsed(_parsed: dict[str, Report]) -> dict[str, Report]:
    """Seeds and real reports (as layout text), parsed; a deep copy per test, so tests may change them."""
    return copy.deepcopy(_parsed)
