"""The agency registry as data (gongkai/data/registry/*.toml): who publishes, where, and how to be polite.

The bundled registry is a folder of TOML files (one per province, ``00-national.toml`` for the State
Council); the loader merges every ``*.toml`` in it. A single file (a test portal's, an old
``registry.toml``) loads the same way. Each ``[[agency]]`` is validated with pydantic on load, then
the whole set is checked (unique slugs, parents that exist and sit in the same province); every
problem is reported with the file and the line of its ``[[agency]]`` header.

Choices (docs/operations.md, "The registry"):

- ``division_code`` is the 12-digit 统计用区划代码; a 6-digit GB/T 2260 code (older files) is accepted
  and padded with zeros (320813 → 320813000000). The State Council and its departments, which have no
  division, use ``000000000000`` (the whole country).
- ``level`` "city" (older files) is read as "prefecture", its current name.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import ipaddress
import itertools
import json
import re
import sys
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import ConfigDict, TypeAdapter, ValidationError, field_validator, model_validator
from pydantic.dataclasses import dataclass as pydantic_dataclass

from gongkai.fetch.divisions import NATIONAL_CODE, province_names

BUNDLED = Path(__file__).resolve().parents[1] / "data" / "registry"
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
LEVELS = ("national", "province", "prefecture", "county", "township", "department")
LEGACY_LEVELS = {"city": "prefecture"}  # older files' name → today's
_HOST = re.compile(r"^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
# a report link's title: a year plus one of these (年度报 also matches a title cut short: "…年度报...")
# also the titles real columns use without 年度/年报: "…2017年度政府信息公开报告", "…政务信息公开报告",
# "…信息与政务公开工作报告" (seen on 柘城县's column, tests/fixtures/sites/generic/zhecheng)
DEFAULT_TITLE_PATTERN = r"(年度报|年报|年度工作报告|公开(?:工作)?(?:情况)?报告)"
# titles that mention reports without being one: notices about writing them, interpretations, reviews
DEFAULT_EXCLUDE_PATTERN = r"(解读|图解|一图|读懂|通知|工作要点|编制|报送|评估|考核|发布会|提纲|模板|格式)"
# what the 12 digits of a code look like at each level ("" for a level that takes any valid code)
_CODE_SHAPES = {
    "province": (re.compile(r"\d\d0{10}"), "XX0000000000"),
    "prefecture": (re.compile(r"\d\d(?!00)\d\d0{8}"), "XXYY00000000 (YY not 00)"),
    "county": (re.compile(r"\d{4}(?!00)\d\d0{6}"), "XXYYZZ000000 (ZZ not 00)"),
    "township": (re.compile(r"\d{6}(?!000)\d{3}000"), "XXYYZZTTT000 (TTT not 000)"),
}


class RegistryError(ValueError):
    """The registry is wrong; the message says where (file:line) and how to fix it."""


@pydantic_dataclass(frozen=True, slots=True, config=ConfigDict(extra="forbid"))  # 100,000 in a national run
class Agency:
    """One publishing agency, validated when made (also by dataclasses.replace). Unknown keys are
    errors: a misspelt key would otherwise be ignored."""

    slug: str  # ASCII, unique: the agency_id of the lake
    name: str  # the official name, as the agency prints it
    level: str = ""  # one of LEVELS
    parent: str = ""  # slug of the agency above it (a department's government, a prefecture's province)
    division_code: str = ""  # 12-digit 统计用区划代码; 000000000000 for national agencies
    portal_host: str = ""  # host of its 政府门户网站 (or its own site), where discovery starts
    host_verified: bool = False  # True only when portal_host was seen serving the agency's pages
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
    notes: str = ""  # where the host or listing URL came from, what is odd about the site

    @property
    def hosts(self) -> set[str]:
        found = {urlsplit(u).hostname or "" for u in self.listing_urls}
        return (found | {_host_name(self.portal_host)}) if self.portal_host else found

    @property
    def province(self) -> str:
        """The 2-digit province code of its division ("" for a national agency or no code)."""
        return "" if self.division_code in ("", NATIONAL_CODE) else self.division_code[:2]

    @field_validator("slug")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not _SLUG.match(value):
            raise ValueError(
                f"slug {value!r} must be 2–63 lowercase ASCII letters, digits and hyphens (e.g. guangzhou-gov)"
            )
        return value

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("name is empty")
        return value

    @field_validator("level", mode="before")
    @classmethod
    def _level(cls, value: Any) -> Any:
        value = LEGACY_LEVELS.get(value, value) if isinstance(value, str) else value
        if isinstance(value, str) and value and value not in LEVELS:
            raise ValueError(f"level {value!r} must be one of {', '.join(LEVELS)}")
        return value

    @field_validator("division_code", mode="before")
    @classmethod
    def _division_code(cls, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            raise ValueError(f'division_code {value} must be a string of 12 digits, e.g. "{value:<012}"')
        if isinstance(value, str) and re.fullmatch(r"\d{6}", value):
            return value + "000000"  # a GB/T 2260 code of an older file: its 12-digit form
        if isinstance(value, str) and value and not re.fullmatch(r"\d{12}", value):
            raise ValueError(
                f"division_code {value!r} must be the 12-digit 统计用区划代码 (or a 6-digit GB/T 2260 code, "
                "padded with zeros on load)"
            )
        return value

    @field_validator("listing_urls", "expected_years", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str | int) and not isinstance(value, bool) else value

    @field_validator("listing_urls")
    @classmethod
    def _listing_urls(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for url in value:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError(f"listing URL {url!r} must be an absolute http(s) URL")
        return value

    @field_validator("title_pattern", "exclude_pattern")
    @classmethod
    def _pattern(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"{value!r} is not a valid regular expression ({exc})") from None
        return value

    @field_validator("pagination")
    @classmethod
    def _pagination(cls, value: str) -> str:
        if value and "{n}" not in value:
            raise ValueError('pagination must contain {n}, e.g. "index_{n}.html"')
        return value

    @field_validator("rate_limit", "concurrency", "max_pages")
    @classmethod
    def _positive(cls, value: float) -> float:
        if value <= 0:
            raise ValueError("rate_limit must be > 0, concurrency and max_pages ≥ 1")
        return value

    @field_validator("expected_years")
    @classmethod
    def _years(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if any(not 1990 <= y <= 2100 for y in value):
            raise ValueError(f"expected_years {list(value)} must be years such as 2023")
        return value

    @field_validator("encoding")
    @classmethod
    def _encoding(cls, value: str | None) -> str | None:
        if value:
            try:
                "".encode(value)
            except LookupError:
                raise ValueError(f"encoding {value!r} is not a known charset") from None
        return value

    @model_validator(mode="after")
    def _host_and_code(self) -> Agency:
        host, port = _host_name(self.portal_host), _port(self.portal_host)
        if self.portal_host and (
            port is None or not (_HOST.match(host) or (self.allow_private and _is_ip_or_localhost(host)))
        ):
            raise ValueError(
                f"portal_host {self.portal_host!r} must be a lowercase host name such as www.gd.gov.cn, "
                "optionally with a port (www.example.gov.cn:8080), with no scheme or path"
            )
        problem = _code_problem(self.division_code, self.level, test_portal=self.allow_private)
        if problem:
            raise ValueError(problem)
        return self


def _host_name(host_and_port: str) -> str:
    return host_and_port.rsplit(":", 1)[0] if ":" in host_and_port else host_and_port


def _port(host_and_port: str) -> int | None:
    """The port written after the host (0 when none is written; None when it is not a valid port)."""
    if ":" not in host_and_port:
        return 0
    text = host_and_port.rsplit(":", 1)[1]
    return int(text) if text.isdigit() and 0 < int(text) < 65536 else None


def _is_ip_or_localhost(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return host == "localhost"
    return True


def _code_problem(code: str, level: str, *, test_portal: bool = False) -> str:
    """Why `code` cannot be the division code of an agency at `level` ("" when it can)."""
    if not code:
        return ""
    if code == NATIONAL_CODE:
        if level in ("", "national", "department"):
            return ""
        return f"division_code {NATIONAL_CODE} is the whole country's: only a national agency or department has it"
    if level == "national":
        return f"a national agency's division_code is {NATIONAL_CODE} (the whole country), not {code}"
    if not test_portal and code[:2] not in province_names():
        return (
            f"division_code {code} starts with {code[:2]}, which is no province's code "
            f"(11 北京市 … 65 新疆维吾尔自治区; see gongkai/data/registry/divisions/provinces.csv)"
        )
    shape = _CODE_SHAPES.get(level)
    if shape and not shape[0].fullmatch(code):
        return f"division_code {code} is not a {level}'s code: a {level}'s code reads {shape[1]}"
    return ""


_FIELDS = {f.name: f for f in dataclasses.fields(Agency)}
_AGENCY = TypeAdapter(Agency)


_UNKNOWN_KEY = ("unexpected_keyword_argument", "extra_forbidden")


def _format_errors(error: ValidationError, entry: dict[str, Any]) -> list[str]:
    """pydantic's errors as sentences; unknown keys gathered in one."""
    unknown = sorted(str(e["loc"][0]) for e in error.errors() if e["type"] in _UNKNOWN_KEY)
    out = []
    if unknown:
        hints = [
            f"{k!r} (did you mean {m[0]!r}?)" if (m := difflib.get_close_matches(k, _FIELDS, 1)) else repr(k)
            for k in unknown
        ]
        out.append(f"unknown keys {unknown}: {', '.join(hints)}; known keys: {', '.join(_FIELDS)}")
    missing = [str(e["loc"][0]) for e in error.errors() if e["type"] == "missing"]
    if missing:
        out.append(f"lacks {' and '.join(missing)}")
    for e in error.errors():
        if e["type"] in (*_UNKNOWN_KEY, "missing"):
            continue
        message = str(e["msg"]).removeprefix("Value error, ")
        key = ".".join(str(x) for x in e["loc"])
        given = entry.get(str(e["loc"][0])) if e["loc"] else None
        if e["type"] == "value_error" or not key:
            out.append(message)
        else:
            out.append(f"{key} = {given!r}: {message}")
    return out


