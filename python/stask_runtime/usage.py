"""The `usage` input of a terminal write (functions/core/usage.ts `lambdaUsage`): the size Lambda gives the function."""

from __future__ import annotations

import os
from typing import Any

LAMBDA_MB_PER_VCPU = 1769  # Lambda allocates one vCPU per 1,769 MB of memory


def lambda_usage(env: Any = None) -> dict[str, Any]:
    """`{"usage": {...}}` from AWS_LAMBDA_FUNCTION_MEMORY_SIZE, or `{}` when the environment says nothing."""
    value = (env if env is not None else os.environ).get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "")
    try:
        memory_mb = int(value)
    except ValueError:
        return {}
    if memory_mb <= 0:
        return {}
    vcpu = round(memory_mb / LAMBDA_MB_PER_VCPU * 1000) / 1000
    return {"usage": {"compute": "lambda", "memoryMb": memory_mb, "vcpu": vcpu, "stateTransitions": 0}}
