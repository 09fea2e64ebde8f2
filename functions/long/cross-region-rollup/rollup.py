"""The cross-region rollup: per-region `analyze-slow-queries` summaries (one JSON object each) aggregated with
pandas into one report, per query fingerprint across regions. No S3 here (see rollup_job.py): pure functions."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Any, Mapping

import pandas as pd

from stask_runtime import InvalidPayload

#: The summary fields the rollup reads from every fingerprint (functions/short/analyze-slow-queries/summarize.ts).
FIELDS = ["fingerprint", "count", "totalQueryTime", "p95QueryTime", "maxQueryTime", "rowsExamined", "rowsSent"]
DEFAULT_TOP = 100
MAX_PAUSE_SECONDS = 60


class InvalidInput(Exception):
    """An input object is not a summary this job can aggregate (recorded as the task's error type)."""


@dataclass(frozen=True)
class Request:
    bucket: str
    prefix: str
    output_key: str
    top: int
    #: Pause after each file (seconds): spares a rate-limited bucket; tests use it to stop a run midway.
    pause_seconds: float


def parse_request(raw: Any, default_bucket: str | None, forbidden_prefixes: tuple[str, ...] = ()) -> Request:
    """Validates the payload `{bucket?, prefix, output_key, top?, pause_seconds?}`; InvalidPayload says what is wrong."""
    if not isinstance(raw, dict):
        raise InvalidPayload("payload must be an object with prefix and output_key")
    unknown = set(raw) - {"bucket", "prefix", "output_key", "top", "pause_seconds"}
    if unknown:
        raise InvalidPayload(f"unknown payload fields: {', '.join(sorted(unknown))}")
    bucket = raw.get("bucket", default_bucket)
    if not isinstance(bucket, str) or not bucket:
        raise InvalidPayload("bucket: must be a non-empty string (no default bucket is configured)")
    prefix = _key(raw.get("prefix"), "prefix")
    output_key = _key(raw.get("output_key"), "output_key")
    if output_key.endswith("/"):
        raise InvalidPayload(f"output_key: '{output_key}' names a folder, not an object")
    if output_key.startswith(prefix):
        raise InvalidPayload(f"output_key: '{output_key}' is under the input prefix '{prefix}'; a later run would read the report as input")
    for forbidden in forbidden_prefixes:
        if forbidden and output_key.startswith(forbidden):
            raise InvalidPayload(f"output_key: '{output_key}' is under '{forbidden}', where uploads start other tasks")
    top = raw.get("top", DEFAULT_TOP)
    if isinstance(top, bool) or not isinstance(top, int) or not 1 <= top <= 10_000:
        raise InvalidPayload(f"top: must be an integer from 1 to 10000, got {top!r}")
    pause = raw.get("pause_seconds", 0)
    if isinstance(pause, bool) or not isinstance(pause, (int, float)) or not 0 <= pause <= MAX_PAUSE_SECONDS:
        raise InvalidPayload(f"pause_seconds: must be a number from 0 to {MAX_PAUSE_SECONDS}, got {pause!r}")
    return Request(bucket, prefix, output_key, top, float(pause))


def _key(value: Any, name: str) -> str:
    """An S3 key (prefix) without path tricks: relative, no '.' or '..' segments, no empty segment, no backslash."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidPayload(f"{name}: must be a non-empty string")
    segments = value.rstrip("/").split("/")
    if value.startswith("/") or "\\" in value or any(s in ("", ".", "..") for s in segments) or posixpath.normpath(value) != value.rstrip("/"):
        raise InvalidPayload(f"{name}: '{value}' is not a plain relative key (no leading '/', '.', '..', '//' or '\\')")
    return value


def region_of(key: str, prefix: str, document: Mapping[str, Any]) -> str:
    """The summary's region: its `region` field, else the key's name under the prefix without `.json`
    (`daily/eu-west-1.json` -> `eu-west-1`, `daily/eu-west-1/summary.json` -> `eu-west-1/summary`)."""
    region = document.get("region")
    if isinstance(region, str) and region:
        return region
    name = key[len(prefix):].lstrip("/")
    return name[: -len(".json")] if name.endswith(".json") else name


def summary_frame(document: Any, where: str, region: str) -> tuple[pd.DataFrame, dict[str, Any]]:
    """One summary as rows (region, fingerprint fields, sample) and its region line; InvalidInput if it is not one."""
    rows = document.get("fingerprints") if isinstance(document, dict) else None
    if not isinstance(rows, list):
        raise InvalidInput(f"{where} is not an analyze-slow-queries summary: it has no fingerprints[] list")
    for i, row in enumerate(rows):
        missing = [f for f in FIELDS if not isinstance(row, dict) or f not in row]
        if missing:
            raise InvalidInput(f"{where}: fingerprints[{i}] lacks {', '.join(missing)}")
        bad = [f for f in FIELDS[1:] if isinstance(row[f], bool) or not isinstance(row[f], (int, float)) or row[f] < 0]
        if bad or not isinstance(row["fingerprint"], str):
            raise InvalidInput(f"{where}: fingerprints[{i}] has non-numeric or negative {', '.join(bad) or 'fingerprint'}")
    frame = pd.DataFrame([{**{f: row[f] for f in FIELDS}, "sample": row.get("sample", "")} for row in rows], columns=[*FIELDS, "sample"])
    if frame["fingerprint"].duplicated().any():
        raise InvalidInput(f"{where} lists a fingerprint twice")
    frame.insert(0, "region", region)
    totals = document.get("totals") if isinstance(document.get("totals"), dict) else {}
    line = {
        "region": region,
        "entries": int(totals.get("entries", frame["count"].sum())),
        "fingerprints": int(totals.get("fingerprints", len(frame))),
        "totalQueryTime": round(float(totals.get("totalQueryTime", frame["totalQueryTime"].sum())), 6),
    }
    return frame, line


def rollup(frames: list[pd.DataFrame], regions: list[dict[str, Any]], top: int = DEFAULT_TOP) -> dict[str, Any]:
    """The cross-region report. Per fingerprint: the regions it was seen in, count, total and max query time,
    p95 as the count-weighted mean of the regions' p95s (an estimate: the raw times are not in the summaries)
    and as their maximum (with its region), rows examined and sent, rows examined per execution, and the sample
    of the region with the slowest occurrence. Ordered by total query time (descending), then fingerprint."""
    rows = pd.concat(frames, ignore_index=True)
    rows["p95xCount"] = rows["p95QueryTime"] * rows["count"]
    grouped = rows.groupby("fingerprint", sort=False)
    agg = grouped.agg(
        count=("count", "sum"),
        totalQueryTime=("totalQueryTime", "sum"),
        maxQueryTime=("maxQueryTime", "max"),
        p95Max=("p95QueryTime", "max"),
        p95xCount=("p95xCount", "sum"),
        rowsExamined=("rowsExamined", "sum"),
        rowsSent=("rowsSent", "sum"),
    )
    agg["regions"] = grouped["region"].agg(lambda r: sorted(set(r)))
    agg["p95MaxRegion"] = rows.loc[grouped["p95QueryTime"].idxmax(), ["fingerprint", "region"]].set_index("fingerprint")["region"]
    agg["sample"] = rows.loc[grouped["maxQueryTime"].idxmax(), ["fingerprint", "sample"]].set_index("fingerprint")["sample"]
    agg = agg.reset_index().sort_values(["totalQueryTime", "fingerprint"], ascending=[False, True], kind="stable")
    fingerprints = [
        {
            "fingerprint": r.fingerprint,
            "regions": r.regions,
            "regionCount": len(r.regions),
            "count": int(r.count),
            "totalQueryTime": round(float(r.totalQueryTime), 6),
            "maxQueryTime": round(float(r.maxQueryTime), 6),
            "p95QueryTime": {
                "weighted": round(float(r.p95xCount) / int(r.count), 6) if int(r.count) > 0 else 0.0,
                "max": round(float(r.p95Max), 6),
                "maxRegion": r.p95MaxRegion,
            },
            "rowsExamined": int(r.rowsExamined),
            "rowsSent": int(r.rowsSent),
            "rowsExaminedPerExecution": round(int(r.rowsExamined) / max(1, int(r.count)), 3),
            "sample": r.sample,
        }
        for r in agg.head(top).itertuples(index=False)
    ]
    seen_everywhere = int((agg["regions"].map(len) == len(regions)).sum())
    return {
        "totals": {
            "regions": len(regions),
            "fingerprints": int(len(agg)),
            "inAllRegions": seen_everywhere,
            "entries": sum(r["entries"] for r in regions),
            "totalQueryTime": round(sum(r["totalQueryTime"] for r in regions), 6),
        },
        "regions": sorted(regions, key=lambda r: r["region"]),
        "fingerprints": fingerprints,
    }
