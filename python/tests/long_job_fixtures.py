"""Jobs for test_long_job.py, run by `stask_runtime.long_job` as `tests.long_job_fixtures:<name>`."""

from __future__ import annotations

import time
from typing import Any

from stask_runtime import InvalidPayload, TaskContext


def echo(payload: Any, ctx: TaskContext) -> dict[str, Any]:
    ctx.progress(50, "half way")
    ctx.logger.info("echoing")
    return {"echo": payload, "attempt": ctx.attempt}


def fail(payload: Any, ctx: TaskContext) -> None:
    raise InvalidPayload(f"cannot use {payload!r}")


def big(payload: Any, ctx: TaskContext) -> dict[str, Any]:
    return {"blob": "x" * 40_000}


def slow(payload: Any, ctx: TaskContext) -> None:
    """Reports progress until stopped; never returns on its own within the test's time."""
    for i in range(600):
        ctx.progress(min(99, i + 1), f"step {i + 1}")
        ctx.check()
        time.sleep(0.05)


def stubborn(payload: Any, ctx: TaskContext) -> None:
    """Ignores the stop signal: the job must end anyway."""
    ctx.progress(1, "busy")
    time.sleep(60)
