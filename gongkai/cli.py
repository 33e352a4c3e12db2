"""`gongkai` — one console command; each subcommand lives in its own module under gongkai/commands/.

A command module exposes `register(subparsers) -> None`, adding a subparser whose `func(args)`
returns the process exit code (0 success, 1 partial success, 2 failure).
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

import gongkai.commands
from gongkai.commands import CommandError
from gongkai.settings import SettingsError, get_settings
from gongkai.versions import code_version


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gongkai", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=code_version())
    subparsers = parser.add_subparsers(dest="command", required=True)
    for module_info in sorted(pkgutil.iter_modules(gongkai.commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"gongkai.commands.{module_info.name}")
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        get_settings()  # an invalid setting stops the command before it does anything
        return int(args.func(args) or 0)
    except SettingsError as exc:
        print(f"gongkai: {exc}", file=sys.stderr)
        return 2
    except CommandError as exc:
        print(f"gongkai {args.command}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
