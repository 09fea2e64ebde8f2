"""The task registry's operations the runtime needs: read, contract transitions, heartbeats."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any, Mapping, Sequence

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from .contract import TaskContract, iso_now
from .errors import InvalidTransition, TaskNotFound

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def to_dynamo(value: Any) -> Any:
    """Plain JSON-like Python -> DynamoDB attribute value (floats as Decimal; NaN/inf refused)."""
    return _serializer.serialize(_decimals(value))


def from_dynamo(item: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _plain(_deserializer.deserialize(v)) for k, v in item.items()}


def _decimals(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value} cannot be stored (not a finite number)")
        return Decimal(repr(value))
    if isinstance(value, dict):
        return {str(k): _decimals(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_decimals(v) for v in value]
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, set)):
        return [_plain(v) for v in value]
    return value


class TaskRegistry:
    def __init__(self, client: Any, table_name: str, contract: TaskContract) -> None:
        self.client = client
        self.table_name = table_name
        self.contract = contract

    def find(self, task_id: str) -> dict[str, Any] | None:
        out = self.client.get_item(TableName=self.table_name, Key={"taskId": {"S": task_id}}, ConsistentRead=True)
        return from_dynamo(out["Item"]) if "Item" in out else None

    def get(self, task_id: str) -> dict[str, Any]:
        record = self.find(task_id)
        if record is None:
            raise TaskNotFound(f"task '{task_id}' does not exist")
        return record

    def transition(self, task_id: str, name: str, inputs: Mapping[str, Any] | None = None,
                   from_: Sequence[str] | None = None) -> dict[str, Any]:
        """Executes the contract's transition `name` as one conditional UpdateItem (`from_` narrows its source
        statuses); InvalidTransition when the task's current state does not allow it (its status is reported)."""
        update = self.contract.compile(name, inputs or {}, from_=from_)
        try:
            out = self.client.update_item(
                TableName=self.table_name,
                Key={"taskId": {"S": task_id}},
                UpdateExpression=update.update_expression,
                ConditionExpression=update.condition_expression,
                ExpressionAttributeNames=update.names,
                ExpressionAttributeValues={k: to_dynamo(v) for k, v in update.values.items()},
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
            old = error.response.get("Item")
            current = from_dynamo(old) if old else self.find(task_id)
            if current is None:
                raise TaskNotFound(f"task '{task_id}' does not exist") from None
            to = self.contract.transition(name)["to"]
            raise InvalidTransition(task_id, str(current.get("status")), to) from None
        return from_dynamo(out["Attributes"])

    def heartbeat(self, task_id: str, execution_ref: str, progress: Mapping[str, Any] | None = None) -> dict[str, Any] | None:
        """Records that attempt `execution_ref` is alive (and its progress); the record, so the caller sees a
        STOPPING request; None when the attempt no longer owns the task. Not a status change."""
        now = iso_now()
        values: dict[str, Any] = {":now": now, ":ref": execution_ref, ":running": "RUNNING", ":stopping": "STOPPING"}
        update = "SET heartbeatAt = :now"
        if progress is not None:
            update += ", progress = :progress"
            values[":progress"] = {"percent": progress["percent"], "at": now, **({"message": progress["message"]} if progress.get("message") else {})}
        try:
            out = self.client.update_item(
                TableName=self.table_name,
                Key={"taskId": {"S": task_id}},
                UpdateExpression=update,
                ConditionExpression="#status IN (:running, :stopping) AND executionRef = :ref",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={k: to_dynamo(v) for k, v in values.items()},
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return None
            raise
        return from_dynamo(out["Attributes"])
