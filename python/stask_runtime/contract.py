"""The task contract (docs/task-contract.md): loaded from its JSON file and turned into DynamoDB writes.

Nothing here knows a transition by name: every status change the runtime makes is one transition of the
contract, compiled into one conditional UpdateItem.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Mapping

CONTRACT_ENV = "TASK_CONTRACT_FILE"
_PACKAGED = Path(__file__).with_name("task-contract.json")
# In the repository (not bundled): python/stask_runtime/ -> functions/core/task-contract.json
_IN_REPOSITORY = Path(__file__).resolve().parents[2] / "functions" / "core" / "task-contract.json"
_OPS = {"eq", "ne", "lt", "exists", "absent", "absentOrLt"}


class ContractError(ValueError):
    """The contract file is missing or malformed."""


def contract_path() -> Path:
    """Where the contract is read from: $TASK_CONTRACT_FILE, else the copy bundled beside this module,
    else the repository's functions/core/task-contract.json."""
    explicit = os.environ.get(CONTRACT_ENV)
    if explicit:
        return Path(explicit)
    return _PACKAGED if _PACKAGED.exists() else _IN_REPOSITORY


def iso_now(now: datetime | None = None) -> str:
    """ISO-8601 in UTC with milliseconds and a Z, as JavaScript's Date.toISOString() writes it."""
    at = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


@dataclass(frozen=True)
class Update:
    """One compiled transition: the arguments of a conditional UpdateItem (values still plain Python)."""

    update_expression: str
    condition_expression: str
    names: dict[str, str]
    values: dict[str, Any]


class TaskContract:
    def __init__(self, document: Mapping[str, Any], source: str = "<memory>") -> None:
        if document.get("version") != 1:
            raise ContractError(f"{source}: unsupported task contract version {document.get('version')!r} (expected 1)")
        self.statuses: list[str] = list(document.get("statuses") or [])
        self.terminal: list[str] = list(document.get("terminal") or [])
        self.retention_days: float = float(document.get("retentionDays", 30))
        self.transitions: dict[str, Mapping[str, Any]] = dict(document.get("transitions") or {})
        if not self.statuses or not self.transitions:
            raise ContractError(f"{source}: the contract has no statuses or no transitions")
        for name, t in self.transitions.items():
            self._check(source, name, t)

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None) -> "TaskContract":
        file = Path(path) if path is not None else contract_path()
        try:
            text = file.read_text(encoding="utf-8")
        except OSError as error:
            raise ContractError(f"task contract not readable at {file}: {error}") from error
        try:
            document = json.loads(text)
        except json.JSONDecodeError as error:
            raise ContractError(f"task contract {file} is not JSON: {error}") from error
        return cls(document, str(file))

    def _check(self, source: str, name: str, t: Mapping[str, Any]) -> None:
        where = f"{source}: transition '{name}'"
        if t.get("to") not in self.statuses:
            raise ContractError(f"{where}: 'to' is not a status: {t.get('to')!r}")
        for status in t.get("from") or []:
            if status not in self.statuses:
                raise ContractError(f"{where}: unknown status {status!r} in 'from'")
        requires = list(t.get("require") or [])
        for alternative in t.get("alsoWhen") or []:
            if alternative.get("status") not in self.statuses:
                raise ContractError(f"{where}: unknown status {alternative.get('status')!r} in 'alsoWhen'")
            requires += alternative.get("require") or []
        for r in requires:
            if r.get("op") not in _OPS or not isinstance(r.get("attr"), str):
                raise ContractError(f"{where}: bad requirement {r!r} (op one of {sorted(_OPS)})")

    def transition(self, name: str) -> Mapping[str, Any]:
        t = self.transitions.get(name)
        if t is None:
            raise ContractError(f"the task contract has no transition '{name}' (has: {', '.join(sorted(self.transitions))})")
        return t

    def compile(self, name: str, inputs: Mapping[str, Any], now: datetime | None = None) -> Update:
        """The UpdateItem of transition `name` with the caller's inputs, at time `now`."""
        t = self.transition(name)
        at = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
        iso = iso_now(at)
        b = _Builder(inputs, iso)
        to = t["to"]
        event: dict[str, Any] = {"status": to, "at": iso}
        for key, expression in (t.get("event") or {}).items():
            present, value = b.resolve(expression)
            if present:
                event[key] = value
        sets = [f"{b.name('status')} = {b.value(to)}", f"{b.name('updatedAt')} = {b.value(iso)}"]
        empty = b.value([])
        sets.append(f"{b.name('events')} = list_append(if_not_exists({b.name('events')}, {empty}), {b.value([event])})")
        for attr, expression in (t.get("set") or {}).items():
            present, value = b.resolve(expression)
            if present:
                sets.append(f"{b.name(attr)} = {b.value(value)}")
        for attr in t.get("increment") or []:
            n = b.name(attr)
            sets.append(f"{n} = if_not_exists({n}, {b.value(0)}) + {b.value(1)}")
        for attr, expression in (t.get("append") or {}).items():
            present, value = b.resolve(expression)
            if present:
                n = b.name(attr)
                sets.append(f"{n} = list_append(if_not_exists({n}, {empty}), {b.value([value])})")
        if t.get("refreshTtl"):
            sets.append(f"{b.name('expiresAt')} = {b.value(int(at.timestamp()) + int(self.retention_days * 86400))}")
        removes = [b.name(attr) for attr in t.get("remove") or []]
        update = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")

        alternatives: list[str] = []
        sources = list(t.get("from") or [])
        if sources:
            status_in = f"{b.name('status')} IN ({', '.join(b.value(s) for s in sources)})"
            main = b.requirements(t.get("require") or [], drop_when_absent=False)
            alternatives.append(" AND ".join([status_in, *main]))
        for alternative in t.get("alsoWhen") or []:
            parts = b.requirements(alternative.get("require") or [], drop_when_absent=True)
            if parts is None:
                continue  # an alternative that needs an input the caller did not give does not apply
            alternatives.append(" AND ".join([f"{b.name('status')} = {b.value(alternative['status'])}", *parts]))
        exists = f"attribute_exists({b.name('taskId')})"
        if not alternatives:
            condition = f"{exists} AND attribute_not_exists({b.name('taskId')})"
        elif len(alternatives) == 1:
            condition = f"{exists} AND {alternatives[0]}"
        else:  # DynamoDB refuses redundant parentheses: only around alternatives that are conjunctions
            condition = f"{exists} AND (" + " OR ".join(f"({a})" if " AND " in a else a for a in alternatives) + ")"
        return Update(update, condition, b.names, b.values)


