"""Regenerate the province files of the bundled registry from the division table.

    python scripts/registry_from_divisions.py            # rewrite gongkai/data/registry/NN-<province>.toml
    python scripts/registry_from_divisions.py --check    # exit 1 when a file would change (CI)
    python scripts/registry_from_divisions.py --also old-registry.toml   # fold another file's agencies in

For each of the 31 provinces of gongkai/data/registry/divisions/ it writes one file holding the
province's government, its 残疾人联合会, every prefecture-level government of the table, then every
other agency of the province already in the registry (counties, departments), ordered by code.
An agency already in the registry is kept as written (its slug never changes); only an empty
`parent` or `portal_host` is filled in. Missing governments are created: slug from the pinyin of the
short name (广州市 → guangzhou-gov; a name shared by two prefectures or with a province takes the
province's ISO 3166-2 code: 福州市 fuzhou-fj-gov, 抚州市 fuzhou-jx-gov), host from portal_hosts.tsv
(host_verified = false). Names the table changed and agencies whose code left the table are printed,
never rewritten or dropped. 00-national.toml (the State Council and its departments) is hand-kept.
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import sys
from collections import Counter
from pathlib import Path
from typing import NamedTuple

from pypinyin import lazy_pinyin

from gongkai.fetch.divisions import PROVINCE_ISO, PROVINCE_PINYIN, Division, divisions, pad_code
from gongkai.fetch.registry import BUNDLED, Agency, agency_toml, read_entries, registry_files

NATIONAL_FILE = "00-national.toml"
STATE_COUNCIL = "state-council"
HOSTS = BUNDLED / "portal_hosts.tsv"
NO_HOST = "portal host not known here: add portal_host (or listing_urls) before discovery"
# 自治州: the place name is what precedes the peoples named (延边朝鲜族自治州 → 延边)
_AUTONOMOUS = re.compile(
    r"(?:(?:朝鲜|土家|苗|藏|羌|彝|布依|侗|哈尼|壮|傣|景颇|傈僳|白|回|蒙古|哈萨克|柯尔克孜)族?)+自治州$"
)
# place names pypinyin reads with the wrong sound (长治 is changzhi, not zhangzhi)
_PINYIN_FIXES = {
    "长治": "changzhi",
    "朝阳": "chaoyang",
    "漯河": "luohe",
    "昌都": "changdu",
    "锡林郭勒": "xilinguole",
}
HEADER = """\
# {province} ({code}): the province's government and 残疾人联合会, its prefecture-level governments, and
# the province's other agencies. Made by scripts/registry_from_divisions.py from the division table
# (divisions/README.md); run again, it keeps every entry as edited here and never changes a slug.
# portal_host of a generated entry: from portal_hosts.tsv (the maintainers' knowledge, or the public
# source its notes name), not fetched: host_verified = false until someone sees the host serve the
# agency's pages.
# Fields and how to add an agency: docs/operations.md, "The registry".

