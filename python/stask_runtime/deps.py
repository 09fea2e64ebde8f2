"""What the runtime needs, built once per execution environment from the function's environment."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import boto3
from aws_lambda_powertools import Logger

from .contract import TaskContract
from .errors import TaskError
from .metrics import TaskMetrics
from .payload import PayloadStore
from .registry import TaskRegistry


class MissingConfiguration(TaskError):
    pass


@dataclass(frozen=True)
class RuntimeDeps:
    registry: TaskRegistry
    payloads: PayloadStore
    max_attempts: int
    heartbeat_seconds: float
    logger: Logger
    metrics: TaskMetrics = field(default_factory=lambda: TaskMetrics("serverless-task", namespace=None))


def require_env(name: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        raise MissingConfiguration(f"environment variable {name} is not set")
    return value


def int_env(name: str) -> int:
    value = require_env(name)
    try:
        return int(value)
    except ValueError:
        raise MissingConfiguration(f"environment variable {name} is not an integer: '{value}'") from None


_cached: RuntimeDeps | None = None


def deps_from_environment() -> RuntimeDeps:
    """The variables the TypeScript runtime reads — names from functions/core/facts.ts `ENV` (TASK_TABLE_NAME,
    PAYLOAD_BUCKET_NAME, TASK_MAX_RETRIES, TASK_HEARTBEAT_SECONDS, TASK_NAME). Retries and heartbeat are required,
    not defaulted here: ShortTask always sets them from facts.ts `DEFAULTS` (one owner of the values).
    SDK clients are made once and reused while the environment is warm."""
    global _cached
    if _cached is None:
        service = os.environ.get("TASK_NAME") or os.environ.get("POWERTOOLS_SERVICE_NAME") or "serverless-task"
        _cached = RuntimeDeps(
            registry=TaskRegistry(boto3.client("dynamodb"), require_env("TASK_TABLE_NAME"), TaskContract.load()),
            payloads=PayloadStore(boto3.client("s3"), require_env("PAYLOAD_BUCKET_NAME")),
            max_attempts=int_env("TASK_MAX_RETRIES") + 1,
            heartbeat_seconds=int_env("TASK_HEARTBEAT_SECONDS"),
            logger=Logger(service=service),
            metrics=TaskMetrics(service),
        )
    return _cached
