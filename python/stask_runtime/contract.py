"""The task contract (docs/task-contract.md): loaded from its JSON file and turned into DynamoDB writes.

Nothing here knows a transition by name: every status change the runtime makes is one transition of the
contract, compiled into one conditional UpdateItem.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Mapping, Sequence

CONTRACT_ENV = "TASK_CONTRACT_FILE"
_PACKAGED = Path(__file__).with_name("task-contract.json")
# In the repository (not bundled): python/stask_runtime/ -> functions/core/task-contract.json
_IN_REPOSITORY = Path(__file__).resolve().parents[2] / "functions" / "core" / "task-contract.json"
_OPS = {"eq", "ne", "lt", "exists", "absent", "absentOrLt"}
_TRANSITION_KEYS = {"to", "from", "require", "alsoWhen", "set", "setIfAbsent", "increment", "append", "remove", "event", "refreshTtl"}
_REQUIRE_KEYS = {"attr", "op", "value", "optional"}


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
        unknown = set(t) - _TRANSITION_KEYS
        if unknown:  # a key this executor does not know would be silently ignored: refuse the contract instead
            raise ContractError(f"{where}: unknown keys {sorted(unknown)} (this runtime knows {sorted(_TRANSITION_KEYS)})")
        if t.get("to") not in self.statuses:
            raise ContractError(f"{where}: 'to' is not a status: {t.get('to')!r}")
        if not t.get("from"):
            raise ContractError(f"{where}: 'from' lists no status")
        for status in t.get("from") or []:
            if status not in self.statuses:
                raise ContractError(f"{where}: unknown status {status!r} in 'from'")
        requires = list(t.get("require") or [])
        for alternative in t.get("alsoWhen") or []:
            if alternative.get("status") not in self.statuses:
                raise ContractError(f"{where}: unknown status {alternative.get('status')!r} in 'alsoWhen'")
            requires += alternative.get("require") or []
        for r in requires:
            if r.get("op") not in _OPS or not isinstance(r.get("attr"), str) or set(r) - _REQUIRE_KEYS:
                raise ContractError(f"{where}: bad requirement {r!r} (op one of {sorted(_OPS)}, keys {sorted(_REQUIRE_KEYS)})")

    def transition(self, name: str) -> Mapping[str, Any]:
        t = self.transitions.get(name)
        if t is None:
            raise ContractError(f"the task contract has no transition '{name}' (has: {', '.join(sorted(self.transitions))})")
        return t

    def compile(self, name: str, inputs: Mapping[str, Any], now: datetime | None = None,
                from_: Sequence[str] | None = None) -> Update:
        """The UpdateItem of transition `name` with the caller's inputs, at time `now`; `from_` narrows the
        transition's source statuses (a caller that knows the current status), never widens them.
        Mirrors functions/core/transition-expression.ts rule for rule (docs/task-contract.md)."""
        t = self.transition(name)
        at = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
        b = _Builder(inputs, iso_now(at))
        to = t["to"]
        event: dict[str, Any] = {"status": to, "at": "$now"}
        if (t.get("event") or {}).get("detail") is not None:
            event["detail"] = t["event"]["detail"]
        sets = [f"{b.name('status')} = {b.value(to)}", f"{b.name('updatedAt')} = {b.value(b.iso)}"]
        empty = b.value([])
        sets.append(f"{b.name('events')} = list_append(if_not_exists({b.name('events')}, {empty}), {b.value([b.evaluate(event)])})")
        for attr, expression in (t.get("set") or {}).items():
            if b.given(expression):
                sets.append(f"{b.name(attr)} = {b.value(b.evaluate(expression))}")
        for attr, expression in (t.get("setIfAbsent") or {}).items():
            if b.given(expression):
                n = b.name(attr)
                sets.append(f"{n} = if_not_exists({n}, {b.value(b.evaluate(expression))})")
        for attr in t.get("increment") or []:
            n = b.name(attr)
            sets.append(f"{n} = if_not_exists({n}, {b.value(0)}) + {b.value(1)}")
        for attr, expression in (t.get("append") or {}).items():
            if b.given(expression):
                n = b.name(attr)
                sets.append(f"{n} = list_append(if_not_exists({n}, {empty}), {b.value([b.evaluate(expression)])})")
        if t.get("refreshTtl"):
            sets.append(f"{b.name('expiresAt')} = {b.value(math.floor(at.timestamp()) + round(self.retention_days * 86400))}")
        removes = [b.name(attr) for attr in t.get("remove") or []]
        update = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")

        sources = list(from_) if from_ is not None else list(t["from"])
        outside = [s for s in sources if s not in t["from"]]
        if not sources or outside:
            raise ContractError(f"transition '{name}' does not leave {', '.join(outside) or 'no status'}")
        main = [b.status_in(sources)]
        for r in t.get("require") or []:
            if b.given(r.get("value")):
                main.append(b.requirement(r))
            elif not r.get("optional"):
                raise ContractError(f"transition '{name}' needs the input '{_input_name(r.get('value')) or r.get('value')}'")
        alternatives = [
            " AND ".join([b.status_in([alt["status"]]), *(b.requirement(r) for r in alt.get("require") or [])])
            for alt in t.get("alsoWhen") or []
            if all(b.given(r.get("value")) for r in alt.get("require") or [])  # an alternative needing an absent input does not apply
        ]
        condition = " OR ".join(f"({c})" for c in [" AND ".join(main), *alternatives]) if alternatives else " AND ".join(main)
        return Update(update, condition, b.names, b.values)


def _input_name(expression: Any) -> str | None:
    return expression[len("$input."):] if isinstance(expression, str) and expression.startswith("$input.") else None


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

    def given(self, expression: Any) -> bool:
        """Whether every `$input` the expression needs is given (object members may be absent: they are dropped)."""
        name = _input_name(expression)
        if name is not None:
            return name in self.inputs
        if isinstance(expression, list):
            return all(self.given(v) for v in expression)
        return True

    def evaluate(self, expression: Any) -> Any:
        """$now, $input.<name>, literals; at any depth; object members whose input is absent are left out."""
        if expression == "$now":
            return self.iso
        name = _input_name(expression)
        if name is not None:
            return self.inputs.get(name)
        if isinstance(expression, list):
            return [self.evaluate(v) for v in expression]
        if isinstance(expression, dict):
            return {k: self.evaluate(v) for k, v in expression.items() if _input_name(v) is None or _input_name(v) in self.inputs}
        return expression

    def status_in(self, statuses: Sequence[str]) -> str:
        n = self.name("status")
        if len(statuses) == 1:
            return f"{n} = {self.value(statuses[0])}"
        return f"{n} IN ({', '.join(self.value(s) for s in statuses)})"

    def requirement(self, r: Mapping[str, Any]) -> str:
        n = self.name(r["attr"])
        op = r["op"]
        if op == "exists":
            return f"attribute_exists({n})"
        if op == "absent":
            return f"attribute_not_exists({n})"
        v = self.value(self.evaluate(r.get("value")))
        return {"eq": f"{n} = {v}", "ne": f"{n} <> {v}", "lt": f"{n} < {v}"}.get(op) or f"(attribute_not_exists({n}) OR {n} < {v})"
