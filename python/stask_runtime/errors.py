"""Errors of the task runtime. Lambda reports an unhandled exception's class name as its errorType, so
the names match the TypeScript runtime's error names (TaskStopped, Timeout, InvalidPayload, ...)."""

from __future__ import annotations


class TaskError(Exception):
    """Base of the runtime's own errors."""


class InvalidPayload(TaskError):
    """The payload is not what the task accepts: retrying cannot fix it, the task fails at once."""


class TaskStopped(TaskError):
    def __init__(self, task_id: str) -> None:
        super().__init__(f"task '{task_id}' was stopped by request")


class Timeout(TaskError):
    def __init__(self, task_id: str, remaining_ms: int) -> None:
        super().__init__(f"task '{task_id}' was about to reach the function timeout ({remaining_ms} ms left) and was aborted")


class TaskAlreadyRunning(TaskError):
    pass


class TaskNotFound(TaskError):
    pass


class InvalidTransition(TaskError):
    def __init__(self, task_id: str, current: str, to: str) -> None:
        super().__init__(f"task '{task_id}' is {current}; it cannot become {to}")
        self.task_id = task_id
        self.current = current
        self.to = to


class AttemptLost(TaskError):
    """The attempt no longer owns the task (another attempt took it over)."""


def named_error(name: str, message: str) -> Exception:
    """An exception whose class name is `name` (a recorded error type such as 'Sandbox.Timedout'), so the
    failure destination record names the same type the task record does."""
    return type(name, (TaskError,), {})(message)
