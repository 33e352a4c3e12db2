"""National scale: a synthetic year of N agencies' reports through the Prefect flow into a local or S3 lake.

    python -m benchmarks scale_bench                                   # 1,000 documents, local lake
    python -m benchmarks.scale_bench --docs 10000 --stores local,s3    # the 10k figure, both stores
    python -m benchmarks.scale_bench --docs 1000 --dask 2              # tasks on a LocalCluster of 2 workers
    python -m benchmarks.scale_bench --docs 20000 --memtrace DIR       # what the flow process holds, over
                                                                       # time (benchmarks/memtrace.py)

The corpus is made from the real layouts, cheaply at any N: a few hundred distinct documents are rendered
once (the golden reports and generated consistent reports through gongkai.synth_files' renderers — CMS
pages in UTF-8 and GBK, Word files, glued crawler text, converter Markdown, text layouts — plus the golden
PDFs and a Word 97 file as published), and document i is template i mod len with its agency name written
into the text (zip entry for Word, a trailing comment for PDF/DOC) so its bytes are its own. About 5 % are
bad: corrupt, truncated, the wrong type behind a .pdf link, or empty. One agency per document, one host,
served by the fixture portal in its own process, built lazily per agency so that 100k agencies cost the
portal little memory. Scanned reports (OCR, ~10 s a page) are left out of the default mix: `--scans`.

Printed per store: reports/s of the first run; the unchanged re-run's time, ratio and memory (a process of
its own, as a scheduled run is); peak RSS of every process (the flow's process, its Prefect API server,
Dask workers, document children; the portal and S3 server are the harness); the lake's files and bytes;
the most files in any table partition (the writer compacts a partition past DEFAULT_MAX_FILES).
Targets (issue 15): driver peak RSS flat in N (≤ 1 GiB at 100k); reports/s at 100k within 10 % of 10k;
re-run ≥ 20× faster than the first run; files per partition bounded.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import functools
import io
import json
import os
import pickle
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
YEAR = 2023
MARKER = "模板机关"  # the agency name in every template, replaced per document

# the mix of a national year, in slots per 100 documents (bad documents: 5 %)
MIX = {
    "html_utf8": 30,
    "html_gbk": 10,
    "pdf": 24,
    "docx": 15,
    "text": 8,
    "markdown": 5,
    "glued": 2,
    "doc": 1,
    "bad_corrupt": 2,
    "bad_truncated": 1,
    "bad_wrong_type": 1,
    "bad_empty": 1,
}
SUFFIX = {"pdf": ".pdf", "docx": ".docx", "doc": ".doc", "text": ".txt", "markdown": ".txt", "glued": ".txt"}


# ---------------------------------------------------------------- the corpus


def kind_of(index: int, scans: int = 0) -> str:
    """Document `index`'s kind: the MIX in a fixed shuffled order of 100 slots (scans replace PDF slots)."""
    slots = [kind for kind, count in MIX.items() for _ in range(count)]
    for _ in range(scans):
        slots[slots.index("pdf")] = "scan"
    random.Random(15).shuffle(slots)
    return slots[index % len(slots)]


TEMPLATES_FILE: Path | None = None  # where the rendered templates are kept for the portal process
WORD_TEMPLATES = 12  # python-docx takes ~3 s per report here


@functools.cache
def templates() -> dict[str, list[bytes]]:
    """A few hundred distinct documents (kept in TEMPLATES_FILE, so they are rendered once per benchmark)."""
    if TEMPLATES_FILE and TEMPLATES_FILE.exists():
        loaded: dict[str, list[bytes]] = pickle.loads(TEMPLATES_FILE.read_bytes())
        return loaded
    rendered = render_templates()
    if TEMPLATES_FILE:
        TEMPLATES_FILE.write_bytes(pickle.dumps(rendered))
    return rendered


