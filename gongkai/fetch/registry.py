"""The agency registry as data (gongkai/data/registry.toml): who publishes, where, and how to be polite."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

BUNDLED = Path(__file__).resolve().parents[1] / "data" / "registry.toml"
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")


@dataclass(frozen=True)
class Agency:
    slug: str  # ASCII, unique: the agency_id of the lake
    name: str  # as the agency prints it
    division_code: str = ""  # 行政区划代码
    level: str = ""  # national | province | city | county | department
    listing_urls: tuple[str, ...] = ()  # the 政府信息公开年报 column(s)
    title_pattern: str = r"(年度报告|年报)"  # what a report link's title contains besides the year
    max_pages: int = 10  # pagination bound
    expected_years: tuple[int, ...] = ()  # years the site should hold; others are reported
    encoding: str | None = None  # a charset quirk the site needs (None: detect)
    verify_tls: bool = True
    rate_limit: float = 1.0  # requests per second to this agency's host
    concurrency: int = 2  # requests in flight to its host
    allow_private: bool = False  # the host may resolve to loopback/private addresses (test portals)

    @property
    def hosts(self) -> set[str]:
        return {urlsplit(u).hostname or "" for u in self.listing_urls}


@dataclass
class Registry:
    agencies: list[Agency]
    path: str = str(BUNDLED)
    by_slug: dict[str, Agency] = field(init=False)

    def __post_init__(self) -> None:
        self.by_slug = {}
        for agency in self.agencies:
            if not _SLUG.match(agency.slug):
                raise ValueError(f"registry {self.path}: slug {agency.slug!r} must be lowercase ASCII letters, "
                                 "digits and hyphens")
            if agency.slug in self.by_slug:
                raise ValueError(f"registry {self.path}: slug {agency.slug!r} appears twice; slugs must be unique")
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
        return {h: (a.rate_limit, a.concurrency) for a in self.agencies for h in a.hosts}


def load_registry(path: str | Path | None = None) -> Registry:
    source = Path(path) if path else BUNDLED
    with source.open("rb") as handle:
        data = tomllib.load(handle)
    agencies = []
    for entry in data.get("agency", []):
        entry = dict(entry)
        for key in ("listing_urls", "expected_years"):
            entry[key] = tuple(entry.get(key, ()))
        agencies.append(Agency(**entry))
    return Registry(agencies, str(source))


def registry_for_portal(base_url: str, agencies: list[dict]) -> Registry:  # type: ignore[type-arg]
    """A registry of the fixture portal's agencies at `base_url` (its loopback host allowed)."""
    return Registry([Agency(**{**a, "listing_urls": tuple(f"{base_url}{u}" for u in a["listing_urls"]),
                              "expected_years": tuple(a.get("expected_years", ())), "allow_private": True,
                              "rate_limit": a.get("rate_limit", 50.0), "concurrency": a.get("concurrency", 4)})
                     for a in agencies], path=f"portal {base_url}")
