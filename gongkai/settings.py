"""Every setting gongkai reads from the environment, in one place: name, type, default and meaning.

Variables are ``GONGKAI_<FIELD>`` (case-insensitive); the S3 endpoint and region come from the standard
AWS variables, which boto3 also reads. An empty variable counts as unset (compose files pass ``VAR=``).
``get_settings()`` is the one reader: nothing else in gongkai, flows, tasks, infra or benchmarks reads
``os.environ`` for configuration. Setting variables for child processes and libraries (PREFECT_*,
GX_ANALYTICS_ENABLED, GONGKAI_DASK set by ``gongkai run --dask``) is writing, not reading, and stays where
it is. The table in docs/operations.md is generated from this class: ``python -m gongkai.settings``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "GONGKAI_"
# the variables a Settings depends on: the cache is keyed on their values
_WATCHED_PREFIXES = (ENV_PREFIX, "AWS_")


class SettingsError(ValueError):
    """An environment variable holds a value gongkai cannot use; the message names the variable."""


class Settings(BaseSettings):
    """gongkai's configuration from the environment (see docs/operations.md, "Settings")."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_ignore_empty=True, frozen=True)

    # where data goes
    lake: str = Field(default="./lake", description="the lake: a folder, file:// or s3://bucket/prefix URI")
    expectations: Path | None = Field(
        default=None,
        description="folder of Great Expectations suites (default: the repository's expectations/)",
    )
    registry: str | None = Field(
        default=None,
        description="agency registry (a TOML file or a folder of them) the commands and flows use when none is given "
        "(default: the bundled gongkai/data/registry/)",
    )
    aws_endpoint_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"),
        description="S3-compatible endpoint (SeaweedFS, MinIO); path-style addressing when set",
    )
    aws_region: str | None = Field(
        default=None,
        validation_alias=AliasChoices("AWS_REGION", "AWS_DEFAULT_REGION"),
        description="S3 region for pyarrow's S3 filesystem (boto3 reads it itself)",
    )

    # extraction of untrusted documents (gongkai/extract/limits.py)
    max_document_bytes: int = Field(
        default=100 * 2**20, gt=0, description="larger documents are refused unread"
    )
    text_max_chars: int = Field(
        default=8_000_000,
        gt=0,
        description="documents with a longer text are refused unparsed (a report has tens of thousands)",
    )
    html_max_elements: int = Field(
        default=500_000,
        gt=0,
        description="HTML pages with more elements are refused unparsed (a report page has thousands)",
    )
    extraction_seconds: float = Field(
        default=120.0, gt=0, description="time limit of one document's extraction"
    )
    extraction_memory_bytes: int = Field(
        default=3 * 2**30,
        gt=0,
        description="memory one document's extraction may add to its process's address space",
    )
    ocr_seconds_per_page: float = Field(default=30.0, gt=0, description="OCR time allowed per scanned page")
    ocr_max_seconds: float = Field(default=1800.0, gt=0, description="OCR time limit of one document")
    document_seconds: float = Field(
        default=180.0, gt=0, description="time budget of one document's whole handling (extract + parse)"
    )
    document_memory_bytes: int = Field(
        default=3 * 2**30,
        gt=0,
        description="memory one document's handling may add to its worker process's address space",
    )
    budget_worker_start: Literal["forkserver", "fork"] = Field(
        default="forkserver",
        description="how budget workers and the validation process start: forked from a clean fork "
        "server (safe while the run's threads work), or forked from the run itself (sees code patched in "
        "the run: tests)",
    )
    validation: Literal["process", "inline"] = Field(
        default="process",
        description="where a run validates its batches: in a validation process of its own (the run "
        "never imports Great Expectations, ~140 MiB), or in the run's own threads",
    )
    parse_workers: int = Field(
        default=0,
        ge=0,
        description="documents one process handles at once, each in a budget worker of its own "
        "(0: one per CPU core)",
    )

    # fetching (gongkai/fetch/http.py)
    fetch_deadline: float = Field(
        default=600.0,
        gt=0,
        description="wall-time limit of one download: connect, headers, body, redirects and retries",
    )
    fetch_rate_limit: float = Field(
        default=1.0,
        gt=0,
        description="requests per second to one host, for hosts the registry gives no rate_limit",
    )
    fetch_concurrency: int = Field(
        default=2, gt=0, description="requests in flight to one host, for hosts the registry gives none"
    )
    robots_ttl: float = Field(
        default=3600.0, gt=0, description="seconds a host's robots.txt is trusted before it is read again"
    )
    robots_retry_seconds: float = Field(
        default=300.0,
        gt=0,
        description="seconds before a robots.txt that could not be had (5xx, 429, network) is asked again",
    )

    # the lake's writers (gongkai/lake/log.py)
    lake_lease_seconds: float = Field(
        default=600.0,
        gt=0,
        description="a writer's staging whose lease is older than this is swept by the next writer",
    )

    # the Prefect flow's task runner (flows/ingest.py)
    workers: int = Field(default=8, gt=0, description="threads of the default task runner")
    dask: str | None = Field(
        default=None,
        pattern=r"^local(:[1-9][0-9]*)?$",
        description="`local` or `local:N`: run tasks on a Dask LocalCluster of N (2) processes",
    )
    dask_address: str | None = Field(
        default=None, description="run tasks on the Dask scheduler at this address (tcp://host:8786)"
    )

    # deployments (infra/deployments.py)
    work_pool: str = Field(default="gongkai", description="Prefect work pool the deployments run in")
    progress_every_documents: int = Field(
        default=100, gt=0, description="off a terminal, a progress line every this many documents"
    )
    progress_every_seconds: float = Field(
        default=30.0, gt=0, description="off a terminal, a progress line at least this often (seconds)"
    )
    deploy_lake: str | None = Field(
        default=None, description="lake baked into the deployments' parameters at `apply`"
    )
    deploy_registry: str | None = Field(
        default=None, description="agency registry baked into the deployments' parameters at `apply`"
    )

    # crash tests of the lake's write protocol (gongkai/lake/log.py)
    lake_pause_at: str | None = Field(
        default=None, description="test hook: the writer pauses at this named step of a commit"
    )
    lake_pause_after: int = Field(
        default=0, ge=0, description="test hook: pause only after this many earlier passes"
    )
    lake_pause_seconds: float = Field(default=60.0, ge=0, description="test hook: how long the writer pauses")

    # benchmarks/
    bench_s3: str | None = Field(
        default=None,
        description="benchmarks: s3:// URI to measure instead of a SeaweedFS started on 127.0.0.1",
    )
    bench_small_runs: int = Field(
        default=60, gt=0, description="benchmarks: number of small runs the lake bench writes"
    )
    bench_huge: str = Field(
        default="html:99,txt:2,txt:6,txt:20,txt:56,lines:2,lines:20",
        description="benchmarks: the huge documents fault_bench parses, as kind:MiB",
    )
    soak_writers: int = Field(default=4, gt=0, description="benchmarks: concurrent writers of the soak")
    soak_docs: int = Field(default=200, gt=0, description="benchmarks: documents per soak writer")
    soak_kills: int = Field(default=2, ge=0, description="benchmarks: SIGKILLs per soak writer")
    ocr_bench_docs: int | None = Field(
        default=None, gt=0, description="benchmarks: documents per resolution in the OCR bench (default: all)"
    )


