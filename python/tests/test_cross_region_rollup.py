"""The cross-region-rollup sample (functions/long/cross-region-rollup): the pandas aggregation worked by hand,
the payload's key rules, and the job over summaries in s3rver (progress per file, stop between files)."""

from __future__ import annotations

import json
import sys
import threading
import uuid
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools import Logger

sys.dont_write_bytecode = True  # no __pycache__ in functions/: it would make the stack look changed (local/synth.ts)
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "functions" / "long" / "cross-region-rollup"))

from rollup import InvalidInput, parse_request, rollup, summary_frame  # noqa: E402
from rollup_job import run  # noqa: E402

from stask_runtime import InvalidPayload, TaskContext, TaskStopped  # noqa: E402
from tests.conftest import Servers  # noqa: E402


def fp(name: str, count: int, total: float, p95: float, mx: float, rows: int, sent: int = 1, sample: str = "") -> dict[str, Any]:
    return {"fingerprint": name, "count": count, "totalQueryTime": total, "p95QueryTime": p95, "maxQueryTime": mx,
            "rowsExamined": rows, "rowsSent": sent, "sample": sample or name}


EU = {"totals": {"entries": 12, "fingerprints": 2, "totalQueryTime": 6}, "fingerprints": [fp("q1", 10, 5, 1.0, 2.0, 100, sample="eu slowest"), fp("q2", 2, 1, 0.5, 0.6, 20)]}
US = {"totals": {"entries": 30, "fingerprints": 1, "totalQueryTime": 20}, "fingerprints": [fp("q1", 30, 20, 2.0, 4.0, 300, sample="us slowest")]}


def test_aggregates_per_fingerprint_across_regions() -> None:
    frames = [summary_frame(EU, "eu", "eu-west-1"), summary_frame(US, "us", "us-east-1")]

    report = rollup([f for f, _ in frames], [line for _, line in frames])

    q1, q2 = report["fingerprints"]
    assert report["totals"] == {"regions": 2, "fingerprints": 2, "inAllRegions": 1, "entries": 42, "totalQueryTime": 26.0}
    assert q1 == {
        "fingerprint": "q1", "regions": ["eu-west-1", "us-east-1"], "regionCount": 2, "count": 40, "totalQueryTime": 25.0, "maxQueryTime": 4.0,
        # (1.0 × 10 + 2.0 × 30) / 40
        "p95QueryTime": {"weighted": 1.75, "max": 2.0, "maxRegion": "us-east-1"},
        "rowsExamined": 400, "rowsSent": 2, "rowsExaminedPerExecution": 10.0, "sample": "us slowest",
    }
    assert q2["regions"] == ["eu-west-1"] and q2["count"] == 2
    assert [r["region"] for r in report["regions"]] == ["eu-west-1", "us-east-1"]


def test_top_keeps_the_fingerprints_with_the_most_query_time() -> None:
    frames = [summary_frame(EU, "eu", "eu"), summary_frame(US, "us", "us")]
    report = rollup([f for f, _ in frames], [line for _, line in frames], top=1)
    assert [f["fingerprint"] for f in report["fingerprints"]] == ["q1"] and report["totals"]["fingerprints"] == 2