def render_templates() -> dict[str, list[bytes]]:
    from gongkai.synth import LAYOUTS, render
    from gongkai.synth_files import (
        consistent_variants,
        synth_from_golden,
        to_docx,
        to_glued_text,
        to_html,
        to_markdown,
    )

    goldens = [json.loads(p.read_text()) for p in sorted(FIXTURES.glob("corpus/*.json"))]
    goldens += [json.loads(p.read_text()) for p in sorted(FIXTURES.glob("real/*.json"))]
    reports = [synth_from_golden(g) for g in goldens] + consistent_variants(seed=15, count=40)
    reports = [dataclasses.replace(r, agency=MARKER, year=YEAR) for r in reports]
    rng = random.Random(15)
    out: dict[str, list[bytes]] = {
        "html_utf8": [to_html(r, rng) for r in reports],
        "html_gbk": [to_html(r, rng, charset="gbk") for r in reports],
        "docx": [to_docx(r, rng) for r in reports[::4][:WORD_TEMPLATES]],
        "text": [render(r, LAYOUTS[i % len(LAYOUTS)], rng).encode() for i, r in enumerate(reports)],
        "markdown": [to_markdown(r, rng, ("pipe", "html")[i % 2]).encode() for i, r in enumerate(reports)],
        "glued": [to_glued_text(r, rng).encode() for r in reports],
        "pdf": [
            p.read_bytes()
            for p in sorted([*FIXTURES.glob("corpus/*.pdf"), *FIXTURES.glob("unruled/*.pdf")])
            + sorted(FIXTURES.glob("real/*.pdf"))
        ],
        "doc": [(ROOT / "gongkai" / "data" / "portal" / "files" / "seed-002.doc").read_bytes()],
        "scan": [p.read_bytes() for p in sorted(FIXTURES.glob("scanned/*.pdf"))],
    }
    return out


def agency_name(index: int) -> str:
    return f"某某省某某县第{index}局"


def document(index: int, scans: int = 0) -> tuple[str, bytes]:
    """Document `index`: its kind and its own bytes."""
    kind = kind_of(index, scans)
    bank = templates()
    name = agency_name(index)
    if kind.startswith("bad_"):
        return kind, bad_document(kind, index)
    template = bank[kind][index % len(bank[kind])]
    if kind == "html_gbk":
        return kind, template.replace(MARKER.encode("gbk"), name.encode("gbk"))
    if kind in ("html_utf8", "text", "markdown", "glued"):
        return kind, template.replace(MARKER.encode(), name.encode())
    if kind == "docx":
        return kind, _docx_with(template, name)
    # PDF and DOC: the same pages, with the agency in a trailing comment (readers ignore bytes after the end)
    return kind, template + f"\n%gongkai-scale-bench {name}\n".encode()


def _docx_with(template: bytes, name: str) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(template))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "word/document.xml":
                data = data.replace(MARKER.encode(), name.encode())
            target.writestr(item, data)
    return out.getvalue()


