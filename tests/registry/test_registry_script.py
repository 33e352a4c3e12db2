"""scripts/registry_from_divisions.py builds the province files from the division table, keeps what is
already written (slugs above all) and fills in only what is empty."""

from __future__ import annotations

import dataclasses
import importlib.util
import shutil
from pathlib import Path
from types import ModuleType

import pytest

from gongkai.fetch.registry import BUNDLED, load_registry

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "registry_from_divisions.py"


@pytest.fixture(scope="module")
def script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("registry_from_divisions", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_registry_is_built_from_the_table_keeping_what_is_written(
    script: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(BUNDLED / "00-national.toml", tmp_path)
    (tmp_path / "44-guangdong.toml").write_text(
        "[[agency]]\n"
        'slug = "gz-city"\nname = "广州市政府"\nlevel = "prefecture"\ndivision_code = "440100000000"\n'
        'portal_host = "www.gz.gov.cn"\nhost_verified = true\nlisting_urls = ["https://www.gz.gov.cn/gkmlpt/nb"]\n\n'
        "[[agency]]\n"
        'slug = "gz-tianhe-gov"\nname = "广州市天河区人民政府"\nlevel = "county"\ndivision_code = "440106"\n',
        encoding="utf-8",
    )
    assert script.main(["--registry", str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    assert "31 province files, 31 rewritten" in out
    assert "gz-city: the table now names 440100000000 广州市; name kept: 广州市政府" in err
    registry = load_registry(tmp_path)
    assert len(registry.agencies) == 61 + 31 * 2 + 333 + 1
    kept = registry.get("gz-city")  # its slug, name, host and listing kept; only the parent filled in
    assert (kept.name, kept.parent, kept.host_verified, kept.listing_urls) == (
        "广州市政府",
        "guangdong-gov",
        True,
        ("https://www.gz.gov.cn/gkmlpt/nb",),
    )
    assert "guangzhou-gov" not in registry.by_slug
    tianhe = registry.get("gz-tianhe-gov")  # padded to 12 digits, hung under its prefecture
    assert (tianhe.division_code, tianhe.parent) == ("440106000000", "gz-city")
    made = registry.get("shenzhen-gov")
    assert (made.portal_host, made.host_verified, made.parent) == ("www.sz.gov.cn", False, "guangdong-gov")
    text = (tmp_path / "44-guangdong.toml").read_text(encoding="utf-8")
    assert (
        text.index('slug = "guangdong-gov"')
        < text.index('slug = "gz-city"')
        < text.index('slug = "gz-tianhe-gov"')
    )
    # a second run changes nothing
    assert script.main(["--registry", str(tmp_path), "--check"]) == 0
    (tmp_path / "44-guangdong.toml").write_text(
        text.replace("广州市政府", "广州市人民政府"), encoding="utf-8"
    )
    assert script.main(["--registry", str(tmp_path), "--check"]) == 0  # an edit is kept, not undone
    (tmp_path / "46-hainan.toml").unlink()
    assert script.main(["--registry", str(tmp_path), "--check"]) == 1
    assert "46-hainan.toml is not what the script makes" in capsys.readouterr().out


def test_a_host_line_may_name_its_source(script: ModuleType, tmp_path: Path) -> None:
    table = tmp_path / "hosts.tsv"
    table.write_text(
        "# comment\n13\tgov\twww.hebei.gov.cn\n13\tdpf\twww.hebcl.org.cn\towner/repo@abc src/x.ts\n",
        encoding="utf-8",
    )
    hosts = script.load_hosts(table)
    assert hosts[("130000000000", "gov")] == script.PortalHost("www.hebei.gov.cn", "")
    assert hosts[("130000000000", "dpf")] == script.PortalHost("www.hebcl.org.cn", "owner/repo@abc src/x.ts")
    table.write_text("13\tdpf\n", encoding="utf-8")  # no host: refused, naming the line
    with pytest.raises(SystemExit, match=r"hosts.tsv:1: expected code, gov\|dpf, host"):
        script.load_hosts(table)
    table.write_text("13\tcity\twww.x.cn\n", encoding="utf-8")
    with pytest.raises(SystemExit, match="hosts.tsv:1"):
        script.load_hosts(table)


def test_a_filled_host_replaces_the_note_asking_for_it(script: ModuleType) -> None:
    from gongkai.fetch.registry import Agency

    asking = Agency(
        slug="hebei-dpf",
        name="河北省残疾人联合会",
        level="department",
        parent="hebei-gov",
        division_code="130000000000",
        notes=script.NO_HOST,
    )
    host = script.PortalHost("www.hebcl.org.cn", "owner/repo@abc src/x.ts")
    kw = {"slug": "hebei-dpf", "name": "", "level": "department", "parent": "hebei-gov"}
    kw |= {"code": "130000000000", "taken": set()}
    filled = script._keep_or_make(asking, host=host, **kw)
    assert (filled.portal_host, filled.notes) == (
        "www.hebcl.org.cn",
        "portal host read in owner/repo@abc src/x.ts (not fetched)",
    )
    other = script._keep_or_make(dataclasses.replace(asking, notes="odd site"), host=host, **kw)
    assert (other.portal_host, other.notes) == ("www.hebcl.org.cn", "odd site")  # another note is kept
    written = script._keep_or_make(filled, host=script.PortalHost("www.other.cn"), **kw)
    assert written.portal_host == "www.hebcl.org.cn"  # a written host is never overwritten
    assert script._keep_or_make(asking, host=None, **kw).notes == script.NO_HOST
