"""`python -m stask_runtime.long_job`: the long lane's container contract (functions/long/transcoder/worker.ts's),
against dynalite and s3rver: exit 0 with the result on the RUNNING record, 1 with the error, 143 on a stop."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from stask_runtime.contract import TaskContract
from stask_runtime.job_records import JobRecords
from stask_runtime.long_job import EXIT_FAILED, EXIT_OK, EXIT_STOPPED, main
from stask_runtime.payload import PayloadStore
from stask_runtime.registry import TaskRegistry
from tests.conftest import Servers, create_task

PYTHON_DIR = Path(__file__).resolve().parents[1]


@pytest.fixture()
def records(servers: Servers, contract: TaskContract) -> JobRecords:
    return JobRecords(TaskRegistry(servers.dynamodb, servers.table, contract), PayloadStore(servers.s3, servers.bucket))


def running_task(servers: Servers, records: JobRecords, payload: Any) -> tuple[str, str]:
    """A task the state machine has marked RUNNING for its execution (the contract's `start`)."""
    task_id = create_task(servers, payload, max_attempts=1)
    ref = f"arn:aws:states:us-east-1:000000000000:execution:py-long:{task_id}-{uuid.uuid4().hex[:6]}"
    records.registry.transition(task_id, "start", {"executionRef": ref, "maxAttempts": 1, "detail": f"execution {ref} started"})
    return task_id, ref


def job_env(servers: Servers, task_id: str, ref: str, payload: Any, **extra: str) -> dict[str, str]:
    return {**os.environ, "TASK_ID": task_id, "EXECUTION_REF": ref, "TASK_TABLE_NAME": servers.table, "TASK_PAYLOAD": json.dumps(payload),
            "TASK_HEARTBEAT_SECONDS": "0.2", "PAYLOAD_BUCKET_NAME": servers.bucket, "POWERTOOLS_SERVICE_NAME": "py-long",
            "PYTHONDONTWRITEBYTECODE": "1", **extra}


def wait_for(predicate: Any, seconds: float = 15.0) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def test_exit_0_records_the_result_on_the_running_record(servers: Servers, records: JobRecords) -> None:
    task_id, ref = running_task(servers, records, {"n": 1})

    code = main(["tests.long_job_fixtures:echo"], job_env(servers, task_id, ref, {"n": 1}), records)

    record = records.registry.get(task_id)
    assert code == EXIT_OK
    assert record["status"] == "RUNNING"  # the state machine's `Mark task SUCCEEDED` makes the status change
    assert record["result"] == {"attempt": 1, "echo": {"n": 1}}
    assert "heartbeatAt" in record


def test_a_large_result_goes_to_the_payload_bucket_with_its_hash(servers: Servers, records: JobRecords) -> None:
    task_id, ref = running_task(servers, records, {})

    code = main(["tests.long_job_fixtures:big"], job_env(servers, task_id, ref, {}), records)

    ref_ = records.registry.get(task_id)["resultRef"]
    assert code == EXIT_OK
    assert ref_["key"].startswith(f"results/{task_id}/") and ref_["sizeBytes"] > 40_000
    assert records.payloads is not None and records.payloads.get(ref_) == {"blob": "x" * 40_000}


def test_exit_1_records_the_error_type_and_message(servers: Servers, records: JobRecords) -> None:
    task_id, ref = running_task(servers, records, "nope")

    code = main(["tests.long_job_fixtures:fail"], job_env(servers, task_id, ref, "nope"), records)

    assert code == EXIT_FAILED
    assert records.registry.get(task_id)["error"] == {"type": "InvalidPayload", "message": "cannot use 'nope'"}


@pytest.mark.parametrize(("argv", "env_change", "error"), [
    (["tests.long_job_fixtures:echo"], {"TASK_PAYLOAD": "{not json"}, {"type": "InvalidPayload"}),
    (["tests.long_job_fixtures:missing"], {}, None),
    (["nope_module:run"], {}, None),
    ([], {}, None),
])
def test_bad_configuration_or_payload_exits_1(servers: Servers, records: JobRecords, argv: list[str], env_change: dict[str, str], error: Any) -> None:
    task_id, ref = running_task(servers, records, {})

    code = main(argv, {**job_env(servers, task_id, ref, {}), **env_change}, records)

    assert code == EXIT_FAILED
    recorded = records.registry.get(task_id).get("error")
    assert (recorded is None) if error is None else (recorded["type"] == error["type"] and "not JSON" in recorded["message"])


def test_an_attempt_that_lost_the_task_stops_without_recording(servers: Servers, records: JobRecords) -> None:
    task_id, _ = running_task(servers, records, {})

    code = main(["tests.long_job_fixtures:echo"], job_env(servers, task_id, "arn:someone-else", {}), records)

    assert code == EXIT_STOPPED
    assert "result" not in records.registry.get(task_id)


def spawn_job(servers: Servers, target: str, task_id: str, ref: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "stask_runtime.long_job", target], cwd=PYTHON_DIR, env=job_env(servers, task_id, ref, {}),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_a_stopping_task_ends_the_job_with_143_and_progress_was_recorded(servers: Servers, records: JobRecords) -> None:
    task_id, ref = running_task(servers, records, {})
    job = spawn_job(servers, "tests.long_job_fixtures:slow", task_id, ref)
    try:
        wait_for(lambda: (records.registry.get(task_id).get("progress") or {}).get("percent", 0) > 0)

        records.registry.transition(task_id, "requestStop", {"detail": "stop requested"})  # what `stask stop` does first

        assert job.wait(timeout=15) == EXIT_STOPPED
    finally:
        job.kill()
    output = job.stdout.read() if job.stdout else ""
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    assert all(line.get("taskId") == task_id for line in lines) and any(line.get("phase") == "stopped" for line in lines)
    assert records.registry.get(task_id)["status"] == "STOPPING" and "error" not in records.registry.get(task_id)


def test_sigterm_ends_even_a_job_that_ignores_the_stop_signal(servers: Servers, records: JobRecords) -> None:
    task_id, ref = running_task(servers, records, {})
    job = spawn_job(servers, "tests.long_job_fixtures:stubborn", task_id, ref)
    try:
        wait_for(lambda: records.registry.get(task_id).get("progress"))

        job.send_signal(signal.SIGTERM)  # ECS StopTask; the embedded platform's stop

        assert job.wait(timeout=10) == EXIT_STOPPED
    finally:
        job.kill()
