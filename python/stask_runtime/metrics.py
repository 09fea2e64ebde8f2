"""The task runtime's CloudWatch metrics (Powertools, EMF): the names of functions/core/facts.ts `METRICS`
(test/functions/core/python-metrics.test.ts holds them equal), with the `service` dimension = the task name,
as the TypeScript runtime emits them, so the dashboard and the alarms cover Python tasks too."""

from __future__ import annotations

import os

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit

TASK_SUCCEEDED = "TaskSucceeded"
TASK_FAILED = "TaskFailed"
TASK_ATTEMPT_FAILED = "TaskAttemptFailed"
TASK_STOPPED = "TaskStopped"
TASK_DURATION = "TaskDuration"
NAMES = {
    "taskSucceeded": TASK_SUCCEEDED,
    "taskFailed": TASK_FAILED,
    "taskAttemptFailed": TASK_ATTEMPT_FAILED,
    "taskStopped": TASK_STOPPED,
    "taskDuration": TASK_DURATION,
}


class TaskMetrics:
    """Counts and durations of one execution environment, flushed (one EMF line) at the end of each invocation.
    Without a namespace (POWERTOOLS_METRICS_NAMESPACE, which PythonTaskFunction always sets) nothing is emitted."""

    def __init__(self, service: str, namespace: str | None = None) -> None:
        namespace = namespace or os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or None
        self._metrics = Metrics(service=service, namespace=namespace) if namespace else None

    def count(self, name: str) -> None:
        if self._metrics is not None:
            self._metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)

    def duration_ms(self, name: str, value: float) -> None:
        if self._metrics is not None:
            self._metrics.add_metric(name=name, unit=MetricUnit.Milliseconds, value=value)

    def flush(self) -> None:
        if self._metrics is not None and self._metrics.metric_set:
            self._metrics.flush_metrics()
