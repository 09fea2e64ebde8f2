"""The contract scenarios through `task_handler`, against dynalite and s3rver."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from stask_runtime import InvalidPayload, TaskContext, TaskStopped, Timeout, task_handler
from stask_runtime.payload import encode
from tests.conftest import FakeContext, Servers, create_task


def wait_for(predicate: Any, seconds: float = 10.0) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError("condition not met in time")


def statuses(record: dict[str, Any]) -> list[str]:
    return [e["status"] for e in record["events"]]


def test_succeeds_with_the_result_and_final_progress(servers: Servers, deps: Any) -> None:
    task_id = create_task(servers, {"n": 3})
    handler = task_handler(deps=deps)(lambda payload, ctx: {"double": payload["n"] * 2, "attempt": ctx.attempt})

    response = handler({"taskId": task_id, "task": "py-test", "payload": {"n": 3}}, FakeContext("req-1"))

    record = deps.registry.get(task_id)
    assert response == {"taskId": task_id, "status": "SUCCEEDED", "result": {"attempt": 1, "double": 6}}
    assert statuses(record) == ["QUEUED", "RUNNING", "SUCCEEDED"]
    assert record["result"] == {"attempt": 1, "double": 6}
    assert record["attempts"] == 1 and record["attemptRefs"] == ["req-1"] and record["executionRef"] == "req-1"
    assert record["progress"]["percent"] == 100
    assert record["expiresAt"] > time.time() and "endedAt" in record


def test_fails_after_its_retries_and_reraises_each_time(servers: Servers, deps: Any) -> None:
    task_id = create_task(servers, {})

    @task_handler(deps=deps)
    def handler(payload: Any, ctx: TaskContext) -> None:
        raise ValueError(f"bad data in attempt {ctx.attempt}")

    for attempt in (1, 2, 3):  # Lambda retries an asynchronous invocation with the same request ID
        with pytest.raises(ValueError, match=f"attempt {attempt}"):
            handler({"taskId": task_id, "task": "py-test", "payload": {}}, FakeContext("req-1"))

    record = deps.registry.get(task_id)
    assert statuses(record) == ["QUEUED", "RUNNING", "RETRYING", "RUNNING", "RETRYING", "RUNNING", "FAILED"]
    assert record["error"] == {"type": "ValueError", "message": "bad data in attempt 3"}
    assert record["attempts"] == 3 and record["attemptRefs"] == ["req-1"] * 3
    assert record["events"][-1]["detail"] == "attempt 3 of 3 failed: ValueError: bad data in attempt 3"


def test_stop_ends_the_work_and_records_stopped(servers: Servers, deps: Any) -> None:
    task_id = create_task(servers, {})
    started = threading.Event()

    @task_handler(deps=deps)
    def handler(payload: Any, ctx: TaskContext) -> str:
        started.set()
        while not ctx.stopped:
            time.sleep(0.01)
        ctx.check()
        return "not reached"

    outcome: dict[str, Any] = {}
    thread = threading.Thread(target=lambda: _capture(outcome, handler, task_id))
    thread.start()
    assert started.wait(10)
    deps.registry.transition(task_id, "requestStop", {"detail": "stop requested"})  # what `stask stop` does
    thread.join(10)

    record = deps.registry.get(task_id)
    assert isinstance(outcome.get("error"), TaskStopped)
    assert statuses(record) == ["QUEUED", "RUNNING", "STOPPING", "STOPPED"]
    assert record["error"]["type"] == "TaskStopped"


def test_stop_returns_even_when_the_work_ignores_the_signal(servers: Servers, deps: Any) -> None:
    task_id = create_task(servers, {})
    release = threading.Event()
    handler = task_handler(deps=deps)(lambda payload, ctx: release.wait(30))
    outcome: dict[str, Any] = {}
    thread = threading.Thread(target=lambda: _capture(outcome, handler, task_id))
    thread.start()
    wait_for(lambda: deps.registry.get(task_id)["status"] == "RUNNING")
    deps.registry.transition(task_id, "requestStop", {})
    thread.join(10)
    release.set()

    assert isinstance(outcome.get("error"), TaskStopped)
    assert deps.registry.get(task_id)["status"] == "STOPPED"


def test_retry_after_failure_runs_a_fresh_attempt(servers: Servers, deps: Any) -> None:
    task_id = create_task(servers, {}, max_attempts=1)
    deps = type(deps)(**{**deps.__dict__, "max_attempts": 1})
    calls: list[int] = []

    @task_handler(deps=deps)
    def handler(payload: Any, ctx: TaskContext) -> str:
        calls.append(ctx.attempt)
        if len(calls) == 1:
            raise RuntimeError("transient")
        return "ok"

    with pytest.raises(RuntimeError):
        handler({"taskId": task_id, "task": "py-test", "payload": {}}, FakeContext("req-1"))
    assert deps.registry.get(task_id)["status"] == "FAILED"
    deps.registry.transition(task_id, "requeue", {"detail": "retry requested"})  # what `stask retry` does
    handler({"taskId": task_id, "task": "py-test", "payload": {}}, FakeContext("req-2"))

    record = deps.registry.get(task_id)
    assert calls == [1, 1]
    assert statuses(record) == ["QUEUED", "RUNNING", "FAILED", "QUEUED", "RUNNING", "SUCCEEDED"]
    assert record["result"] == "ok" and "error" not in record and record["attemptRefs"] == ["req-1", "req-2"]


def test_reads_a_claim_check_payload_from_s3(servers: Servers, deps: Any) -> None:
    payload = {"rows": list(range(5000))}
    ref = deps.payloads.put("payloads", "claim", encode(payload))
    task_id = create_task(servers, payload_ref=ref)
    handler = task_handler(deps=deps)(lambda p, ctx: sum(p["rows"]))

    response = handler({"taskId": task_id, "task": "py-test", "payloadRef": ref}, FakeContext())

    assert response["result"] == sum(range(5000))


def test_a_tampered_claim_check_payload_fails_at_once(servers: Servers, deps: Any) -> None:
    ref = deps.payloads.put("payloads", "tampered", encode({"a": 1}))
    servers.s3.put_object(Bucket=ref["bucket"], Key=ref["key"], Body=b'{"a":2}')
    task_id = create_task(servers, payload_ref=ref)
    handler = task_handler(deps=deps)(lambda p, ctx: p)

    with pytest.raises(InvalidPayload, match="does not match its recorded sha256"):
        handler({"taskId": task_id, "task": "py-test", "payloadRef": ref}, FakeContext())

    record = deps.registry.get(task_id)
    assert record["status"] == "FAILED" and record["error"]["type"] == "InvalidPayload"


def test_a_large_result_goes_to_s3_with_its_hash(servers: Servers, deps: Any) -> None:
    task_id = create_task(servers, {})
    handler = task_handler(deps=deps)(lambda p, ctx: {"blob": "x" * 40_000})

    response = handler({"taskId": task_id, "task": "py-test", "payload": {}}, FakeContext())

    ref = deps.registry.get(task_id)["resultRef"]
    assert response["resultRef"] == ref
    assert deps.payloads.get(ref) == {"blob": "x" * 40_000}


def test_a_redelivered_event_of_a_finished_task_does_not_run_twice(servers: Servers, deps: Any) -> None:
    task_id = create_task(servers, {})
    calls: list[str] = []
    handler = task_handler(deps=deps)(lambda p, ctx: calls.append(ctx.task_id) or len(calls))
    first = handler({"taskId": task_id, "task": "py-test", "payload": {}}, FakeContext("req-1"))
    before = deps.registry.get(task_id)

    again = handler({"taskId": task_id, "task": "py-test", "payload": {}}, FakeContext("req-9"))

    assert again == first and calls == [task_id]
    assert deps.registry.get(task_id) == before


def test_progress_reaches_the_record_while_running(servers: Servers, deps: Any) -> None:
    task_id = create_task(servers, {})
    seen = threading.Event()

    @task_handler(deps=deps)
    def handler(payload: Any, ctx: TaskContext) -> None:
        ctx.progress(40, "reading")
        wait_for(lambda: deps.registry.get(task_id).get("progress", {}).get("percent") == 40)
        seen.set()

    handler({"taskId": task_id, "task": "py-test", "payload": {}}, FakeContext())

    assert seen.is_set()


def test_imminent_timeout_aborts_and_records_a_retry(servers: Servers, deps: Any) -> None:
    task_id = create_task(servers, {})
    handler = task_handler(deps=deps)(lambda p, ctx: ctx.stop_requested.wait(30))

    with pytest.raises(Timeout):
        handler({"taskId": task_id, "task": "py-test", "payload": {}}, FakeContext(timeout_ms=1500))

    record = deps.registry.get(task_id)
    assert record["status"] == "RETRYING" and record["error"]["type"] == "Timeout"


def test_a_bad_payload_fails_without_retries(servers: Servers, deps: Any) -> None:
    task_id = create_task(servers, {"n": "x"})

    def parse(raw: Any) -> int:
        if not isinstance(raw.get("n"), int):
            raise InvalidPayload("n must be an integer")
        return raw["n"]

    handler = task_handler(parse_payload=parse, deps=deps)(lambda n, ctx: n)
    with pytest.raises(InvalidPayload):
        handler({"taskId": task_id, "task": "py-test", "payload": {"n": "x"}}, FakeContext())

    assert deps.registry.get(task_id)["status"] == "FAILED"


@pytest.mark.parametrize("event", [None, {"task": "t"}, {"taskId": "1bad", "task": "t", "payload": 1}, {"taskId": "ok", "task": "t"}])
def test_not_a_task_event_is_refused_clearly(deps: Any, event: Any) -> None:
    handler = task_handler(deps=deps)(lambda p, ctx: p)
    with pytest.raises(InvalidPayload):
        handler(event, FakeContext())


def _capture(outcome: dict[str, Any], handler: Any, task_id: str) -> None:
    try:
        outcome["result"] = handler({"taskId": task_id, "task": "py-test", "payload": {}}, FakeContext())
    except BaseException as error:  # noqa: BLE001 - the test inspects it
        outcome["error"] = error