def _parse(entry: Any, where: str) -> tuple[Agency | None, list[str]]:
    """The agency of one [[agency]] table, or the problems that stop it."""
    if not isinstance(entry, dict):
        return None, [f"{where}: an agency must be a [[agency]] table, not {entry!r}"]
    label = f"{where}: agency {entry.get('slug')!r}"
    try:
        return _AGENCY.validate_python({key: _shared(key, value) for key, value in entry.items()}), []
    except ValidationError as exc:
        return None, [f"{label}: {message}" for message in _format_errors(exc, entry)]


_SHARED: dict[Any, Any] = {}  # values many agencies repeat (a level, a parent, a host, a year list)


_UNIQUE_KEYS = frozenset({"slug", "name", "listing_urls"})  # each agency's own: nothing to share


def _shared(key: str, value: Any) -> Any:
    """One object for equal values many agencies repeat: a national registry's 100,000 agencies each held
    their own copy of "department", of their county's slug and host, of (2023,) and 5000.0 (12 MiB)."""
    if key in _UNIQUE_KEYS:
        return value
    if isinstance(value, list):
        value = tuple(value)
    if isinstance(value, str) and len(value) <= 200:
        return sys.intern(value)
    if isinstance(value, float) or (
        isinstance(value, tuple) and all(isinstance(v, int) for v in value)  # years, not unique URLs
    ):
        return _SHARED.setdefault(value, value) if len(_SHARED) < 10_000 else value
    return value