class _Builder:
    """Placeholders for attribute names and values of one expression."""

    def __init__(self, inputs: Mapping[str, Any], iso: str) -> None:
        self.inputs = inputs
        self.iso = iso
        self.names: dict[str, str] = {}
        self.values: dict[str, Any] = {}

    def name(self, attr: str) -> str:
        for placeholder, existing in self.names.items():
            if existing == attr:
                return placeholder
        placeholder = f"#n{len(self.names)}"
        self.names[placeholder] = attr
        return placeholder

    def value(self, value: Any) -> str:
        placeholder = f":v{len(self.values)}"
        self.values[placeholder] = value
        return placeholder

    def resolve(self, expression: Any) -> tuple[bool, Any]:
        """(present, value) of a value expression: $now, $input.<name> (absent when the caller did not give it), a literal."""
        if expression == "$now":
            return True, self.iso
        if isinstance(expression, str) and expression.startswith("$input."):
            key = expression[len("$input."):]
            return key in self.inputs, self.inputs.get(key)
        return True, expression

    def requirements(self, requires: list[Mapping[str, Any]], drop_when_absent: bool) -> list[str] | None:
        parts: list[str] = []
        for r in requires:
            n = self.name(r["attr"])
            op = r["op"]
            if op == "exists":
                parts.append(f"attribute_exists({n})")
                continue
            if op == "absent":
                parts.append(f"attribute_not_exists({n})")
                continue
            present, value = self.resolve(r.get("value"))
            if not present:
                if drop_when_absent:
                    return None
                continue  # the caller does not constrain this attribute (e.g. no executionRef to match)
            v = self.value(value)
            parts.append({"eq": f"{n} = {v}", "ne": f"{n} <> {v}", "lt": f"{n} < {v}"}.get(op) or f"(attribute_not_exists({n}) OR {n} < {v})")
        return parts
