"""The detect-query-regressions sample's logic (functions/short/detect-query-regressions), worked by hand."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.dont_write_bytecode = True  # no __pycache__ in functions/: it would make the stack look changed (local/synth.ts)
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "functions" / "short" / "detect-query-regressions"))

from regressions import detect, parse_request  # noqa: E402

from stask_runtime import InvalidPayload  # noqa: E402


def fp(name: str, count: int, p95: float, rows: int) -> dict:
    return {"fingerprint": name, "count": count, "p95QueryTime": p95, "rowsExamined": rows, "totalQueryTime": 1, "maxQueryTime": p95}


BASELINE = {"fingerprints": [fp("select a", 10, 1.0, 1000), fp("select b", 4, 0.5, 400), fp("select c", 2, 2.0, 20), fp("old", 1, 1, 1)]}
CURRENT = {"fingerprints": [fp("select a", 10, 1.6, 1000), fp("select b", 4, 0.5, 1200), fp("select c", 2, 2.2, 22), fp("new", 3, 9, 9)]}


def test_flags_p95_and_rows_examined_regressions_beyond_the_thresholds() -> None:
    result = detect(*parse_request({"baseline": BASELINE, "current": CURRENT}))

    assert result["compared"] == 3
    assert [(r["fingerprint"], r["reasons"]) for r in result["regressions"]] == [("select a", ["p95"]), ("select b", ["rowsExamined"])]
    a, b = result["regressions"]
    assert a["p95QueryTime"] == {"baseline": 1.0, "current": 1.6, "ratio": 1.6}
    assert b["rowsExaminedPerExecution"] == {"baseline": 100.0, "current": 300.0, "ratio": 3.0}
    assert result["newFingerprints"] == ["new"] and result["goneFingerprints"] == ["old"]


def test_thresholds_and_min_count_are_honoured() -> None:
    result = detect(*parse_request({"baseline": BASELINE, "current": CURRENT, "thresholds": {"p95Ratio": 2, "rowsExaminedRatio": 4, "minCount": 3}}))
    assert result["regressions"] == [] and result["compared"] == 2


def test_zero_in_both_summaries_is_no_change() -> None:
    result = detect(*parse_request({"baseline": {"fingerprints": [fp("z", 1, 0.1, 0)]}, "current": {"fingerprints": [fp("z", 1, 0.1, 0)]}}))
    assert result["regressions"] == [] and result["compared"] == 1


def test_from_zero_to_something_has_no_finite_ratio() -> None:
    result = detect(*parse_request({"baseline": {"fingerprints": [fp("z", 1, 0, 0)]}, "current": {"fingerprints": [fp("z", 1, 0.2, 5)]}}))
    assert result["regressions"][0]["p95QueryTime"]["ratio"] is None


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (None, "payload must be an object"),
        ({"baseline": {}, "current": CURRENT}, "baseline must be an analyze-slow-queries summary"),
        ({"baseline": {"fingerprints": [{"fingerprint": "x"}]}, "current": CURRENT}, r"baseline.fingerprints\[0\] lacks count"),
        ({"baseline": BASELINE, "current": CURRENT, "thresholds": {"p95Ratio": -1}}, "thresholds.p95Ratio must be a positive number"),
    ],
)
def test_bad_input_is_refused_clearly(payload: object, message: str) -> None:
    with pytest.raises(InvalidPayload, match=message):
        parse_request(payload)