def agency_from_dict(entry: dict[str, Any], where: str = "registry") -> Agency:
    agency, problems = _parse(entry, f"registry {where}")
    if agency is None:
        raise RegistryError("\n".join(problems))
    return agency


def registry_problems(located: Sequence[tuple[Agency, str]], invalid: Iterable[str] = ()) -> list[str]:
    """What is wrong with a set of valid agencies together: duplicates, parents missing, in another
    province or in a loop. `located`: each agency with where it is written (file:line); `invalid`:
    slugs of entries that failed validation (reported already: a parent among them is not missing)."""
    invalid = set(invalid)
    problems: list[str] = []
    first: dict[str, tuple[Agency, str]] = {}
    for agency, where in located:
        if agency.slug in first:
            problems.append(
                f"{where}: slug {agency.slug!r} appears twice (first at {first[agency.slug][1]}); "
                "slugs must be unique"
            )
        else:
            first[agency.slug] = (agency, where)
    names = province_names()
    for agency, where in located:
        if not agency.parent:
            continue
        label = f"{where}: agency {agency.slug!r}"
        parent = first.get(agency.parent)
        if agency.parent == agency.slug:
            problems.append(f"{label}: is its own parent")
        elif parent is None and agency.parent in invalid:
            continue
        elif parent is None:
            close = difflib.get_close_matches(agency.parent, (set(first) | invalid) - {agency.slug}, 3)
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            problems.append(f"{label}: parent {agency.parent!r} is not in the registry{hint}")
        elif agency.province and parent[0].province and agency.province != parent[0].province:
            problems.append(
                f"{label}: parent {agency.parent!r} ({parent[1]}) is in province {parent[0].province} "
                f"{names.get(parent[0].province, '')}, but its division_code {agency.division_code} is in "
                f"{agency.province} {names.get(agency.province, '')}: a parent is in the agency's own "
                "province (or national)"
            )
    for agency, where in located:
        seen, slug = {agency.slug}, agency.parent
        while slug and slug in first:
            if slug in seen:
                problems.append(f"{where}: agency {agency.slug!r}: its parents loop back to {slug!r}")
                break
            seen.add(slug)
            slug = first[slug][0].parent
    return problems


