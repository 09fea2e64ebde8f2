"""The Python stream operator against the embedded servers (dynalite, local-aws-sqs): decode, a poison record
to the DLQ with its content, a duplicate delivery applied once, a retryable failure reported for redelivery."""

from __future__ import annotations

import base64
import json
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

from stask_runtime.registry import TaskRegistry
from stask_runtime.stream import OperatorDeps, stream_operator
from stask_runtime.stream_sinks import SqsFifoSink

from .conftest import FakeContext

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "functions" / "stream" / "classify-slow-queries-py"))
from classify import classify_slow_query  # noqa: E402


def b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def event_of(topic: str, values: list[str], partition: int = 0, first_offset: int = 0) -> dict[str, Any]:
    """Lambda's MSK event (local/kafka/msk-event.ts builds the same shape)."""
    records = [{"topic": topic, "partition": partition, "offset": first_offset + i, "timestamp": 1764583200000 + i, "timestampType": "CREATE_TIME",
                "key": b64(f"k{first_offset + i}"), "value": b64(v), "headers": [{"source": list(b"test")}]} for i, v in enumerate(values)]
    return {"eventSource": "aws:kafka", "eventSourceArn": "arn:aws:kafka:us-east-1:000000000000:cluster/c/1", "bootstrapServers": "127.0.0.1:9092",
            "records": {f"{topic}-{partition}": records}}


def slow_query(i: int) -> str:
    return json.dumps({"host": f"db{i % 3}", "db": "shop", "user": "app", "query_time": 1.5, "rows_examined": i * 10,
                       "sql": f"SELECT * FROM orders WHERE id = {i}", "ts": "2026-12-01T10:00:00Z", "seq": i})


