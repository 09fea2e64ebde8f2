"""Where a Python operator's outputs go (functions/stream/sinks.ts): an SQS FIFO queue (the record key is the
deduplication ID, `topic-partition` the message group) or a DynamoDB table (a conditional write on `pk`, so a
rewrite is a no-op at any time). And the delivery counter of records that asked for a retry
(functions/stream/attempts.ts): same table as the idempotency records, key `attempts#<record key>`."""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass
from typing import Any, Protocol, Sequence

from botocore.exceptions import ClientError

from .registry import to_dynamo
from .stream_records import deduplication_id


@dataclass(frozen=True)
class SinkOutput:
    key: str
    group: str
    body: Any


class Sink(Protocol):
    kind: str

    def write(self, outputs: Sequence[SinkOutput]) -> None: ...


def _json(body: Any) -> str:
    """As JSON.stringify writes it: no spaces, unicode kept."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


class SqsFifoSink:
    kind = "sqs"

    def __init__(self, sqs: Any, queue_url: str) -> None:
        self.sqs = sqs
        self.queue_url = queue_url

    def write(self, outputs: Sequence[SinkOutput]) -> None:
        for i in range(0, len(outputs), 10):
            chunk = outputs[i:i + 10]
            if len(chunk) == 1:
                self.sqs.send_message(QueueUrl=self.queue_url, **_entry(chunk[0]))
                continue
            out = self.sqs.send_message_batch(QueueUrl=self.queue_url, Entries=[{"Id": str(j), **_entry(o)} for j, o in enumerate(chunk)])
            failed = out.get("Failed") or []
            if failed:
                raise RuntimeError(f"the sink queue refused {len(failed)} message(s): " + "; ".join(f"{f.get('Code')}: {f.get('Message')}" for f in failed))


def _entry(o: SinkOutput) -> dict[str, str]:
    return {"MessageBody": _json(o.body), "MessageGroupId": o.group, "MessageDeduplicationId": deduplication_id(o.key)}


class DynamoSink:
    kind = "dynamodb"

    def __init__(self, dynamodb: Any, table_name: str) -> None:
        self.dynamodb = dynamodb
        self.table_name = table_name

    def write(self, outputs: Sequence[SinkOutput]) -> None:
        for o in outputs:
            item = dict(o.body) if isinstance(o.body, dict) else {"value": o.body}
            item = {k: v for k, v in item.items() if v is not None}
            item["pk"] = o.key
            try:
                self.dynamodb.put_item(TableName=self.table_name, Item={k: to_dynamo(v) for k, v in item.items()},
                                       ConditionExpression="attribute_not_exists(pk)")
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                    raise


def count_attempt(dynamodb: Any, table_name: str, key: str, ttl_seconds: int) -> int:
    """One more delivery of record `key` that asked for a retry; the deliveries so far."""
    out = dynamodb.update_item(
        TableName=table_name,
        Key={"id": {"S": f"attempts#{key}"}},
        UpdateExpression="ADD attempts :one SET expiration = :exp",
        ExpressionAttributeValues={":one": {"N": "1"}, ":exp": {"N": str(math.floor(time.time()) + ttl_seconds)}},
        ReturnValues="UPDATED_NEW",
    )
    return int(out.get("Attributes", {}).get("attempts", {}).get("N", "1"))