def bad_document(kind: str, index: int) -> bytes:
    rng = random.Random(index)
    pdf = templates()["pdf"][index % len(templates()["pdf"])]
    if kind == "bad_corrupt":  # a PDF's header, then noise
        return pdf[:1024] + rng.randbytes(len(pdf) - 1024)
    if kind == "bad_truncated":  # a download cut short, somewhere in its middle three fifths
        return pdf[: len(pdf) // 5 + (index * 7919) % (len(pdf) * 3 // 5)]
    if kind == "bad_wrong_type":  # behind a .pdf link: an image, or a Word file
        if index % 2:
            return b"\x89PNG\r\n\x1a\n" + rng.randbytes(2048)
        return _docx_with(templates()["docx"][0], agency_name(index))
    return b""  # empty


def corpus_spec(count: int, scans: int) -> dict[str, Any]:
    """The portal's site spec (gongkai/data/portal/site.toml's shape): agency i publishes document i."""
    spec: dict[str, Any] = {"agency": [], "column": []}
    for i in range(count):
        spec["agency"].append(
            {"slug": slug(i), "name": agency_name(i), "division_code": "990101", "level": "department"}
        )
        spec["column"].append(column(i, scans))
    return spec


def slug(index: int) -> str:
    return f"scale-{index:06d}"


def column(index: int, scans: int) -> dict[str, Any]:
    kind = kind_of(index, scans)
    if kind.startswith("html"):  # the report is the article page itself
        report = {"year": YEAR, "publish": "page", "files": [{"file": "placeholder.html"}]}
        charset = "gbk" if kind == "html_gbk" else "utf-8"
    else:
        suffix = SUFFIX.get(kind, ".pdf")
        report = {"year": YEAR, "files": [{"file": f"placeholder{suffix}"}]}
        charset = "utf-8"
    return {"agency": slug(index), "path": f"/{slug(index)}/nianbao/", "charset": charset, "report": [report]}


def document_path(index: int, scans: int) -> str:
    kind = kind_of(index, scans)
    if kind.startswith("html"):
        return f"/{slug(index)}/art/{YEAR}.html"
    return f"/{slug(index)}/files/{YEAR}-annual-report{SUFFIX.get(kind, '.pdf')}"


# ---------------------------------------------------------------- the portal (its own process)


class LazyFiles(dict):  # type: ignore[type-arg]
    """The portal's files, each agency's pages and document built when first asked for (a few cached)."""

    def __init__(self, directory: Path, count: int, scans: int) -> None:
        super().__init__()
        self.directory, self.count, self.scans = directory, count, scans
        self._agency_files = functools.lru_cache(maxsize=512)(self._build_agency)

    def get(self, path: str, default: Any = None) -> Any:
        if path in self:
            return super().get(path)
        head = path.split("/")[1] if path.count("/") > 1 else ""
        if not head.startswith("scale-"):
            return default
        try:
            index = int(head.removeprefix("scale-"))
        except ValueError:
            return default
        if not 0 <= index < self.count:
            return default
        return self._agency_files(index).get(path, default)

    def _build_agency(self, index: int) -> dict[str, Any]:
        from gongkai.fetch.portal import _MEDIA, Resource, build_site

        site = build_site(
            self.directory, spec={"agency": [corpus_spec_one(index)], "column": [column(index, self.scans)]}
        )
        kind, body = document(index, self.scans)
        path = document_path(index, self.scans)
        old = site.files[path]
        suffix = SUFFIX.get(kind, ".pdf")
        content_type = old.content_type if kind.startswith("html") else _MEDIA[suffix]
        site.files[path] = Resource(body, content_type)
        return site.files


def corpus_spec_one(index: int) -> dict[str, Any]:
    return {"slug": slug(index), "name": agency_name(index), "division_code": "990101", "level": "department"}


def serve(directory: Path, count: int, scans: int) -> None:
    """Child process: serve the corpus, write the registry, print the base URL, run until killed."""
    from gongkai.fetch import portal as portal_module
    from gongkai.fetch.portal import SITE_DIR, Portal, Resource, Site, site_agencies

    files = directory / "files"
    files.mkdir(parents=True, exist_ok=True)
    for suffix in (".html", ".pdf", ".docx", ".doc", ".txt"):
        (files / f"placeholder{suffix}").write_bytes(b"")
    if not (files / "hongze-2024.pdf").exists():  # build_site serves it under /private/
        (files / "hongze-2024.pdf").symlink_to(SITE_DIR / "files" / "hongze-2024.pdf")
    # see flow_bench: without TCP_NODELAY every response waits ~40 ms for a delayed ACK
    portal_module._Handler.disable_nagle_algorithm = True
    templates()
    site = Site()
    site.files = LazyFiles(directory, count, scans)
    site.files["/robots.txt"] = Resource(b"User-agent: *\nDisallow: /private/\n", "text/plain")
    # one agency at a time: site_agencies matches columns to agencies by scanning (quadratic at 100k)
    agencies = [
        dict(entry, rate_limit=5000.0, concurrency=16)
        for i in range(count)
        for entry in site_agencies(None, {"agency": [corpus_spec_one(i)], "column": [column(i, scans)]})
    ]
    portal = Portal(site=site, agencies=agencies)
    portal.write_registry(directory / "registry.toml")
    print(portal.base_url, flush=True)
    portal.thread.join()


# ---------------------------------------------------------------- the flow's process


def drive(
    lake: str,
    registry: str,
    dask_workers: int,
    batch_size: int,
    memtrace: Path | None = None,
    frames: int = 0,
    phase: str = "first",
) -> None:
    """Child process: a Prefect API server of its own and one run of the flow; prints JSON.

    The first run and the unchanged re-run are each a process of their own, as scheduled runs are (a
    Prefect worker starts a process per flow run), so the re-run's memory is its own, not the first's heap.
    """
    from prefect.server.api.server import SubprocessASGIServer
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from benchmarks.memtrace import MemTrace

    trace = MemTrace(memtrace, frames=frames) if memtrace else None  # what this process holds over the run
    server = SubprocessASGIServer()
    server.start(timeout=180)
    os.environ["PREFECT_API_URL"] = server.api_url  # inherited by Dask workers
    try:
        with temporary_settings(updates={PREFECT_API_URL: server.api_url}):
            from flows.ingest import dask_task_runner, ingest_year

            flow = ingest_year
            if dask_workers:
                flow = ingest_year.with_options(task_runner=dask_task_runner(workers=dask_workers))
            options = {"batch_size": batch_size, "per_host": 4}
            if dask_workers:
                options["max_in_flight"] = 2 * dask_workers
            api = server.server_process.pid if server.server_process else None
            start, cpu_start = time.perf_counter(), _cpu_seconds(api)
            run = flow(year=YEAR, registry=registry, lake=lake, **options).value
            seconds = time.perf_counter() - start
            cpu, api_cpu = (b - a for a, b in zip(cpu_start, _cpu_seconds(api), strict=True))
            peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            if trace:
                trace.stop()
            # the flow's log lines still queued go to the API now: at exit, with the server stopped, the
            # log worker would wait for it for minutes
            from prefect.logging.handlers import APILogWorker

            APILogWorker.drain_all(timeout=30)
    finally:
        server.stop()
    statuses: Counter[str] = Counter()
    for agency in run.agencies:
        statuses.update(agency.statuses)
    print(
        json.dumps(
            {
                "phase": phase,
                "seconds": seconds,
                "cpu_s": cpu,
                "api_cpu_s": api_cpu,
                "driver_peak_mib": peak_mib,
                "status": run.status,
                "found": sum(a.found for a in run.agencies),
                "fetched": sum(a.fetched for a in run.agencies),
                "written": sum(a.written for a in run.agencies),
                "fetch_failed": sum(a.fetch_failed for a in run.agencies),
                "stage_failed": sum(a.stage_failed for a in run.agencies),
                "statuses": dict(statuses),
            }
        ),
        flush=True,
    )


def _cpu_seconds(api: int | None) -> tuple[float, float]:
    """CPU time of the flow — this process, its finished children and its live ones (budget workers, which
    live as long as the run, Dask workers, LibreOffice) — and, apart, of the Prefect API server (`api`)."""
    import psutil

    own, reaped = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    flow = own.ru_utime + own.ru_stime + reaped.ru_utime + reaped.ru_stime
    server = 0.0
    for child in psutil.Process().children(recursive=True):
        with contextlib.suppress(psutil.Error):
            times = child.cpu_times()
            spent = times.user + times.system + times.children_user + times.children_system
            is_api = child.pid == api or any(p.pid == api for p in child.parents())
            if is_api:
                server += times.user + times.system if child.pid != api else spent
            else:
                flow += times.user + times.system
    return flow, server


# ---------------------------------------------------------------- memory of every process


class Sampler:
    """Peak RSS per role, sampled every half second over the driver's process tree and the harness."""

    def __init__(self, driver: int, harness: dict[str, int]) -> None:
        self.driver, self.harness = driver, harness
        self.peaks: dict[str, float] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _role(self, process: Any, driver_cmdline: list[str]) -> str:
        cmdline = " ".join(process.cmdline())
        name = process.name()  # gongkai names its helper processes (gongkai.extract.limits.name_process)
        if name == "gongkai-budget":
            return "budget workers (largest)"
        if name == "gongkai-valid":
            return "validation process"
        if "uvicorn" in cmdline and "prefect" in cmdline:
            return "prefect API server"
        if "multiprocessing.spawn" in cmdline:
            parent = process.parent()
            if parent is not None and parent.cmdline() == process.cmdline():
                return "document children (largest)"  # forked by a worker to extract one document
            return f"dask worker {process.pid}"
        if "resource_tracker" in cmdline or "forkserver" in cmdline:
            return "multiprocessing helpers"
        if process.cmdline() == driver_cmdline:
            return "document children (largest)"
        if "libreoffice" in cmdline or "soffice" in cmdline:
            return "LibreOffice (DOC/WPS)"
        return f"other: {cmdline[:60]}" if cmdline else "exited child"

    def _note(self, role: str, rss: int) -> None:
        self.peaks[role] = max(self.peaks.get(role, 0.0), rss / 2**20)

    def _run(self) -> None:
        import psutil

        while not self.stop.wait(0.5):
            with contextlib.suppress(psutil.Error):
                driver = psutil.Process(self.driver)
                self._note("flow process (driver)", driver.memory_info().rss)
                driver_cmdline = driver.cmdline()
                for child in driver.children(recursive=True):
                    with contextlib.suppress(psutil.Error):
                        self._note(self._role(child, driver_cmdline), child.memory_info().rss)
            for role, pid in self.harness.items():
                with contextlib.suppress(psutil.Error):
                    process = psutil.Process(pid)
                    total = process.memory_info().rss + sum(
                        c.memory_info().rss for c in process.children(recursive=True)
                    )
                    self._note(role, total)

    def finish(self) -> dict[str, float]:
        self.stop.set()
        self.thread.join()
        return self.peaks


# ---------------------------------------------------------------- the lake afterwards


def lake_figures(lake: str) -> dict[str, Any]:
    from gongkai.lake import log
    from gongkai.lake.store import LocalStore, open_store

    store = open_store(lake)
    state = log.read_state(store)
    table_files = sum(len(files) for files in state.files.values())
    table_bytes = sum(info.bytes for files in state.files.values() for info in files.values())
    per_partition: Counter[tuple[str, str]] = Counter()
    for table, files in state.files.items():
        for key in files:
            per_partition[(table, key.split("/")[2])] += 1
    if isinstance(store, LocalStore):
        paths = [p for p in Path(store.root).rglob("*") if p.is_file()]
        all_files, all_bytes = len(paths), sum(p.stat().st_size for p in paths)
    else:
        all_files = all_bytes = 0
        paginator = store.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=store.bucket, Prefix=store.prefix):
            for item in page.get("Contents", []):
                all_files += 1
                all_bytes += item["Size"]
    worst = per_partition.most_common(1)[0] if per_partition else (("-", "-"), 0)
    return {
        "commits": state.seq,
        "table_files": table_files,
        "table_bytes": table_bytes,
        "all_files": all_files,
        "all_bytes": all_bytes,
        "max_files_per_partition": worst[1],
        "worst_partition": "/".join(worst[0]),
        "partitions": len(per_partition),
    }


