"""What a long-lane job writes on its task record besides heartbeats: its result or its failure, as fields of the
RUNNING record it owns (TaskRegistry.annotate in functions/core/registry.ts). The state machine's own states then
make the status change (the contract's `succeed` or `fail`, which keeps an error already recorded)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Mapping

import boto3
from botocore.exceptions import ClientError

from .contract import TaskContract, iso_now
from .payload import INLINE_MAX_BYTES, PayloadStore, encode
from .registry import TaskRegistry, to_dynamo


@dataclass(frozen=True)
class JobRecords:
    registry: TaskRegistry
    #: Where results too large for the record go (results/<taskId>/<sha256>.json); None: no claim-check bucket.
    payloads: PayloadStore | None

    @classmethod
    def from_environment(cls, table_name: str, payload_bucket: str | None, contract: TaskContract) -> "JobRecords":
        return cls(TaskRegistry(boto3.client("dynamodb"), table_name, contract),
                   PayloadStore(boto3.client("s3"), payload_bucket) if payload_bucket else None)

    def annotate(self, task_id: str, execution_ref: str, fields: Mapping[str, Any]) -> bool:
        """Sets `fields` on the task while attempt `execution_ref` owns it (RUNNING or STOPPING); False if it does not."""
        names = {"#status": "status"}
        values: dict[str, Any] = {":ref": execution_ref, ":running": "RUNNING", ":stopping": "STOPPING", ":now": iso_now()}
        sets = ["updatedAt = :now"]
        for i, (key, value) in enumerate(fields.items()):
            names[f"#f{i}"] = key
            values[f":f{i}"] = value
            sets.append(f"#f{i} = :f{i}")
        try:
            self.registry.client.update_item(
                TableName=self.registry.table_name,
                Key={"taskId": {"S": task_id}},
                UpdateExpression="SET " + ", ".join(sets),
                ConditionExpression="#status IN (:running, :stopping) AND executionRef = :ref",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues={k: to_dynamo(v) for k, v in values.items()},
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def record_result(self, task_id: str, execution_ref: str, result: Any) -> bool:
        """The job's return value as the task's `result` (canonical JSON), or `resultRef` when it is too large."""
        encoded = encode(result)
        if encoded.size_bytes > INLINE_MAX_BYTES and self.payloads is not None:
            return self.annotate(task_id, execution_ref, {"resultRef": self.payloads.put("results", task_id, encoded)})
        if encoded.size_bytes > INLINE_MAX_BYTES:
            raise ValueError(f"the result is {encoded.size_bytes} bytes, above {INLINE_MAX_BYTES}, and PAYLOAD_BUCKET_NAME is not set")
        return self.annotate(task_id, execution_ref, {"result": json.loads(encoded.json)})

    def record_failure(self, task_id: str, execution_ref: str, failure: Mapping[str, str]) -> bool:
        return self.annotate(task_id, execution_ref, {"error": dict(failure)})
