"""The stream lane's operator wrapper in Python, with the semantics of the TypeScript one
(functions/stream/operator.ts): the user writes a function of one record; `stream_operator` turns it into the
Lambda handler an MSK event source mapping invokes. Per topic-partition slice, in offset order: deserialize
(Powertools Kafka consumer, strict JSON) → skip a record whose key is already done (Powertools Idempotency) →
the user's function → its outputs to the sink. A record retrying cannot fix goes to the DLQ at once (the same
record shape as the TypeScript operator's) and the partition goes on; a retryable failure is reported in
batchItemFailures (Lambda retries from that offset) until it used its attempts, then it goes to the DLQ too.
Each slice is a task in the registry."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any, Callable

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyAlreadyInProgressError
from aws_lambda_powertools.utilities.idempotency.persistence.base import BasePersistenceLayer
from aws_lambda_powertools.utilities.kafka import ConsumerRecords, SchemaConfig
from aws_lambda_powertools.utilities.kafka.exceptions import KafkaConsumerDeserializationError

from .registry import TaskRegistry
from .stream_batch import start_batch_task
from .stream_records import dlq_record, failed_kafka_record, record_key
from .stream_sinks import Sink, SinkOutput, count_attempt


class NonRetryableError(Exception):
    """Raised by an operator for a record that retrying cannot fix: the record goes to the DLQ at once."""


class InvalidJsonError(NonRetryableError):
    """A record value that is not JSON where the operator reads JSON."""


#: Error names that mean the record itself is bad (errors.ts NON_RETRYABLE_NAMES, and Python's own).
NON_RETRYABLE_NAMES = frozenset({"NonRetryableError", "InvalidJsonError", "KafkaConsumerDeserializationError",
                                 "KafkaConsumerDeserializationFormatMismatch", "ValidationError", "JSONDecodeError"})


def is_non_retryable(error: BaseException) -> bool:
    return any(cls.__name__ in NON_RETRYABLE_NAMES for cls in type(error).__mro__)


@dataclass(frozen=True)
class RecordContext:
    topic: str
    partition: int
    offset: int
    timestamp: int
    key: Any
    headers: dict[str, bytes]
    #: `topic-partition-offset`
    record_key: str


@dataclass(frozen=True)
class OperatorDeps:
    function_name: str
    sink: Sink
    sqs: Any
    dlq_url: str
    registry: TaskRegistry
    persistence: BasePersistenceLayer
    #: the idempotency table: it also counts the deliveries of records that asked for a retry
    dynamodb: Any
    idempotency_table_name: str
    retry_attempts: int
    idempotency_ttl_seconds: int
    logger: Logger


RecordOperator = Callable[[Any, RecordContext], Any]


class _Once:
    """Powertools Idempotency around one record's work, keyed by its record key (one per execution environment)."""

    def __init__(self, d: OperatorDeps) -> None:
        self.config = IdempotencyConfig(event_key_jmespath="key", expires_after_seconds=d.idempotency_ttl_seconds)
        self._work: Callable[[], dict[str, int]] | None = None

        @idempotent_function(data_keyword_argument="record", persistence_store=d.persistence, config=self.config)
        def run_record(record: dict[str, str]) -> dict[str, int]:
            assert self._work is not None
            return self._work()

        self._run = run_record

    def __call__(self, key: str, work: Callable[[], dict[str, int]]) -> dict[str, int]:
        self._work = work
        try:
            return self._run(record={"key": key})
        finally:
            self._work = None


