"""Reading the lake as of its latest commit (never half a batch), for code that wants that guarantee.

Plain readers need none of this: pandas, pyarrow, DuckDB and Polars read the folder or bucket as is, with
the partition type declared (docs/readers.md: ``partitioning=PARTITIONING``, DuckDB's ``hive_types``,
Polars' ``hive_schema``) so that ``report_year`` is the same int32 for all of them.
These helpers pin one commit's file list instead of listing the folder (see gongkai/lake/log.py).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

import pyarrow as pa
import pyarrow.dataset as ds

from gongkai.lake import log
from gongkai.lake.log import LakeState
from gongkai.lake.schemas import PARTITION_COLUMN, PARTITION_FIELD, TABLES
from gongkai.lake.store import LocalStore, S3Store, Store
from gongkai.lake.writer import read_file
from gongkai.settings import get_settings

# report_year declared, not inferred: the same int32 for every reader (pd.read_parquet(path, partitioning=…))
PARTITIONING = ds.partitioning(pa.schema([PARTITION_FIELD]), flavor="hive")


def table_keys(store: Store, table: str, state: LakeState | None = None) -> list[str]:
    """Keys of the table's files in the latest commit (staged copies where not yet published)."""
    state = state or log.read_state(store)
    return sorted(state.read_key(k) for k in state.table_files(table))


def read_table(
    store: Store, table: str, columns: list[str] | None = None, filter: Any | None = None
) -> pa.Table:  # noqa: A002 - pyarrow's name
    """The whole table as of the latest commit, with `report_year` from the partition path."""
    definition = TABLES[table]

    def read(state: LakeState) -> pa.Table:
        parts = []
        for key in sorted(state.table_files(table)):
            data = read_file(store, state, key)
            year = int(key.split(f"/{PARTITION_COLUMN}=", 1)[1].split("/", 1)[0])
            parts.append(
                data.append_column(
                    definition.dataset_schema.field(PARTITION_COLUMN),
                    pa.array([year] * data.num_rows, pa.int32()),
                )
            )
        return pa.concat_tables(parts) if parts else definition.dataset_schema.empty_table()

    result = log.read_consistently(store, read, table)
    if filter is not None:
        result = result.filter(filter)
    return result.select(columns) if columns else result


def arrow_filesystem(store: Store) -> tuple[Any, str]:
    """A pyarrow filesystem and base path for the lake (S3 configured from the same AWS_* variables)."""
    import pyarrow.fs as pafs

    if isinstance(store, LocalStore):
        return pafs.LocalFileSystem(), str(store.root)
    if isinstance(store, S3Store):
        settings = get_settings()
        endpoint = settings.aws_endpoint_url
        kwargs: dict[str, Any] = {}
        if endpoint:
            parsed = urlparse(endpoint)
            kwargs.update(endpoint_override=parsed.netloc or endpoint, scheme=parsed.scheme or "https")
        region = settings.aws_region
        if region:
            kwargs["region"] = region
        import boto3

        credentials = boto3.session.Session().get_credentials()  # the standard credentials chain
        if credentials is not None:
            frozen = credentials.get_frozen_credentials()
            kwargs.update(
                access_key=frozen.access_key, secret_key=frozen.secret_key, session_token=frozen.token
            )
        base = f"{store.bucket}/{store.prefix}" if store.prefix else store.bucket
        return pafs.S3FileSystem(**kwargs), base
    raise TypeError(f"no pyarrow filesystem for {store!r}")


def dataset(store: Store, table: str, *, snapshot: bool = True) -> ds.Dataset:
    """A pyarrow dataset of the table (DuckDB can query it by name, Polars via `pl.scan_pyarrow_dataset`).

    snapshot=True pins the latest commit's files; False lists the folder like any plain reader.
    """
    fs, base = arrow_filesystem(store)
    partitioning = PARTITIONING
    schema = TABLES[table].dataset_schema
    if snapshot:
        paths = [f"{base}/{k}" for k in table_keys(store, table)]
        # hive partitioning reads `report_year=…` from any path segment, staged copies included
        return ds.dataset(paths, schema=schema, format="parquet", filesystem=fs, partitioning=partitioning)
    return ds.dataset(
        f"{base}/tables/{table}", schema=schema, format="parquet", filesystem=fs, partitioning=partitioning
    )
