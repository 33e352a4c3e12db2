"""`gongkai load` end to end: seeds and real reports into a local folder and into S3, twice."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from lake_fixtures import FIXTURES, REAL_PDFS, REAL_TEXT_FILES, SEED_FILES

from gongkai.cli import main
from gongkai.lake import log
from gongkai.lake.reader import dataset, read_table
from gongkai.lake.store import open_store
from gongkai.model import report_id_for
from gongkai.pipeline import parse_bytes


def _load(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[dict]]:
    code = main(["load", "--json", *args])
    out = capsys.readouterr().out
    return code, [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def _pdfs_extractable() -> bool:
    return parse_bytes(REAL_PDFS[0].read_bytes(), str(REAL_PDFS[0])).form_version != "unknown"


def test_load_twice_into_the_lake(lake_uri: str, capsys: pytest.CaptureFixture[str]) -> None:
    paths = [FIXTURES / "seeds", *map(str, REAL_TEXT_FILES), *map(str, REAL_PDFS)]
    code, rows = _load(capsys, *map(str, paths), "--lake", lake_uri, "--batch-size", "6")
    by_source = {Path(r["source"]).name: r for r in rows}
    assert len(rows) == len(SEED_FILES) + len(REAL_TEXT_FILES) + len(REAL_PDFS)
    hongze = by_source["hongze-2023.pdftotext-layout.txt"]
    assert hongze["status"] == "quarantined"
    broken = {(f["check"], f["where"], f["expected"], f["observed"]) for f in hongze["failures"]}
    assert ("review_litigation.block_total", "review_litigation.review_total", "11", "0") in broken
    assert ("review_litigation.block_total", "review_litigation.suit_after_review_total", "5", "0") in broken
    assert by_source["huaian-2024.pdftotext-layout.txt"]["status"] == "valid"
    assert by_source["003_03c3a6963c974949.txt"]["status"] == "valid"
    assert by_source["002_b390b720f2150a3b.txt"]["status"] == "warnings"  # no agency name printed
    pdf = by_source["hongze-2023.pdf"]
    if _pdfs_extractable():
        assert pdf["status"] == "quarantined" and code == 0
    else:
        assert pdf["status"] == "failed" and code == 1  # kept with its problems until PDFs can be read

    store = open_store(lake_uri)
    seq = log.read_state(store).seq
    files = store.list("tables/")
    counts = {
        t: read_table(store, t).num_rows for t in ("reports", "applications", "validation_results", "lineage")
    }
    assert counts["reports"] == len(rows)

    # the named failing cells are in validation_results, readable by pyarrow and DuckDB
    rid = hongze["report_id"]
    results = dataset(store, "validation_results")  # noqa: F841 - DuckDB finds it by name
    got = duckdb.sql(
        f"select check_name, table_name, column_key, expected, observed, severity, report_year "
        f"from results where report_id = '{rid}' and check_name = 'review_litigation.block_total' "
        "order by column_key"
    ).fetchall()
    assert got == [
        ("review_litigation.block_total", "review_litigation", "review_total", "11", "0", "error", 2023),
        (
            "review_litigation.block_total",
            "review_litigation",
            "suit_after_review_total",
            "5",
            "0",
            "error",
            2023,
        ),
    ]
    reports = {r["report_id"]: r for r in read_table(store, "reports").to_pylist()}
    assert (
        reports[rid]["status"] == "quarantined"
        and "review_litigation.block_total" in reports[rid]["problem_codes"]
    )
    # relative to the lake root: a moved lake still finds its bytes
    assert reports[rid]["raw_uri"] == f"raw/{reports[rid]['sha256'][:2]}/{reports[rid]['sha256']}"
    assert (
        store.get(reports[rid]["raw_uri"])
        == (FIXTURES / "real" / "hongze-2023.pdftotext-layout.txt").read_bytes()
    )
    stages = {(r["report_id"], r["stage"]) for r in read_table(store, "lineage").to_pylist()}
    # the same per-document stages as the flow's (tests/flows/test_flow_e2e.py)
    assert {(rid, s) for s in ("archive", "extract", "parse", "validate", "write")} <= stages
    docs = [k for k in store.list("data_docs/") if k.startswith("data_docs/run-")]
    assert len(docs) == 2  # two batches, one Data Docs page each
    assert "review_litigation" in store.get(docs[0]).decode() + store.get(docs[1]).decode()

    # again: nothing changes
    code2, rows2 = _load(capsys, *map(str, paths), "--lake", lake_uri, "--batch-size", "6")
    assert code2 == code and [r["status"] for r in rows2] == [r["status"] for r in rows]
    assert all(r["unchanged"] for r in rows2 if r["status"] != "failed" or r["report_id"])
    assert log.read_state(store).seq == seq and store.list("tables/") == files
    assert {t: read_table(store, t).num_rows for t in counts} == counts


def test_load_prints_a_table_and_the_data_docs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "load",
            str(SEED_FILES[3]),
            str(REAL_TEXT_FILES[0]),
            "--lake",
            str(tmp_path / "lake"),
            "--docs",
            str(tmp_path / "docs"),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "quarantined" in out and "review_litigation.review_total" in out and "valid" in out
    docs_line = next(line for line in out.splitlines() if line.startswith("Data Docs:"))
    assert docs_line.split(": ", 1)[1].startswith((tmp_path / "lake").as_uri())
    pages = list((tmp_path / "docs").glob("run-*.html"))
    assert len(pages) == 1 and "validations/" in pages[0].read_text(encoding="utf-8")


def test_load_with_an_agency_slug(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, rows = _load(
        capsys, str(SEED_FILES[2]), "--lake", str(tmp_path / "lake"), "--agency", "test-agency-1"
    )
    assert code == 0 and rows[0]["agency_id"] == "test-agency-1" and rows[0]["status"] == "valid"
    store = open_store(str(tmp_path / "lake"))
    assert read_table(store, "reports").column("agency_id").to_pylist() == ["test-agency-1"]
    assert main(["load", str(SEED_FILES[2]), "--lake", str(tmp_path / "lake"), "--agency", "Not A Slug"]) == 2


def test_unreadable_and_non_report_files_are_kept_as_failed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("会议纪要：今天天气很好。", encoding="utf-8")
    code, rows = _load(capsys, str(notes), "--lake", str(tmp_path / "lake"))
    assert code == 2 and rows[0]["status"] == "failed"
    store = open_store(str(tmp_path / "lake"))
    stored = read_table(store, "reports").to_pylist()
    assert [r["status"] for r in stored] == ["failed"] and stored[0]["report_year"] == 0
    assert stored[0]["report_id"] == report_id_for(stored[0]["sha256"])
    assert main(["load", str(tmp_path / "missing.pdf"), "--lake", str(tmp_path / "lake")]) == 2


def test_load_reads_page_images_and_lists_every_file_it_skips(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A folder of scans as PNG and BMP is read by OCR, like `gongkai parse` reads it; the other files are
    named with why they were skipped — on stderr, as JSON objects in --json mode."""
    import pypdfium2

    from gongkai.extract import EXTRACTOR_VERSION
    from gongkai.extract.ocr import ocr_available

    if not ocr_available():
        pytest.skip("rapidocr-onnxruntime is a dependency of gongkai")
    folder = tmp_path / "reports"
    (folder / ".cache").mkdir(parents=True)
    page = pypdfium2.PdfDocument(FIXTURES / "scanned" / "000_79fb0eaf2da186ab.150dpi.pdf")[0]
    image = page.render(scale=150 / 72, grayscale=True).to_pil()
    image.save(folder / "page-1.png", "PNG", dpi=(150, 150))
    image.save(folder / "page-1.BMP", "BMP")
    (folder / "notes.json").write_text("{}", encoding="utf-8")
    (folder / ".hidden.txt").write_text("x", encoding="utf-8")
    (folder / ".cache" / "copy.txt").write_text("x", encoding="utf-8")
    lake = str(tmp_path / "lake")

    code = main(["load", "--json", str(folder), "--lake", lake])
    out, err = capsys.readouterr()
    rows = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert sorted(Path(r["source"]).name for r in rows) == ["page-1.BMP", "page-1.png"]
    assert all(r["report_id"] for r in rows) and code in (0, 1)
    media = {
        Path(r["source_url"]).name: (r["media_type"], r["extractor"])
        for r in read_table(
            open_store(lake), "reports", ["source_url", "media_type", "extractor"]
        ).to_pylist()
    }
    ocr = f"ocr@{EXTRACTOR_VERSION}"
    assert media == {"page-1.png": ("image/png", ocr), "page-1.BMP": ("image/bmp", ocr)}
    skipped = {Path(s["skipped"]).name: s["reason"] for s in map(json.loads, err.splitlines())}
    assert set(skipped) == {"notes.json", ".hidden.txt", "copy.txt"}
    assert skipped["notes.json"].startswith("not a report format: .json")
    assert skipped[".hidden.txt"] == "hidden file" and skipped["copy.txt"] == "in the hidden folder .cache"

    main(
        ["load", str(folder / "notes.json"), str(folder), "--lake", lake]
    )  # a file named is read, not skipped
    err = capsys.readouterr().err
    assert f"gongkai load: skipped {folder / '.hidden.txt'}: hidden file" in err
    assert "notes.json: not a report format" in err  # skipped inside the folder, all the same
