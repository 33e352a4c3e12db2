"""The Parquet lake: stores (local folder, S3), schemas, the commit log, writer and reader."""

from gongkai.lake.log import recover
from gongkai.lake.raw import archive_raw
from gongkai.lake.store import Store, open_store

__all__ = ["Store", "archive_raw", "open_store", "recover"]
