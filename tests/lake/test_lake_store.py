"""The Store contract on a local folder and on a real S3 endpoint, and open_store's URI handling."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from gongkai.lake.raw import archive_raw, raw_key, raw_location, read_raw
from gongkai.lake.store import LocalStore, S3Store, open_store


def test_put_get_exists_list_delete(lake_uri: str) -> None:
    store = open_store(lake_uri)
    assert store.put("tables/t/report_year=2023/a.parquet", b"one") is True
    store.put("tables/t/report_year=2024/b.parquet", b"two")
    store.put("raw/ab/abc", b"three")
    assert store.get("tables/t/report_year=2023/a.parquet") == b"one"
    assert store.exists("raw/ab/abc") and not store.exists("raw/ab/abd")
    assert store.list("tables/") == [
        "tables/t/report_year=2023/a.parquet",
        "tables/t/report_year=2024/b.parquet",
    ]
    assert store.list("tables/t/report_year=2024") == ["tables/t/report_year=2024/b.parquet"]
    assert store.list("nothing/") == []
    store.put("raw/ab/abc", b"overwritten")
    assert store.get("raw/ab/abc") == b"overwritten"
    store.delete("raw/ab/abc")
    store.delete("raw/ab/abc")  # deleting a missing key is not an error
    assert not store.exists("raw/ab/abc")
    with pytest.raises(KeyError):
        store.get("raw/ab/abc")


def test_put_file_writes_a_file_from_its_start_in_blocks(lake_uri: str, tmp_path: Path) -> None:
    store = open_store(lake_uri)
    content = bytes(range(256)) * 12_289  # 3 MiB and a bit: more than one block
    with open(tmp_path / "record.json", "w+b") as source:
        source.write(content)  # left at its end: put_file reads from the start
        store.put_file("runs/r1.json", source)
        store.put_file("runs/r1.json", source)  # a second time overwrites, whole
    assert store.get("runs/r1.json") == content
    assert store.list("runs/") == ["runs/r1.json"]  # no temporary file left behind


def test_conditional_put_writes_only_once(lake_uri: str) -> None:
    store = open_store(lake_uri)
    assert store.put("_lake/commits/000000000001.json", b"first", if_absent=True) is True
    assert store.put("_lake/commits/000000000001.json", b"second", if_absent=True) is False
    assert store.get("_lake/commits/000000000001.json") == b"first"


def test_url_names_the_full_location(lake_uri: str) -> None:
    store = open_store(lake_uri)
    url = store.url("raw/ab/abc")
    assert url.endswith("/raw/ab/abc")
    assert url.startswith("s3://" if lake_uri.startswith("s3://") else "file:///")
    assert store.uri in url


def test_promote_moves_a_staged_file_whole(lake_uri: str) -> None:
    store = open_store(lake_uri)
    store.put("_lake/staging/b1/tables/t/report_year=2023/x.parquet", b"data")
    store.promote(
        "_lake/staging/b1/tables/t/report_year=2023/x.parquet", "tables/t/report_year=2023/x.parquet"
    )
    assert store.get("tables/t/report_year=2023/x.parquet") == b"data"
    assert not store.exists("_lake/staging/b1/tables/t/report_year=2023/x.parquet")
    # promoting again (a recovery re-running a publish) is harmless
    store.promote(
        "_lake/staging/b1/tables/t/report_year=2023/x.parquet", "tables/t/report_year=2023/x.parquet"
    )
    with pytest.raises(KeyError):
        store.promote("_lake/staging/none", "tables/t/none.parquet")


def test_open_input_reads_only_what_parquet_needs(lake_uri: str) -> None:
    store = open_store(lake_uri)
    table = pa.table({"a": list(range(1000)), "b": [str(i) for i in range(1000)]})
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    store.put("t.parquet", sink.getvalue().to_pybytes())
    with store.open_input("t.parquet") as fh:
        back = pq.ParquetFile(fh).read(columns=["b"])
    assert back.column("b").to_pylist()[:3] == ["0", "1", "2"] and back.num_rows == 1000
    with pytest.raises(KeyError):
        store.open_input("missing.parquet")


def test_raw_zone_is_content_addressed_and_idempotent(lake_uri: str) -> None:
    store = open_store(lake_uri)
    data = "淮安市洪泽区人民政府2023年政府信息公开工作年度报告".encode()
    sha, uri = archive_raw(store, data)
    assert sha == hashlib.sha256(data).hexdigest()
    # recorded relative to the lake root (a moved lake still finds its bytes); resolved against the lake
    assert uri == raw_key(sha) == f"raw/{sha[:2]}/{sha}"
    assert raw_location(store, uri) == store.url(uri)
    assert raw_location(store, "file:///old/lake/" + uri) == "file:///old/lake/" + uri  # older rows
    assert archive_raw(store, data) == (sha, uri)
    assert store.list("raw/") == [f"raw/{sha[:2]}/{sha}"]
    assert read_raw(store, sha) == data


def test_invalid_keys_are_refused(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    for key in ("../escape", "a//b", "a/./b", ""):
        with pytest.raises(ValueError):
            store.put(key, b"x")


def test_local_temporary_files_are_hidden_from_listing(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    store.put("tables/t/report_year=2023/a.parquet", b"x")
    (tmp_path / "tables/t/report_year=2023/.a.parquet.123.tmp").write_bytes(b"half")
    assert store.list("tables/") == ["tables/t/report_year=2023/a.parquet"]


def test_open_store_uris(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GONGKAI_LAKE", raising=False)
    default = open_store()
    assert isinstance(default, LocalStore) and default.root == (tmp_path / "lake").resolve()
    monkeypatch.setenv("GONGKAI_LAKE", str(tmp_path / "elsewhere"))
    assert open_store().root == (tmp_path / "elsewhere").resolve()
    as_uri = open_store((tmp_path / "x y").as_uri())
    assert as_uri.root == (tmp_path / "x y").resolve() and as_uri.uri == (tmp_path / "x y").as_uri()
    s3 = open_store("s3://bucket/some/prefix/")
    assert isinstance(s3, S3Store) and (s3.bucket, s3.prefix) == ("bucket", "some/prefix")
    assert s3.url("raw/ab/c") == "s3://bucket/some/prefix/raw/ab/c"
    assert open_store("s3://bucket").url("k") == "s3://bucket/k"
    with pytest.raises(ValueError):
        open_store("ftp://host/lake")
    with pytest.raises(ValueError):
        open_store("s3:///no-bucket")