@pytest.mark.parametrize(("document", "message"), [
    ({"totals": {}}, "no fingerprints"),
    ([1, 2], "no fingerprints"),
    ({"fingerprints": [{"fingerprint": "q", "count": 1}]}, r"fingerprints\[0\] lacks totalQueryTime"),
    ({"fingerprints": [fp("q", 1, 1, 1, 1, 1), fp("q", 1, 1, 1, 1, 1)]}, "twice"),
    ({"fingerprints": [{**fp("q", 1, 1, 1, 1, 1), "count": "many"}]}, "non-numeric or negative count"),
])
def test_a_document_that_is_not_a_summary_is_invalid_input(document: Any, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        summary_frame(document, "s3://b/k.json", "r")


@pytest.mark.parametrize(("payload", "message"), [
    ({"prefix": "in/", "output_key": "../out.json"}, "not a plain relative key"),
    ({"prefix": "in/", "output_key": "/abs.json"}, "not a plain relative key"),
    ({"prefix": "in/", "output_key": "a//b.json"}, "not a plain relative key"),
    ({"prefix": "in/../x/", "output_key": "out.json"}, "prefix"),
    ({"prefix": "in/", "output_key": "in/report.json"}, "under the input prefix"),
    ({"prefix": "in/", "output_key": "uploads/report.json"}, "where uploads start"),
    ({"prefix": "in/", "output_key": "out/"}, "folder"),
    ({"prefix": "", "output_key": "out.json"}, "prefix: must be a non-empty"),
    ({"prefix": "in/", "output_key": "o.json", "top": 0}, "top"),
    ({"prefix": "in/", "output_key": "o.json", "pause_seconds": 99}, "pause_seconds"),
    ({"prefix": "in/", "output_key": "o.json", "extra": 1}, "unknown payload fields: extra"),
    ("text", "must be an object"),
])
def test_payload_rules(payload: Any, message: str) -> None:
    with pytest.raises(InvalidPayload, match=message):
        parse_request(payload, "bucket", ("uploads/",))


@pytest.fixture()
def bucket(servers: Servers) -> str:
    name = f"rollup-{uuid.uuid4().hex[:8]}"
    servers.s3.create_bucket(Bucket=name)
    return name


def put(servers: Servers, bucket: str, key: str, body: Any) -> None:
    servers.s3.put_object(Bucket=bucket, Key=key, Body=body if isinstance(body, bytes) else json.dumps(body).encode())


def context(progress: list[dict[str, Any]]) -> TaskContext:
    return TaskContext("t_rollup", 1, Logger(service="rollup-test"), progress.append)


def test_the_job_writes_the_report_and_reports_progress_per_file(servers: Servers, bucket: str) -> None:
    put(servers, bucket, "daily/eu-west-1.json", EU)
    put(servers, bucket, "daily/us-east-1.json", US)
    progress: list[dict[str, Any]] = []

    result = run({"bucket": bucket, "prefix": "daily/", "output_key": "reports/daily.json"}, context(progress))

    report = json.loads(servers.s3.get_object(Bucket=bucket, Key="reports/daily.json")["Body"].read())
    assert result["regions"] == ["eu-west-1", "us-east-1"] and result["fingerprints"] == 2
    assert result["report"]["key"] == "reports/daily.json"
    assert report["fingerprints"][0]["count"] == 40 and report["totals"]["inAllRegions"] == 1
    assert progress and progress[0]["message"] == "read daily/eu-west-1.json (1/2)"


@pytest.mark.parametrize(("files", "message"), [
    ({}, "no summaries under"),
    ({"in/eu.json": b"not json at all"}, r"in/eu.json is not JSON"),
    ({"in/eu.json": {"rows": []}}, "not an analyze-slow-queries summary"),
    ({"in/a.json": {**EU, "region": "eu"}, "in/b.json": {**US, "region": "eu"}}, "region 'eu' appears in two files"),
])
def test_bad_input_is_a_clear_invalid_input(servers: Servers, bucket: str, files: dict[str, Any], message: str) -> None:
    for key, body in files.items():
        put(servers, bucket, key, body)
    with pytest.raises(InvalidInput, match=message):
        run({"bucket": bucket, "prefix": "in/", "output_key": "out/report.json"}, context([]))


def test_a_stop_between_files_ends_the_run_without_a_report(servers: Servers, bucket: str) -> None:
    for region in ("a", "b", "c"):
        put(servers, bucket, f"in/{region}.json", EU)
    ctx = context([])
    threading.Timer(0.3, lambda: ctx._abort(TaskStopped("t_rollup"))).start()

    with pytest.raises(TaskStopped):
        run({"bucket": bucket, "prefix": "in/", "output_key": "out/report.json", "pause_seconds": 5}, ctx)

    assert "Contents" not in servers.s3.list_objects_v2(Bucket=bucket, Prefix="out/")
