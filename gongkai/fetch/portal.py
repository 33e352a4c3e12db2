"""A fixture government portal on 127.0.0.1: the demo's and the tests' stand-in for agency sites.

Each demo agency has a 政府信息公开年报 column (paginated listing pages, one of them GBK), article
pages, and its reports as attachments (PDF, DOCX, DOC) or as the article itself (HTML). Fault
switches make any path misbehave the way real sites do: 500s, 429 with Retry-After, slow answers,
connection resets, truncated bodies, error pages served with 200, redirect loops, a redirect to a
loopback address the registry does not allow (127.0.0.2). ETag / Last-Modified are served and
conditional GETs answered with 304.

Run: python -m gongkai.fetch.portal [--port 0] — prints its base URL.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from gongkai.fetch.registry import Registry, registry_for_portal

FIXTURES = Path(__file__).resolve().parents[2] / "tests" / "fixtures"
LAST_MODIFIED = "Mon, 20 Jan 2025 08:00:00 GMT"
PER_PAGE = 3

# (slug, name, years → (fixture file relative to tests/fixtures, how it is published), listing charset)
DEMO_AGENCIES: list[dict[str, Any]] = [
    {"slug": "huaian-hongze-gov", "name": "淮安市洪泽区人民政府", "division_code": "320813", "level": "county",
     "charset": "gbk", "reports": {2023: ("real/hongze-2023.pdf", "attachment"),
                                   2024: ("real/hongze-2024.pdf", "attachment")}},
    {"slug": "huaian-gov", "name": "淮安市人民政府", "division_code": "320800", "level": "city",
     "charset": "utf-8", "reports": {2024: ("real/huaian-2024.pdf", "attachment")}},
    {"slug": "wuhan-dongxihu-dpf", "name": "东西湖区残疾人联合会", "division_code": "420112", "level": "department",
     "charset": "utf-8", "reports": {2024: ("corpus/000_79fb0eaf2da186ab.utf8.html", "page")}},
    {"slug": "bengbu-bengshan-dpf", "name": "蚌山区残疾人联合会", "division_code": "340303", "level": "department",
     "charset": "utf-8", "reports": {2020: ("corpus/001_88afcdf2753bf816.docx", "attachment")}},
    {"slug": "jinjiang-dpf", "name": "晋江市残疾人联合会", "division_code": "350582", "level": "department",
     "charset": "utf-8", "reports": {2023: ("corpus/003_03c3a6963c974949.pdf", "attachment")}},
    {"slug": "zibo-zhangdian-dpf", "name": "淄博市张店区残疾人联合会", "division_code": "370303", "level": "department",
     "charset": "gbk", "reports": {2023: ("corpus/004_e5166da8cd4533c4.gbk.html", "page")}},
]
DEMO_YEARS = (2020, 2023, 2024)


@dataclass
class Fault:
    kind: str  # 500 | 429 | slow | reset | truncate | error200 | redirect_loop | redirect_private | 404
    times: int = 10**9  # how many requests misbehave before the path recovers
    seconds: float = 3.0  # for slow


@dataclass
class Site:
    files: dict[str, tuple[bytes, str]] = field(default_factory=dict)  # path -> (body, content type)
    faults: dict[str, Fault] = field(default_factory=dict)
    hits: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _page(title: str, body: str, charset: str) -> bytes:
    text = (f'<!DOCTYPE html><html><head><meta charset="{"gb2312" if charset == "gbk" else charset}">'
            f"<title>{html.escape(title)}</title></head><body><div class=\"nav\">首页 | 政务公开</div>"
            f"<div class=\"main\">{body}</div><div class=\"footer\">版权所有</div></body></html>")
    return text.encode("gbk" if charset == "gbk" else charset)


def build_site(agencies: list[dict[str, Any]] = DEMO_AGENCIES, fixtures: Path = FIXTURES) -> Site:
    site = Site()
    site.files["/robots.txt"] = (b"User-agent: *\nDisallow: /private/\n", "text/plain")
    site.files["/private/secret.pdf"] = ((fixtures / "real" / "hongze-2024.pdf").read_bytes(), "application/pdf")
    for agency in agencies:
        slug, charset = agency["slug"], agency["charset"]
        items: list[str] = []
        for year, (fixture, how) in sorted(agency["reports"].items(), reverse=True):
            data = (fixtures / fixture).read_bytes()
            title = f"{agency['name']}{year}年政府信息公开工作年度报告"
            article = f"/{slug}/art/{year}.html"
            if how == "page":  # the report is the article page itself
                site.files[article] = (data, f"text/html; charset={'gb2312' if 'gbk' in fixture else 'utf-8'}")
            else:
                suffix = Path(fixture).suffix
                attachment = f"/{slug}/files/{year}-annual-report{suffix}"
                site.files[attachment] = (data, {".pdf": "application/pdf", ".doc": "application/msword"}.get(
                    suffix, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"))
                site.files[article] = (_page(title, f"<h1>{html.escape(title)}</h1><p>附件：<a href=\"{attachment}\">"
                                             f"{html.escape(title)}{suffix}</a></p>", charset), "text/html")
            items.append(f'<li><a href="{article}" title="{html.escape(title)}">{html.escape(title)}</a></li>')
        # noise a crawler must pass over: notices, other columns
        items += [f'<li><a href="/{slug}/art/notice-{i}.html">关于做好第{i}季度政务公开工作的通知</a></li>'
                  for i in range(1, 4)]
        for i in range(1, 4):
            site.files[f"/{slug}/art/notice-{i}.html"] = (_page("通知", "<p>通知正文</p>", charset), "text/html")
        pages = [items[i:i + PER_PAGE] for i in range(0, len(items), PER_PAGE)]
        for n, chunk in enumerate(pages):
            name = "index.html" if n == 0 else f"index_{n}.html"
            nav = f'<a href="index_{n + 1}.html">下一页</a>' if n + 1 < len(pages) else ""
            site.files[f"/{slug}/nianbao/{name}"] = (
                _page(f"{agency['name']} 政府信息公开年报", f"<ul>{''.join(chunk)}</ul>{nav}", charset),
                f"text/html; charset={'gb2312' if charset == 'gbk' else charset}")
    return site


def registry_agencies(agencies: list[dict[str, Any]] = DEMO_AGENCIES) -> list[dict[str, Any]]:
    return [{"slug": a["slug"], "name": a["name"], "division_code": a["division_code"], "level": a["level"],
             "listing_urls": [f"/{a['slug']}/nianbao/index.html"], "expected_years": sorted(a["reports"])}
            for a in agencies]


class _Handler(BaseHTTPRequestHandler):
    site: Site
    port: int
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:  # quiet
        pass

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        path = self.path.split("?", 1)[0]
        with self.site.lock:
            self.site.hits[path] = self.site.hits.get(path, 0) + 1
            fault = self.site.faults.get(path)
            active = fault is not None and fault.times > 0
            if active and fault is not None:
                fault.times -= 1
        if active and fault is not None and self._fault(fault, path):
            return
        if path not in self.site.files:
            return self._send(404, "<html><head><title>404 页面不存在</title></head><body>404</body></html>".encode(),
                              "text/html; charset=utf-8")
        body, content_type = self.site.files[path]
        etag = '"' + hashlib.sha1(body).hexdigest() + '"'
        if self.headers.get("If-None-Match") == etag:
            return self._send(304, b"", content_type, {"ETag": etag})
        self._send(200, body, content_type, {"ETag": etag, "Last-Modified": LAST_MODIFIED})

    def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None,
              length: int | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if status != 304:
            self.wfile.write(body)

    def _fault(self, fault: Fault, path: str) -> bool:
        """Misbehave; True when the answer is sent (False: serve normally after a delay)."""
        if fault.kind == "500":
            self._send(500, b"<html><title>500</title>Internal Server Error</html>", "text/html")
        elif fault.kind == "429":
            self._send(429, b"Too Many Requests", "text/plain", {"Retry-After": "1"})
        elif fault.kind == "404":
            self._send(404, b"not found", "text/plain")
        elif fault.kind == "slow":
            time.sleep(fault.seconds)
            return False
        elif fault.kind == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            self.connection.close()
            self.close_connection = True
        elif fault.kind == "truncate":
            body, content_type = self.site.files.get(path, (b"x" * 1000, "application/octet-stream"))
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 3])
            self.wfile.flush()
            self.connection.close()
            self.close_connection = True
        elif fault.kind == "error200":
            self._send(200, "<html><head><title>系统繁忙</title></head><body>系统繁忙，请稍后再试</body></html>".encode(),
                       "text/html; charset=utf-8")
        elif fault.kind == "redirect_loop":
            target = path + ("x" if not path.endswith("x") else "")
            self.site.faults.setdefault(target, Fault("redirect_loop"))
            self._send(302, b"", "text/plain", {"Location": path.rstrip("x") if path.endswith("x") else target})
        elif fault.kind == "redirect_private":
            self._send(302, b"", "text/plain", {"Location": f"http://127.0.0.2:{self.port}{path}"})
        else:
            return False
        return True


class Portal:
    """The running portal: `base_url`, `registry` (its agencies, loopback allowed), `faults`, `stop()`."""

    def __init__(self, site: Site | None = None, port: int = 0, agencies: list[dict[str, Any]] = DEMO_AGENCIES) -> None:
        self.site = site or build_site(agencies)
        handler = type("Handler", (_Handler,), {"site": self.site})
        self.server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self.server.daemon_threads = True
        handler.port = self.server.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.registry: Registry = registry_for_portal(self.base_url, registry_agencies(agencies))
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def faults(self) -> dict[str, Fault]:
        return self.site.faults

    def write_registry(self, path: Path) -> Path:
        """The portal's agencies as a registry TOML file (for `gongkai fetch --registry`)."""
        lines = []
        for a in self.registry.agencies:
            lines += ["[[agency]]", f'slug = "{a.slug}"', f'name = "{a.name}"', f'division_code = "{a.division_code}"',
                      f'level = "{a.level}"', f"listing_urls = {list(a.listing_urls)!r}".replace("'", '"'),
                      f"expected_years = {list(a.expected_years)}", f"rate_limit = {a.rate_limit}",
                      f"concurrency = {a.concurrency}", "allow_private = true", ""]
        path.write_text("\n".join(lines), encoding="utf-8")
        return path

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> Portal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_portal(port: int = 0, faults: dict[str, Fault] | None = None) -> Portal:
    portal = Portal(port=port)
    portal.faults.update(faults or {})
    return portal


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    portal = start_portal(args.port)
    print(portal.base_url, flush=True)
    try:
        portal.thread.join()
    except KeyboardInterrupt:
        portal.stop()


if __name__ == "__main__":
    main()
