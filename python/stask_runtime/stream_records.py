"""The stream lane's records in Python, identical to the TypeScript ones: Lambda's destination record
(functions/core/destination-record.ts) and the DLQ record of a Kafka record the operator could not process
(functions/stream/dlq-record.ts). test/functions/stream/dlq-record-languages.test.ts compares both."""

from __future__ import annotations

import hashlib
import traceback
from datetime import datetime
from typing import Any, Mapping

from .contract import iso_now


def record_key(topic: str, partition: int, offset: int) -> str:
    """A record's identity, `topic-partition-offset` (functions/stream/record-key.ts)."""
    return f"{topic}-{partition}-{offset}"


def deduplication_id(key: str) -> str:
    """SQS deduplication IDs are at most 128 characters: longer keys are hashed."""
    return key if len(key) <= 128 else hashlib.sha256(key.encode("utf-8")).hexdigest()


def batch_task_id(topic: str, partition: int, first_offset: int) -> str:
    """One task per topic-partition slice of an invocation, named after its first offset."""
    safe = "".join(c if c.isascii() and (c.isalnum() or c in "_-") else "_" for c in topic)
    task_id = f"kafka_{safe}-{partition}-{first_offset}"
    if len(task_id) <= 128:
        return task_id
    return f"kafka_{hashlib.sha256(task_id.encode('utf-8')).hexdigest()[:40]}-{partition}-{first_offset}"


def error_like(error: BaseException | Mapping[str, Any]) -> dict[str, Any]:
    """Lambda's error shape of an exception: errorType, errorMessage and (when there is one) stackTrace."""
    if isinstance(error, Mapping):
        return dict(error)
    out: dict[str, Any] = {"errorType": type(error).__name__, "errorMessage": str(error)}
    trace = [line.strip() for line in traceback.format_tb(error.__traceback__)] if error.__traceback__ else []
    if trace:
        out["stackTrace"] = trace
    return out


def destination_record(*, task_id: str, request_id: str, function_arn: str, condition: str, approximate_invoke_count: int,
                       request_payload: Any, response: Mapping[str, Any] | None = None, function_error: str | None = None,
                       executed_version: str = "$LATEST", status_code: int = 200, timestamp: datetime | None = None) -> dict[str, Any]:
    """buildDestinationRecord: the same fields in the same order. `response` is {"result": ...} or {"error": ...}."""
    failed = condition != "Success"
    response_context: dict[str, Any] = {"statusCode": status_code, "executedVersion": executed_version}
    if failed and condition != "EventAgeExceeded":
        response_context["functionError"] = function_error or "Unhandled"
    record: dict[str, Any] = {
        "version": "1.0",
        "timestamp": iso_now(timestamp),
        "requestContext": {"requestId": request_id, "functionArn": function_arn, "condition": condition,
                           "approximateInvokeCount": approximate_invoke_count},
        "requestPayload": request_payload,
        "responseContext": response_context,
    }
    if response is not None:
        record["responsePayload"] = response["result"] if "result" in response else response.get("error")
    record["taskId"] = task_id
    return record


def failed_kafka_record(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The record as the MSK event carried it (key and value base64, headers as byte arrays): its content kept."""
    out: dict[str, Any] = {"topic": raw["topic"], "partition": raw["partition"], "offset": raw["offset"], "timestamp": raw["timestamp"]}
    if raw.get("key"):
        out["key"] = raw["key"]
    out["value"] = raw.get("value") or ""
    out["headers"] = list(raw.get("headers") or [])
    return out


def dlq_record(*, record: Mapping[str, Any], error: BaseException | Mapping[str, Any], task_id: str, function: str, request_id: str,
               function_arn: str, attempts: int, retryable: bool, timestamp: datetime | None = None) -> dict[str, Any]:
    """buildDlqRecord: one DLQ message per record — RetriesExhausted, the record as requestPayload, the error as
    responsePayload, plus the operator's name, the record key and whether the failure was retryable."""
    body = destination_record(task_id=task_id, request_id=request_id, function_arn=function_arn, condition="RetriesExhausted",
                              approximate_invoke_count=attempts, request_payload=dict(record), response={"error": error_like(error)},
                              function_error="Handled", timestamp=timestamp)
    return {**body, "function": function, "recordKey": record_key(record["topic"], record["partition"], record["offset"]), "retryable": retryable}
