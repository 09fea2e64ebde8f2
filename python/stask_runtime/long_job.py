"""`python -m stask_runtime.long_job MODULE:FUNCTION`: a long-lane Python job, run as the container of a
Fargate task (`ecs:runTask.sync`) and, on the embedded platform, as a child process in a venv.

It follows the transcoder worker's contract (functions/long/transcoder/worker.ts) so the state machine records
the outcome the same way. Environment (the long lane's container overrides and task definition): TASK_ID,
EXECUTION_REF (the execution ARN, the record's executionRef), TASK_TABLE_NAME, TASK_PAYLOAD (JSON),
TASK_HEARTBEAT_SECONDS, PAYLOAD_BUCKET_NAME (large results go to its results/), and the SDK's own settings.

`FUNCTION(payload, ctx)` gets a TaskContext: `ctx.progress(percent, message)`, `ctx.stopped` / `ctx.check()`,
`ctx.logger` (Powertools, the task ID on every line). Its return value is recorded on the task as its result.

Exit codes: 0 done (result recorded), 1 failed (the error `{type, message}` recorded on the task), 143 stopped
(SIGTERM or SIGINT, a STOPPING task, or an attempt that no longer owns the task; nothing recorded).
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import sys
import threading
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from aws_lambda_powertools import Logger

from .context import TaskContext
from .contract import TaskContract
from .deps import MissingConfiguration
from .errors import AttemptLost, InvalidPayload, TaskStopped
from .handler import TASK_ID, _abortable
from .job_records import JobRecords

EXIT_OK = 0
EXIT_FAILED = 1
#: 128 + SIGTERM: what a process ended by SIGTERM reports (the transcoder worker's EXIT_STOPPED).
EXIT_STOPPED = 143

Work = Callable[[Any, TaskContext], Any]


@dataclass(frozen=True)
class JobConfig:
    target: str
    task_id: str
    execution_ref: str
    table_name: str
    payload_json: str | None
    heartbeat_seconds: float
    payload_bucket: str | None


def read_config(argv: list[str], env: Mapping[str, str]) -> JobConfig:
    """The job's arguments and environment; MissingConfiguration naming what is missing or wrong."""
    if len(argv) != 1 or ":" not in argv[0]:
        raise MissingConfiguration(f"usage: python -m stask_runtime.long_job MODULE:FUNCTION (got {' '.join(argv) or 'no arguments'})")

    def required(name: str) -> str:
        value = env.get(name, "")
        if not value:
            raise MissingConfiguration(f"environment variable {name} is not set")
        return value

    task_id = required("TASK_ID")
    if not TASK_ID.match(task_id):
        raise MissingConfiguration(f"TASK_ID '{task_id}' is not a task ID ({TASK_ID.pattern})")
    raw_heartbeat = env.get("TASK_HEARTBEAT_SECONDS") or "10"  # facts.ts DEFAULTS.heartbeatSeconds, as the transcoder
    try:
        heartbeat = float(raw_heartbeat)
    except ValueError:
        raise MissingConfiguration(f"TASK_HEARTBEAT_SECONDS is not a number: '{raw_heartbeat}'") from None
    if not heartbeat > 0:
        raise MissingConfiguration(f"TASK_HEARTBEAT_SECONDS must be positive, got {raw_heartbeat}")
    return JobConfig(
        target=argv[0],
        task_id=task_id,
        execution_ref=required("EXECUTION_REF"),
        table_name=required("TASK_TABLE_NAME"),
        payload_json=env.get("TASK_PAYLOAD"),
        heartbeat_seconds=heartbeat,
        payload_bucket=env.get("PAYLOAD_BUCKET_NAME") or None,
    )


def load_work(target: str) -> Work:
    module_name, _, attribute = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise MissingConfiguration(f"cannot import the job module '{module_name}': {error}") from error
    work = getattr(module, attribute, None)
    if not callable(work):
        raise MissingConfiguration(f"'{target}': the module has no function '{attribute}'")
    return work


def parse_payload(payload_json: str | None) -> Any:
    if payload_json is None:
        raise InvalidPayload("TASK_PAYLOAD is not set: the long lane passes the payload as JSON")
    try:
        return json.loads(payload_json)
    except json.JSONDecodeError as error:
        raise InvalidPayload(f"TASK_PAYLOAD is not JSON: {error}") from error


