"""The Python sample operator's logic: a slow-query event in (the fields enrich-slow-queries reads), the same
event out with its SQL's literals masked and a class for the likely cause (the rules of
functions/stream/enrich-slow-queries/enrich.ts). An event that is not a slow-query event is a
NonRetryableError: it goes to the DLQ with its content."""

from __future__ import annotations

import re
from typing import Any

from stask_runtime.stream import NonRetryableError

#: Rows examined from which a filtered statement most likely lacks an index (enrich.ts MISSING_INDEX_ROWS).
MISSING_INDEX_ROWS = 1_000

_LITERAL = re.compile(r"""'(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.|"")*"|(?<![\w$.])-?(?:0x[0-9a-f]+|\d+(?:\.\d+)?(?:e[+-]?\d+)?)(?![\w$])""", re.IGNORECASE)


def mask_literals(sql: str) -> str:
    """The statement as written, its string and number literals replaced by `?`."""
    return _LITERAL.sub("?", sql)


def classify(event: dict[str, Any]) -> list[str]:
    sql = event["sql"].lower()
    hints: list[str] = []
    filtered = re.search(r"\bwhere\b", sql) is not None
    reads = re.match(r"^\s*(select|update|delete)\b", sql) is not None
    if reads and not filtered and not re.search(r"\blimit\b", sql):
        hints.append("full-scan")
    if filtered and event["rows_examined"] >= MISSING_INDEX_ROWS:
        hints.append("missing-index")
    if re.search(r"\blike\s+'%", sql):
        hints.append("leading-wildcard")
    if re.match(r"^\s*select\s+\*", sql):
        hints.append("select-star")
    return hints or ["slow"]


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def validate(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise NonRetryableError("not a slow-query event: (record): expected an object")
    issues = [f"{name}: expected a non-empty string" for name in ("host", "db", "user", "sql") if not isinstance(value.get(name), str) or not value[name]]
    if not _number(value.get("query_time")) or value["query_time"] < 0:
        issues.append("query_time: expected a non-negative number")
    rows = value.get("rows_examined")
    if not _number(rows) or rows < 0 or int(rows) != rows:
        issues.append("rows_examined: expected a non-negative integer")
    ts = value.get("ts")
    if not ((isinstance(ts, str) and ts) or _number(ts)):
        issues.append("ts: expected a string or a number")
    if issues:
        raise NonRetryableError(f"not a slow-query event: {'; '.join(issues)}")
    return value


def classify_slow_query(value: Any) -> dict[str, Any]:
    event = validate(value)
    hints = classify(event)
    return {**event, "masked_sql": mask_literals(event["sql"]), "class": hints[0], "hints": hints}
