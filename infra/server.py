"""Run a Prefect server for gongkai on this machine — the documented and tested way (docs/operations.md).

    .venv/bin/python infra/server.py                 # 127.0.0.1:4200, SQLite under ./.prefect-server
    .venv/bin/python infra/server.py --port 0        # any free port; prints the API URL
    PREFECT_API_DATABASE_CONNECTION_URL=postgresql+asyncpg://… .venv/bin/python infra/server.py

It starts `prefect server start` as a child process with analytics off, waits until the API answers
`/health`, prints `PREFECT_API_URL=…` and keeps running until interrupted. Point flows, workers and
Dask workers at that URL. Tests and benchmarks use `PrefectServer` from here, so this file is the
tested path. It imports nothing from Prefect: the server runs in its own process.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

# settings every gongkai Prefect process should have (no DNS lookups for analytics, quiet shutdown)
QUIET_ENV = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_UI_SHOW_PROMOTIONAL_CONTENT": "false",
}


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


class PrefectServer:
    """`prefect server start` in a child process; a context manager that waits for health and stops it.

    `home` holds the server's SQLite database (unless a database URL is in the environment) and the
    logs. `api_url` is what clients need in `PREFECT_API_URL`.
    """

    def __init__(
        self,
        home: str | os.PathLike[str],
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        ui: bool = False,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.home = Path(home).resolve()
        self.host = host
        self.port = port or free_port(host)
        self.ui = ui
        self.extra_env = extra_env or {}
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = self.home / "server.log"

    @property
    def api_url(self) -> str:
        return f"http://{self.host}:{self.port}/api"

    def env(self) -> dict[str, str]:
        env = {**os.environ, **QUIET_ENV, "PREFECT_HOME": str(self.home), **self.extra_env}
        # a client setting inherited from the caller must not point the server at another API
        env.pop("PREFECT_API_URL", None)
        return env

    def start(self, timeout: float = 60.0) -> PrefectServer:
        self.home.mkdir(parents=True, exist_ok=True)
        prefect = Path(sys.executable).with_name("prefect")
        command = [
            str(prefect) if prefect.exists() else "prefect",
            "server",
            "start",
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--no-ui" if not self.ui else "--ui",
            "--analytics-off",
        ]
        log = open(self.log_path, "ab")  # noqa: SIM115 - lives as long as the child
        self.process = subprocess.Popen(
            command, env=self.env(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"prefect server exited with {self.process.returncode}; see {self.log_path}"
                )
            if self.healthy():
                return self
            time.sleep(0.25)
        self.stop()
        raise TimeoutError(f"prefect server not healthy after {timeout:.0f} s; see {self.log_path}")

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.api_url}/health", timeout=2) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        # the server's own children (uvicorn, services) share its session: stop the whole group
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)

    def __enter__(self) -> PrefectServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run a Prefect server for gongkai (Ctrl-C stops it).")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=4200, help="port (0 = any free port; default 4200)")
    parser.add_argument("--home", default=".prefect-server", help="PREFECT_HOME: database and logs")
    parser.add_argument("--ui", action="store_true", help="serve the web UI too")
    args = parser.parse_args(argv)
    server = PrefectServer(args.home, host=args.host, port=args.port, ui=args.ui)
    server.start()
    print(f"PREFECT_API_URL={server.api_url}", flush=True)
    print(f"logs: {server.log_path}  (Ctrl-C to stop)", flush=True)
    try:
        while server.process is not None and server.process.poll() is None:
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
