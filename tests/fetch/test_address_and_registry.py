"""The address check (no connection is made) and the registry's rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from gongkai.fetch.address import AddressRefused, check_url, is_public
from gongkai.fetch.registry import load_registry


@pytest.mark.parametrize(("address", "public"), [
    ("10.1.2.3", False), ("172.16.0.1", False), ("172.31.255.255", False), ("192.168.1.1", False),
    ("127.0.0.1", False), ("127.0.0.2", False), ("169.254.169.254", False), ("0.0.0.0", False), ("::1", False),
    ("fd00::1", False), ("::ffff:10.0.0.1", False), ("8.8.8.8", True), ("202.108.22.5", True),
    ("2400:3200::1", True),
])
def test_is_public(address: str, public: bool) -> None:
    assert is_public(address) is public


def _resolver(address: str):  # type: ignore[no-untyped-def]
    return lambda host, port, proto=0: [(2, 1, 6, "", (address, port))]


def test_hosts_resolving_to_private_addresses_are_refused_unless_allowed() -> None:
    with pytest.raises(AddressRefused, match="non-public"):
        check_url("http://intranet.example/x.pdf", set(), resolve=_resolver("192.168.0.10"))
    check_url("http://portal.test/x.pdf", {"portal.test"}, resolve=_resolver("127.0.0.1"))
    check_url("https://www.gov.example/x.pdf", set(), resolve=_resolver("202.108.22.5"))
    with pytest.raises(AddressRefused, match="only http"):
        check_url("file:///etc/passwd", set())


def test_registry_rejects_duplicate_slugs(tmp_path: Path) -> None:
    path = tmp_path / "r.toml"
    path.write_text('[[agency]]\nslug = "a-b"\nname = "甲"\n[[agency]]\nslug = "a-b"\nname = "乙"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="appears twice"):
        load_registry(path)


def test_bundled_registry_loads_with_ascii_unique_slugs() -> None:
    registry = load_registry()
    slugs = [a.slug for a in registry.agencies]
    assert len(slugs) == len(set(slugs)) >= 7 and all(s.isascii() for s in slugs)
    assert registry.get("huaian-hongze-gov").name == "淮安市洪泽区人民政府"