@pytest.fixture()
def lane(servers: Any, contract: Any) -> dict[str, Any]:
    import boto3
    sqs = boto3.client("sqs")
    n = uuid.uuid4().hex[:8]
    sink_url = sqs.create_queue(QueueName=f"sink-{n}.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    dlq_url = sqs.create_queue(QueueName=f"dlq-{n}")["QueueUrl"]
    table = f"idempotency-{n}"
    servers.dynamodb.create_table(TableName=table, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                                  AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
    servers.dynamodb.get_waiter("table_exists").wait(TableName=table, WaiterConfig={"Delay": 0.2, "MaxAttempts": 50})
    deps = OperatorDeps(function_name="classify-py-test", sink=SqsFifoSink(sqs, sink_url), sqs=sqs, dlq_url=dlq_url,
                        registry=TaskRegistry(servers.dynamodb, servers.table, contract),
                        persistence=DynamoDBPersistenceLayer(table_name=table, boto3_client=servers.dynamodb), dynamodb=servers.dynamodb,
                        idempotency_table_name=table, retry_attempts=2, idempotency_ttl_seconds=3600, logger=Logger(service="stream-test"))
    return {"deps": deps, "sqs": sqs, "sink": sink_url, "dlq": dlq_url, "topic": f"slow-{n}"}


def drain(sqs: Any, url: str) -> list[Any]:
    """Every message in the queue (read and deleted until a receive comes back empty)."""
    bodies: list[Any] = []
    while True:
        out = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=30)
        messages = out.get("Messages") or []
        if not messages:
            return bodies
        for m in messages:
            bodies.append(json.loads(m["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


def test_decodes_each_record_and_writes_its_output_to_the_sink(lane: dict[str, Any]) -> None:
    handler = stream_operator(lambda value, record: {**classify_slow_query(value), "recordKey": record.record_key}, lambda: lane["deps"])

    response = handler(event_of(lane["topic"], [slow_query(1), slow_query(2)]), FakeContext())

    assert response == {"batchItemFailures": []}
    sunk = drain(lane["sqs"], lane["sink"])
    assert [s["seq"] for s in sunk] == [1, 2]
    assert sunk[0] == {**json.loads(slow_query(1)), "masked_sql": "SELECT * FROM orders WHERE id = ?", "class": "select-star",
                       "hints": ["select-star"], "recordKey": f"{lane['topic']}-0-0"}
    task = lane["deps"].registry.get(f"kafka_{lane['topic']}-0-0")
    assert task["status"] == "SUCCEEDED"
    assert task["result"] == {"recordsIn": 2, "recordsOut": 2, "recordsFailed": 0, "duplicatesSkipped": 0, "lastOffset": 1}


def test_a_poison_record_goes_to_the_dlq_with_its_content_and_the_partition_goes_on(lane: dict[str, Any]) -> None:
    handler = stream_operator(lambda value, record: classify_slow_query(value), lambda: lane["deps"])
    poison = '{"host": "db1", not json'
    invalid = json.dumps({"host": "db1"})

    response = handler(event_of(lane["topic"], [slow_query(1), poison, invalid, slow_query(4)]), FakeContext(request_id="req-poison"))

    assert response == {"batchItemFailures": []}
    assert [s["seq"] for s in drain(lane["sqs"], lane["sink"])] == [1, 4]
    dlq = drain(lane["sqs"], lane["dlq"])
    assert len(dlq) == 2
    bad_json, bad_fields = dlq
    assert base64.b64decode(bad_json["requestPayload"]["value"]).decode() == poison
    assert bad_json["requestPayload"] == {"topic": lane["topic"], "partition": 0, "offset": 1, "timestamp": 1764583200001, "key": b64("k1"),
                                          "value": b64(poison), "headers": [{"source": list(b"test")}]}
    assert bad_json["requestContext"] == {"requestId": "req-poison", "functionArn": "arn:aws:lambda:us-east-1:000000000000:function:py-test",
                                          "condition": "RetriesExhausted", "approximateInvokeCount": 1}
    assert bad_json["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Handled"}
    assert bad_json["responsePayload"]["errorType"] == "InvalidJsonError"
    assert bad_json["responsePayload"]["errorMessage"].startswith("the record's value is not JSON")
    assert (bad_json["function"], bad_json["recordKey"], bad_json["retryable"]) == ("classify-py-test", f"{lane['topic']}-0-1", False)
    assert bad_json["taskId"] == f"kafka_{lane['topic']}-0-0"
    assert bad_fields["responsePayload"]["errorType"] == "NonRetryableError"
    assert "db: expected a non-empty string" in bad_fields["responsePayload"]["errorMessage"]
    assert lane["deps"].registry.get(f"kafka_{lane['topic']}-0-0")["result"]["recordsFailed"] == 2


def test_a_duplicate_delivery_is_applied_once(lane: dict[str, Any]) -> None:
    calls: list[int] = []

    def operator(value: Any, record: Any) -> Any:
        calls.append(record.offset)
        return classify_slow_query(value)

    handler = stream_operator(operator, lambda: lane["deps"])
    handler(event_of(lane["topic"], [slow_query(1), slow_query(2)]), FakeContext())

    # Act: the same records again (a redelivery after a lost commit), plus one new record behind them.
    response = handler(event_of(lane["topic"], [slow_query(1), slow_query(2), slow_query(3)]), FakeContext())

    assert response == {"batchItemFailures": []}
    assert calls == [0, 1, 2]
    assert [s["seq"] for s in drain(lane["sqs"], lane["sink"])] == [1, 2, 3]
    assert drain(lane["sqs"], lane["dlq"]) == []


def test_a_retryable_failure_is_reported_for_redelivery_and_then_sent_to_the_dlq(lane: dict[str, Any]) -> None:
    def operator(value: Any, record: Any) -> Any:
        if record.offset == 1:
            raise ConnectionError("database busy")
        return classify_slow_query(value)

    handler = stream_operator(operator, lambda: lane["deps"])
    records = [slow_query(0), slow_query(1), slow_query(2)]
    first = handler(event_of(lane["topic"], records), FakeContext())
    assert first == {"batchItemFailures": [{"itemIdentifier": {"partition": f"{lane['topic']}-0", "offset": 1}}]}
    assert lane["deps"].registry.get(f"kafka_{lane['topic']}-0-0")["status"] == "RETRYING"

    # Lambda redelivers from offset 1: once more asking for a retry, then the attempts (2) are used up.
    assert handler(event_of(lane["topic"], records[1:], first_offset=1), FakeContext())["batchItemFailures"]
    last = handler(event_of(lane["topic"], records[1:], first_offset=1), FakeContext())

    assert last == {"batchItemFailures": []}
    assert [s["seq"] for s in drain(lane["sqs"], lane["sink"])] == [0, 2]
    [failed] = drain(lane["sqs"], lane["dlq"])
    assert (failed["responsePayload"]["errorType"], failed["retryable"], failed["requestContext"]["approximateInvokeCount"]) == ("ConnectionError", True, 3)