def variable_names(field: str) -> list[str]:
    """The environment variable(s) a field is read from, in order of precedence."""
    alias = Settings.model_fields[field].validation_alias
    if isinstance(alias, AliasChoices):
        return [str(choice) for choice in alias.choices]
    if isinstance(alias, str):
        return [alias]
    return [f"{ENV_PREFIX}{field.upper()}"]


def _load() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else ""
            names = " / ".join(variable_names(field)) if field in Settings.model_fields else field
            problems.append(f"{names}={error.get('input')!r}: {error['msg']}")
        raise SettingsError("invalid environment setting: " + "; ".join(problems)) from None


_cached: tuple[tuple[tuple[str, str], ...], Settings] | None = None


def _watched_environment() -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, v) for k, v in os.environ.items() if k.upper().startswith(_WATCHED_PREFIXES)))


def get_settings() -> Settings:
    """The settings, parsed once per state of the environment.

    Keyed on the GONGKAI_* and AWS_* variables (a few microseconds to compare), so a test's
    monkeypatch.setenv, or a command setting GONGKAI_DASK for its flow, is seen at the next call.
    Raises SettingsError naming the variable when a value is invalid.
    """
    global _cached
    key = _watched_environment()
    cached = (
        _cached  # one read: another thread may replace it (no lock: a forked child could inherit it held)
    )
    if cached is not None and cached[0] == key:
        return cached[1]
    settings = _load()
    _cached = (key, settings)
    return settings


def refresh_settings() -> Settings:
    """Forget the parsed settings and read the environment again."""
    global _cached
    _cached = None
    return get_settings()


def _default_text(field: str) -> str:
    default = Settings.model_fields[field].default
    if default is None:
        return "unset"
    if (
        isinstance(default, int)
        and not isinstance(default, bool)
        and default >= 2**20
        and default % 2**20 == 0
    ):
        return (
            f"{default} ({default // 2**20} MiB)"
            if default < 2**30
            else f"{default} ({default // 2**30} GiB)"
        )
    return f"{default:g}" if isinstance(default, float) else str(default)


def _type_text(field: str) -> str:
    annotation = Settings.model_fields[field].annotation
    text = getattr(annotation, "__name__", None) if not hasattr(annotation, "__args__") else None
    if getattr(annotation, "__origin__", None) is Literal:  # the choices, not "|": a table's separator
        return " or ".join(f"`{choice}`" for choice in annotation.__args__)
    if text is None:  # Optional[X]: show X
        args = [a for a in getattr(annotation, "__args__", ()) if a is not type(None)]
        text = " | ".join(getattr(a, "__name__", str(a)) for a in args) or str(annotation)
    return "path" if text == "Path" else text


def settings_table() -> str:
    """The markdown table of every setting, as in docs/operations.md."""
    lines = ["| variable | type | default | meaning |", "| --- | --- | --- | --- |"]
    for name, field in Settings.model_fields.items():
        variables = " or ".join(f"`{v}`" for v in variable_names(name))
        lines.append(f"| {variables} | {_type_text(name)} | {_default_text(name)} | {field.description} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(settings_table())