# ---------------------------------------------------------------- one measurement


def measure(
    count: int, store_kind: str, work: Path, args: argparse.Namespace, s3_endpoint: str | None
) -> None:
    corpus = work / f"corpus-{count}"
    portal = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "benchmarks.scale_bench",
            "--serve",
            str(corpus),
            "--docs",
            str(count),
            "--scans",
            str(args.scans),
            "--templates",
            str(args.templates),
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    env = dict(os.environ, PREFECT_HOME=str(work / "prefect-home"))
    harness = {"portal (harness)": portal.pid}
    try:
        assert portal.stdout is not None
        base_url = portal.stdout.readline().strip()
        if not base_url.startswith("http://127.0.0.1"):
            raise SystemExit("the benchmark portal did not start")
        if store_kind == "s3":
            assert s3_endpoint
            from lake_s3server import s3_env

            env.update(s3_env(s3_endpoint))
            env.pop("AWS_PROFILE", None)
            bucket = f"scale-{uuid.uuid4().hex[:10]}"
            _create_bucket(env, bucket)
            lake = f"s3://{bucket}/lake"
        else:
            lake = str(work / f"lake-{count}-{uuid.uuid4().hex[:6]}")

        def run_driver(phase: str) -> tuple[dict[str, Any], dict[str, float]]:
            memtrace = args.memtrace.resolve() / f"{store_kind}-{count}-{phase}" if args.memtrace else None
            driver = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "benchmarks.scale_bench",
                    "--drive",
                    lake,
                    str(corpus / "registry.toml"),
                    "--phase",
                    phase,
                    "--dask",
                    str(args.dask),
                    "--batch-size",
                    str(args.batch_size),
                    *(["--memtrace", str(memtrace)] if memtrace else []),
                    "--memtrace-frames",
                    str(args.memtrace_frames),
                ],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                cwd=ROOT,
                env=env,
            )
            sampler = Sampler(driver.pid, harness)
            out, err = driver.communicate(timeout=6 * 3600)
            peaks = sampler.finish()
            if driver.returncode != 0 or not out.strip():
                print(err[-4000:])
                raise SystemExit(f"the {count}-document {phase} run on {store_kind} failed")
            return json.loads(out.strip().splitlines()[-1]), peaks

        figures, peaks = run_driver("first")
        # the first run's figures are out before the re-run starts: a failing re-run does not take them along
        runner = f"Dask LocalCluster of {args.dask} workers" if args.dask else "threads"
        rate = count / figures["seconds"]
        print(
            f"{count} documents → {store_kind} lake ({runner}, batches of {args.batch_size}): "
            f"first run {figures['seconds']:.0f} s = {rate:.1f} reports/s "
            f"({figures['cpu_s'] / count:.3f} CPU s per document in the flow process and its children, "
            f"{figures['api_cpu_s'] / count:.3f} in the Prefect API server; "
            f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores); status {figures['status']}; "
            f"found {figures['found']}, written {figures['written']}, fetch failed {figures['fetch_failed']}, "
            f"stage failed {figures['stage_failed']}; statuses {figures['statuses']}"
        )
        print(
            f"  peak RSS: flow process {figures['driver_peak_mib']:.0f} MiB (getrusage; goal ≤ 1024 at 100k); "
            + "; ".join(
                f"{role} {mib:.0f} MiB" for role, mib in sorted(peaks.items()) if role != "exited child"
            )
        )
        sys.stdout.flush()
        again, rerun_peaks = run_driver("rerun")
    finally:
        portal.kill()
        portal.wait()
    saved = dict(os.environ)
    os.environ.update({k: v for k, v in env.items() if k.startswith("AWS_")})
    try:
        lake_stats = lake_figures(lake)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    print(
        f"  unchanged re-run (a process of its own): {again['seconds']:.1f} s → "
        f"{figures['seconds'] / again['seconds']:.0f}× faster (goal ≥ 20×); fetched {again['fetched']}, "
        f"written {again['written']}, stage failed {again['stage_failed']}; flow process peak "
        f"{again['driver_peak_mib']:.0f} MiB (getrusage), sampled {rerun_peaks.get('flow process (driver)', 0):.0f} MiB"
    )
    print(
        f"  lake: {lake_stats['table_files']} table files, {lake_stats['table_bytes'] / 2**20:.1f} MiB in "
        f"{lake_stats['partitions']} table partitions, at most {lake_stats['max_files_per_partition']} files "
        f"in one ({lake_stats['worst_partition']}); everything (raw zone, log, runs): {lake_stats['all_files']} "
        f"files, {lake_stats['all_bytes'] / 2**20:.0f} MiB; {lake_stats['commits']} commits"
    )
    sys.stdout.flush()


