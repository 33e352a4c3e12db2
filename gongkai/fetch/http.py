"""A polite, resilient HTTP client for government sites (requests).

- retries for transient failures only: connection errors, timeouts, truncated bodies, 429 (honouring
  Retry-After, capped) and 5xx — with exponential backoff and jitter; 4xx other than 429 are final;
- a timeout on every request, a size cap on every body;
- per-host rate limit and concurrency, shared by every session of the process (threads);
- robots.txt respected, a User-Agent that says who we are;
- redirects followed by hand, each hop checked: loops and hops to loopback/private addresses are
  refused unless the registry allows the host (a test portal).
"""

from __future__ import annotations

import random
import threading
import time
import urllib.robotparser
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import requests

import gongkai
from gongkai.fetch.address import AddressRefused, check_url
from gongkai.fetch.registry import Registry

USER_AGENT = (f"gongkai/{gongkai.__version__} (government information-disclosure annual reports; "
              "research data collection; polite: robots.txt, rate limits)")
MAX_BYTES = 100 * 2**20
MAX_REDIRECTS = 5
MAX_RETRY_AFTER = 30.0


class FetchError(Exception):
    """A request that failed for good, with a stable code ('http_404', 'timeout', 'redirect_loop', …)."""

    def __init__(self, code: str, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.transient = transient


@dataclass
class Fetched:
    url: str  # after redirects
    status: int
    headers: dict[str, str]
    content: bytes
    attempts: int = 1
    redirects: list[str] = field(default_factory=list)


class _HostGate:
    """At most `rate` requests per second and `concurrency` in flight to one host."""

    def __init__(self, rate: float, concurrency: int) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.slots = threading.BoundedSemaphore(max(1, concurrency))
        self.lock = threading.Lock()
        self.next_at = 0.0

    def __enter__(self) -> None:
        self.slots.acquire()
        with self.lock:
            now = time.monotonic()
            wait = self.next_at - now
            self.next_at = max(now, self.next_at) + self.interval
        if wait > 0:
            time.sleep(wait)

    def __exit__(self, *exc: object) -> None:
        self.slots.release()


_GATES: dict[str, _HostGate] = {}
_GATES_LOCK = threading.Lock()


def _gate(host: str, rate: float, concurrency: int) -> _HostGate:
    with _GATES_LOCK:
        gate = _GATES.get(host)
        if gate is None:
            gate = _GATES[host] = _HostGate(rate, concurrency)
        return gate


class PoliteSession:
    def __init__(self, registry: Registry | None = None, *, timeout: tuple[float, float] = (10.0, 60.0),
                 retries: int = 3, backoff: float = 1.0, max_bytes: int = MAX_BYTES, respect_robots: bool = True,
                 default_rate: float = 1.0, default_concurrency: int = 2) -> None:
        self.registry = registry
        self.allowed_hosts = registry.allowed_private_hosts() if registry else set()
        self.limits = registry.rate_limits() if registry else {}
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_bytes = max_bytes
        self.respect_robots = respect_robots
        self.default = (default_rate, default_concurrency)
        self.session = requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT
        self.session.headers["Accept-Language"] = "zh-CN,zh;q=0.9"
        self._robots: dict[str, urllib.robotparser.RobotFileParser | None] = {}

    def close(self) -> None:
        self.session.close()

    # ------------------------------------------------------------ public

    def get(self, url: str, headers: dict[str, str] | None = None) -> Fetched:
        """GET with redirects checked hop by hop; raises FetchError for what cannot be had."""
        if self.respect_robots and not self._robots_allow(url):
            raise FetchError("robots_disallowed", f"{url}: disallowed by the site's robots.txt")
        seen: list[str] = []
        current = url
        attempts = 0
        for _ in range(MAX_REDIRECTS + 1):
            self._check(current)
            if current in seen:
                raise FetchError("redirect_loop", f"{url}: redirects loop back to {current}")
            seen.append(current)
            fetched = self._get_with_retries(current, headers)
            attempts += fetched.attempts
            if fetched.status in (301, 302, 303, 307, 308) and "location" in fetched.headers:
                current = urljoin(current, fetched.headers["location"])
                continue
            fetched.attempts, fetched.redirects = attempts, seen[:-1]
            return fetched
        raise FetchError("too_many_redirects", f"{url}: more than {MAX_REDIRECTS} redirects")

    # ------------------------------------------------------------ internals

    def _check(self, url: str) -> None:
        try:
            check_url(url, self.allowed_hosts)
        except AddressRefused as exc:
            raise FetchError("address_refused", str(exc)) from exc

    def _host_gate(self, url: str) -> _HostGate:
        host = urlsplit(url).netloc
        rate, concurrency = self.limits.get(urlsplit(url).hostname or "", self.default)
        return _gate(host, rate, concurrency)

    def _get_with_retries(self, url: str, headers: dict[str, str] | None) -> Fetched:
        last: FetchError | None = None
        for attempt in range(1, self.retries + 2):
            try:
                fetched = self._get_once(url, headers)
            except FetchError as exc:
                if not exc.transient:
                    raise
                last, wait = exc, self._backoff(attempt)
            else:
                fetched.attempts = attempt
                if fetched.status == 429 or fetched.status >= 500:
                    last = FetchError(f"http_{fetched.status}", f"{url}: HTTP {fetched.status}", transient=True)
                    wait = self._retry_after(fetched.headers.get("retry-after")) or self._backoff(attempt)
                else:
                    return fetched
            if attempt <= self.retries:
                time.sleep(wait)
        assert last is not None
        last.transient = False
        raise FetchError(last.code, f"{last} (gave up after {self.retries + 1} attempts)")

    def _get_once(self, url: str, headers: dict[str, str] | None) -> Fetched:
        with self._host_gate(url):
            try:
                response = self.session.get(url, headers=headers, timeout=self.timeout, stream=True,
                                            allow_redirects=False)
            except requests.Timeout as exc:
                raise FetchError("timeout", f"{url}: no answer within {self.timeout[1]:g} s", transient=True) from exc
            except requests.ConnectionError as exc:
                raise FetchError("connection_error", f"{url}: connection failed ({exc.__class__.__name__})",
                                 transient=True) from exc
            try:
                declared = int(response.headers.get("content-length") or 0)
                if declared > self.max_bytes:
                    raise FetchError("too_large", f"{url}: {declared} bytes, over the {self.max_bytes} byte cap")
                body = bytearray()
                for chunk in response.iter_content(64 * 1024):
                    body += chunk
                    if len(body) > self.max_bytes:
                        raise FetchError("too_large", f"{url}: body over the {self.max_bytes} byte cap")
            except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError,
                    requests.ConnectionError, requests.Timeout) as exc:
                raise FetchError("truncated", f"{url}: the body was cut short ({exc.__class__.__name__})",
                                 transient=True) from exc
            finally:
                response.close()
        return Fetched(url, response.status_code, {k.lower(): v for k, v in response.headers.items()}, bytes(body))

    def _backoff(self, attempt: int) -> float:
        return self.backoff * 2 ** (attempt - 1) * (0.5 + random.random())  # exponential, with jitter

    @staticmethod
    def _retry_after(value: str | None) -> float | None:
        if not value:
            return None
        try:
            return min(max(float(value), 0.0), MAX_RETRY_AFTER)
        except ValueError:
            return None

    def _robots_allow(self, url: str) -> bool:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._robots:
            parser: urllib.robotparser.RobotFileParser | None = urllib.robotparser.RobotFileParser()
            try:
                fetched = self._get_with_retries(f"{origin}/robots.txt", None) if self._safe(origin) else None
            except FetchError:
                fetched = None
            if fetched is not None and fetched.status == 200:
                assert parser is not None
                parser.parse(fetched.content.decode("utf-8", "replace").splitlines())
            else:
                parser = None  # no robots.txt: everything allowed
            self._robots[origin] = parser
        robots = self._robots[origin]
        return robots is None or robots.can_fetch(USER_AGENT, url)

    def _safe(self, origin: str) -> bool:
        try:
            self._check(origin)
        except FetchError:
            return False
        return True


def make_session(registry: Registry | None = None, **options: object) -> PoliteSession:
    return PoliteSession(registry, **options)  # type: ignore[arg-type]
