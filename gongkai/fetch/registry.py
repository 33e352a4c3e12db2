"""The agency registry as data (gongkai/data/registry.toml): who publishes, where, and how to be polite."""

from __future__ import annotations

import dataclasses
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

BUNDLED = Path(__file__).resolve().parents[1] / "data" / "registry.toml"
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
LEVELS = ("", "national", "province", "city", "county", "township", "department")
# a report link's title: a year plus one of these (年度报 also matches a title cut short: "…年度报...")
DEFAULT_TITLE_PATTERN = r"(年度报|年报|年度工作报告)"
# titles that mention reports without being one: notices about writing them, interpretations, reviews
DEFAULT_EXCLUDE_PATTERN = r"(解读|图解|一图|读懂|通知|工作要点|编制|报送|评估|考核|发布会|提纲|模板|格式)"


class RegistryError(ValueError):
    """The registry file is wrong; the message says where and how to fix it."""


@dataclass(frozen=True)
class Agency:
    slug: str  # ASCII, unique: the agency_id of the lake
    name: str  # as the agency prints it
    division_code: str = ""  # 行政区划代码 (6 digits, or 12 for a township)
    level: str = ""  # one of LEVELS
    listing_urls: tuple[str, ...] = ()  # the 政府信息公开年报 column(s)
    title_pattern: str = DEFAULT_TITLE_PATTERN  # what a report link's title holds besides the year
    exclude_pattern: str = DEFAULT_EXCLUDE_PATTERN  # titles that look like reports but are not
    pagination: str = ""  # a page-URL template relative to the listing, {n} = 1, 2, … (e.g. "index_{n}.html")
    max_pages: int = 10  # listing pages read per column, at most
    expected_years: tuple[int, ...] = ()  # years the site should hold; others found there are reported
    encoding: str | None = None  # the site's pages are in this charset whatever they declare (None: detect)
    verify_tls: bool = True  # False only for a host with a broken certificate chain
    rate_limit: float = 1.0  # requests per second to this agency's hosts
    concurrency: int = 2  # requests in flight to its hosts
    allow_private: bool = False  # its hosts may be loopback/private addresses (test portals only)
    notes: str = ""  # where the listing URL came from, what is odd about the site
    portal_host: str = ""  # the portal's host: discovery starts there when there is no listing URL

    @property
    def hosts(self) -> set[str]:
        return {urlsplit(u).hostname or "" for u in self.listing_urls}


_FIELDS = {f.name: f for f in dataclasses.fields(Agency)}


def _check_agency(agency: Agency, where: str) -> None:
    def fail(message: str) -> None:
        raise RegistryError(f"registry {where}: agency {agency.slug!r}: {message}")

    if not _SLUG.match(agency.slug):
        fail("the slug must be 2–63 lowercase ASCII letters, digits and hyphens")
    if not agency.name.strip():
        fail("name is empty")
    if agency.division_code and not re.fullmatch(r"\d{6}(\d{6})?", agency.division_code):
        fail(f"division_code {agency.division_code!r} must be 6 (or 12) digits")
    if agency.level not in LEVELS:
        fail(f"level {agency.level!r} must be one of {', '.join(x for x in LEVELS if x)}")
    for url in agency.listing_urls:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            fail(f"listing URL {url!r} must be an absolute http(s) URL")
    for key in ("title_pattern", "exclude_pattern"):
        try:
            re.compile(getattr(agency, key))
        except re.error as exc:
            fail(f"{key} is not a valid regular expression ({exc})")
    if agency.pagination and "{n}" not in agency.pagination:
        fail('pagination must contain {n}, e.g. "index_{n}.html"')
    if agency.rate_limit <= 0 or agency.concurrency < 1 or agency.max_pages < 1:
        fail("rate_limit must be > 0, concurrency and max_pages ≥ 1")
    if any(not isinstance(y, int) or not 1990 <= y <= 2100 for y in agency.expected_years):
        fail(f"expected_years {list(agency.expected_years)} must be years such as 2023")
    if agency.encoding:
        try:
            "".encode(agency.encoding)
        except LookupError:
            fail(f"encoding {agency.encoding!r} is not a known charset")


