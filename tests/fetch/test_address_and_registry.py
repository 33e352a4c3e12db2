"""The address check (no connection is made) and the registry's rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from gongkai.fetch.address import AddressRefused, check_url, is_public
from gongkai.fetch.registry import RegistryError, load_registry, registry_toml


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("172.31.255.255", False),
        ("192.168.1.1", False),
        ("127.0.0.1", False),
        ("127.0.0.2", False),
        ("169.254.169.254", False),
        ("0.0.0.0", False),
        ("::1", False),
        ("fd00::1", False),
        ("fe80::1", False),
        ("::ffff:10.0.0.1", False),
        ("::ffff:127.0.0.1", False),
        ("100.64.0.1", False),
        ("224.0.0.1", False),
        ("255.255.255.255", False),
        ("8.8.8.8", True),
        ("202.108.22.5", True),
        ("172.32.0.1", True),
        ("2400:3200::1", True),
        ("::ffff:202.108.22.5", True),
    ],
)
def test_is_public(address: str, public: bool) -> None:
    assert is_public(address) is public


def _resolver(*addresses: str):  # type: ignore[no-untyped-def]
    def resolve(host, port, proto=0):  # type: ignore[no-untyped-def]
        resolve.asked.append(host)
        return [(2, 1, 6, "", (a, port)) for a in addresses]

    resolve.asked = []
    return resolve


def test_hosts_resolving_to_private_addresses_are_refused_unless_allowed() -> None:
    with pytest.raises(AddressRefused, match="non-public address 192.168.0.10"):
        check_url("http://intranet.example/x.pdf", set(), resolve=_resolver("192.168.0.10"))
    # one private address among public ones is enough to refuse (DNS rebinding)
    with pytest.raises(AddressRefused, match="10.0.0.7"):
        check_url("http://www.gov.example/x.pdf", set(), resolve=_resolver("202.108.22.5", "10.0.0.7"))
    with pytest.raises(AddressRefused, match="169.254.169.254"):
        check_url("http://169.254.169.254/latest/meta-data/", set(), resolve=_resolver("169.254.169.254"))
    allowed = _resolver("127.0.0.1")
    check_url("http://portal.test:8080/x.pdf", {"portal.test"}, resolve=allowed)
    assert allowed.asked == []  # an allowed host is not even resolved
    check_url("https://www.gov.example/x.pdf", set(), resolve=_resolver("202.108.22.5"))


def test_the_allowance_is_per_host_not_per_address() -> None:
    with pytest.raises(AddressRefused, match="127.0.0.2"):
        check_url("http://127.0.0.2:8080/x.pdf", {"127.0.0.1"}, resolve=_resolver("127.0.0.2"))
    with pytest.raises(AddressRefused, match="localhost"):
        check_url("http://localhost/x.pdf", {"127.0.0.1"}, resolve=_resolver("127.0.0.1"))


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://ftp.gov.example/x.pdf", "gopher://x/", "http:///x"]
)
def test_only_http_urls_with_a_host(url: str) -> None:
    with pytest.raises(AddressRefused):
        check_url(url, set(), resolve=_resolver("202.108.22.5"))


def test_a_host_that_does_not_resolve_is_refused() -> None:
    def fail(host, port, proto=0):  # type: ignore[no-untyped-def]
        raise OSError("Name or service not known")

    with pytest.raises(AddressRefused, match="does not resolve"):
        check_url("http://nowhere.invalid/x.pdf", set(), resolve=fail)


# ---------------------------------------------------------------- registry


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "r.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_registry_rejects_duplicate_slugs(tmp_path: Path) -> None:
    path = _write(tmp_path, '[[agency]]\nslug = "a-b"\nname = "甲"\n[[agency]]\nslug = "a-b"\nname = "乙"\n')
    with pytest.raises(RegistryError, match="appears twice"):
        load_registry(path)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('slug = "洪泽"\nname = "甲"', "lowercase ASCII"),
        ('slug = "Hongze"\nname = "甲"', "lowercase ASCII"),
        ('slug = "a-b"\nname = "甲"\nlisting_url = "http://x.gov.cn/"', "unknown keys \\['listing_url'\\]"),
        ('slug = "a-b"\nname = "甲"\nlisting_urls = ["/nianbao/index.html"]', "absolute http"),
        ('slug = "a-b"\nname = "甲"\ntitle_pattern = "(年报"', "regular expression"),
        ('slug = "a-b"\nname = "甲"\npagination = "index_2.html"', "\\{n\\}"),
        ('slug = "a-b"\nname = "甲"\nrate_limit = 0', "rate_limit"),
        ('slug = "a-b"\nname = "甲"\nexpected_years = [23]', "expected_years"),
        ('slug = "a-b"\nname = "甲"\ndivision_code = "32081"', "division_code"),
        ('slug = "a-b"\nname = "甲"\nlevel = "village"', "level"),
        ('slug = "a-b"\nname = "甲"\nencoding = "gbk-ish"', "encoding"),
        ('slug = "a-b"', "lacks name"),
    ],
)
def test_registry_rejects_bad_entries_with_a_message_that_says_what_to_fix(
    tmp_path: Path, entry: str, message: str
) -> None:
    with pytest.raises(RegistryError, match=message):
        load_registry(_write(tmp_path, f"[[agency]]\n{entry}\n"))


def test_registry_rejects_a_file_that_is_not_toml(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match="not valid TOML"):
        load_registry(_write(tmp_path, "[[agency]\nslug = 1"))


def test_bundled_registry_has_the_seed_and_corpus_agencies() -> None:
    registry = load_registry()
    slugs = [a.slug for a in registry.agencies]
    assert len(slugs) == len(set(slugs)) >= 7 and all(s.isascii() for s in slugs)
    hongze = registry.get("huaian-hongze-gov")
    assert (hongze.name, hongze.division_code, hongze.level) == (
        "淮安市洪泽区人民政府",
        "320813000000",
        "county",
    )
    assert hongze.listing_urls == ("http://www.hongze.gov.cn/col/1167_462443/index.html",)
    assert registry.get("huaian-gov").listing_urls[0].startswith("http://www.huaian.gov.cn/col/")
    assert {
        "wuhan-dongxihu-dpf",
        "bengbu-bengshan-dpf",
        "jingmen-dongbao-bureau",
        "jinjiang-dpf",
        "zibo-zhangdian-dpf",
    } <= set(slugs)
    assert not registry.allowed_private_hosts()  # the real registry allows no private host
    with pytest.raises(KeyError, match="not in the registry"):
        registry.get("no-such-agency")


def test_registry_round_trips_through_toml(tmp_path: Path) -> None:
    registry = load_registry()
    again = load_registry(_write(tmp_path, registry_toml(registry)))
    assert again.agencies == registry.agencies


def test_agencies_on_one_host_get_the_strictest_limits(tmp_path: Path) -> None:
    registry = load_registry(
        _write(
            tmp_path,
            (
                '[[agency]]\nslug = "a-1"\nname = "甲"\nlisting_urls = ["http://www.x.gov.cn/a/"]\nrate_limit = 2.0\n'
                'concurrency = 1\n[[agency]]\nslug = "a-2"\nname = "乙"\nlisting_urls = ["http://www.x.gov.cn/b/"]\n'
                "rate_limit = 0.5\nconcurrency = 3\nverify_tls = false\n"
            ),
        )
    )
    assert registry.rate_limits() == {"www.x.gov.cn": (0.5, 1)}
    assert registry.insecure_hosts() == {"www.x.gov.cn"}
