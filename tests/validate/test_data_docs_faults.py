"""Data Docs render for every batch of a load, whatever the run id looks like; a batch whose pages cannot
be rendered is one warning of the run, never a traceback on stderr, and its data is written all the same."""

from __future__ import annotations

from pathlib import Path

import pytest

from gongkai.cli import main
from gongkai.lake.reader import read_table
from gongkai.lake.store import open_store
from gongkai.model import Report
from gongkai.validate.runner import gx_run_name, validate_reports

SEEDS = Path(__file__).parents[1] / "fixtures" / "seeds"
HONGZE_2023 = "hongze-2023.pdftotext-layout.txt"


@pytest.mark.parametrize("run_id", ["20240101T000000-123456", "20261206T222354Z-036197", "2024-05-06", "run"])
def test_date_like_run_ids_render(
    tmp_path: Path, reports: dict[str, Report], run_id: str, capfd: pytest.CaptureFixture[str]
) -> None:
    outcome = validate_reports([reports[HONGZE_2023]], None, run_id=run_id, docs_dir=tmp_path / "docs")
    assert outcome.docs_warning is None
    assert (tmp_path / "docs" / f"run-{run_id}.html").is_file()
    pages = list((tmp_path / "docs" / "validations").glob(f"*/{gx_run_name(run_id)}/*/*.html"))
    assert len(pages) == 7  # one per suite
    assert "Traceback" not in capfd.readouterr().err


def test_every_batch_of_a_load_has_its_data_docs(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    lake = str(tmp_path / "lake")
    code = main(["load", str(SEEDS), "--lake", lake, "--batch-size", "1", "--docs", str(tmp_path / "docs")])
    out, err = capfd.readouterr()
    assert code == 0, err
    assert "Traceback" not in err and "WARNING" not in err
    runs = sorted((tmp_path / "docs").glob("run-*.html"))
    assert len(runs) == 5 and out.count("Data Docs: ") == 1  # the lake's offline index lists the five
    assert len(open_store(lake).list("data_docs/run-")) == 5


def test_docs_that_cannot_be_rendered_are_one_warning(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    blocked = tmp_path / "docs"
    blocked.write_text("a file where the Data Docs folder should be")
    lake = str(tmp_path / "lake")
    code = main(["load", str(SEEDS), "--lake", lake, "--batch-size", "5", "--docs", str(blocked)])
    out, err = capfd.readouterr()
    assert code == 0  # the data is written; only its pages are missing
    assert "Traceback" not in err
    warnings = [line for line in err.splitlines() if line.startswith("WARNING")]
    assert len(warnings) == 1 and "Data Docs of run" in warnings[0] and "could not be rendered" in warnings[0]
    assert "Data Docs: " not in out
    assert read_table(open_store(lake), "reports").num_rows == 5
