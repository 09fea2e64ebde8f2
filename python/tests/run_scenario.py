"""Runs contract scenarios through the Python runtime for test/functions/core/python-contract.test.ts, which
runs the same ones through the TypeScript runtime and compares the records. Reads a JSON request on stdin
(table, bucket, maxAttempts, calls[{event, requestId, work: "succeed" | "raise" | "stop"}]) and prints the outcomes."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import boto3  # noqa: E402
from aws_lambda_powertools import Logger  # noqa: E402

from stask_runtime import task_handler  # noqa: E402
from stask_runtime.contract import TaskContract  # noqa: E402
from stask_runtime.deps import RuntimeDeps  # noqa: E402
from stask_runtime.payload import PayloadStore  # noqa: E402
from stask_runtime.registry import TaskRegistry  # noqa: E402


class Boom(Exception):
    pass


class Context:
    def __init__(self, request_id: str) -> None:
        self.aws_request_id = request_id
        self._deadline = time.monotonic() + 60

    def get_remaining_time_in_millis(self) -> int:
        return int((self._deadline - time.monotonic()) * 1000)


def main() -> None:
    request = json.load(sys.stdin)
    deps = RuntimeDeps(
        registry=TaskRegistry(boto3.client("dynamodb"), request["table"], TaskContract.load(request["contract"])),
        payloads=PayloadStore(boto3.client("s3"), request["bucket"]),
        max_attempts=request["maxAttempts"],
        heartbeat_seconds=0.05,
        logger=Logger(service="contract-test", level="CRITICAL"),
    )

    def work(payload, ctx):
        if payload.get("work") == "raise":
            raise Boom(f"boom in attempt {ctx.attempt}")
        if payload.get("work") == "stop":  # as `stask stop` does; the next heartbeat sees STOPPING
            deps.registry.transition(ctx.task_id, "requestStop", {"detail": "stop requested"})
            ctx.stop_requested.wait(10)  # bounded: a missed stop fails the test instead of hanging
        return {"ok": True, "attempt": ctx.attempt}

    handler = task_handler(deps=deps)(work)
    outcomes = []
    for call in request["calls"]:
        try:
            outcomes.append({"ok": True, "result": handler(call["event"], Context(call["requestId"]))})
        except Exception as error:  # noqa: BLE001 - reported to the caller
            outcomes.append({"ok": False, "errorType": type(error).__name__, "errorMessage": str(error)})
    json.dump(outcomes, sys.stdout)


if __name__ == "__main__":
    main()
