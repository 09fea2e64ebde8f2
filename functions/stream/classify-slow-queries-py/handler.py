"""Lambda entry point of the `classify-slow-queries-py` stream operator: slow-query events from Kafka in,
classified events (masked SQL, class, hints) out to the sink; invalid JSON or fields → the DLQ."""

from classify import classify_slow_query
from stask_runtime.stream import stream_operator
from stask_runtime.stream_env import operator_deps_from_environment

handler = stream_operator(lambda value, record: classify_slow_query(value), operator_deps_from_environment)