def stream_operator(operator: RecordOperator, deps: Callable[[], OperatorDeps], schema_config: SchemaConfig | None = None) -> Callable[[Any, Any], Any]:
    """The Lambda handler of `operator(value, record_context)`, which returns the output(s) for the sink
    (a list for several; None filters the record out) or raises (NonRetryableError: the record is bad)."""
    schema = schema_config or SchemaConfig(value_schema_type="JSON")
    json_values = schema.value_schema_type == "JSON"
    state: dict[str, _Once] = {}

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        d = deps()
        once = state.get("once") or state.setdefault("once", _Once(d))
        once.config.register_lambda_context(context)
        request_id = getattr(context, "aws_request_id", "") or str(uuid.uuid4())
        function_arn = getattr(context, "invoked_function_arn", "")
        slices: dict[str, list[Any]] = {}
        for record in ConsumerRecords(event, schema).records:
            slices.setdefault(f"{record.topic}-{record.partition}", []).append(record)
        failures: list[dict[str, Any]] = []
        for tp, records in slices.items():
            failure = _slice(d, once, operator, json_values, tp, records, request_id, function_arn)
            if failure is not None:
                failures.append({"itemIdentifier": {"partition": tp, "offset": failure}})
        return {"batchItemFailures": failures}

    return handler


def _slice(d: OperatorDeps, once: _Once, operator: RecordOperator, json_values: bool, tp: str, records: list[Any],
           request_id: str, function_arn: str) -> int | None:
    """One topic-partition in offset order; the offset Lambda must redeliver from, or None."""
    first, last = records[0], records[-1]
    task = start_batch_task(d.registry, d.function_name, first.topic, first.partition, first.offset, last.offset, request_id)
    counts = task.counts
    counts.records_in = len(records)
    retry_error: dict[str, str] | None = None
    retry_from: int | None = None
    for record in records:
        key = record_key(record.topic, record.partition, record.offset)

        def to_dlq(error: BaseException, retryable: bool, attempts: int, record: Any = record, key: str = key) -> None:
            body = dlq_record(record=failed_kafka_record(record.raw_event), error=error, task_id=task.task_id, function=d.function_name,
                              request_id=request_id, function_arn=function_arn, attempts=attempts, retryable=retryable)
            d.sqs.send_message(QueueUrl=d.dlq_url, MessageBody=json.dumps(body, separators=(",", ":"), ensure_ascii=False))
            d.logger.warning("record sent to the DLQ", extra={"recordKey": key, "retryable": retryable, "error": str(error)})

        ran = False

        def work(record: Any = record, key: str = key) -> dict[str, int]:
            nonlocal ran
            ran = True
            try:
                value = record.value
            except (KafkaConsumerDeserializationError, ValueError) as error:
                if not json_values:
                    to_dlq(error, False, 1)
                    return {"out": 0, "dlq": 1}
                to_dlq(InvalidJsonError(f"the record's value is not JSON: {error.__cause__ or error}"), False, 1)
                return {"out": 0, "dlq": 1}
            try:
                result = operator(value, RecordContext(record.topic, record.partition, record.offset, record.timestamp,
                                                       record.key, record.headers, key))
            except Exception as error:  # noqa: BLE001 - classified below
                if not is_non_retryable(error):
                    raise
                to_dlq(error, False, 1)
                return {"out": 0, "dlq": 1}
            items = [] if result is None else result if isinstance(result, list) else [result]
            outputs = [SinkOutput(key if len(items) == 1 else f"{key}#{i}", tp, body) for i, body in enumerate(items)]
            d.sink.write(outputs)
            return {"out": len(outputs), "dlq": 0}

        try:
            outcome = once(key, work)
        except IdempotencyAlreadyInProgressError as error:
            # another delivery holds the record: not a failure of the record, so no attempt is counted
            counts.retry += 1
            retry_error = {"type": type(error).__name__, "message": str(error)}
            retry_from = record.offset
            break
        except Exception as error:  # noqa: BLE001 - a retryable failure of the record
            attempts = count_attempt(d.dynamodb, d.idempotency_table_name, key, d.idempotency_ttl_seconds)
            if attempts > d.retry_attempts:
                to_dlq(error, True, attempts)
                counts.failed += 1
                continue
            counts.retry += 1
            retry_error = {"type": type(error).__name__, "message": str(error)}
            d.logger.info("record asks for a retry", extra={"recordKey": key, "attempts": attempts, "error": str(error)})
            retry_from = record.offset
            break  # the rest of the partition is redelivered from this offset
        if not ran:
            counts.skipped += 1
        counts.out += outcome["out"]
        counts.failed += outcome["dlq"]
    task.finish(retry_error)
    return retry_from
