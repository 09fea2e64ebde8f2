"""cross-region-rollup: a long-lane Python job (`python -m stask_runtime.long_job rollup_job:run`). Reads the
per-region analyze-slow-queries summaries under an S3 prefix, one file at a time (progress per file, the stop
signal checked between files), aggregates them with pandas (rollup.py) and writes the report back to S3.

Payload: `{"bucket"?: "...", "prefix": "slow-queries/2026-12-01/", "output_key": "reports/2026-12-01.json",
"top"?: 100, "pause_seconds"?: 0}`; bucket defaults to MEDIA_BUCKET_NAME. The report may not go under the input
prefix, nor under MEDIA_UPLOAD_PREFIX (uploads there start transcodes)."""

from __future__ import annotations

import json
import os
from typing import Any, Iterator

import boto3

from rollup import InvalidInput, parse_request, region_of, rollup, summary_frame
from stask_runtime import TaskContext

#: More input objects than this is a mistake in the prefix, not a rollup.
MAX_FILES = 5000

_s3: Any = None


def s3() -> Any:
    global _s3
    if _s3 is None:
        _s3 = boto3.client("s3")
    return _s3


def list_keys(bucket: str, prefix: str) -> list[str]:
    keys: list[str] = []
    for page in s3().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys += [o["Key"] for o in page.get("Contents", []) if not o["Key"].endswith("/")]
        if len(keys) > MAX_FILES:
            raise InvalidInput(f"more than {MAX_FILES} objects under s3://{bucket}/{prefix}: narrow the prefix")
    return sorted(keys)


def read_json(bucket: str, key: str) -> Any:
    where = f"s3://{bucket}/{key}"
    body = s3().get_object(Bucket=bucket, Key=key)["Body"].read()
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InvalidInput(f"{where} is not JSON: {error}") from None


def run(payload: Any, ctx: TaskContext) -> dict[str, Any]:
    request = parse_request(payload, os.environ.get("MEDIA_BUCKET_NAME"), (os.environ.get("MEDIA_UPLOAD_PREFIX", ""),))
    keys = list_keys(request.bucket, request.prefix)
    if not keys:
        raise InvalidInput(f"no summaries under s3://{request.bucket}/{request.prefix}")
    ctx.logger.info("rollup", extra={"phase": "list", "files": len(keys), "prefix": request.prefix})
    frames, regions = [], []
    for i, (key, frame, line) in enumerate(_summaries(request.bucket, request.prefix, keys), start=1):
        if any(r["region"] == line["region"] for r in regions):
            raise InvalidInput(f"s3://{request.bucket}/{key}: region '{line['region']}' appears in two files")
        frames.append(frame)
        regions.append({**line, "key": key})
        ctx.progress(90 * i / len(keys), f"read {key} ({i}/{len(keys)})")
        if request.pause_seconds:
            ctx.stop_requested.wait(request.pause_seconds)
        ctx.check()  # between files: a stop ends the run here
    report = rollup(frames, regions, request.top)
    body = json.dumps(report, ensure_ascii=False, indent=1).encode("utf-8")
    s3().put_object(Bucket=request.bucket, Key=request.output_key, Body=body, ContentType="application/json")
    ctx.logger.info("report written", extra={"phase": "write", "key": request.output_key, "bytes": len(body)})
    return {
        "report": {"bucket": request.bucket, "key": request.output_key, "sizeBytes": len(body)},
        "regions": [r["region"] for r in report["regions"]],
        "fingerprints": report["totals"]["fingerprints"],
        "inAllRegions": report["totals"]["inAllRegions"],
    }


def _summaries(bucket: str, prefix: str, keys: list[str]) -> Iterator[tuple[str, Any, dict[str, Any]]]:
    for key in keys:
        document = read_json(bucket, key)
        region = region_of(key, prefix, document if isinstance(document, dict) else {})
        frame, line = summary_frame(document, f"s3://{bucket}/{key}", region)
        yield key, frame, line
