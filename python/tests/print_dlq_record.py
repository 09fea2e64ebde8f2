"""Prints the DLQ records the Python operator builds (stask_runtime.stream_records.dlq_record) for
test/functions/stream/dlq-record-languages.test.ts, which builds the same ones in TypeScript and compares them.
Reads a JSON list of inputs on stdin: {record, error: {name, message}, taskId, function, requestId, functionArn,
attempts, retryable, timestamp}."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path

sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from stask_runtime.stream_records import dlq_record  # noqa: E402


def main() -> None:
    out = []
    for i in json.load(sys.stdin):
        # an exception of the given class name, as the operator would have caught it
        error = type(i["error"]["name"], (Exception,), {})(i["error"]["message"])
        out.append(dlq_record(record=i["record"], error=error, task_id=i["taskId"], function=i["function"], request_id=i["requestId"],
                              function_arn=i["functionArn"], attempts=i["attempts"], retryable=i["retryable"],
                              timestamp=datetime.fromisoformat(i["timestamp"].replace("Z", "+00:00"))))
    json.dump(out, sys.stdout)


main()