@dataclass
class Registry:
    agencies: list[Agency]
    path: str = str(BUNDLED)
    locations: list[str] = field(default_factory=list)  # where each agency is written (file:line)
    by_slug: dict[str, Agency] = field(init=False)

    def __post_init__(self) -> None:
        if len(self.locations) != len(self.agencies):
            self.locations = [f"registry {self.path}"] * len(self.agencies)
        problems = registry_problems(list(zip(self.agencies, self.locations, strict=True)))
        if problems:
            raise RegistryError("\n".join(problems))
        self.by_slug = {a.slug: a for a in self.agencies}

    def get(self, slug: str) -> Agency:
        try:
            return self.by_slug[slug]
        except KeyError:
            raise KeyError(f"agency {slug!r} is not in the registry {self.path}") from None

    def location(self, slug: str) -> str:
        """file:line of the agency's [[agency]] header."""
        return self.locations[self.agencies.index(self.get(slug))]

    def close_matches(self, text: str, n: int = 5) -> list[str]:
        """Slugs near `text` (a misspelt slug, or part of one)."""
        return closest_names(text, self.by_slug, n)

    def children(self, slug: str) -> list[Agency]:
        return [a for a in self.agencies if a.parent == slug]

    def allowed_private_hosts(self) -> set[str]:
        """Hosts that may be on loopback/private addresses: only those the registry says so for."""
        return set(self._host_rules[0])

    def rate_limits(self) -> dict[str, tuple[float, int]]:
        """host → (requests per second, requests in flight): the strictest of the agencies on that host."""
        return dict(self._host_rules[1])

    def insecure_hosts(self) -> set[str]:
        """Hosts whose TLS certificates are not verified (a registry quirk, never a default)."""
        return set(self._host_rules[2])

    @functools.cached_property
    def _host_rules(self) -> tuple[set[str], dict[str, tuple[float, int]], set[str]]:
        """The three above, from one walk of the agencies made once: every discovery group and fetch batch
        opens a session that asks for them, and walking 100,000 agencies each time made a national run's
        sessions cost grow with the square of its size (0.05 s a session at 10,000 agencies)."""
        allowed: set[str] = set()
        limits: dict[str, tuple[float, int]] = {}
        insecure: set[str] = set()
        for agency in self.agencies:
            hosts = agency.hosts
            if agency.allow_private:
                allowed |= hosts
            if not agency.verify_tls:
                insecure |= hosts
            for host in hosts:
                rate, concurrency = limits.get(host, (agency.rate_limit, agency.concurrency))
                limits[host] = (min(rate, agency.rate_limit), min(concurrency, agency.concurrency))
        return allowed, limits, insecure


_AGENCY_HEADER = re.compile(r"^[ \t]*\[\[[ \t]*agency[ \t]*\]\]", re.MULTILINE)


def registry_files(path: str | Path | None = None) -> list[Path]:
    """The TOML files of a registry: the file given, or every *.toml of a folder (the bundled one)."""
    source = Path(path) if path else BUNDLED
    return sorted(source.glob("*.toml")) if source.is_dir() else [source]


