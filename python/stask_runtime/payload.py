"""Claim-check payloads: canonical JSON, its SHA-256, and S3 objects checked against the recorded hash."""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from typing import Any, Mapping

from .errors import InvalidPayload

# Same limit as functions/core/payload.ts (DEFAULT_PAYLOAD_LIMITS.inlineMaxBytes).
INLINE_MAX_BYTES = 32 * 1024


@dataclass(frozen=True)
class Encoded:
    json: str
    size_bytes: int
    sha256: str


def encode(value: Any) -> Encoded:
    """Canonical JSON (sorted keys, no spaces), as encodePayload in TypeScript writes it."""
    try:
        text = json.dumps(_integral(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise InvalidPayload(f"not JSON-serializable: {error}") from error
    data = text.encode("utf-8")
    return Encoded(text, len(data), hashlib.sha256(data).hexdigest())


def _integral(value: Any) -> Any:
    """1.0 -> 1, as JavaScript prints it, so a value hashes the same in both languages."""
    if isinstance(value, float) and math.isfinite(value) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, dict):
        return {k: _integral(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_integral(v) for v in value]
    return value


class PayloadStore:
    def __init__(self, s3: Any, bucket: str) -> None:
        self.s3 = s3
        self.bucket = bucket

    def get(self, ref: Mapping[str, Any]) -> Any:
        """The payload an ObjectRef points to; InvalidPayload when its bytes do not hash to the recorded sha256."""
        out = self.s3.get_object(Bucket=ref["bucket"], Key=ref["key"])
        data: bytes = out["Body"].read()
        if hashlib.sha256(data).hexdigest() != ref.get("sha256"):
            raise InvalidPayload(f"s3://{ref['bucket']}/{ref['key']} does not match its recorded sha256 (tampered or replaced)")
        try:
            return json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise InvalidPayload(f"s3://{ref['bucket']}/{ref['key']} is not JSON: {error}") from error

    def put(self, kind: str, task_id: str, encoded: Encoded) -> dict[str, Any]:
        key = f"{kind}/{task_id}/{encoded.sha256}.json"
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=encoded.json.encode("utf-8"), ContentType="application/json")
        return {"bucket": self.bucket, "key": key, "sizeBytes": encoded.size_bytes, "sha256": encoded.sha256}