def _create_bucket(env: dict[str, str], bucket: str) -> None:
    import boto3
    from botocore.config import Config

    boto3.client(
        "s3",
        endpoint_url=env["AWS_ENDPOINT_URL"],
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}),
    ).create_bucket(Bucket=bucket)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", default="1000", help="documents, comma-separated sizes (default 1000)")
    parser.add_argument("--stores", default="local", help="local, s3 or local,s3 (default local)")
    parser.add_argument("--dask", type=int, default=0, help="Dask LocalCluster workers (default 0: threads)")
    parser.add_argument("--batch-size", type=int, default=0, help="documents per batch (default: the flow's)")
    parser.add_argument("--scans", type=int, default=0, help="scanned PDFs per 100 documents (default 0)")
    parser.add_argument("--work", type=Path, help="working folder (default: a temporary one)")
    parser.add_argument(
        "--templates", type=Path, help="rendered templates file (default: in the work folder)"
    )
    parser.add_argument(
        "--memtrace",
        type=Path,
        help="sample the flow process's memory into DIR/<store>-<N> (benchmarks/memtrace.py)",
    )
    parser.add_argument(
        "--memtrace-frames", type=int, default=0, help="with --memtrace: tracemalloc snapshots of N frames"
    )
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--drive", nargs=2, metavar=("LAKE", "REGISTRY"), help=argparse.SUPPRESS)
    parser.add_argument("--phase", choices=("first", "rerun"), default="first", help=argparse.SUPPRESS)
    args = parser.parse_args(argv if argv is not None else [])
    if not args.batch_size:
        from gongkai.runs import DEFAULT_BATCH_SIZE

        args.batch_size = DEFAULT_BATCH_SIZE
    global TEMPLATES_FILE
    TEMPLATES_FILE = args.templates
    if args.serve:
        serve(args.serve, int(args.docs), args.scans)
        return
    if args.drive:
        drive(*args.drive, args.dask, args.batch_size, args.memtrace, args.memtrace_frames, args.phase)
        return
    sizes = [int(n) for n in str(args.docs).split(",")]
    stores = args.stores.split(",")
    sys.path.insert(0, str(ROOT / "tests" / "lake"))  # the tests' S3 server (SeaweedFS, else moto)
    with tempfile.TemporaryDirectory(prefix="gongkai-scale-bench-") as scratch:
        work = args.work or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        TEMPLATES_FILE = args.templates = args.templates or work / "templates.pickle"
        start = time.perf_counter()
        counts = {kind: len(bank) for kind, bank in templates().items()}
        print(f"templates: {counts} ({time.perf_counter() - start:.0f} s)")
        with contextlib.ExitStack() as stack:
            endpoint = None
            if "s3" in stores:
                from lake_s3server import s3_server

                endpoint, kind = stack.enter_context(s3_server(work / "s3"))
                print(f"S3: {kind} at {endpoint}")
            mix = ", ".join(f"{k} {v}" for k, v in MIX.items())
            print(f"mix per 100 documents: {mix}; scans {args.scans}")
            for count in sizes:
                for store_kind in stores:
                    measure(count, store_kind, work, args, endpoint)


if __name__ == "__main__":
    main(sys.argv[1:])
