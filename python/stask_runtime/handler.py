"""`task_handler`: what `taskHandler` (functions/core/task-runtime.ts) gives TypeScript tasks, for Python.

RUNNING once per attempt whatever Lambda redelivers, heartbeats, progress, a stop signal (stop request,
take-over, imminent timeout), SUCCEEDED with the result (large results to S3), RETRYING or FAILED with the
reason and the error re-raised so Lambda's retries and destinations work. Every status change is a
transition of the task contract.
"""

from __future__ import annotations

import functools
import json
import re
import threading
import time
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, TypeVar

from .context import TaskContext
from .deps import RuntimeDeps, deps_from_environment
from .metrics import TASK_ATTEMPT_FAILED, TASK_DURATION, TASK_FAILED, TASK_STOPPED, TASK_SUCCEEDED
from .usage import lambda_usage
from .errors import AttemptLost, InvalidPayload, InvalidTransition, TaskAlreadyRunning, TaskStopped, Timeout, named_error
from .payload import INLINE_MAX_BYTES, encode
from .contract import iso_now

T = TypeVar("T")
Work = Callable[[Any, TaskContext], Any]
TASK_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,127}$")
_REF_FIELDS = ("bucket", "key", "sizeBytes", "sha256")


def task_handler(parse_payload: Callable[[Any], Any] | None = None, deps: RuntimeDeps | Callable[[], RuntimeDeps] | None = None) -> Callable[[Work], Callable[[Any, Any], Any]]:
    """Decorates `work(payload, ctx)` into a Lambda handler `(event, context)`.

    `parse_payload` validates the payload; an exception there fails the task at once (retrying cannot fix
    its input). `deps` replaces what is otherwise built from the function's environment (tests)."""

    def decorate(work: Work) -> Callable[[Any, Any], Any]:
        @functools.wraps(work)
        def handler(event: Any, context: Any) -> Any:
            d = deps() if callable(deps) else deps or deps_from_environment()
            task_id, task, raw, is_ref = _parse_event(event)
            execution_ref = context.aws_request_id
            d.logger.append_keys(taskId=task_id, task=task, function_request_id=execution_ref)
            try:
                claimed = _claim(d, task_id, execution_ref)
                if "replay" in claimed:
                    return claimed["replay"]
                return _run_attempt(d, claimed["task"], raw, is_ref, context, parse_payload, work)
            finally:
                d.metrics.flush()
                d.logger.remove_keys(["taskId", "task", "attempt", "function_request_id"])

        return handler

    return decorate


def _parse_event(event: Any) -> tuple[str, str, Any, bool]:
    if not isinstance(event, dict) or not isinstance(event.get("taskId"), str) or not isinstance(event.get("task"), str):
        raise InvalidPayload("not a task invocation event: taskId and task (strings) are required")
    if not TASK_ID.match(event["taskId"]):
        raise InvalidPayload(f"invalid task ID '{event['taskId']}': it must match {TASK_ID.pattern}")
    ref = event.get("payloadRef")
    if ref is not None:
        if not isinstance(ref, dict) or any(f not in ref for f in _REF_FIELDS):
            raise InvalidPayload(f"payloadRef must have {', '.join(_REF_FIELDS)}")
        return event["taskId"], event["task"], ref, True
    if "payload" not in event:
        raise InvalidPayload("not a task invocation event: the event has neither payload nor payloadRef")
    return event["taskId"], event["task"], event["payload"], False


def _claim(d: RuntimeDeps, task_id: str, execution_ref: str) -> dict[str, Any]:
    """Marks the task RUNNING for this attempt (contract transition `start`), or explains why this delivery
    must not run it: a redelivered event of a finished task is answered as the first run was."""
    stale_before = iso_now(datetime.now(timezone.utc) - timedelta(seconds=2 * d.heartbeat_seconds))
    try:
        return {"task": d.registry.transition(task_id, "start", {
            "executionRef": execution_ref,
            # a previous attempt that died stops heartbeating (two missed beats); Lambda's retry of this very
            # invocation keeps the request ID and comes only after the earlier attempt ended
            "staleBefore": stale_before,
            "retryOf": execution_ref,
            "maxAttempts": d.max_attempts,
            "detail": f"attempt started ({execution_ref})",
            # recorded at start, so that a task stopped or resolved by the sweeper still says what ran it
            **lambda_usage(),
        })}
    except InvalidTransition:
        current = d.registry.get(task_id)
    status = current.get("status")
    if status == "SUCCEEDED":
        d.logger.info("task already succeeded; returning its recorded result")
        return {"replay": _success_response(current)}
    if status == "STOPPING":
        try:
            d.registry.transition(task_id, "stopped", {"detail": "stopped before its retry ran"}, from_=["STOPPING"])
        except InvalidTransition:
            pass
        raise TaskStopped(task_id)
    if status == "STOPPED":
        raise TaskStopped(task_id)
    if status == "RUNNING":
        raise TaskAlreadyRunning(f"task '{task_id}' is already running in {current.get('executionRef', 'another attempt')}")
    error = current.get("error") or {}
    raise named_error(error.get("type") or str(status), error.get("message") or f"task '{task_id}' is {status}")


