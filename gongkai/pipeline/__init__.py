"""A document's way into the lake, one module per step, as plain functions over `DocumentRecord`s:

discover (`discover`) → plan against the lake (`plan`) → fetch (`fetch`) or, for local files, archive
(`archive`) → extract + parse (`parse`) → validate (`validate`) → write (`write`); `run` chains them
without an orchestrator and does the accounting of a batch whose stage failed; `retry` says which
failures are transient.

No Prefect here: the tasks in tasks/ wrap these functions one each, the flows in flows/ compose them,
and `gongkai load` / `gongkai fetch` / the benchmarks call them directly. Every stage takes and returns
small picklable values (lake URIs, not open stores), so it can run in a thread, another process or a
Dask worker. Per-document state lives in the lake (lineage and reports), not in the orchestrator.
"""

from gongkai.pipeline.parse import parse_bytes

__all__ = ["parse_bytes"]
