"""What a task's work receives: its identity, a stop signal, progress reporting, the logger."""

from __future__ import annotations

import threading
import time
from typing import Any, Callable

from aws_lambda_powertools import Logger


class TaskContext:
    """Given to the work of one attempt.

    `stop_requested` is set when the task is stopped (`stask stop`), taken over, or about to reach the function
    timeout: long work checks `ctx.stopped` (or calls `ctx.check()`, which raises) and returns early.
    """

    def __init__(self, task_id: str, attempt: int, logger: Logger, write_progress: Callable[[dict[str, Any]], None]) -> None:
        self.task_id = task_id
        self.attempt = attempt
        self.logger = logger
        self.stop_requested = threading.Event()
        self.stop_reason: BaseException | None = None
        self._write_progress = write_progress
        self._lock = threading.Lock()
        self._last_write = 0.0
        self._pending: dict[str, Any] | None = None
        self._timer: threading.Timer | None = None
        self._closed = False
        self._listeners: list[Callable[[], None]] = []

    @property
    def stopped(self) -> bool:
        return self.stop_requested.is_set()

    def check(self) -> None:
        """Raises the reason the attempt must end (TaskStopped, Timeout, ...) if it must."""
        if self.stop_requested.is_set() and self.stop_reason is not None:
            raise self.stop_reason

    def progress(self, percent: float, message: str | None = None) -> None:
        """Reports progress (0-100) to the registry; written at most once a second, the latest value wins."""
        if not isinstance(percent, (int, float)) or percent != percent or percent in (float("inf"), float("-inf")):
            raise ValueError(f"progress must be a number from 0 to 100, got {percent!r}")
        value: dict[str, Any] = {"percent": min(100, max(0, percent))}
        if message:
            value["message"] = message
        with self._lock:
            if self._closed:
                return
            self._pending = value
            wait = self._last_write + 1.0 - time.monotonic()
            if wait > 0:
                if self._timer is None:
                    self._timer = threading.Timer(wait, self._flush)
                    self._timer.daemon = True
                    self._timer.start()
                return
        self._flush()

    def _flush(self) -> None:
        with self._lock:
            self._timer = None
            pending, self._pending = self._pending, None
            self._last_write = time.monotonic()
        if pending is not None:
            try:
                self._write_progress(pending)
            except Exception as error:  # a lost progress write must not fail the work
                self.logger.warning("progress write failed", extra={"error": repr(error)})

    def _on_abort(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)
        if self.stop_requested.is_set():
            listener()

    def _abort(self, reason: BaseException) -> None:
        if not self.stop_requested.is_set():
            self.stop_reason = reason
            self.stop_requested.set()
            for listener in self._listeners:
                listener()

    def _close(self) -> None:
        with self._lock:
            self._closed = True
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
