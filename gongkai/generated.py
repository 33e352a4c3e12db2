"""Files generated from the code (docs/data-dictionary.md, docs/readers.md): one way to write them or
check that they are current, for the modules' `python -m … [--write]` commands."""

from __future__ import annotations

from pathlib import Path


def write_or_check(path: Path, text: str, *, write: bool, command: str) -> int:
    """Write `text` to `path` (with `write`), else say whether the file holds it: exit code 0, or 1 with
    the `command` that regenerates it."""
    if write:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(path)
        return 0
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        print(f"{path} is out of date: run {command} --write")
        return 1
    print(f"{path} is up to date")
    return 0
