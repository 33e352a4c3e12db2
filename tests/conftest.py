"""Suite-wide settings: Hypothesis profiles for the two lanes.

`make test` (CI) runs every property test at its full example count; `make check` runs the fast lane
with `--hypothesis-profile=fast`, where each property test draws a few dozen examples instead
(see `examples` in tests/parse/report_strategies.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import settings

settings.register_profile("fast", max_examples=25, deadline=None)


# Tests left out of the fast lane (`make check`): each starts external processes (Prefect's server, an S3
# server, LibreOffice, a killed writer) or runs OCR over whole pages. `make test` and CI run them all.
SLOW = (
    "tests/flows/",  # Prefect's engine and a temporary API server
    "tests/lake/test_lake_crash.py",  # writers killed with SIGKILL, on a local and an S3 lake
    "tests/lake/test_lake_load_e2e.py",  # `gongkai load` as a process, local and S3
    "tests/lake/test_lake_race.py",  # four concurrent `gongkai load` processes, local and S3
    "tests/extract/test_document_budget.py::test_a_huge_text_",  # a 20 MB text parsed in the budget
    "tests/extract/test_document_budget.py::test_the_size_cap_",  # `gongkai parse` as a process, twice
    "tests/fetch/test_fetch_deadline.py",  # servers that drip for longer than a 5 s deadline
    "tests/extract/test_ocr.py::test_scanned_",  # OCR of whole scanned reports
    "tests/extract/test_ocr.py::test_unread_cells_are_reported",
    "tests/extract/test_ocr.py::test_a_page_image_file_is_read_by_ocr",
    "tests/extract/test_ocr.py::test_blank_noisy_scan_gives_a_problem_and_no_numbers",
    "tests/extract/test_formats_golden.py::test_doc_is_converted_with_libreoffice",
    "tests/parse/test_historical.py::test_published_formats_give_the_figures_of_the_text",  # DOC/WPS via LibreOffice
    "tests/validate/test_validation_gates.py::test_cross_year_against_the_lake",
    # the publishers' PDF layouts, made by LibreOffice from Word files
    "tests/parse/test_roundtrip_layouts.py::test_each_publishers_layout_parses_back_with_no_silent_wrong_cell[pdf_",
    "tests/test_docs_commands.py::test_doc_block_runs",  # the demo, then docs/operations.md's commands
    "tests/test_deploy_smoke.py::test_the_locked_environment_runs_the_demo",  # a venv from the lock + demo
)


@pytest.fixture(autouse=True)
def _fresh_budget_workers(request: pytest.FixtureRequest) -> Iterator[None]:
    """A test that patches code gets budget workers and a validation process forked from this process after
    its patch (not from the fork server, which imported the code unpatched), and leaves none behind that
    carry it (gongkai.extract.limits, gongkai.pipeline.validate)."""
    if "monkeypatch" not in request.fixturenames:
        yield
        return
    from gongkai.extract.limits import stop_budget_workers
    from gongkai.pipeline.validate import stop_validation_process

    request.getfixturevalue("monkeypatch").setenv("GONGKAI_BUDGET_WORKER_START", "fork")
    stop_budget_workers()
    stop_validation_process()
    yield
    stop_budget_workers()
    stop_validation_process()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.nodeid.startswith(SLOW):
            item.add_marker(pytest.mark.slow)
    if any(item.get_closest_marker("ocr") for item in items):
        from gongkai.extract.ocr import ocr_available

        if not ocr_available():
            skip = pytest.mark.skip(reason="rapidocr-onnxruntime (a dependency of gongkai) is not installed")
            for item in items:
                if item.get_closest_marker("ocr"):
                    item.add_marker(skip)
