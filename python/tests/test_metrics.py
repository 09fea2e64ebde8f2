"""The runtime's CloudWatch metrics: one EMF document per invocation, with the names, units and `service`
dimension of the TypeScript runtime's (functions/core/facts.ts METRICS), against dynalite and s3rver."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from stask_runtime import task_handler
from stask_runtime.metrics import TaskMetrics
from tests.conftest import FakeContext, Servers, create_task


def emf_documents(out: str) -> list[dict[str, Any]]:
    docs = [json.loads(line) for line in out.splitlines() if line.startswith("{") and '"_aws"' in line]
    return [d for d in docs if "CloudWatchMetrics" in d["_aws"]]


def metric_names(doc: dict[str, Any]) -> dict[str, str]:
    [directive] = doc["_aws"]["CloudWatchMetrics"]
    return {m["Name"]: m["Unit"] for m in directive["Metrics"]}


def test_a_success_emits_succeeded_and_its_duration(servers: Servers, deps: Any, capsys: pytest.CaptureFixture[str]) -> None:
    metered = dataclasses.replace(deps, metrics=TaskMetrics("py-metered", namespace="ServerlessTask"))
    task_id = create_task(servers, {"n": 1})
    capsys.readouterr()

    task_handler(deps=metered)(lambda payload, ctx: payload)({"taskId": task_id, "task": "py-metered", "payload": {"n": 1}}, FakeContext("req-m1"))

    [doc] = emf_documents(capsys.readouterr().out)
    assert metric_names(doc) == {"TaskSucceeded": "Count", "TaskDuration": "Milliseconds"}
    assert doc["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "ServerlessTask"
    assert doc["service"] == "py-metered" and doc["TaskSucceeded"] == [1.0] and doc["TaskDuration"][0] >= 0


def test_failures_count_attempts_then_the_failed_task(servers: Servers, deps: Any, capsys: pytest.CaptureFixture[str]) -> None:
    metered = dataclasses.replace(deps, metrics=TaskMetrics("py-metered", namespace="ServerlessTask"), max_attempts=2)
    task_id = create_task(servers, {}, max_attempts=2)

    def boom(payload: Any, ctx: Any) -> None:
        raise ValueError("no")

    handler = task_handler(deps=metered)(boom)
    seen = []
    for _ in range(2):
        capsys.readouterr()
        with pytest.raises(ValueError):
            handler({"taskId": task_id, "task": "py-metered", "payload": {}}, FakeContext("req-m2"))
        [doc] = emf_documents(capsys.readouterr().out)
        seen.append(metric_names(doc))
    assert seen == [{"TaskAttemptFailed": "Count"}, {"TaskFailed": "Count"}]


def test_without_a_namespace_nothing_is_emitted(servers: Servers, deps: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("POWERTOOLS_METRICS_NAMESPACE", raising=False)
    task_id = create_task(servers, {})
    capsys.readouterr()
    task_handler(deps=deps)(lambda payload, ctx: 1)({"taskId": task_id, "task": "py-test", "payload": {}}, FakeContext("req-m3"))
    assert emf_documents(capsys.readouterr().out) == []
