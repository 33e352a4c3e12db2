"""Lake write throughput (rows written per second) and files per partition after many small runs,
on a local folder and on S3 (SeaweedFS started on 127.0.0.1, or the endpoint in $AWS_ENDPOINT_URL with
GONGKAI_BENCH_S3=s3://bucket/prefix). Also GX validation throughput.
Usage: python -m benchmarks lake_bench   (GONGKAI_BENCH_SMALL_RUNS=N to change the number of small runs)"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import importlib.util
import os
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from gongkai.lake import log
from gongkai.lake.store import Store, make_s3_client, open_store
from gongkai.lake.writer import DEFAULT_MAX_FILES, write_batch
from gongkai.model import Report
from gongkai.pipeline import parse_bytes
from gongkai.settings import get_settings

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "tests" / "fixtures" / "seeds"


def _reports(n: int, base: list[Report]) -> list[Report]:
    """n distinct report versions (own sha256) cloned from the parsed seeds."""
    out = []
    for i in range(n):
        report = copy.deepcopy(base[i % len(base)])
        report.sha256 = hashlib.sha256(f"bench-{i}-{uuid.uuid4()}".encode()).hexdigest()
        out.append(report)
    return out


def _rows(reports: list[Report]) -> int:
    return sum(
        1 + len(r.applications) + len(r.active_disclosure) + len(r.review_litigation) + 1 for r in reports
    )


def _files_per_partition(store: Store) -> tuple[int, float]:
    state = log.read_state(store)
    counts: dict[tuple[str, str], int] = {}
    for table, files in state.files.items():
        for key in files:
            partition = key.rsplit("/", 1)[0]
            counts[(table, partition)] = counts.get((table, partition), 0) + 1
    return max(counts.values()), sum(counts.values()) / len(counts)


def _bench(store: Store, base: list[Report], label: str, small_runs: int) -> None:
    bulk = _reports(200, base)
    start = time.perf_counter()
    for i in range(0, len(bulk), 50):
        write_batch(store, bulk[i : i + 50])
    seconds = time.perf_counter() - start
    print(
        f"{label}: bulk   {len(bulk)} reports in batches of 50: {_rows(bulk) / seconds:9.0f} rows/s "
        f"({seconds:.1f} s, {len(bulk) / seconds:.1f} reports/s)"
    )
    small = _reports(small_runs, base)
    start = time.perf_counter()
    for report in small:
        write_batch(store, [report])
    seconds = time.perf_counter() - start
    worst, mean = _files_per_partition(store)
    print(
        f"{label}: small  {small_runs} runs of 1 report:      {_rows(small) / seconds:9.0f} rows/s "
        f"({1000 * seconds / small_runs:.0f} ms per run); files per partition after them: max {worst}, "
        f"mean {mean:.1f} (bound {DEFAULT_MAX_FILES})"
    )
    start = time.perf_counter()
    result = write_batch(store, bulk[:50])
    print(
        f"{label}: reload of 50 unchanged reports: {time.perf_counter() - start:.2f} s, "
        f"{len(result.unchanged)} unchanged, commit {result.seq}"
    )


@contextlib.contextmanager
def _s3_lake() -> Iterator[str | None]:
    given = get_settings().bench_s3
    if given:
        yield given
        return
    spec = importlib.util.spec_from_file_location(
        "lake_s3server", ROOT / "tests" / "lake" / "lake_s3server.py"
    )
    if spec is None or spec.loader is None:
        yield None
        return
    server = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(server)
    with tempfile.TemporaryDirectory() as tmp, server.s3_server(Path(tmp)) as (endpoint, kind):
        saved = {k: os.environ.get(k) for k in server.s3_env(endpoint)}
        os.environ.update(server.s3_env(endpoint))
        try:
            make_s3_client().create_bucket(Bucket="gongkai-bench")
            print(f"(S3: {kind} at {endpoint})")
            yield "s3://gongkai-bench/lake"
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


def main() -> None:
    base = [parse_bytes(p.read_bytes(), str(p)) for p in sorted(SEEDS.glob("*.txt"))]
    small_runs = get_settings().bench_small_runs
    with tempfile.TemporaryDirectory() as tmp:
        _bench(open_store(str(Path(tmp) / "lake")), base, "local", small_runs)
    with _s3_lake() as uri:
        if uri:
            _bench(open_store(uri), base, "s3   ", small_runs)
    from gongkai.validate.runner import validate_reports

    batch = _reports(200, base)
    validate_reports(batch[:5], None, docs=False)  # import GX and warm up
    start = time.perf_counter()
    validate_reports(batch, None, docs=False)
    seconds = time.perf_counter() - start
    print(
        f"validate: {len(batch)} reports with the GX suites in {seconds:.2f} s ({len(batch) / seconds:.0f} reports/s)"
    )


if __name__ == "__main__":
    main()
