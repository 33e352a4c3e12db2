"""A portable, tidy lake: every reader gets report_year as the same integer with the documented one-liner,
raw_uri is relative to the lake root (a moved lake still finds its bytes), no empty folders are left,
and the Spark/Athena DDL names every column."""

from __future__ import annotations

import copy
import os
import re
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.dataset as ds
import pytest

from gongkai.lake import ddl
from gongkai.lake.raw import archive_raw, raw_location
from gongkai.lake.reader import PARTITIONING, read_table
from gongkai.lake.schemas import TABLES
from gongkai.lake.store import open_store
from gongkai.lake.writer import write_batch
from gongkai.model import Report

SEEDS = ["001_88afcdf2753bf816.txt", "002_b390b720f2150a3b.txt", "003_03c3a6963c974949.txt"]
ROOT = Path(__file__).resolve().parents[2]


def _lake(tmp_path: Path, parsed: dict[str, Report]) -> Path:
    store = open_store(str(tmp_path / "lake"))
    reports = [parsed[n] for n in SEEDS]
    for report in reports:
        archive_raw(store, Path(ROOT / "tests/fixtures/seeds" / Path(report.source).name).read_bytes())
    write_batch(store, reports)
    return tmp_path / "lake"


def test_every_reader_reads_report_year_as_the_same_integer(
    tmp_path: Path, parsed: dict[str, Report]
) -> None:
    lake = _lake(tmp_path, parsed)
    folder = lake / "tables" / "reports"
    years = sorted(r.report_year for r in (parsed[n] for n in SEEDS))
    assert years == [2020, 2023, 2024]
    # the one-liners of docs/readers.md, as printed there
    frame = pd.read_parquet(
        folder, partitioning=ds.partitioning(pa.schema([("report_year", pa.int32())]), flavor="hive")
    )
    assert str(frame["report_year"].dtype) == "int32" and (frame["report_year"] == 2024).sum() == 1
    assert str(pd.read_parquet(folder, partitioning=PARTITIONING)["report_year"].dtype) == "int32"
    got = duckdb.sql(
        f"select typeof(report_year), count(*) from read_parquet('{folder}/*/*.parquet', "
        "hive_partitioning = true, hive_types = {'report_year': INTEGER}) where report_year = 2024 group by 1"
    ).fetchall()
    assert got == [("INTEGER", 1)]
    polars = pl.scan_parquet(f"{folder}/", hive_schema={"report_year": pl.Int32}).collect()
    assert polars.schema["report_year"] == pl.Int32
    assert polars.filter(pl.col("report_year") == 2024).height == 1
    assert sorted(polars["report_year"].to_list()) == years
    # left to infer, pandas makes a category, not an integer column: why the type is declared
    assert str(pd.read_parquet(folder)["report_year"].dtype) == "category"


def test_the_readers_doc_holds_the_tested_one_liners() -> None:
    doc = (ROOT / "docs" / "readers.md").read_text(encoding="utf-8")
    assert 'partitioning=ds.partitioning(pa.schema([("report_year", pa.int32())]), flavor="hive")' in doc
    assert "hive_types = {'report_year': INTEGER}" in doc
    assert 'hive_schema={"report_year": pl.Int32}' in doc
    assert doc == ddl.render(), "run python -m gongkai.lake.ddl --write"


def test_the_ddl_names_every_column_of_every_table() -> None:
    text = ddl.all_tables("s3://bucket/prefix")
    statements = re.findall(
        r"CREATE EXTERNAL TABLE IF NOT EXISTS gongkai\.(\w+) \((.*?)\n\)\n(.*?)\nMSCK REPAIR TABLE gongkai\.\1;",
        text,
        re.S,
    )
    assert [name for name, _, _ in statements] == list(TABLES)
    for name, body, tail in statements:
        declared = re.findall(r"^  `(\w+)` ", body, re.M)
        assert declared == TABLES[name].column_names, name
        assert "PARTITIONED BY (`report_year` INT" in tail
        assert f"LOCATION 's3://bucket/prefix/tables/{name}/'" in tail
    assert ddl.sql_type(pa.list_(pa.struct([("where", pa.string())]))) == "ARRAY<STRUCT<`where`: STRING>>"
    with pytest.raises(TypeError):
        ddl.sql_type(pa.float16())


def test_a_moved_lake_still_finds_its_raw_documents(tmp_path: Path, parsed: dict[str, Report]) -> None:
    lake = _lake(tmp_path, parsed)
    moved = tmp_path / "elsewhere" / "lake"
    shutil.move(lake, moved)
    store = open_store(str(moved), create=False)
    rows = read_table(store, "reports", columns=["raw_uri", "sha256"]).to_pylist()
    assert len(rows) == 3
    for row in rows:
        assert row["raw_uri"] == f"raw/{row['sha256'][:2]}/{row['sha256']}"  # relative to the lake root
        assert (moved / row["raw_uri"]).is_file()
        assert raw_location(store, row["raw_uri"]) == (moved / row["raw_uri"]).as_uri()


def _empty_folders(root: Path) -> list[str]:
    return sorted(
        str(Path(d).relative_to(root)) for d, dirs, files in os.walk(root) if not dirs and not files
    )


def test_no_empty_partition_or_staging_folders_are_left(tmp_path: Path, parsed: dict[str, Report]) -> None:
    store = open_store(str(tmp_path / "lake"))
    report = parsed[SEEDS[2]]
    unknown = copy.deepcopy(report)
    unknown.report_year = None
    write_batch(store, [unknown])
    assert (tmp_path / "lake/tables/reports/report_year=0").is_dir()
    write_batch(store, [report])  # the year is found: the rows move out of report_year=0
    assert read_table(store, "reports").column("report_year").to_pylist() == [report.report_year]
    assert not (tmp_path / "lake/tables/reports/report_year=0").exists()
    assert not (tmp_path / "lake/_lake/staging").exists()
    assert _empty_folders(tmp_path / "lake") == []
