"""Real local servers for the runtime's tests: dynalite and s3rver, started by the repository's own
embedded-server code (test/support/python-servers.ts) and stopped when the session ends. No SDK mocks."""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import boto3
import pytest
from aws_lambda_powertools import Logger

from stask_runtime.contract import TaskContract, iso_now
from stask_runtime.deps import RuntimeDeps
from stask_runtime.payload import PayloadStore, encode
from stask_runtime.registry import TaskRegistry, to_dynamo

REPO = Path(__file__).resolve().parents[2]
CONTRACT_FILE = REPO / "functions" / "core" / "task-contract.json"


@dataclass
class Servers:
    table: str
    bucket: str
    dynamodb: Any
    s3: Any


@pytest.fixture(scope="session")
def servers() -> Iterator[Servers]:
    node = REPO / "node_modules" / ".bin" / "node"  # the pinned Node 24, not the host's
    proc = subprocess.Popen([str(node), "--import", "tsx", "test/support/python-servers.ts"], cwd=REPO, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        if not line:
            raise RuntimeError(f"the embedded servers did not start (exit code {proc.poll()})")
        info = json.loads(line)
        os.environ.update(info["env"])
        yield Servers(info["table"], info["bucket"], boto3.client("dynamodb"), boto3.client("s3"))
    finally:
        if proc.stdin:
            proc.stdin.close()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="session")
def contract() -> TaskContract:
    return TaskContract.load(CONTRACT_FILE)


@pytest.fixture()
def deps(servers: Servers, contract: TaskContract) -> RuntimeDeps:
    return RuntimeDeps(
        registry=TaskRegistry(servers.dynamodb, servers.table, contract),
        payloads=PayloadStore(servers.s3, servers.bucket),
        max_attempts=3,
        heartbeat_seconds=0.2,
        logger=Logger(service="runtime-test"),
    )


def create_task(servers: Servers, payload: Any = None, payload_ref: dict[str, Any] | None = None, max_attempts: int = 3) -> str:
    """A QUEUED record as TaskRegistry.create (functions/core/registry.ts) writes it."""
    task_id = f"t_{uuid.uuid4().hex[:12]}"
    now = iso_now()
    encoded = encode(payload)
    record: dict[str, Any] = {
        "taskId": task_id, "function": "py-test", "status": "QUEUED", "events": [{"status": "QUEUED", "at": now}],
        "attempts": 0, "maxAttempts": max_attempts, "createdAt": now, "updatedAt": now,
        "payloadHash": payload_ref["sha256"] if payload_ref else encoded.sha256,
        "payloadSizeBytes": payload_ref["sizeBytes"] if payload_ref else encoded.size_bytes,
        "expiresAt": 0, "idHead": task_id[0], "createdDay": now[:10],
    }
    if payload_ref:
        record["payloadRef"] = payload_ref
    else:
        record["payload"] = payload
    servers.dynamodb.put_item(TableName=servers.table, Item={k: to_dynamo(v) for k, v in record.items()})
    return task_id


class FakeContext:
    """Lambda's context object, as awslambdaric builds it (the names the runtime reads)."""

    def __init__(self, request_id: str | None = None, timeout_ms: int = 30_000) -> None:
        import time
        self.aws_request_id = request_id or str(uuid.uuid4())
        self.function_name = "py-test"
        self.memory_limit_in_mb = "256"
        self.invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:py-test"
        self._deadline = time.monotonic() + timeout_ms / 1000

    def get_remaining_time_in_millis(self) -> int:
        import time
        return max(0, int((self._deadline - time.monotonic()) * 1000))
