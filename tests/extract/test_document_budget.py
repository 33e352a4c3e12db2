"""Huge HTML and text documents: handled within one time and memory budget per document, in a worker
process (the run's own memory does not grow), parsed in time linear in their size, refused by size before
they are read, and HTML pages with more elements than a report page ever has refused before their tree is
built."""

from __future__ import annotations

import json
import os
import re
import resource
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from gongkai.extract import limits
from gongkai.pipeline import parse_bytes

FIXTURES = Path(__file__).parents[1] / "fixtures"
MB = 2**20


def _huge_html(size: int) -> bytes:
    """A real report's article page whose body repeats until the page is `size` bytes."""
    page = (FIXTURES / "corpus" / "000_79fb0eaf2da186ab.utf8.html").read_text()
    head, body = page.split("<body", 1)
    body = body.split(">", 1)[1].rsplit("</body>", 1)[0]
    return (head + "<body>" + body * (size // len(body.encode()) + 1) + "</body></html>").encode()


def _unpunctuated_text(size: int) -> bytes:
    """Printed lines that never end a sentence: a converter's output a naive line joiner makes quadratic."""
    line = "本机关主动公开政府信息共计五千九百二十八条其中通过网站发布"
    count = size // len((line + "0\n").encode()) + 1
    return "\n".join(f"{line}{i % 10}" for i in range(count)).encode()


def _self_peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def test_a_huge_text_finishes_within_the_budget() -> None:
    data = _unpunctuated_text(20 * MB)
    before = _self_peak_mib()
    report = parse_bytes(data, "huge.txt")
    codes = [p.code for p in report.problems]
    assert limits.BUDGET_EXCEEDED not in codes, report.problems  # 20 MB parse well inside 180 s when linear
    assert report.form_version == "unknown" and codes == ["not_a_report"]
    assert _self_peak_mib() - before < 100  # the document was handled in the child, not here


def test_a_huge_html_page_is_refused_by_its_element_count_before_a_tree_is_built() -> None:
    data = _huge_html(20 * MB)  # 1.4 million elements: ~70 s and 600 MB to build and walk as a tree
    before = _self_peak_mib()
    report = parse_bytes(data, "huge.html")
    assert [p.code for p in report.problems] == ["too_many_elements"]
    problem = report.problems[0]
    assert problem.severity == "error" and "more than 500,000 HTML elements" in problem.message
    assert "GONGKAI_HTML_MAX_ELEMENTS" in problem.message
    assert report.media_type == "text/html" and report.form_version == "unknown"
    assert report.sha256 and report.extractor.startswith("html@")
    assert _self_peak_mib() - before < 100


def test_the_element_cap_counts_elements_not_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    page = (FIXTURES / "corpus" / "000_79fb0eaf2da186ab.utf8.html").read_bytes()
    elements = len(re.findall(rb"<[A-Za-z]", page))  # 377
    monkeypatch.setenv("GONGKAI_HTML_MAX_ELEMENTS", str(elements))
    assert parse_bytes(page, "page.html").form_version == "f2021"  # at the cap: read
    monkeypatch.setenv("GONGKAI_HTML_MAX_ELEMENTS", str(elements - 1))
    refused = parse_bytes(page, "page.html")
    assert [p.code for p in refused.problems] == ["too_many_elements"]
    assert f"more than {elements - 1:,} HTML elements" in refused.problems[0].message
    # '<' in text and comments is not an element: a page of them under the cap is read
    monkeypatch.setenv("GONGKAI_HTML_MAX_ELEMENTS", str(elements))
    padded = page.replace(b"</body>", b"<!--" + b" < " * (2 * elements) + b"--></body>")
    assert parse_bytes(padded, "page.html").form_version == "f2021"


def test_a_huge_html_page_under_the_element_cap_is_stopped_at_the_time_budget(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GONGKAI_HTML_MAX_ELEMENTS", str(10**9))
    monkeypatch.setenv("GONGKAI_DOCUMENT_SECONDS", "1")
    data = _huge_html(20 * MB)  # ~70 s of work on a loaded 2-core machine
    before = _self_peak_mib()
    report = parse_bytes(data, "huge.html")
    assert [p.code for p in report.problems] == [limits.BUDGET_EXCEEDED]
    problem = report.problems[0]
    assert problem.severity == "error" and "1 s budget" in problem.message
    assert "GONGKAI_DOCUMENT_SECONDS" in problem.message
    assert report.media_type == "text/html" and report.form_version == "unknown"
    assert report.sha256 and report.extractor.startswith("none@")
    assert _self_peak_mib() - before < 100


def test_a_huge_html_page_under_the_element_cap_is_stopped_at_the_memory_budget(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GONGKAI_HTML_MAX_ELEMENTS", str(10**9))
    monkeypatch.setenv("GONGKAI_DOCUMENT_MEMORY_BYTES", str(200 * MB))  # lxml needs far more for a 20 MB page
    report = parse_bytes(_huge_html(20 * MB), "huge.html")
    assert [p.code for p in report.problems] == [limits.BUDGET_EXCEEDED]
    assert "200 MiB memory budget" in report.problems[0].message


def test_a_small_document_parses_the_same_with_and_without_the_child() -> None:
    data = (FIXTURES / "seeds" / "000_79fb0eaf2da186ab.txt").read_bytes()
    assert parse_bytes(data, "a.txt").to_json() == parse_bytes(data, "a.txt", budget=False).to_json()


def test_the_size_cap_is_checked_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "huge.pdf"
    with open(big, "wb") as fh:  # 200 MB, sparse: costs no disk
        fh.truncate(200 * MB)
    small = tmp_path / "small.txt"
    small.write_bytes((FIXTURES / "seeds" / "000_79fb0eaf2da186ab.txt").read_bytes())
    script = textwrap.dedent("""
        import argparse, json, resource, sys
        from pathlib import Path
        from gongkai.commands.parse import run
        code = run(argparse.Namespace(paths=[Path(sys.argv[1])], json=True))
        print(json.dumps({"exit": code, "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
    """)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(Path(__file__).parents[2]), os.environ.get("PYTHONPATH", "")]),
    }
    runs = {}
    for path in (small, big):
        done = subprocess.run(
            [sys.executable, "-c", script, str(path)],
            capture_output=True,
            text=True,
            timeout=300,
            check=True,
            env=env,
        )
        report_line, figures_line = done.stdout.strip().splitlines()[-2:]
        runs[path.name] = json.loads(report_line), json.loads(figures_line)
    report, figures = runs["huge.pdf"]
    assert [p["code"] for p in report["problems"]] == ["too_large"]
    assert "200 MiB, over the 100 MiB cap" in report["problems"][0]["message"]
    assert figures["exit"] == 2 and runs["small.txt"][1]["exit"] == 0
    # never read: no more memory than parsing a 10 KB file (it was 493 MiB for a 200 MB file)
    assert figures["peak_mib"] - runs["small.txt"][1]["peak_mib"] < 50


def test_a_text_over_the_character_cap_is_refused_before_it_is_parsed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = (FIXTURES / "seeds" / "000_79fb0eaf2da186ab.txt").read_bytes()
    characters = len(data.decode("utf-8"))
    monkeypatch.setenv("GONGKAI_TEXT_MAX_CHARS", str(characters))
    assert parse_bytes(data, "a.txt").form_version == "f2021"  # at the cap: parsed
    monkeypatch.setenv("GONGKAI_TEXT_MAX_CHARS", str(characters - 1))
    report = parse_bytes(data, "a.txt")
    assert [p.code for p in report.problems] == ["too_much_text"]
    assert f"text is {characters:,} characters, over the {characters - 1:,} cap" in report.problems[0].message
    assert report.form_version == "unknown" and report.extractor.startswith("text@")


def test_any_format_with_more_text_than_the_cap_is_refused_before_it_is_parsed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    page = (FIXTURES / "corpus" / "000_79fb0eaf2da186ab.utf8.html").read_bytes()
    monkeypatch.setenv("GONGKAI_TEXT_MAX_CHARS", "900")  # its paragraphs and cells hold 944
    report = parse_bytes(page, "page.html")
    assert [p.code for p in report.problems] == ["too_much_text"]
    assert report.media_type == "text/html" and report.extractor.startswith("html@")
    monkeypatch.setenv("GONGKAI_TEXT_MAX_CHARS", "944")
    assert parse_bytes(page, "page.html").form_version == "f2021"