def _shown(path: str | Path) -> Path:
    """The path as messages show it: relative to the working directory when under it."""
    path = Path(path)
    try:
        return path.resolve().relative_to(Path.cwd())
    except ValueError:
        return path


def read_entries(
    paths: Iterable[str | Path], invalid: set[str] | None = None
) -> tuple[list[tuple[Agency, str]], list[str]]:
    """Every valid agency of the files with its file:line, and the problems of the rest (whose slugs
    are added to `invalid` when given)."""
    located: list[tuple[Agency, str]] = []
    problems: list[str] = []
    for path in map(_shown, paths):
        try:
            text = path.read_text(encoding="utf-8")
            found, found_problems = _read_file(path, text, invalid)
        except OSError as exc:
            problems.append(f"{path}: cannot be read ({exc.strerror or exc})")
            continue
        except UnicodeDecodeError:
            problems.append(f"{path}: is not UTF-8 text")
            continue
        except tomllib.TOMLDecodeError as exc:
            problems.append(f"{path}: not valid TOML ({exc})")
            continue
        located.extend(found)
        problems.extend(found_problems)
    return located, problems


_TOML_CHUNK = 2000  # [[agency]] tables parsed and validated at once


def _read_file(path: Path, text: str, invalid: set[str] | None) -> tuple[list[tuple[Agency, str]], list[str]]:
    """One file's agencies, parsed and validated a few thousand [[agency]] tables at a time: parsed whole,
    a national registry's million short-lived objects (~230 MiB at 100,000 agencies) left the run's heap
    holed around the agencies that outlive them (+110 MiB of RSS for good). Every [[agency]] header starts
    a table of its own, so the pieces hold the same tables; a file whose pieces do not parse is parsed
    whole, for the error's line."""
    # tomllib gives no line numbers: the n-th [[agency]] header is the n-th entry's line
    headers = [m.start() for m in _AGENCY_HEADER.finditer(text)]
    lines = _header_lines(text, headers)
    cuts = [0, *headers[_TOML_CHUNK::_TOML_CHUNK], len(text)]
    located: list[tuple[Agency, str]] = []
    problems: list[str] = []
    index = 0
    for number, (begin, end) in enumerate(itertools.pairwise(cuts)):
        try:
            data = tomllib.loads(text[begin:end])
        except tomllib.TOMLDecodeError:
            tomllib.loads(text)  # the whole file's error, with its line
            raise
        for key in sorted(set(data) - {"agency"}):
            problems.append(
                f"{path}: unknown top-level key {key!r}; a registry file holds [[agency]] tables only"
            )
        entries = data.get("agency", [])
        if not isinstance(entries, list):
            problems.append(f"{path}: 'agency' must be [[agency]] tables")
            continue
        piece_lines = lines[number * _TOML_CHUNK : (number + 1) * _TOML_CHUNK]
        for offset, entry in enumerate(entries):
            index += 1
            if len(piece_lines) == len(entries):
                where = f"{path}:{piece_lines[offset]}"
            else:
                where = f"{path} (agency #{index})"
            agency, entry_problems = _parse(entry, where)
            problems.extend(entry_problems)
            if agency is not None:
                located.append((agency, where))
            elif invalid is not None and isinstance(entry, dict) and isinstance(entry.get("slug"), str):
                invalid.add(entry["slug"])
    return located, problems


def _header_lines(text: str, headers: list[int]) -> list[int]:
    """The line of each [[agency]] header (at `headers`), counting newlines from one header to the next
    (counting from the top for each took minutes on a 100,000-agency registry)."""
    lines: list[int] = []
    line, position = 1, 0
    for start in headers:
        line += text.count("\n", position, start)
        position = start
        lines.append(line)
    return lines


def lint_registry(paths: Iterable[str | Path]) -> tuple[list[Agency], list[str]]:
    """The agencies of the files and every problem found in them, each naming its file and line."""
    invalid: set[str] = set()
    located, problems = read_entries(paths, invalid)
    return [a for a, _ in located], problems + registry_problems(located, invalid)


