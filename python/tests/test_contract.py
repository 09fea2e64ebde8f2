"""The contract loader and compiler: value expressions, conditions, clear errors for a bad contract."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from stask_runtime.contract import ContractError, TaskContract, iso_now

NOW = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=timezone.utc)


def test_iso_now_matches_javascript_to_iso_string() -> None:
    assert iso_now(NOW) == "2026-01-02T03:04:05.678Z"


def test_start_compiles_to_one_conditional_update(contract: TaskContract) -> None:
    update = contract.compile("start", {"executionRef": "req-1", "staleBefore": "2026-01-02T03:04:00.000Z",
                                        "retryOf": "req-1", "detail": "d"}, NOW)
    names = {v: k for k, v in update.names.items()}
    assert f"{names['attempts']} = if_not_exists({names['attempts']}" in update.update_expression
    assert update.condition_expression.startswith(f"({names['status']} IN (")
    assert update.condition_expression.count(" OR ") == 2  # from-statuses, a lapsed heartbeat, the same request
    events = [v for v in update.values.values() if isinstance(v, list) and v and isinstance(v[0], dict)]
    assert events == [[{"status": "RUNNING", "at": "2026-01-02T03:04:05.678Z", "detail": "d"}]]


def test_an_absent_input_skips_its_set_entry_and_its_alternative(contract: TaskContract) -> None:
    update = contract.compile("start", {"executionRef": "req-1", "retryOf": "req-1"}, NOW)
    assert "maxAttempts" not in update.names.values()
    assert update.condition_expression.count(" OR ") == 1  # no staleBefore: the lapsed-heartbeat branch is dropped
    alone = contract.compile("start", {"executionRef": "req-1"}, NOW)  # the long lane's start: neither alternative
    assert " OR " not in alone.condition_expression


def test_set_if_absent_keeps_what_the_record_says(contract: TaskContract) -> None:
    update = contract.compile("fail", {"error": {"type": "E", "message": "m"}}, NOW)
    names = {v: k for k, v in update.names.items()}
    assert f"{names['error']} = if_not_exists({names['error']}, :" in update.update_expression
    assert {"type": "E", "message": "m"} in update.values.values()


def test_an_optional_require_with_absent_input_is_not_checked(contract: TaskContract) -> None:
    update = contract.compile("fail", {}, NOW)
    assert "executionRef" not in update.names.values() and "heartbeatAt" not in update.names.values()
    lapsed = contract.compile("fail", {"lapsedBefore": "2026-01-02T03:03:00.000Z"}, NOW)
    names = {v: k for k, v in lapsed.names.items()}
    assert f"(attribute_not_exists({names['heartbeatAt']}) OR {names['heartbeatAt']} < :" in lapsed.condition_expression


def test_a_required_input_that_is_absent_is_a_clear_error(contract: TaskContract) -> None:
    with pytest.raises(ContractError, match="transition 'succeed' needs the input 'executionRef'"):
        contract.compile("succeed", {"result": 1}, NOW)


def test_now_inside_an_object_is_the_time_of_the_write(contract: TaskContract) -> None:
    update = contract.compile("succeed", {"executionRef": "r", "result": {"ok": True}}, NOW)
    assert {"percent": 100, "at": "2026-01-02T03:04:05.678Z"} in update.values.values()
    assert "resultRef" not in update.names.values()  # absent input: its set entry is skipped


def test_a_caller_may_narrow_from_but_never_widen_it(contract: TaskContract) -> None:
    narrowed = contract.compile("stopped", {}, NOW, from_=["STOPPING"])
    names = {v: k for k, v in narrowed.names.items()}
    assert narrowed.condition_expression == f"{names['status']} = :v{list(narrowed.values.values()).index('STOPPING')}"
    with pytest.raises(ContractError, match="does not leave SUCCEEDED"):
        contract.compile("stopped", {}, NOW, from_=["SUCCEEDED"])


def test_terminal_transitions_refresh_the_ttl(contract: TaskContract) -> None:
    update = contract.compile("fail", {"executionRef": "r", "error": {"type": "E", "message": "m"}}, NOW)
    expires = int(NOW.timestamp()) + int(contract.retention_days * 86400)
    assert expires in update.values.values()


def test_unknown_transition_names_the_known_ones(contract: TaskContract) -> None:
    with pytest.raises(ContractError, match="no transition 'explode'.*start"):
        contract.compile("explode", {})


@pytest.mark.parametrize(
    ("mutation", "message"),
    [
        ({"version": 2}, "unsupported task contract version 2"),
        ({"transitions": {"x": {"to": "NOPE", "from": []}}}, "'to' is not a status"),
        ({"transitions": {"x": {"to": "RUNNING", "from": ["QUEUED"], "require": [{"attr": "a", "op": "gt", "value": 1}]}}}, "bad requirement"),
        ({"transitions": {"x": {"to": "RUNNING", "from": ["QUEUED"], "unsetLater": ["a"]}}}, "unknown keys \\['unsetLater'\\]"),
        ({"transitions": {"x": {"to": "RUNNING", "from": []}}}, "'from' lists no status"),
    ],
)
def test_a_malformed_contract_is_refused_clearly(contract: TaskContract, tmp_path: Path, mutation: dict, message: str) -> None:
    from tests.conftest import CONTRACT_FILE

    document = json.loads(CONTRACT_FILE.read_text()) | mutation
    file = tmp_path / "c.json"
    file.write_text(json.dumps(document))
    with pytest.raises(ContractError, match=message):
        TaskContract.load(file)


def test_a_missing_contract_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ContractError, match="not readable"):
        TaskContract.load(tmp_path / "missing.json")
