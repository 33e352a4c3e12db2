"""Real pages saved from government sites (tests/fixtures/sites/<family>/<site>/), served on 127.0.0.1 as
if from their own host: the tests' and the discovery benchmark's stand-in for the real sites.

A site folder holds the pages under their URL paths (``col/col1229/index.html``; a URL ending in ``/``
is ``index.html``), a SOURCE.md saying where each came from, and expected.json: the site's origin
(``https://www.example.gov.cn``), its listing URL, the family that must read it and the exact report
links. The server answers every saved path, 404 for the rest (pages the source did not keep), and writes
the loopback origin over the site's own in what it serves — the files keep the real URLs.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

_MEDIA = {".xml": "text/xml; charset=utf-8", ".jsp": "text/xml; charset=utf-8"}


@dataclass(frozen=True)
class SavedSite:
    family: str
    name: str
    folder: Path
    expected: dict[str, Any]

    @property
    def origin(self) -> str:
        return str(self.expected["origin"])

    @property
    def listing(self) -> str:
        return str(self.expected["listing"])

    def file_for(self, url: str) -> Path | None:
        """The saved file of a URL on this site, if the source kept it (query strings are part of the name:
        a data-proxy answer is saved as ``dataproxy.jsp?startrecord=46…`` with ``?`` spelt ``%3F``)."""
        parts = urlsplit(url)
        path = unquote(parts.path).lstrip("/")
        if not path or path.endswith("/"):
            path += "index.html"
        if parts.query:
            path += "%3F" + parts.query
        candidate = (self.folder / path).resolve()
        if self.folder.resolve() not in candidate.parents or not candidate.is_file():
            return None
        return candidate

    def pages(self) -> Iterator[tuple[str, Path]]:
        """Every saved page with its original URL."""
        for file in sorted(self.folder.rglob("*")):
            if file.is_file() and file.name not in ("SOURCE.md", "expected.json"):
                relative = file.relative_to(self.folder).as_posix().replace("%3F", "?")
                yield f"{self.origin}/{relative}", file


def load_sites(root: Path) -> list[SavedSite]:
    """The saved sites under `root` (tests/fixtures/sites), by family then name."""
    sites = []
    for expected in sorted(root.glob("*/*/expected.json")):
        folder = expected.parent
        sites.append(
            SavedSite(folder.parent.name, folder.name, folder, json.loads(expected.read_text("utf-8")))
        )
    return sites


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:  # noqa: N802 (the http.server name)
        site = self.server.site
        file = site.file_for(f"{site.origin}{self.path}")
        if file is None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = file.read_bytes().replace(site.origin.encode(), self.server.base.encode())
        media = next((m for s, m in _MEDIA.items() if s in file.name), "text/html; charset=utf-8")
        self.send_response(200)
        self.send_header("Content-Type", media)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the http.server name)
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, site: SavedSite) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.site = site
        self.base = f"http://127.0.0.1:{self.server_address[1]}"


@contextmanager
def serve_site(site: SavedSite) -> Iterator[str]:
    """Serve a saved site on 127.0.0.1; yields the loopback origin that stands for the site's own."""
    server = _Server(site)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.base
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
