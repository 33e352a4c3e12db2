"""Prefect tasks: one thin module per stage, each task wrapping one function of gongkai.pipeline.

discover (find documents, plan against the lake) → fetch → parse (extract + parse) → validate → write.
Tasks take and return small picklable values; per-document state lives in the lake's lineage.
A task is retried only when its failure is transient (`gongkai.pipeline.retry.is_transient`: the
network or the store hiccupped); a permanent one — an HTTP 404, a corrupt file, a failed validation, a
programming error — fails the same way every time, so it runs once.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any, Generic, ParamSpec, TypeVar

from prefect import Task, task
from prefect.cache_policies import NO_CACHE

from gongkai.pipeline.record import RunContext
from gongkai.pipeline.retry import is_transient

T = TypeVar("T")
P = ParamSpec("P")
R = TypeVar("R")


class Parcel(Generic[T]):
    """A value handed between tasks that Prefect must not walk through.

    Prefect resolves a task's inputs by visiting every list, dict and dataclass in them, looking for
    futures; for a batch of parsed reports (every cell a dataclass) that walk cost more CPU than the stage
    itself. The `opaque`/`quote` annotations avoid it with threads, but they are tuples, and Dask rebuilds
    tuples in task arguments, so they do not survive the Dask runner. A plain object is a leaf to both."""

    __slots__ = ("value",)

    def __init__(self, value: T) -> None:
        self.value = value

    def __getstate__(self) -> tuple[T]:
        return (self.value,)  # never falsy: pickle skips __setstate__ for a falsy state

    def __setstate__(self, state: tuple[T]) -> None:
        self.value = state[0]

    def __repr__(self) -> str:
        return f"Parcel({type(self.value).__name__})"


def retry_transient(task: object, task_run: object, state: Any) -> bool:
    """Prefect's `retry_condition_fn`: retry only what `is_transient` calls transient."""
    error = state.data if isinstance(getattr(state, "data", None), BaseException) else None
    if error is None:
        try:
            state.result(raise_on_failure=True)
        except BaseException as exc:  # the failed state's exception
            error = exc
    return is_transient(error)


def stage_task(name: str, *, retries: int, base_delay: float) -> Callable[[Callable[P, R]], Task[P, R]]:
    """The decorator of every stage task: up to `retries` retries of a transient failure, `base_delay`
    seconds apart and doubling. Results stay in memory between tasks (nothing under PREFECT_HOME/storage)
    and nothing is cached by Prefect: whether a document needs work is decided from the lake's records,
    not from task inputs."""
    return task(
        name=name,
        retries=retries,
        retry_delay_seconds=jittered_backoff(base_delay),
        retry_condition_fn=retry_transient,
        cache_policy=NO_CACHE,
        persist_result=False,
        log_prints=False,
    )


def jittered_backoff(base: float) -> Callable[[int], list[float]]:
    """Exponential retry delays with ±50% jitter, so retries of parallel batches do not arrive together
    (Prefect 3.8 ignores `retry_jitter_factor` for task retries)."""
    return lambda retries: [round(base * 2**i * random.uniform(0.5, 1.5), 2) for i in range(retries)]


def run_context() -> RunContext:
    """The flow and task run ids, stamped on lineage events."""
    from prefect.runtime import flow_run, task_run

    return RunContext(flow_run_id=_id(flow_run.get_id), task_run_id=_id(task_run.get_id))


def _id(getter: Callable[[], object]) -> str | None:
    try:
        value = getter()
    except Exception:  # outside a run
        return None
    return str(value) if value else None
