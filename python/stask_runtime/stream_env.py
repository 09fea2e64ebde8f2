"""A Python operator's dependencies from its function's environment (functions/stream/operator-env.ts): the
variable names of functions/core/facts.ts `ENV`; KafkaEtl sets every one of them (the values' one owner is
facts.ts `DEFAULTS`). SDK clients are made once per execution environment."""

from __future__ import annotations

import os

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

from .contract import TaskContract
from .deps import int_env, require_env
from .registry import TaskRegistry
from .stream import OperatorDeps
from .stream_sinks import DynamoSink, Sink, SqsFifoSink

_cached: OperatorDeps | None = None


def operator_deps_from_environment() -> OperatorDeps:
    global _cached
    if _cached is None:
        dynamodb = boto3.client("dynamodb")
        sqs = boto3.client("sqs")
        idempotency_table = require_env("STREAM_IDEMPOTENCY_TABLE_NAME")
        sink_table = os.environ.get("STREAM_SINK_TABLE_NAME", "")
        sink: Sink = DynamoSink(dynamodb, sink_table) if sink_table else SqsFifoSink(sqs, require_env("STREAM_SINK_QUEUE_URL"))
        _cached = OperatorDeps(
            function_name=require_env("AWS_LAMBDA_FUNCTION_NAME"),
            sink=sink,
            sqs=sqs,
            dlq_url=require_env("STREAM_DLQ_URL"),
            registry=TaskRegistry(dynamodb, require_env("TASK_TABLE_NAME"), TaskContract.load()),
            persistence=DynamoDBPersistenceLayer(table_name=idempotency_table, boto3_client=dynamodb),
            dynamodb=dynamodb,
            idempotency_table_name=idempotency_table,
            retry_attempts=int_env("STREAM_RETRY_ATTEMPTS"),
            idempotency_ttl_seconds=int_env("STREAM_IDEMPOTENCY_TTL_SECONDS"),
            logger=Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME") or "stream-operator"),
        )
    return _cached