def _run_attempt(d: RuntimeDeps, task: dict[str, Any], raw: Any, is_ref: bool, context: Any,
                 parse_payload: Callable[[Any], Any] | None, work: Work) -> Any:
    task_id = task["taskId"]
    execution_ref = context.aws_request_id
    attempt = int(task.get("attempts", 1))
    d.logger.append_keys(attempt=attempt)
    started = time.monotonic()
    ctx = TaskContext(task_id, attempt, d.logger, lambda p: beat(p))
    stop_beats = threading.Event()

    def beat(progress: dict[str, Any] | None = None) -> None:
        record = d.registry.heartbeat(task_id, execution_ref, progress)
        if record is None:
            ctx._abort(AttemptLost(f"task '{task_id}' is no longer owned by this attempt"))
        elif record.get("status") == "STOPPING":
            ctx._abort(TaskStopped(task_id))

    def beats() -> None:
        while not stop_beats.wait(d.heartbeat_seconds):
            try:
                beat()
            except Exception as error:
                d.logger.warning("heartbeat failed", extra={"error": repr(error)})

    threading.Thread(target=beats, name=f"heartbeat-{task_id}", daemon=True).start()
    deadline_timer = _deadline_timer(ctx, context, task_id)
    try:
        try:
            payload = d.payloads.get(raw) if is_ref else raw
            payload = parse_payload(payload) if parse_payload else payload
        except InvalidPayload:
            raise
        except Exception as error:
            raise InvalidPayload(str(error)) from error
        result = _abortable(work, payload, ctx)
        stop_beats.set()
        return _succeed(d, task_id, execution_ref, attempt, result, started)
    except BaseException as caught:
        stop_beats.set()
        error = ctx.stop_reason if ctx.stopped and ctx.stop_reason is not None else caught
        _record_failure(d, task_id, execution_ref, attempt, error)
        if error is caught:
            raise
        raise error from caught
    finally:
        stop_beats.set()
        ctx._close()
        if deadline_timer is not None:
            deadline_timer.cancel()


def _deadline_timer(ctx: TaskContext, context: Any, task_id: str) -> threading.Timer | None:
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if remaining is None:
        return None
    ms = remaining()
    margin = min(5000, max(200, ms * 0.05))
    timer = threading.Timer(max(0.0, (ms - margin) / 1000), lambda: ctx._abort(Timeout(task_id, round(margin))))
    timer.daemon = True
    timer.start()
    return timer


def _abortable(work: Work, payload: Any, ctx: TaskContext) -> Any:
    """Runs the work in a thread and returns as soon as it ends or the attempt must end (stop, take-over,
    timeout), even if the work ignores the signal."""
    outcome: dict[str, Any] = {}
    wake = threading.Event()

    def run() -> None:
        try:
            outcome["result"] = work(payload, ctx)
        except BaseException as error:
            outcome["error"] = error
        finally:
            wake.set()

    ctx._on_abort(wake.set)
    threading.Thread(target=run, name=f"work-{ctx.task_id}", daemon=True).start()
    wake.wait()
    if ctx.stopped and ctx.stop_reason is not None:  # work that returns because it was told to stop did not finish
        raise ctx.stop_reason
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("result")


def _succeed(d: RuntimeDeps, task_id: str, execution_ref: str, attempt: int, result: Any, started: float) -> Any:
    encoded = encode(result)
    inputs: dict[str, Any] = {
        "executionRef": execution_ref,
        "detail": f"attempt {attempt} succeeded in {round((time.monotonic() - started) * 1000)} ms",
        **lambda_usage(),
    }
    if encoded.size_bytes > INLINE_MAX_BYTES:
        inputs["resultRef"] = d.payloads.put("results", task_id, encoded)
    else:
        inputs["result"] = json.loads(encoded.json)
    try:
        done = d.registry.transition(task_id, "succeed", inputs)
    except InvalidTransition as error:
        if error.current == "STOPPING":  # stopped while the last step ran: a STOPPED task never becomes SUCCEEDED
            raise TaskStopped(task_id) from None
        raise
    d.metrics.count(TASK_SUCCEEDED)
    d.metrics.duration_ms(TASK_DURATION, (time.monotonic() - started) * 1000)
    d.logger.info("task succeeded", extra={"durationMs": round((time.monotonic() - started) * 1000)})
    return _success_response(done)


def _record_failure(d: RuntimeDeps, task_id: str, execution_ref: str, attempt: int, error: BaseException) -> None:
    failure = {"type": type(error).__name__, "message": str(error)}
    try:
        if isinstance(error, TaskStopped):
            d.registry.transition(task_id, "stopped", {"executionRef": execution_ref, "detail": "stopped by request"},
                                  from_=["STOPPING", "RUNNING"])
            d.metrics.count(TASK_STOPPED)
            d.logger.info("task stopped")
            return
        retryable = not isinstance(error, InvalidPayload) and attempt < d.max_attempts
        d.registry.transition(task_id, "retrying" if retryable else "fail", {
            "executionRef": execution_ref,
            "detail": f"attempt {attempt} of {d.max_attempts} failed: {failure['type']}: {failure['message']}",
            "error": failure,
            **({} if retryable else lambda_usage()),
        }, from_=["RUNNING"])
        d.metrics.count(TASK_ATTEMPT_FAILED if retryable else TASK_FAILED)
        message = "attempt failed; Lambda will retry" if retryable else "task failed"
        d.logger.error(message, exc_info=error, extra={"error": failure})
    except InvalidTransition as record_error:
        if record_error.current == "STOPPING":
            try:
                d.registry.transition(task_id, "stopped", {"detail": "stopped by request while failing"}, from_=["STOPPING"])
            except InvalidTransition:
                pass
            return
        d.logger.warning("could not record the failure", extra={"error": str(record_error)})


def _success_response(task: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"taskId": task["taskId"], "status": "SUCCEEDED"}
    if task.get("resultRef"):
        out["resultRef"] = task["resultRef"]
    else:
        out["result"] = task.get("result")
    return out