def main(argv: list[str], env: Mapping[str, str] | None = None, records: JobRecords | None = None) -> int:
    """Runs the job once; the exit code. `records` replaces the clients built from the environment (tests)."""
    env = os.environ if env is None else env
    logger = Logger(service=env.get("POWERTOOLS_SERVICE_NAME") or env.get("TASK_NAME") or "long-job")
    try:
        config = read_config(argv, env)
        records = records or JobRecords.from_environment(config.table_name, config.payload_bucket, TaskContract.load())
        work = load_work(config.target)
    except Exception as error:  # nothing identifies an attempt to record it on: the exit code and the log say it
        logger.error("invalid configuration", extra={"phase": "config", "error": {"type": type(error).__name__, "message": str(error)}})
        return EXIT_FAILED
    task_id, execution_ref = config.task_id, config.execution_ref
    logger.append_keys(taskId=task_id)
    logger.info("interpreter", extra={"phase": "start", "python": sys.executable, "version": sys.version.split()[0], "job": config.target})

    holder: dict[str, TaskContext] = {}
    pending_stop: list[BaseException] = []

    def abort(reason: BaseException) -> None:
        ctx = holder.get("ctx")
        if ctx is not None:
            ctx._abort(reason)
        elif not pending_stop:
            pending_stop.append(reason)

    def beat(progress: dict[str, Any] | None = None) -> dict[str, Any] | None:
        record = records.registry.heartbeat(task_id, execution_ref, progress)
        if record is None:
            abort(AttemptLost(f"attempt {execution_ref} no longer owns task '{task_id}'"))
        elif record.get("status") == "STOPPING":
            abort(TaskStopped(task_id))
        return record

    # SIGTERM: ECS StopTask and the embedded platform's stop; SIGINT: Ctrl-C of a job run by hand.
    previous = {s: signal.signal(s, lambda signum, _frame: abort(TaskStopped(task_id))) for s in (signal.SIGTERM, signal.SIGINT)}
    done = threading.Event()
    ctx: TaskContext | None = None
    try:
        # The payload first: an invalid one fails the task before any work (as the transcoder does).
        payload = parse_payload(config.payload_json)
        first = beat()
        if pending_stop:
            raise pending_stop[0]
        ctx = TaskContext(task_id, int((first or {}).get("attempts", 1)), logger, lambda p: beat(p))
        holder["ctx"] = ctx

        def beats() -> None:
            while not done.wait(config.heartbeat_seconds):
                try:
                    beat()
                except Exception as error:  # network: logged, never fatal
                    logger.warning("heartbeat failed", extra={"error": repr(error)})

        threading.Thread(target=beats, name=f"heartbeat-{task_id}", daemon=True).start()
        result = _abortable(work, payload, ctx)
        done.set()
        if not records.record_result(task_id, execution_ref, result):
            logger.warning("the result was not recorded: this attempt no longer owns the task")
        logger.info("done", extra={"phase": "done", "exitCode": EXIT_OK})
        return EXIT_OK
    except BaseException as caught:  # noqa: BLE001 - every outcome becomes an exit code
        done.set()
        error = ctx.stop_reason if ctx is not None and ctx.stopped and ctx.stop_reason is not None else caught
        if isinstance(error, (TaskStopped, AttemptLost)):
            logger.info("stopped", extra={"phase": "stopped", "reason": str(error), "exitCode": EXIT_STOPPED})
            return EXIT_STOPPED
        failure = {"type": type(error).__name__, "message": str(error) or type(error).__name__}
        logger.error("failed", extra={"phase": "failed", "error": failure, "exitCode": EXIT_FAILED})
        try:
            if not records.record_failure(task_id, execution_ref, failure):
                logger.warning("the failure was not recorded: this attempt no longer owns the task")
        except Exception as record_error:
            logger.warning("could not record the failure", extra={"error": repr(record_error)})
        return EXIT_FAILED
    finally:
        done.set()
        if ctx is not None:
            ctx._close()
        for s, handler in previous.items():
            signal.signal(s, handler)


if __name__ == "__main__":
    code = main(sys.argv[1:])
    sys.stdout.flush()
    sys.stderr.flush()
    # A work thread that ignores the stop must not keep a finished (or stopped) job alive.
    os._exit(code)
