"""A fixture government portal on 127.0.0.1: the demo's and the tests' stand-in for agency sites.

Its content is data (gongkai/data/portal/: site.toml and the documents in files/): each agency has
政府信息公开年报 columns — paginated listings (下一页 links, TRS-style script pagination, or a
Hanweb-style datastore), some in GBK with no or a wrong charset — article pages, and its reports as
attachments (PDF, DOCX, DOC, WPS), as a pdf.js viewer, or as the article itself (HTML). ETag and
Last-Modified are served and conditional GETs answered with 304. /robots.txt disallows /private/.

Fault switches make any path misbehave the way real sites do: 500s, 429 with Retry-After, slow
answers, connection resets, truncated bodies, error pages served with status 200 (under a .pdf URL
too), redirect loops, a redirect to a loopback address the registry does not allow (127.0.0.2), and
servers that drip the body (drip) or the status line and headers (drip_headers) one byte at a time.

Run: python -m gongkai.fetch.portal [--port 0] [--extras] [--all-faults] [--fault PATH=KIND[:TIMES[:SECONDS]]]
[--write-registry FILE] — prints its base URL and serves until interrupted.
"""

from __future__ import annotations

import argparse
import email.utils
import hashlib
import html
import socket
import sys
import threading
import time
import tomllib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from gongkai.fetch.registry import Registry, registry_for_portal, registry_toml

SITE_DIR = Path(__file__).resolve().parents[1] / "data" / "portal"
LAST_MODIFIED = "Mon, 20 Jan 2025 08:00:00 GMT"
PER_PAGE = 3
FAULT_KINDS = (
    "500",
    "429",
    "404",
    "slow",
    "reset",
    "truncate",
    "error200",
    "redirect_loop",
    "redirect_private",
    "drip",
    "drip_headers",
)
_MEDIA = {
    ".pdf": "application/pdf",
    ".doc": "application/msword",
    ".wps": "application/octet-stream",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".txt": "text/plain; charset=utf-8",
}


def load_site_spec(site_dir: Path = SITE_DIR) -> dict[str, Any]:
    with (site_dir / "site.toml").open("rb") as handle:
        return tomllib.load(handle)


