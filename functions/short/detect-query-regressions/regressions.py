"""Which query fingerprints regressed between two `analyze-slow-queries` summaries (e.g. last week and today):
p95 query time or rows examined per execution grown beyond a threshold ratio. pandas does the join."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from stask_runtime import InvalidPayload

COLUMNS = ["fingerprint", "count", "p95QueryTime", "rowsExamined"]


@dataclass(frozen=True)
class Thresholds:
    #: current p95 / baseline p95 above this is a regression
    p95_ratio: float = 1.5
    #: current rows examined per execution / baseline above this is a regression
    rows_examined_ratio: float = 2.0
    #: fingerprints seen fewer times than this (in either summary) are not judged
    min_count: int = 1


def parse_request(raw: Any) -> tuple[pd.DataFrame, pd.DataFrame, Thresholds]:
    if not isinstance(raw, dict):
        raise InvalidPayload("payload must be an object with baseline and current summaries")
    frames = [_frame(raw.get(name), name) for name in ("baseline", "current")]
    t = raw.get("thresholds") or {}
    if not isinstance(t, dict):
        raise InvalidPayload("thresholds must be an object")
    thresholds = Thresholds(
        p95_ratio=_positive(t.get("p95Ratio", Thresholds.p95_ratio), "thresholds.p95Ratio"),
        rows_examined_ratio=_positive(t.get("rowsExaminedRatio", Thresholds.rows_examined_ratio), "thresholds.rowsExaminedRatio"),
        min_count=int(_positive(t.get("minCount", Thresholds.min_count), "thresholds.minCount")),
    )
    return frames[0], frames[1], thresholds


def _positive(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise InvalidPayload(f"{name} must be a positive number, got {value!r}")
    return float(value)


def _frame(summary: Any, name: str) -> pd.DataFrame:
    rows = summary.get("fingerprints") if isinstance(summary, dict) else None
    if not isinstance(rows, list):
        raise InvalidPayload(f"{name} must be an analyze-slow-queries summary (an object with fingerprints[])")
    for i, row in enumerate(rows):
        missing = [c for c in COLUMNS if not isinstance(row, dict) or c not in row]
        if missing:
            raise InvalidPayload(f"{name}.fingerprints[{i}] lacks {', '.join(missing)}")
    frame = pd.DataFrame(rows, columns=COLUMNS)
    if frame["fingerprint"].duplicated().any():
        raise InvalidPayload(f"{name} lists a fingerprint twice")
    frame = frame.astype({"count": "int64", "p95QueryTime": "float64", "rowsExamined": "float64"})
    frame["rowsPerExecution"] = frame["rowsExamined"] / frame["count"].clip(lower=1)
    return frame.set_index("fingerprint")


def detect(baseline: pd.DataFrame, current: pd.DataFrame, t: Thresholds) -> dict[str, Any]:
    joined = baseline.join(current, how="inner", lsuffix="Baseline", rsuffix="Current")
    judged = joined[(joined["countBaseline"] >= t.min_count) & (joined["countCurrent"] >= t.min_count)]
    judged = judged.assign(
        p95Ratio=_ratios(judged["p95QueryTimeBaseline"], judged["p95QueryTimeCurrent"]),
        rowsExaminedRatio=_ratios(judged["rowsPerExecutionBaseline"], judged["rowsPerExecutionCurrent"]),
    )
    flagged = judged[(judged["p95Ratio"] > t.p95_ratio) | (judged["rowsExaminedRatio"] > t.rows_examined_ratio)]
    flagged = flagged.sort_values(["p95Ratio", "rowsExaminedRatio"], ascending=False, kind="stable")
    regressions = [
        {
            "fingerprint": fp,
            "reasons": [r for r, hit in (("p95", row.p95Ratio > t.p95_ratio), ("rowsExamined", row.rowsExaminedRatio > t.rows_examined_ratio)) if hit],
            "p95QueryTime": {"baseline": row.p95QueryTimeBaseline, "current": row.p95QueryTimeCurrent, "ratio": _ratio(row.p95Ratio)},
            "rowsExaminedPerExecution": {"baseline": round(row.rowsPerExecutionBaseline, 3), "current": round(row.rowsPerExecutionCurrent, 3), "ratio": _ratio(row.rowsExaminedRatio)},
            "count": {"baseline": int(row.countBaseline), "current": int(row.countCurrent)},
        }
        for fp, row in flagged.iterrows()
    ]
    return {
        "compared": int(len(judged)),
        "regressions": regressions,
        "newFingerprints": sorted(set(current.index) - set(baseline.index)),
        "goneFingerprints": sorted(set(baseline.index) - set(current.index)),
        "thresholds": {"p95Ratio": t.p95_ratio, "rowsExaminedRatio": t.rows_examined_ratio, "minCount": t.min_count},
    }


def _ratios(baseline: pd.Series, current: pd.Series) -> np.ndarray:
    """current / baseline; 1 when both are zero (no change), infinite from zero to something."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(baseline > 0, current / baseline, np.where(current > 0, np.inf, 1.0))


def _ratio(value: float) -> float | None:
    """None for 'from zero to something' (no finite ratio)."""
    return round(float(value), 3) if np.isfinite(value) else None
