"""The Python task runtime of Serverless Task for AWS: `task_handler` executes the shared task contract."""

from .context import TaskContext
from .contract import TaskContract
from .errors import InvalidPayload, TaskStopped, Timeout
from .handler import task_handler

__all__ = ["TaskContext", "TaskContract", "InvalidPayload", "TaskStopped", "Timeout", "task_handler"]
