"""scripts/registry_from_divisions.py builds the province files from the division table, keeps what is
already written (slugs above all) and fills in only what is empty."""

from __future__ import annotations

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