@dataclass
class Registry:
    agencies: list[Agency]
    path: str = str(BUNDLED)
    by_slug: dict[str, Agency] = field(init=False)

    def __post_init__(self) -> None:
        self.by_slug = {}
        for agency in self.agencies:
            _check_agency(agency, self.path)
            if agency.slug in self.by_slug:
                raise RegistryError(
                    f"registry {self.path}: slug {agency.slug!r} appears twice; slugs must be unique"
                )
            self.by_slug[agency.slug] = agency

    def get(self, slug: str) -> Agency:
        try:
            return self.by_slug[slug]
        except KeyError:
            raise KeyError(f"agency {slug!r} is not in the registry {self.path}") from None

    def allowed_private_hosts(self) -> set[str]:
        """Hosts that may be on loopback/private addresses: only those the registry says so for."""
        return {h for a in self.agencies if a.allow_private for h in a.hosts}

    def rate_limits(self) -> dict[str, tuple[float, int]]:
        """host → (requests per second, requests in flight): the strictest of the agencies on that host."""
        limits: dict[str, tuple[float, int]] = {}
        for agency in self.agencies:
            for host in agency.hosts:
                rate, concurrency = limits.get(host, (agency.rate_limit, agency.concurrency))
                limits[host] = (min(rate, agency.rate_limit), min(concurrency, agency.concurrency))
        return limits

    def insecure_hosts(self) -> set[str]:
        """Hosts whose TLS certificates are not verified (a registry quirk, never a default)."""
        return {h for a in self.agencies if not a.verify_tls for h in a.hosts}


def agency_from_dict(entry: dict[str, Any], where: str = "registry") -> Agency:
    unknown = sorted(set(entry) - set(_FIELDS))
    if unknown:
        raise RegistryError(
            f"registry {where}: agency {entry.get('slug')!r} has unknown keys {unknown}; known keys: "
            f"{', '.join(_FIELDS)}"
        )
    missing = [k for k in ("slug", "name") if not entry.get(k)]
    if missing:
        raise RegistryError(f"registry {where}: an agency lacks {' and '.join(missing)}: {entry}")
    values = dict(entry)
    for key in ("listing_urls", "expected_years"):
        value = values.get(key, ())
        values[key] = tuple([value] if isinstance(value, str) else value)
    return Agency(**values)


def load_registry(path: str | Path | None = None) -> Registry:
    source = Path(path) if path else BUNDLED
    try:
        with source.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise RegistryError(f"registry {source}: not valid TOML ({exc})") from exc
    agencies = [agency_from_dict(entry, str(source)) for entry in data.get("agency", [])]
    return Registry(agencies, str(source))


def registry_for_portal(base_url: str, agencies: list[dict[str, Any]]) -> Registry:
    """A registry of the fixture portal's agencies at `base_url` (its loopback host allowed, fast limits)."""
    out = []
    for entry in agencies:
        values = {"rate_limit": 50.0, "concurrency": 4, **entry, "allow_private": True}
        values["listing_urls"] = [f"{base_url}{u}" for u in entry["listing_urls"]]
        out.append(agency_from_dict(values, f"portal {base_url}"))
    return Registry(out, path=f"portal {base_url}")


def registry_toml(registry: Registry) -> str:
    """The registry as TOML text (every field that differs from its default)."""
    import json

    def value(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int | float):
            return repr(v)
        if isinstance(v, tuple | list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return json.dumps(v, ensure_ascii=False)  # a JSON string is a TOML basic string

    lines: list[str] = []
    for agency in registry.agencies:
        lines.append("[[agency]]")
        for name, spec in _FIELDS.items():
            v = getattr(agency, name)
            if name in ("slug", "name") or (v is not None and v != spec.default):
                lines.append(f"{name} = {value(v)}")
        lines.append("")
    return "\n".join(lines)