def load_registry(path: str | Path | None = None) -> Registry:
    """The registry of a file or a folder of files (default: the bundled one); RegistryError lists
    every problem."""
    source = Path(path) if path else BUNDLED
    files = registry_files(source)
    if not files:
        raise RegistryError(f"registry {source}: the folder holds no *.toml file")
    invalid: set[str] = set()
    located, problems = read_entries(files, invalid)
    problems += registry_problems(located, invalid)
    if problems:
        raise RegistryError(f"registry {source}: {len(problems)} problem(s):\n" + "\n".join(problems))
    return Registry([a for a, _ in located], str(source), [w for _, w in located])


def registry_for_portal(base_url: str, agencies: list[dict[str, Any]]) -> Registry:
    """A registry of the fixture portal's agencies at `base_url` (its loopback host allowed, fast limits)."""
    out = []
    for entry in agencies:
        values = {"rate_limit": 50.0, "concurrency": 4, **entry, "allow_private": True}
        values["listing_urls"] = [f"{base_url}{u}" for u in entry["listing_urls"]]
        out.append(agency_from_dict(values, f"portal {base_url}"))
    return Registry(out, path=f"portal {base_url}")


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, tuple | list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    return json.dumps(v, ensure_ascii=False)  # a JSON string is a TOML basic string


def agency_toml(agency: Agency) -> str:
    """One [[agency]] table: slug and name, then every field that differs from its default."""
    lines = ["[[agency]]"]
    for name, spec in _FIELDS.items():
        v = getattr(agency, name)
        if name in ("slug", "name") or (v is not None and v != spec.default):
            lines.append(f"{name} = {_toml_value(v)}")
    return "\n".join(lines) + "\n"


def registry_toml(registry: Registry) -> str:
    """The registry as TOML text (every field that differs from its default)."""
    return "\n".join(agency_toml(a) for a in registry.agencies)


@dataclass
class CoverageRow:
    """One province and level of the registry against the lake's reports."""

    province: str  # 2-digit code; "00" for national agencies, "" for those without a code
    level: str
    agencies: int  # agencies of the registry in this group
    reporting: int  # of them, agencies with a report of the years in the lake
    years_found: list[int]  # report years the lake holds for the group
    missing: int  # agency-years of the years asked for that the lake lacks


def registry_coverage(
    registry: Registry, reports: Iterable[tuple[str, int]], years: Sequence[int] | None = None
) -> tuple[list[CoverageRow], dict[str, list[int]]]:
    """Per province and level: agencies, how many have reports, the years found and the agency-years
    missing. `reports`: (agency_id, report_year) of the lake's reports; `years`: the years that count
    (None: every year the lake holds for the registry's agencies). Also returns the lake's agencies
    that are not in the registry, with their years."""
    found: dict[str, set[int]] = {}
    unknown: dict[str, set[int]] = {}
    for slug, year in reports:
        if years is not None and year not in years:
            continue
        (found if slug in registry.by_slug else unknown).setdefault(slug, set()).add(int(year))
    wanted = sorted(set(years) if years is not None else {y for ys in found.values() for y in ys})
    groups: dict[tuple[str, str], list[Agency]] = {}
    for agency in registry.agencies:
        province = "00" if agency.division_code == NATIONAL_CODE else agency.province
        groups.setdefault((province, agency.level), []).append(agency)
    rank = {level: i for i, level in enumerate(("", *LEVELS))}
    rows = []
    for (province, level), members in sorted(groups.items(), key=lambda g: (g[0][0], rank[g[0][1]])):
        years_of = [found.get(a.slug, set()) for a in members]
        rows.append(
            CoverageRow(
                province=province,
                level=level,
                agencies=len(members),
                reporting=sum(1 for ys in years_of if ys),
                years_found=sorted(set().union(*years_of)),
                missing=sum(1 for ys in years_of for y in wanted if y not in ys),
            )
        )
    return rows, {slug: sorted(ys) for slug, ys in sorted(unknown.items())}


def closest_names(name: str, known: Iterable[str], n: int = 3) -> list[str]:
    """The known names nearest to a mistyped one, best first: those that hold it whole (`hongze` of
    `huaian-hongze-gov`, shortest first), then difflib's nearest — with 467 slugs, a part typed is a
    stronger clue than a similar spelling."""
    known = sorted(set(known))
    text = name.lower()
    contained = sorted((k for k in known if text and text in k.lower()), key=lambda k: (len(k), k))
    near = difflib.get_close_matches(name, known, n=n, cutoff=0.5)
    return list(dict.fromkeys(contained + near))[:n]
