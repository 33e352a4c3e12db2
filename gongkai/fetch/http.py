"""A polite, resilient HTTP client for government sites (requests).

- retries for transient failures only — connection errors, timeouts, bodies cut short, 429 and 5xx —
  with exponential backoff and jitter; 429/503 Retry-After honoured (seconds or a date) up to a cap,
  beyond which the request fails rather than comes back sooner than asked; other 4xx are final;
- a connect/read timeout and an overall deadline on every request, a size cap on every body: the
  deadline (monotonic, redirects and retries included) is enforced by a watchdog that shuts the socket
  down when it passes, so a server dripping headers or body a byte at a time cannot hold a thread —
  a socket timeout alone restarts on every byte;
- per-host rate limit and concurrency, shared by every session and thread of the process;
- robots.txt respected, read once per host and session and read again after `robots_ttl` (settings), per
  RFC 9309: a missing file (4xx) allows everything; a server error or 429 (after the retries) means
  "unreachable", so nothing is fetched from that host — a temporary refusal (transient, asked again after
  `robots_retry_seconds`), or the last copy read while one is kept; a network failure (connection refused,
  DNS, timeout, TLS) allows, with a logged note, since the page requests meet the same network and fail
  with their own reasons; Crawl-delay slows the host down; a User-Agent that says who we are;
- redirects followed by hand, each hop checked: loops, and hops to loopback/private/link-local
  addresses, are refused unless the registry allows the host (a test portal);
- charset detection for pages that declare none or the wrong one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email.utils
import logging
import random
import socket
import threading
import time
import urllib.robotparser
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import requests
import urllib3
import urllib3.connection
import urllib3.connectionpool
from requests.adapters import HTTPAdapter

import gongkai
from gongkai.extract.charset import Decoded, decode
from gongkai.fetch.address import AddressRefused, check_url
from gongkai.fetch.registry import Registry
from gongkai.settings import get_settings

USER_AGENT = (
    f"gongkai/{gongkai.__version__} (government information-disclosure annual reports for research; "
    "honours robots.txt and rate limits)"
)
ACCEPT = (
    "text/html,application/xhtml+xml,application/pdf,application/msword,"
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document;q=0.9,*/*;q=0.8"
)
MAX_BYTES = 100 * 2**20
BODY_CHUNK = 16 * 1024  # the deadline and the size cap are checked after every read of this size
MAX_REDIRECTS = 5
MAX_RETRY_AFTER = 120.0
MAX_CRAWL_DELAY = 60.0
REDIRECTS = (301, 302, 303, 307, 308)
# 501 Not Implemented and 505 HTTP Version Not Supported will not change on a retry
_FINAL_5XX = (501, 505)
log = logging.getLogger(__name__)


class FetchError(Exception):
    """A request that failed for good, with a stable code ('http_404', 'timeout', 'redirect_loop', …)."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        transient: bool = False,
        status: int | None = None,
        attempts: int = 1,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.transient = transient
        self.status = status
        self.attempts = attempts


# ---------------------------------------------------------------- charsets

# one decoder for pages, HTML files and text files: gongkai.extract.charset
DecodedPage = Decoded


def decode_page(content: bytes, content_type: str | None = None, hint: str | None = None) -> DecodedPage:
    """Text of an HTML page whatever it declares; `hint` is the registry's encoding quirk for the site."""
    return decode(content, content_type, hint)


@dataclass
class Fetched:
    url: str  # after redirects
    status: int
    headers: dict[str, str]  # lower-case names
    content: bytes
    attempts: int = 1
    redirects: list[str] = field(default_factory=list)
    seconds: float = 0.0
    revalidated: bool = False  # the server said 304: `content` is the cached copy (gongkai.fetch.pages)

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    def page(self, hint: str | None = None) -> DecodedPage:
        return decode_page(self.content, self.content_type, hint)


# ---------------------------------------------------------------- the deadline watchdog