"""


def short_name(division: Division) -> str:
    """广州市 → 广州, 延边朝鲜族自治州 → 延边, 阿里地区 → 阿里, 锡林郭勒盟 → 锡林郭勒."""
    return re.sub(r"(市|地区|盟)$", "", _AUTONOMOUS.sub("", division.name))


def pinyin(name: str) -> str:
    return _PINYIN_FIXES.get(name) or "".join(lazy_pinyin(name)).lower().replace("ü", "v")


def government_name(division: Division) -> str:
    """地区 and 盟 are run by a 行政公署, every other division by a 人民政府."""
    return division.name + ("行政公署" if division.name.endswith(("地区", "盟")) else "人民政府")


class PortalHost(NamedTuple):
    host: str
    source: str = ""  # where the host was read (repository and path, or page); empty: maintainers' knowledge


def load_hosts(path: Path = HOSTS) -> dict[tuple[str, str], PortalHost]:
    """(12-digit code, gov|dpf) → host and its source. Columns (tab-separated): code, kind, host[, source]."""
    hosts = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = [cell.strip() for cell in line.split("\t")]
        if len(cells) not in (3, 4) or cells[1] not in ("gov", "dpf") or not cells[2]:
            raise SystemExit(f"{path}:{number}: expected code, gov|dpf, host[, source] separated by tabs")
        hosts[(pad_code(cells[0]), cells[1])] = PortalHost(cells[2], cells[3] if len(cells) == 4 else "")
    return hosts


def host_note(host: PortalHost | None) -> str:
    """The notes of an entry whose portal_host the script sets."""
    if host is None:
        return NO_HOST
    if host.source:
        return f"portal host read in {host.source} (not fetched)"
    return ""


def _is_dpf(agency: Agency) -> bool:
    return agency.level == "department" and agency.name.endswith("残疾人联合会")


def build(registry_dir: Path, also: list[Path]) -> tuple[dict[Path, str], list[str]]:
    """file → its new text, and notes for the maintainer (renames, codes gone from the table)."""
    files = [f for f in registry_files(registry_dir) if f.name != NATIONAL_FILE]
    located, problems = read_entries([*files, *also])
    if problems:
        raise SystemExit("the registry has problems; fix them first:\n" + "\n".join(problems))
    table, hosts, notes = divisions(), load_hosts(), []
    existing = [a for a, _ in located]
    taken = {a.slug for a, _ in read_entries(registry_files(registry_dir))[0]} | {a.slug for a in existing}
    by_code: dict[tuple[str, str], Agency] = {}
    for agency in existing:
        kind = "dpf" if _is_dpf(agency) else agency.level
        by_code.setdefault((agency.division_code, kind), agency)
    prefectures = [d for d in table.values() if d.level == "prefecture"]
    bases = Counter([pinyin(short_name(d)) for d in prefectures] + list(PROVINCE_PINYIN.values()))
    used: set[str] = set()
    out: dict[Path, str] = {}
    for province in (d for d in table.values() if d.level == "province"):
        p = province.province
        gov = _keep_or_make(
            by_code.get((province.code, "province")),
            slug=f"{PROVINCE_PINYIN[p]}-gov",
            name=government_name(province),
            level="province",
            parent=STATE_COUNCIL,
            code=province.code,
            host=hosts.get((province.code, "gov")),
            taken=taken,
        )
        dpf = _keep_or_make(
            by_code.get((province.code, "dpf")),
            slug=f"{PROVINCE_PINYIN[p]}-dpf",
            name=f"{province.name}残疾人联合会",
            level="department",
            parent=gov.slug,
            code=province.code,
            host=hosts.get((province.code, "dpf")),
            taken=taken,
        )
        agencies = [gov, dpf]
        for division in sorted((d for d in prefectures if d.province == p), key=lambda d: d.code):
            base = pinyin(short_name(division))
            slug = f"{base}-gov" if bases[base] == 1 else f"{base}-{PROVINCE_ISO[p]}-gov"
            agencies.append(
                _keep_or_make(
                    by_code.get((division.code, "prefecture")),
                    slug=slug,
                    name=government_name(division),
                    level="prefecture",
                    parent=gov.slug,
                    code=division.code,
                    host=hosts.get((division.code, "gov")),
                    taken=taken,
                )
            )
        for kept in agencies:
            old = next((a for a in existing if a.slug == kept.slug), None)
            division = table.get(kept.division_code)
            if (
                old is not None
                and division
                and government_name(division) not in kept.name
                and kept is not dpf
            ):
                notes.append(
                    f"{kept.slug}: the table now names {kept.division_code} {division.name}; name kept: {kept.name}"
                )
        generated = {a.slug for a in agencies}
        others = sorted(
            (a for a in existing if a.province == p and a.slug not in generated),
            key=lambda a: (a.division_code, a.slug),
        )
        for agency in others:
            if agency.division_code not in table and agency.division_code[:6].ljust(12, "0") not in table:
                notes.append(
                    f"{agency.slug}: division_code {agency.division_code} is not in the table (kept)"
                )
        agencies += [_with_parent(a, table, agencies + others) for a in others]
        used |= {a.slug for a in agencies}
        text = HEADER.format(province=province.name, code=p) + "\n".join(agency_toml(a) for a in agencies)
        out[registry_dir / f"{p}-{PROVINCE_PINYIN[p]}.toml"] = text
    left = [a.slug for a in existing if a.slug not in used]
    if left:
        notes.append(f"agencies in no province file (no or a national division_code): {', '.join(left)}")
    return out, notes


def _keep_or_make(
    agency: Agency | None,
    *,
    slug: str,
    name: str,
    level: str,
    parent: str,
    code: str,
    host: PortalHost | None,
    taken: set[str],
) -> Agency:
    if agency is not None:  # kept as written; only what is empty is filled in
        if agency.portal_host or host is None:
            return dataclasses.replace(agency, parent=agency.parent or parent)
        # the "not known" note goes with the host it asked for; any other note is kept
        notes = host_note(host) if agency.notes.startswith(NO_HOST) else agency.notes
        return dataclasses.replace(agency, parent=agency.parent or parent, portal_host=host.host, notes=notes)
    if slug in taken:
        raise SystemExit(f"the new slug {slug!r} for {name} is taken: give the entry by hand")
    taken.add(slug)
    return Agency(
        slug=slug,
        name=name,
        level=level,
        parent=parent,
        division_code=code,
        portal_host=host.host if host else "",
        notes=host_note(host),
    )


def _with_parent(agency: Agency, table: dict[str, Division], agencies: list[Agency]) -> Agency:
    """An agency without a parent: its own government (for a department), else the division above."""
    if agency.parent:
        return agency
    governments = {
        a.division_code: a.slug for a in agencies if a.level in ("province", "prefecture", "county")
    }
    code = agency.division_code
    if agency.level == "department" and code in governments:
        return dataclasses.replace(agency, parent=governments[code])
    division = table.get(code)
    while division is not None and division.parent:
        if division.parent in governments:
            return dataclasses.replace(agency, parent=governments[division.parent])
        division = table.get(division.parent)
    return agency


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--registry", type=Path, default=BUNDLED, help="registry folder (default: the bundled one)"
    )
    parser.add_argument(
        "--also", type=Path, action="append", default=[], help="another registry file to fold in"
    )
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 when a file would change")
    args = parser.parse_args(argv)
    out, notes = build(args.registry, args.also)
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    changed = [
        path for path, text in out.items() if not path.exists() or path.read_text(encoding="utf-8") != text
    ]
    if args.check:
        for path in changed:
            print(f"{path} is not what the script makes: run python scripts/registry_from_divisions.py")
        return 1 if changed else 0
    for path in changed:
        path.write_text(out[path], encoding="utf-8")
    print(f"{len(out)} province files, {len(changed)} rewritten")
    return 0


if __name__ == "__main__":
    sys.exit(main())
