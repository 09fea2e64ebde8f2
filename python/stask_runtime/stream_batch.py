"""Each topic-partition slice of an invocation is a task in the registry (functions/stream/batch-task.ts): ID
from topic, partition and first offset; RUNNING while the operator works on it; SUCCEEDED with the counts, or
RETRYING when a record asked for a retry (the redelivery from that offset is a task of its own)."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from .contract import iso_now
from .payload import encode
from .registry import TaskRegistry, from_dynamo, to_dynamo
from .stream_records import batch_task_id
from .usage import lambda_usage


@dataclass
class BatchCounts:
    records_in: int
    out: int = 0
    failed: int = 0
    skipped: int = 0
    retry: int = 0


@dataclass
class BatchTask:
    registry: TaskRegistry
    task_id: str
    execution_ref: str
    last_offset: int
    running: bool
    counts: BatchCounts = field(default_factory=lambda: BatchCounts(0))

    def finish(self, error: dict[str, str] | None = None) -> None:
        if not self.running:
            return  # finished by an earlier delivery: its counts stand
        c = self.counts
        result = {"recordsIn": c.records_in, "recordsOut": c.out, "recordsFailed": c.failed, "duplicatesSkipped": c.skipped, "lastOffset": self.last_offset}
        if c.retry > 0:
            # the counts so far stay on the record; RETRYING itself carries only the error
            _annotate(self.registry, self.task_id, self.execution_ref, {"result": result})
            self.registry.transition(self.task_id, "retrying", {"executionRef": self.execution_ref,
                                                                "error": error or {"type": "Retry", "message": "a record asked for a retry"}})
        else:
            self.registry.transition(self.task_id, "succeed", {"executionRef": self.execution_ref, "result": result, **lambda_usage()})


def start_batch_task(registry: TaskRegistry, function: str, topic: str, partition: int, first_offset: int, last_offset: int,
                     execution_ref: str) -> BatchTask:
    task_id = batch_task_id(topic, partition, first_offset)
    # the payload names the slice by its first record only: a redelivery of the same offset is the same task
    task = _create(registry, task_id, function, {"source": "kafka", "topic": topic, "partition": partition, "firstOffset": first_offset})
    detail = f"offsets {first_offset}..{last_offset}"
    running = False
    if task["status"] in ("QUEUED", "RETRYING"):
        registry.transition(task_id, "start", {"executionRef": execution_ref, "detail": detail, **lambda_usage()}, from_=["QUEUED", "RETRYING"])
        running = True
    elif task["status"] == "RUNNING":
        # a redelivery after a crash: this invocation takes the task over from the attempt that held it
        registry.transition(task_id, "start", {"executionRef": execution_ref, "retryOf": task.get("executionRef", ""), "detail": f"{detail} redelivered", **lambda_usage()})
        running = True
    return BatchTask(registry, task_id, execution_ref, last_offset, running, BatchCounts(0))


def _create(registry: TaskRegistry, task_id: str, function: str, payload: dict[str, Any]) -> dict[str, Any]:
    """A QUEUED record as TaskRegistry.create (functions/core/registry.ts) writes it; the existing one if there is one."""
    now = iso_now()
    encoded = encode(payload)
    record: dict[str, Any] = {
        "taskId": task_id, "function": function, "status": "QUEUED", "events": [{"status": "QUEUED", "at": now}],
        "attempts": 0, "maxAttempts": 1, "createdAt": now, "updatedAt": now, "payload": payload,
        "payloadHash": encoded.sha256, "payloadSizeBytes": encoded.size_bytes,
        "expiresAt": math.floor(time.time()) + round(registry.contract.retention_days * 86400), "idHead": task_id[0],
    }
    try:
        registry.client.put_item(TableName=registry.table_name, Item={k: to_dynamo(v) for k, v in record.items()},
                                 ConditionExpression="attribute_not_exists(taskId)", ReturnValuesOnConditionCheckFailure="ALL_OLD")
        return record
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
            raise
        old = error.response.get("Item")
        return from_dynamo(old) if old else registry.get(task_id)


def _annotate(registry: TaskRegistry, task_id: str, execution_ref: str, fields: dict[str, Any]) -> bool:
    """Sets fields on a task this attempt owns (TaskRegistry.annotate); False when it no longer owns it."""
    names = {"#status": "status"}
    values: dict[str, Any] = {":ref": execution_ref, ":running": "RUNNING", ":stopping": "STOPPING", ":now": iso_now()}
    sets = ["updatedAt = :now"]
    for i, (k, v) in enumerate(fields.items()):
        names[f"#f{i}"] = k
        values[f":f{i}"] = v
        sets.append(f"#f{i} = :f{i}")
    try:
        registry.client.update_item(TableName=registry.table_name, Key={"taskId": {"S": task_id}}, UpdateExpression="SET " + ", ".join(sets),
                                    ConditionExpression="#status IN (:running, :stopping) AND executionRef = :ref",
                                    ExpressionAttributeNames=names, ExpressionAttributeValues={k: to_dynamo(v) for k, v in values.items()})
        return True
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            return False
        raise
