"""Subcommands of `gongkai`; every module here is registered by gongkai.cli."""
