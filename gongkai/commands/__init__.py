"""Subcommands of `gongkai`; every module here is registered by gongkai.cli.

Also what the commands share so that they fail alike: `CommandError` (gongkai.cli prints it on stderr
and exits 2), agency slugs checked against the registry with the closest matches, input paths walked
one way for `parse` and `load`, and a lake opened for reading that must already exist.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from gongkai.fetch.registry import closest_names
from gongkai.lake.store import Store, open_store
from gongkai.pipeline.archive import Skipped, find_files


class CommandError(Exception):
    """The command cannot do what it was asked: gongkai.cli prints `gongkai <command>: <message>` on
    stderr and exits 2."""


def closest(name: str, known: Iterable[str], n: int = 3) -> list[str]:
    """The known names nearest to a mistyped one, best first (see fetch.registry.closest_names)."""
    return closest_names(name, known, n)


def check_agencies(slugs: Sequence[str] | None, known: Iterable[str], where: str) -> None:
    """Raise CommandError naming every slug not in `known`, with the closest known slugs."""
    known = set(known)
    unknown = [s for s in dict.fromkeys(slugs or ()) if s not in known]
    if not unknown:
        return
    lines = []
    for slug in unknown:
        near = closest(slug, known)
        lines.append(
            f"unknown agency slug {slug!r}" + (f" (did you mean {', '.join(near)}?)" if near else "")
        )
    raise CommandError("; ".join(lines) + f" — the slugs are those of {where}")


def registry_slugs(registry_path: str | None) -> tuple[list[str], str]:
    """The registry's slugs and where they come from (for messages); CommandError if it cannot be read."""
    from gongkai.fetch.registry import load_registry

    try:
        registry = load_registry(registry_path)
    except (OSError, ValueError) as exc:
        raise CommandError(f"cannot read the registry {registry_path or '(bundled)'}: {exc}") from exc
    return [agency.slug for agency in registry.agencies], f"the registry {registry.path}"


def report_files(paths: Sequence[Path]) -> tuple[list[Path], list[Skipped]]:
    """The report files named and found in the folders named (`find_files`: one filter for `parse` and
    `load`), and the folder files skipped with why. A path that does not exist fails the whole command
    before anything is done: a typo next to valid paths must not pass for a complete run."""
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise CommandError(f"no such file or folder: {', '.join(missing)}")
    skipped: list[Skipped] = []
    files = list(find_files(paths, skipped))
    return files, skipped


def open_lake_for_reading(uri: str | None) -> Store:
    """The lake at `uri` (default $GONGKAI_LAKE or ./lake), which must exist: a read command creates
    nothing, and a mistyped path is an error, not an empty lake."""
    from gongkai.lake.store import LakeNotFound

    try:
        return open_store(uri, create=False)
    except LakeNotFound as exc:
        raise CommandError(str(exc)) from exc
    except ValueError as exc:
        raise CommandError(f"cannot read the lake {uri!r}: {exc}") from exc