def site_agencies(group: str | None = "demo", spec: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The portal's agencies of `group` (demo | extra | None for all) as registry entries (listing paths)."""
    spec = spec or load_site_spec()
    out = []
    for agency in spec["agency"]:
        if group is not None and agency.get("group", "demo") != group:
            continue
        columns = [c for c in spec["column"] if c["agency"] == agency["slug"]]
        out.append(
            {
                "slug": agency["slug"],
                "name": agency["name"],
                "division_code": agency["division_code"],
                "level": agency["level"],
                "listing_urls": [f"{c['path']}index.html" for c in columns],
                "expected_years": sorted({r["year"] for c in columns for r in c.get("report", [])}),
            }
        )
    return out


DEMO_AGENCIES: list[dict[str, Any]] = site_agencies("demo")
EXTRA_AGENCIES: list[dict[str, Any]] = site_agencies("extra")
DEMO_YEARS = tuple(sorted({y for a in DEMO_AGENCIES for y in a["expected_years"]}))


@dataclass
class Fault:
    kind: str  # one of FAULT_KINDS
    times: int = 10**9  # how many requests misbehave before the path recovers
    seconds: float = 3.0  # slow: the delay; 429: the Retry-After it sends; drip: the pause between bytes

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {self.kind!r}; one of {', '.join(FAULT_KINDS)}")


# every fault switched on at once, for `gongkai fetch --year 2024` (with --extras): what can be had is
# had after retries, what cannot is recorded with its reason
ALL_FAULTS: dict[str, Fault] = {
    "/huaian-hongze-gov/nianbao/index.html": Fault("slow", times=1, seconds=2.0),  # times out once
    "/huaian-hongze-gov/files/2024-annual-report.pdf": Fault("error200"),  # an error page under .pdf: failed
    "/huaian-gov/art/2024.html": Fault("500", times=2),  # recovered on the third attempt
    "/huaian-gov/files/2024-annual-report.pdf": Fault("truncate", times=1),  # cut short once: recovered
    "/wuhan-dongxihu-dpf/nianbao/index.html": Fault("429", times=1, seconds=1),  # Retry-After honoured
    "/wuhan-dongxihu-dpf/art/2024.html": Fault("reset", times=1),  # connection reset once: recovered
    "/bengbu-bengshan-dpf/nianbao/index.html": Fault("redirect_loop"),  # listing unreachable
    "/jinjiang-dpf/nianbao/index.html": Fault("redirect_private"),  # a redirect to 127.0.0.2: refused
    "/zibo-zhangdian-dpf/nianbao/index.html": Fault("500"),  # a listing that never recovers
    "/jingmen-dongbao-bureau/nianbao/index_1.html": Fault("slow", times=1, seconds=2.0),
    "/jingmen-dongbao-bureau/files/2024-annual-report.wps": Fault("429", times=1, seconds=1),
    "/picture/0/2024021412.doc": Fault("truncate"),  # always cut short: failed after retries
}


@dataclass
class Resource:
    body: bytes
    content_type: str
    etag: bool = True  # answer If-None-Match (else Last-Modified only)


@dataclass
class Site:
    files: dict[str, Resource] = field(default_factory=dict)
    faults: dict[str, Fault] = field(default_factory=dict)
    hits: dict[str, int] = field(default_factory=dict)  # requests per path
    bodies: dict[str, int] = field(default_factory=dict)  # 200 answers with a body per path
    in_flight: int = 0
    max_in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


# ---------------------------------------------------------------- building the site


def _page(title: str, body: str, charset: str, declare: str = "meta") -> bytes:
    meta = f'<meta charset="{"gb2312" if charset == "gbk" else charset}">' if declare == "meta" else ""
    text = (
        f"<!DOCTYPE html><html><head>{meta}<title>{html.escape(title)}</title></head><body>"
        f'<div class="nav">首页 | 政务公开 | 政府信息公开</div><div class="main">{body}</div>'
        '<div class="footer">版权所有 主办单位：示例</div></body></html>'
    )
    return text.encode("gbk" if charset == "gbk" else charset)


def _html_type(charset: str, declare: str = "meta") -> str:
    if declare == "none":
        return "text/html"
    if declare == "wrong":
        return "text/html; charset=ISO-8859-1"
    return f"text/html; charset={'gb2312' if charset == 'gbk' else charset}"


def build_site(site_dir: Path = SITE_DIR, port: int = 0, spec: dict[str, Any] | None = None) -> Site:
    """Every column of site.toml as served files (`port` fills in links to the 127.0.0.2 mirror)."""
    spec = spec or load_site_spec(site_dir)
    names = {a["slug"]: a.get("title_name", a["name"]) for a in spec["agency"]}
    site = Site()
    site.files["/robots.txt"] = Resource(b"User-agent: *\nDisallow: /private/\n", "text/plain")
    site.files["/private/secret.pdf"] = Resource(
        (site_dir / "files" / "hongze-2024.pdf").read_bytes(), "application/pdf"
    )
    for column in spec["column"]:
        _build_column(site, site_dir, column, names[column["agency"]], port)
    return site


def _build_column(site: Site, site_dir: Path, column: dict[str, Any], name: str, port: int) -> None:
    slug, path = column["agency"], column["path"]
    charset, declare = column.get("charset", "utf-8"), column.get("declare", "meta")
    etag = column.get("etag", True)
    article_path = column.get("article", f"/{slug}/art/{{year}}.html")
    attachment_path = column.get("attachment", f"/{slug}/files/{{year}}-annual-report{{suffix}}")

    def page(title: str, body: str) -> Resource:
        return Resource(_page(title, body, charset, declare), _html_type(charset, declare), etag)

    items: list[tuple[str, str, str]] = []  # (title, href, date)
    for title in column.get("lead", []):
        href = f"{path}lead-{len(items) + 1}.html"
        site.files[href] = page(
            title, f"<h1>{html.escape(title)}</h1><p>政府信息公开工作年度报告的解读文章。</p>"
        )
        items.append((title, href, "2025-03-01"))
    dated: list[tuple[int, str, str]] = []
    for n, report in enumerate(column.get("report", []), start=1):
        year = report["year"]
        title = f"{name}{year}年政府信息公开工作年度报告"
        article = article_path.format(year=year, n=n)
        files = report["files"]
        if report.get("publish", "attachment") == "page":  # the report is the article page itself
            file = files[0]["file"]
            site.files[article] = Resource(
                (site_dir / "files" / file).read_bytes(),
                _html_type("gbk" if ".gbk." in file else "utf-8"),
                etag,
            )
        else:
            links = []
            for i, entry in enumerate(files, start=1):
                suffix = entry.get("suffix") or Path(entry["file"]).suffix
                href = attachment_path.format(year=year, n=n, i=i, suffix=suffix)
                site.files[href] = Resource(
                    (site_dir / "files" / entry["file"]).read_bytes(), _MEDIA[suffix], etag
                )
                label = html.escape(f"{title}{suffix}")
                if report.get("publish") == "viewer" and suffix == ".pdf":
                    links.append(
                        f'<iframe src="/module/pdfjs/web/viewer.html?file={href}" width="100%"></iframe>'
                    )
                else:
                    links.append(f'<p>附件：<a href="{href}">{label}</a></p>')
                if i == 1 and report.get("mirror"):
                    links.append(
                        f'<p>备用下载：<a href="http://{report["mirror"]}:{port}{href}">{label}</a></p>'
                    )
            site.files[article] = page(title, f"<h1>{html.escape(title)}</h1>{''.join(links)}")
        dated.append((year, title, article))
    for year in column.get("listed_years", []):
        title = f"{name}{year}年政府信息公开工作年度报告"
        article = f"{path}art-{year}.html"
        site.files[article] = page(title, f"<h1>{html.escape(title)}</h1><p>附件已撤下。</p>")
        dated.append((year, title, article))
    for year, title, article in sorted(dated, key=lambda d: -d[0]):
        items.append((title, article, f"{year + 1}-02-14"))
    # noise a crawler must pass over: notices of the column
    for i in range(1, 4):
        href = f"{path}notice-{i}.html"
        site.files[href] = page("通知", "<p>通知正文</p>")
        items.append((f"关于做好第{i}季度政务公开工作的通知", href, f"2024-0{i}-10"))
    style, per_page = column.get("style", "plain"), column.get("per_page", PER_PAGE)
    listing_title = f"{name} 政府信息公开年报"
    if style == "hanweb":  # every item in a datastore of CDATA records, paginated by script in a browser
        records = "".join(
            f'<record><![CDATA[<li><a href="{href}" title="{html.escape(t)}" target="_blank">'
            f"{html.escape(t[:18])}…</a><span>{d}</span></li>]]></record>"
            for t, href, d in items
        )
        body = (
            f'<div id="4521"><script type="text/xml"><datastore><nextgroup><![CDATA[]]></nextgroup>'
            f"<recordset>{records}</recordset></datastore></script></div>"
        )
        site.files[f"{path}index.html"] = page(listing_title, body)
        return
    chunks = [items[i : i + per_page] for i in range(0, len(items), per_page)]
    for n, chunk in enumerate(chunks):
        lines = "".join(
            f'<li><a href="{href}" title="{html.escape(t)}">{html.escape(t)}</a><span>{d}</span></li>'
            for t, href, d in chunk
        )
        if style == "trs":
            nav = (
                f'<script language="JavaScript">createPageHTML({len(chunks)}, {n}, "index", "html");</script>'
            )
        else:
            nav = f'<a href="index_{n + 1}.html">下一页</a>' if n + 1 < len(chunks) else ""
        site.files[f"{path}{'index.html' if n == 0 else f'index_{n}.html'}"] = page(
            listing_title, f"<ul>{lines}</ul>{nav}"
        )


# ---------------------------------------------------------------- serving


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:  # clients that hang up are normal here
        pass


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
            self.site.in_flight += 1
            self.site.max_in_flight = max(self.site.max_in_flight, self.site.in_flight)
            fault = self.site.faults.get(path)
            active = fault is not None and fault.times > 0
            if active and fault is not None:
                fault.times -= 1
        try:
            if active and fault is not None and self._fault(fault, path):
                return
            self._serve(path)
        finally:
            with self.site.lock:
                self.site.in_flight -= 1

    def _serve(self, path: str) -> None:
        resource = self.site.files.get(path)
        if resource is None:
            return self._send(
                404,
                "<html><head><title>404 页面不存在</title></head><body>404</body></html>".encode(),
                "text/html; charset=utf-8",
            )
        headers = {"Last-Modified": LAST_MODIFIED}
        etag = '"' + hashlib.sha1(resource.body).hexdigest() + '"'
        if resource.etag:
            headers["ETag"] = etag
        since = self.headers.get("If-Modified-Since")
        if (resource.etag and self.headers.get("If-None-Match") == etag) or (
            not self.headers.get("If-None-Match") and since and _not_after(LAST_MODIFIED, since)
        ):
            return self._send(304, b"", resource.content_type, headers)
        with self.site.lock:
            self.site.bodies[path] = self.site.bodies.get(path, 0) + 1
        self._send(200, resource.body, resource.content_type, headers)

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str,
        headers: dict[str, str] | None = None,
        length: int | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        if status != 304:
            self.send_header("Content-Length", str(len(body) if length is None else length))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if status != 304:
            self.wfile.write(body)

    def _drip(self, data: bytes, pause: float) -> None:
        _drip_bytes(self.wfile, data, pause)

    def _fault(self, fault: Fault, path: str) -> bool:
        """Misbehave; True when the answer is sent (False: serve normally, after a delay)."""
        if fault.kind == "500":
            self._send(500, b"<html><title>500</title>Internal Server Error</html>", "text/html")
        elif fault.kind == "429":
            self._send(429, b"Too Many Requests", "text/plain", {"Retry-After": f"{fault.seconds:g}"})
        elif fault.kind == "404":
            self._send(404, b"not found", "text/plain")
        elif fault.kind == "slow":
            time.sleep(fault.seconds)
            return False
        elif fault.kind == "reset":
            self.connection.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
            )
            self.connection.close()
            self.close_connection = True
        elif fault.kind == "truncate":
            resource = self.site.files.get(path, Resource(b"x" * 1000, "application/octet-stream"))
            self.send_response(200)
            self.send_header("Content-Type", resource.content_type)
            self.send_header("Content-Length", str(len(resource.body)))
            self.end_headers()
            self.wfile.write(resource.body[: len(resource.body) // 3])
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
        elif fault.kind == "error200":
            self._send(
                200,
                "<html><head><title>系统繁忙</title></head><body>系统繁忙，请稍后再试</body></html>".encode(),
                "text/html; charset=utf-8",
            )
        elif fault.kind == "redirect_loop":  # path → path~ → path → …
            target = path[:-1] if path.endswith("~") else path + "~"
            with self.site.lock:
                self.site.faults.setdefault(path + "~", Fault("redirect_loop"))
            self._send(302, b"", "text/plain", {"Location": target})
        elif fault.kind == "redirect_private":
            self._send(302, b"", "text/plain", {"Location": f"http://127.0.0.2:{self.port}{path}"})
        elif fault.kind in ("drip", "drip_headers"):
            resource = self.site.files.get(path, Resource(b"x" * 1000, "application/octet-stream"))
            head = (
                f"HTTP/1.1 200 OK\r\nContent-Type: {resource.content_type}\r\n"
                f"Content-Length: {len(resource.body)}\r\n\r\n"
            ).encode()
            if fault.kind == "drip":
                self.wfile.write(head)
            self._drip(resource.body if fault.kind == "drip" else head + resource.body, fault.seconds)
            self.close_connection = True
        else:
            return False
        return True


def _drip_bytes(wfile: Any, data: bytes, pause: float) -> None:
    """Send `data` one byte per `pause` seconds, until done or the client hangs up."""
    for i in range(len(data)):
        try:
            wfile.write(data[i : i + 1])
            wfile.flush()
        except OSError:
            return
        time.sleep(pause)


def _not_after(modified: str, since: str) -> bool:
    try:
        return email.utils.parsedate_to_datetime(modified) <= email.utils.parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False


class Portal:
    """The running portal: `base_url`, `registry` (its agencies, loopback allowed), `faults`, `site`, `stop()`."""

    def __init__(
        self,
        site: Site | None = None,
        port: int = 0,
        agencies: list[dict[str, Any]] | None = None,
        extras: bool = False,
    ) -> None:
        handler: type[_Handler] = type("Handler", (_Handler,), {})
        self.server = _Server(("127.0.0.1", port), handler)
        self.port = self.server.server_address[1]
        self.site = site or build_site(port=self.port)
        handler.site, handler.port = self.site, self.port
        self.base_url = f"http://127.0.0.1:{self.port}"
        if agencies is None:
            agencies = DEMO_AGENCIES + (EXTRA_AGENCIES if extras else [])
        self.registry: Registry = registry_for_portal(self.base_url, agencies)
        self.thread = threading.Thread(
            target=self.server.serve_forever, name=f"portal-{self.port}", daemon=True
        )
        self.thread.start()

    @property
    def faults(self) -> dict[str, Fault]:
        return self.site.faults

    def write_registry(self, path: Path) -> Path:
        """The portal's agencies as a registry TOML file (for `gongkai fetch --registry`)."""
        path.write_text(registry_toml(self.registry), encoding="utf-8")
        return path

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> Portal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_portal(port: int = 0, faults: dict[str, Fault] | None = None, extras: bool = False) -> Portal:
    portal = Portal(port=port, extras=extras)
    portal.faults.update(faults or {})
    return portal


def parse_fault(text: str) -> tuple[str, Fault]:
    """PATH=KIND[:TIMES[:SECONDS]], e.g. /huaian-gov/nianbao/index.html=500:2"""
    path, _, spec = text.partition("=")
    kind, *rest = spec.split(":")
    if not path.startswith("/") or not kind:
        raise ValueError(f"{text!r}: expected PATH=KIND[:TIMES[:SECONDS]] with PATH starting with /")
    fault = Fault(kind)
    if rest and rest[0]:
        fault.times = int(rest[0])
    if len(rest) > 1:
        fault.seconds = float(rest[1])
    return path, fault


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m gongkai.fetch.portal", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    parser.add_argument(
        "--extras", action="store_true", help="include the extra agencies (site quirks) in the registry"
    )
    parser.add_argument("--all-faults", action="store_true", help="switch on every fault (see ALL_FAULTS)")
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="PATH=KIND[:TIMES[:SECONDS]]",
        help=f"make PATH misbehave; KIND is one of {', '.join(FAULT_KINDS)} (repeatable)",
    )
    parser.add_argument(
        "--write-registry", type=Path, metavar="FILE", help="write the portal's registry TOML here"
    )
    args = parser.parse_args(argv)
    try:
        faults = dict(parse_fault(f) for f in args.fault)
    except ValueError as exc:
        parser.error(str(exc))
    if args.all_faults:
        faults = {**{p: Fault(f.kind, f.times, f.seconds) for p, f in ALL_FAULTS.items()}, **faults}
    portal = start_portal(args.port, faults, extras=args.extras)
    if args.write_registry:
        portal.write_registry(args.write_registry)
    print(portal.base_url, flush=True)
    try:
        portal.thread.join()
    except KeyboardInterrupt:
        portal.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