class _DeadlineWatch:
    """Shuts down the sockets of one request when its deadline passes: a blocked recv() returns at once,
    whatever the server does (a socket timeout restarts on every byte of a drip)."""

    def __init__(self, seconds: float) -> None:
        self.lock = threading.Lock()
        self.sockets: list[socket.socket] = []
        self.expired = False
        self.timer = threading.Timer(max(0.0, seconds), self.expire)
        self.timer.daemon = True
        self.timer.start()

    def watch(self, sock: socket.socket | None) -> None:
        if sock is None:
            return
        with self.lock:
            if self.expired:
                _shut(sock)
            elif sock not in self.sockets:
                self.sockets.append(sock)

    def expire(self) -> None:
        with self.lock:
            self.expired = True
            for sock in self.sockets:
                _shut(sock)

    def cancel(self) -> None:
        self.timer.cancel()


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


_CURRENT_WATCH = threading.local()  # the watch of the request this thread is making


def _watch_socket(sock: socket.socket | None) -> None:
    watch = getattr(_CURRENT_WATCH, "watch", None)
    if watch is not None:
        watch.watch(sock)


class _WatchedHTTPConnection(urllib3.connection.HTTPConnection):
    def _new_conn(self) -> socket.socket:  # a new connection: watched before connecting or TLS
        sock = super()._new_conn()
        _watch_socket(sock)
        return sock

    def request(self, *args: object, **kwargs: object) -> None:  # type: ignore[override]
        _watch_socket(self.sock)  # a kept-alive connection reused
        super().request(*args, **kwargs)  # type: ignore[arg-type]


class _WatchedHTTPSConnection(urllib3.connection.HTTPSConnection):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        _watch_socket(sock)
        return sock

    def request(self, *args: object, **kwargs: object) -> None:  # type: ignore[override]
        _watch_socket(self.sock)
        super().request(*args, **kwargs)  # type: ignore[arg-type]


