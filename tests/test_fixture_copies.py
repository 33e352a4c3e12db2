"""Every fixture's bytes are committed once: a test fixture the demo portal also serves is a symbolic link
to the portal's file (gongkai/data/portal/files, shipped in the package)."""

from __future__ import annotations

import hashlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = (ROOT / "tests", ROOT / "gongkai" / "data")


def test_no_file_is_committed_twice() -> None:
    seen: dict[str, Path] = {}
    twice = []
    for folder in FOLDERS:
        for path in sorted(folder.rglob("*")):
            if (
                path.is_symlink()
                or not path.is_file()
                or "__pycache__" in path.parts
                or path.stat().st_size == 0
            ):
                continue
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            if digest in seen:
                twice.append(f"{path.relative_to(ROOT)} = {seen[digest].relative_to(ROOT)}")
            seen.setdefault(digest, path)
    assert twice == []


def test_linked_fixtures_point_at_the_portals_files() -> None:
    links = sorted(p for p in (ROOT / "tests" / "fixtures").rglob("*") if p.is_symlink())
    assert len(links) == 11
    portal = ROOT / "gongkai" / "data" / "portal" / "files"
    for link in links:
        target = link.resolve()
        assert target.parent == portal and target.is_file() and target.stat().st_size > 1000, link
