"""The run report and the Data Docs open offline: after a load, runs/<run_id>.html lists the quarantined
report with its agency, year, source, failing cells and their printed text and a link to its raw bytes;
no page under data_docs/ or runs/ loads anything from outside the lake, and every relative link resolves."""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from gongkai.cli import main
from gongkai.run_report import offline_page, status_chart, year_chart

FIXTURES = Path(__file__).parent / "fixtures"
HONGZE_2023 = FIXTURES / "real" / "hongze-2023.pdftotext-layout.txt"  # its 表四 totals print 0: quarantined
SEED = FIXTURES / "seeds" / "001_88afcdf2753bf816.txt"


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str, str]] = []  # (tag, attribute, value)
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_style = tag == "style"
        for name, value in attrs:
            if name in ("href", "src", "srcset", "action", "poster", "data") and value:
                self.links.append((tag, name, value))

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.styles.append(data)


def _check_pages(root: Path) -> list[Path]:
    """Every HTML page the lake holds for people: no external URL in any link, resource or style, and
    every relative link resolving to a file. Returns the pages checked."""
    pages = sorted([*root.glob("runs/*.html"), *root.glob("data_docs/**/*.html")])
    for page in pages:
        parser = _Links()
        parser.feed(page.read_text(encoding="utf-8"))
        assert not any(re.search(r"url\(|@import", css) for css in parser.styles), page
        for tag, name, value in parser.links:
            target = urlparse(value)
            assert not target.scheme and not target.netloc, f"{page}: <{tag} {name}={value!r}>"
            if not target.path:
                continue  # a fragment on the same page
            resolved = (page.parent / unquote(target.path)).resolve()
            assert resolved.is_file(), f"{page}: {value} does not resolve"
    return pages


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    folder = tmp_path_factory.mktemp("reports")
    shutil.copy(HONGZE_2023, folder / "hongze-2023.txt")
    shutil.copy(SEED, folder / "seed.txt")
    lake = tmp_path_factory.mktemp("lake") / "lake"
    assert main(["load", str(folder), "--lake", str(lake)]) == 0
    return lake, str(folder)


def test_the_run_report_lists_the_quarantined_report(
    loaded: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    lake, folder = loaded
    [page] = lake.glob("runs/*.html")
    text = page.read_text(encoding="utf-8")
    assert "gongkai load 2020, 2023: <span" in re.sub(r"\s+", " ", text)
    assert "No report listed" not in text
    assert 'class="report"' in text and text.count('class="report"') == 1  # one quarantined, the seed valid
    section = text.split('class="report"', 1)[1]
    assert "huaianshihongzequrenminzhengfu-" in section and "淮安市洪泽区人民政府" in section  # agency
    assert " · 2023 · " in section and f"{folder}/hongze-2023.txt" in section  # year, source
    # a failing cell: the check, the cell, what was printed there, what was expected
    assert "review_litigation.block_total" in section and "review_litigation.review_total" in section
    row = re.search(
        r"review_litigation\.review_total</code></td><td>(.*?)</td><td class=n>(.*?)</td>", section
    )
    assert row is not None and row.group(1) == "<code>0</code>" and row.group(2) == "11"
    raw = re.search(r'href="(\.\./raw/[0-9a-f]{2}/[0-9a-f]{64})"', section)
    assert raw is not None and (page.parent / raw.group(1)).read_bytes() == HONGZE_2023.read_bytes()
    assert "<svg" in text and ">quarantined</text>" in text


def test_a_run_with_more_bad_reports_than_a_page_shows_says_how_many_more(
    loaded: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A national run's thousands of quarantined reports do not all get a section: the page names them."""
    from gongkai import run_report

    lake, folder = loaded
    [whole_page] = lake.glob("runs/*.html")
    monkeypatch.setattr(run_report, "MAX_REPORTS_SHOWN", 0)
    assert main(["load", folder, "--lake", str(tmp_path / "lake")]) == 0
    [capped_page] = (tmp_path / "lake").glob("runs/*.html")
    whole, capped = whole_page.read_text(encoding="utf-8"), capped_page.read_text(encoding="utf-8")
    assert 'class="report"' not in capped and "<p>None.</p>" in capped
    assert "Quarantined and failed reports (1)" in capped and "Quarantined and failed reports (1)" in whole
    assert "1 more are not shown here" in capped and "more are not shown" not in whole
    # the rest of the page is the same: the agencies' table, written row by row, and the page's end
    assert capped.count("<tr><td>") == 2 < whole.count("<tr><td>")  # no failing cells, the two agencies
    assert capped.split("<h2>Per agency and year</h2>")[1] == whole.split("<h2>Per agency and year</h2>")[1]
    assert capped.endswith("</table>\n\n</body></html>\n")


def test_no_page_loads_anything_from_outside_and_every_link_resolves(loaded: tuple[Path, str]) -> None:
    lake, _ = loaded
    pages = _check_pages(lake)
    names = {p.relative_to(lake).as_posix() for p in pages}
    assert "data_docs/index.html" in names and any(n.startswith("runs/") for n in names)
    assert sum(n.startswith("data_docs/validations/") for n in names) == 7  # one page per suite
    index = (lake / "data_docs" / "index.html").read_text(encoding="utf-8")
    assert "../runs/" in index and "validations/" in index


def test_the_check_fails_an_external_resource_and_a_broken_link(tmp_path: Path) -> None:
    (tmp_path / "runs").mkdir()
    page = tmp_path / "runs" / "x.html"
    page.write_text('<html><head><script src="https://cdn.example/x.js"></script></head></html>')
    with pytest.raises(AssertionError, match="cdn.example"):
        _check_pages(tmp_path)
    page.write_text('<a href="../raw/ab/missing">raw</a>')
    with pytest.raises(AssertionError, match="does not resolve"):
        _check_pages(tmp_path)
    page.write_text("<style>body { background: url(https://x/y.png) }</style>")
    with pytest.raises(AssertionError):
        _check_pages(tmp_path)


def test_gx_pages_lose_their_cdn_tags_and_keep_their_content() -> None:
    gx = (
        '<html><head><link rel="stylesheet" href="https://maxcdn.example/bootstrap.css">'
        '<script src="https://code.example/jquery.js"></script></head><body>'
        '<img src="https://assets.example/logo.png"><a href="https://greatexpectations.io">GX</a>'
        '<a href="../../index.html">Home</a><table><tr><td>expect_column_sum</td></tr></table></body></html>'
    )
    page = offline_page(gx)
    assert "https://" not in page and "<table><tr><td>expect_column_sum</td></tr></table>" in page
    assert 'href="../../index.html"' in page and offline_page(page) == page


def test_charts_scale_to_the_counts() -> None:
    chart = status_chart({"valid": 8, "warnings": 1, "quarantined": 1})
    widths = [int(w) for w in re.findall(r'<rect x="108" y="\d+" width="(\d+)"', chart)]
    assert widths == [300, 38, 38, 0]  # valid the longest; failed none
    years = year_chart({2023: {"valid": 2, "quarantined": 1}, 2024: {"valid": 1}})
    assert ">2023</text>" in years and ">2024</text>" in years and ">3</text>" in years