class _WatchedHTTPPool(urllib3.connectionpool.HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(urllib3.connectionpool.HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class _WatchedAdapter(HTTPAdapter):
    """requests' adapter over connections whose sockets the current request's deadline watch can shut."""

    def init_poolmanager(self, *args: object, **kwargs: object) -> None:  # type: ignore[override]
        super().init_poolmanager(*args, **kwargs)  # type: ignore[arg-type]
        self.poolmanager.pool_classes_by_scheme = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}


# ---------------------------------------------------------------- per-host politeness


class HostGate:
    """At most `rate` requests per second and `concurrency` in flight to one host, across threads.
    A 429's Retry-After or robots.txt's Crawl-delay pushes the host's next slot further out."""

    def __init__(self, rate: float, concurrency: int) -> None:
        self.cond = threading.Condition()
        self.in_flight = 0
        self.next_at = 0.0
        self.floor = 0.0  # robots.txt Crawl-delay
        self.configure(rate, concurrency)

    def configure(self, rate: float, concurrency: int) -> None:
        with self.cond:
            self.limits = (rate, max(1, concurrency))
            self.interval = max(1.0 / rate if rate > 0 else 0.0, self.floor)
            self.concurrency = max(1, concurrency)
            self.cond.notify_all()

    def set_floor(self, interval: float) -> None:
        """Never less than `interval` seconds between two requests: the Crawl-delay of the robots.txt read
        last (0 when it has none)."""
        with self.cond:
            self.floor = interval
            rate = self.limits[0]
            self.interval = max(1.0 / rate if rate > 0 else 0.0, interval)

    def defer(self, seconds: float) -> None:
        """No request to this host for `seconds` (the server asked us to wait)."""
        with self.cond:
            self.next_at = max(self.next_at, time.monotonic() + seconds)

    def __enter__(self) -> None:
        with self.cond:
            while self.in_flight >= self.concurrency:
                self.cond.wait()
            self.in_flight += 1
            now = time.monotonic()
            wait = self.next_at - now
            self.next_at = max(now, self.next_at) + self.interval
        if wait > 0:
            time.sleep(wait)

    def __exit__(self, *exc: object) -> None:
        with self.cond:
            self.in_flight -= 1
            self.cond.notify()


_GATES: dict[str, HostGate] = {}
_GATES_LOCK = threading.Lock()


def host_gate(netloc: str, rate: float = 1.0, concurrency: int = 2) -> HostGate:
    """The process-wide gate of one host (host:port); created with the given limits, else updated to them."""
    with _GATES_LOCK:
        gate = _GATES.get(netloc)
        if gate is None:
            gate = _GATES[netloc] = HostGate(rate, concurrency)
        elif gate.limits != (rate, max(1, concurrency)):
            gate.configure(rate, concurrency)
        return gate


@dataclass
class _Robots:
    parser: urllib.robotparser.RobotFileParser | None  # None: everything allowed
    refused: str | None  # robots.txt could not be read: nothing allowed, with this reason
    read_at: float
    ttl: float  # seconds this answer holds: robots_ttl for a file read, robots_retry_seconds for a failure


def retry_after_seconds(value: str | None, now: dt.datetime | None = None) -> float | None:
    """Retry-After as seconds: a number of seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - (now or dt.datetime.now(dt.UTC))).total_seconds())


class PoliteSession:
    """HTTP GETs for the fetch library. Thread-safe: each thread gets its own requests.Session; the
    robots.txt copies are the session's, the per-host gates the whole process's."""

    def __init__(
        self,
        registry: Registry | None = None,
        *,
        timeout: tuple[float, float] = (10.0, 60.0),
        deadline: float | None = None,
        retries: int = 3,
        backoff: float = 1.0,
        max_bytes: int = MAX_BYTES,
        max_retry_after: float = MAX_RETRY_AFTER,
        respect_robots: bool = True,
        default_rate: float | None = None,
        default_concurrency: int | None = None,
        user_agent: str = USER_AGENT,
    ) -> None:
        self.registry = registry
        self.allowed_hosts = registry.allowed_private_hosts() if registry else set()
        self.insecure_hosts = registry.insecure_hosts() if registry else set()
        if self.insecure_hosts:  # the registry chose not to verify these hosts: no warning on every request
            urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
        self.limits = registry.rate_limits() if registry else {}
        self.timeout = timeout
        # seconds for one get(): redirects, retries, headers and body included
        self.deadline = deadline if deadline is not None else get_settings().fetch_deadline
        self.retries = retries
        self.backoff = backoff
        self.max_bytes = max_bytes
        self.max_retry_after = max_retry_after
        self.respect_robots = respect_robots
        settings = get_settings()
        # hosts the registry says nothing of: the settings' limits
        self.default = (
            default_rate if default_rate is not None else settings.fetch_rate_limit,
            default_concurrency if default_concurrency is not None else settings.fetch_concurrency,
        )
        self.robots_ttl = settings.robots_ttl
        self.robots_retry_seconds = settings.robots_retry_seconds
        self.user_agent = user_agent
        self._local = threading.local()
        self._robots: dict[str, _Robots] = {}  # origin → its robots.txt, read once per session
        self._robots_lock = threading.RLock()
        self._sessions: list[requests.Session] = []
        self._sessions_lock = threading.Lock()

    def close(self) -> None:
        with self._sessions_lock:
            for session in self._sessions:
                session.close()
            self._sessions.clear()

    def __enter__(self) -> PoliteSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ public

    def get(self, url: str, headers: dict[str, str] | None = None) -> Fetched:
        """GET with redirects checked hop by hop; raises FetchError for what cannot be had. Answers with
        any status but 429/5xx (retried, then FetchError) and redirects (followed) are returned."""
        return self._get(url, headers, robots=self.respect_robots)

    def gate(self, url: str) -> HostGate:
        """The politeness gate of `url`'s host (callers may hold it around their own work)."""
        parts = urlsplit(url)
        rate, concurrency = self.limits.get(parts.hostname or "", self.default)
        return host_gate(parts.netloc, rate, concurrency)

    # ------------------------------------------------------------ internals

    def _get(self, url: str, headers: dict[str, str] | None, *, robots: bool) -> Fetched:
        seen: list[str] = []
        current = url
        attempts = 0
        started = time.monotonic()
        deadline_at = started + self.deadline
        for _ in range(MAX_REDIRECTS + 1):
            self._check(current)
            if robots:
                self._robots_check(current)
            if current in seen:
                raise FetchError(
                    "redirect_loop", f"{url}: redirects loop back to {current}", attempts=attempts
                )
            seen.append(current)
            try:
                fetched = self._get_with_retries(current, headers, deadline_at)
            except FetchError as exc:
                exc.attempts += attempts
                raise
            attempts += fetched.attempts
            location = fetched.headers.get("location")
            if fetched.status in REDIRECTS and location:
                current = urljoin(current, location.strip())
                continue
            fetched.attempts, fetched.redirects = attempts, seen[:-1]
            fetched.seconds = time.monotonic() - started
            return fetched
        raise FetchError(
            "too_many_redirects", f"{url}: more than {MAX_REDIRECTS} redirects", attempts=attempts
        )

    def _deadline_error(self, url: str, attempts: int = 1) -> FetchError:
        return FetchError(
            "deadline",
            f"deadline: the server took more than {self.deadline:g} s to send the document "
            f"({url}); it is tried again on the next run",
            transient=True,
            attempts=attempts,
        )

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.headers.update(
                {
                    "User-Agent": self.user_agent,
                    "Accept": ACCEPT,
                    "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5",
                }
            )
            session.trust_env = False  # no proxies or .netrc from the environment: we talk to the site itself
            session.mount("http://", _WatchedAdapter())
            session.mount("https://", _WatchedAdapter())
            self._local.session = session
            with self._sessions_lock:
                self._sessions.append(session)
        return session

    def _check(self, url: str) -> None:
        try:
            check_url(url, self.allowed_hosts)
        except AddressRefused as exc:
            raise FetchError("address_refused", str(exc)) from exc

    def _get_with_retries(self, url: str, headers: dict[str, str] | None, deadline_at: float) -> Fetched:
        last: FetchError | None = None
        for attempt in range(1, self.retries + 2):
            try:
                fetched = self._get_once(url, headers, deadline_at)
            except FetchError as exc:
                if not exc.transient or exc.code == "deadline":
                    exc.attempts = attempt
                    raise
                last, wait = exc, self._backoff(attempt)
            else:
                fetched.attempts = attempt
                status = fetched.status
                if status == 429 or (status >= 500 and status not in _FINAL_5XX):
                    last = FetchError(
                        f"http_{status}", f"{url}: HTTP {status}", transient=True, status=status
                    )
                    asked = retry_after_seconds(fetched.headers.get("retry-after"))
                    if asked is not None and asked > self.max_retry_after:
                        raise FetchError(
                            f"http_{status}",
                            f"{url}: HTTP {status}, the server asks to wait {asked:.0f} s "
                            f"(over the {self.max_retry_after:g} s cap): try again later",
                            status=status,
                            attempts=attempt,
                        )
                    if asked is not None:
                        self.gate(url).defer(asked)  # every thread waits, not only this one
                    wait = asked if asked is not None else self._backoff(attempt)
                else:
                    return fetched
            if attempt <= self.retries:
                if time.monotonic() + wait >= deadline_at:  # a retry could not finish in time
                    raise FetchError(
                        last.code,
                        f"{last} (not retried: the {self.deadline:g} s deadline would pass)",
                        status=last.status,
                        attempts=attempt,
                        transient=True,
                    )
                time.sleep(wait)
        assert last is not None
        # still transient in kind: a later run (or a retried task) may well succeed
        raise FetchError(
            last.code,
            f"{last} (gave up after {self.retries + 1} attempts)",
            status=last.status,
            attempts=self.retries + 1,
            transient=True,
        )

    def _get_once(self, url: str, headers: dict[str, str] | None, deadline_at: float) -> Fetched:
        host = urlsplit(url).hostname or ""
        verify = host not in self.insecure_hosts
        with self.gate(url):
            remaining = deadline_at - time.monotonic()
            if remaining <= 0:
                raise self._deadline_error(url)
            # each socket operation waits at most the time left; the watch bounds the sum of them
            timeout = (min(self.timeout[0], remaining), min(self.timeout[1], remaining))
            watch = _DeadlineWatch(remaining)
            _CURRENT_WATCH.watch = watch
            try:
                try:
                    response = self._session().get(
                        url,
                        headers=headers,
                        timeout=timeout,
                        stream=True,
                        allow_redirects=False,
                        verify=verify,
                    )
                except requests.exceptions.SSLError as exc:
                    if watch.expired:
                        raise self._deadline_error(url) from exc
                    raise FetchError(
                        "tls_error",
                        f"{url}: TLS certificate or handshake failed "
                        f"({exc.__class__.__name__}); if the site's certificate chain is known broken, "
                        "set verify_tls = false in the registry",
                    ) from exc
                except requests.Timeout as exc:
                    if watch.expired or time.monotonic() >= deadline_at:
                        raise self._deadline_error(url) from exc
                    raise FetchError(
                        "timeout", f"{url}: no answer within {self.timeout[1]:g} s", transient=True
                    ) from exc
                except requests.exceptions.InvalidURL as exc:
                    raise FetchError("bad_url", f"{url}: not a valid URL ({exc})") from exc
                except requests.ConnectionError as exc:
                    if watch.expired:
                        raise self._deadline_error(url) from exc
                    raise FetchError(
                        "connection_error", f"{url}: connection failed ({_reason(exc)})", transient=True
                    ) from exc
                try:
                    body = self._read_body(url, response, deadline_at, watch)
                finally:
                    response.close()
            finally:
                watch.cancel()
                _CURRENT_WATCH.watch = None
        return Fetched(url, response.status_code, {k.lower(): v for k, v in response.headers.items()}, body)

    def _read_body(
        self, url: str, response: requests.Response, deadline_at: float, watch: _DeadlineWatch | None = None
    ) -> bytes:
        """The body, read in small pieces: the size cap is checked before it is exceeded in memory (the
        declared Content-Length first), the deadline after every piece and by the watch in between."""
        declared = response.headers.get("content-length", "")
        declared_bytes = int(declared) if declared.isdigit() else None
        if declared_bytes is not None and declared_bytes > self.max_bytes:
            raise FetchError(
                "too_large", f"{url}: {declared_bytes} bytes, over the {self.max_bytes} byte cap"
            )
        body = bytearray()
        try:
            for chunk in response.iter_content(BODY_CHUNK):
                body += chunk
                if len(body) > self.max_bytes:
                    raise FetchError("too_large", f"{url}: body over the {self.max_bytes} byte cap")
                if time.monotonic() >= deadline_at:
                    raise self._deadline_error(url)
        except (
            requests.exceptions.ChunkedEncodingError,
            requests.exceptions.ContentDecodingError,
            requests.ConnectionError,
            requests.Timeout,
            urllib3.exceptions.HTTPError,
        ) as exc:
            if (watch is not None and watch.expired) or time.monotonic() >= deadline_at:
                raise self._deadline_error(url) from exc
            got = f" after {len(body)} bytes" if body else ""
            raise FetchError(
                "truncated",
                f"{url}: the connection closed before the whole body arrived{got} ({_reason(exc)})",
                transient=True,
            ) from exc
        if watch is not None and watch.expired:  # a body without a length ends at the shutdown: not whole
            raise self._deadline_error(url)
        identity = response.headers.get("content-encoding", "identity").lower() in ("", "identity")
        if identity and declared_bytes is not None and len(body) < declared_bytes:
            if (watch is not None and watch.expired) or time.monotonic() >= deadline_at:
                raise self._deadline_error(url)
            raise FetchError(
                "truncated", f"{url}: {len(body)} of {declared_bytes} bytes arrived", transient=True
            )
        return bytes(body)

    def _backoff(self, attempt: int) -> float:
        return self.backoff * 2 ** (attempt - 1) * (0.5 + random.random())  # exponential, with jitter

    # ------------------------------------------------------------ robots.txt

    def _robots_check(self, url: str) -> None:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        with self._robots_lock:  # held while reading: threads wait for the one read, not make their own
            robots = self._robots.get(origin)
            if robots is None or time.monotonic() - robots.read_at > robots.ttl:
                fresh = self._read_robots(origin)
                if fresh.refused and robots is not None and robots.parser is not None:
                    # unreachable now, read before: RFC 9309 lets the last copy stand meanwhile
                    fresh = _Robots(robots.parser, None, fresh.read_at, fresh.ttl)
                robots = self._robots[origin] = fresh
        if robots.refused:
            raise FetchError("robots_unavailable", f"{url}: {robots.refused}", transient=True)
        if robots.parser is not None and not robots.parser.can_fetch(self.user_agent, url):
            raise FetchError("robots_disallowed", f"{url}: disallowed by the site's robots.txt")

    def _read_robots(self, origin: str) -> _Robots:
        now = time.monotonic()
        retry = self.robots_retry_seconds
        try:
            fetched = self._get(f"{origin}/robots.txt", None, robots=False)
        except FetchError as exc:
            if exc.code == "address_refused":
                return _Robots(
                    None, None, now, self.robots_ttl
                )  # the request itself is refused, with its reason
            if exc.status is not None:  # 5xx or 429 after the retries: unreachable (RFC 9309 §2.3.1.4)
                return _Robots(
                    None,
                    f"robots.txt answered HTTP {exc.status}; nothing is fetched from {origin} until it can be "
                    f"read (RFC 9309; asked again in {retry:g} s)",
                    now,
                    retry,
                )
            # no answer at all: the pages meet the same network and fail with their own reasons
            log.warning(
                "robots.txt of %s could not be read (%s): allowed, asked again in %g s",
                origin,
                exc.code,
                retry,
            )
            return _Robots(None, None, now, retry)
        if 400 <= fetched.status < 500 or fetched.status in REDIRECTS:
            return _Robots(None, None, now, self.robots_ttl)  # no robots.txt: everything allowed
        if fetched.status != 200:
            return _Robots(
                None,
                f"robots.txt answered HTTP {fetched.status}; nothing is fetched from {origin} until it can be "
                f"read (asked again in {retry:g} s)",
                now,
                retry,
            )
        text = fetched.content[:500_000].decode("utf-8", "replace")
        parser = urllib.robotparser.RobotFileParser()
        parser.parse(text.splitlines())
        delay = crawl_delay(text, self.user_agent.split("/", 1)[0])
        self.gate(origin).set_floor(min(delay or 0.0, MAX_CRAWL_DELAY))
        return _Robots(parser, None, now, self.robots_ttl)


def _reason(exc: BaseException) -> str:
    """The innermost cause's class name: ConnectionResetError, IncompleteRead, NameResolutionError…"""
    seen = exc
    for _ in range(10):
        inner = (
            getattr(seen, "reason", None)
            or seen.__cause__
            or seen.__context__
            or next((a for a in seen.args if isinstance(a, BaseException)), None)
        )
        if not isinstance(inner, BaseException) or inner is seen:
            break
        seen = inner
    return seen.__class__.__name__


def crawl_delay(robots_txt: str, agent: str) -> float | None:
    """The Crawl-delay for `agent` (its own group, else *), fractions allowed (urllib.robotparser
    reads whole seconds only)."""
    delays: dict[str, float] = {}
    agents: list[str] = []
    in_rules = False
    for raw in robots_txt.splitlines():
        line = raw.split("#", 1)[0].strip()
        if ":" not in line:
            continue
        key, value = (part.strip() for part in line.split(":", 1))
        key = key.lower()
        if key == "user-agent":
            if in_rules:
                agents, in_rules = [], False
            agents.append(value.lower())
        else:
            in_rules = True
            if key == "crawl-delay":
                try:
                    seconds = float(value)
                except ValueError:
                    continue
                for name in agents:
                    delays.setdefault(name, seconds)
    agent = agent.lower()
    return next((d for name, d in delays.items() if name != "*" and name in agent), delays.get("*"))


def make_session(registry: Registry | None = None, **options: object) -> PoliteSession:
    return PoliteSession(registry, **options)  # type: ignore[arg-type]
