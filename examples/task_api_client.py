"""Calls the task API with botocore's SigV4 signer (service execute-api): submit a task, then read it back.

    python examples/task_api_client.py URL TASK_NAME PAYLOAD_JSON [TASK_ID]

Credentials and region come from botocore's usual chain (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION,
profiles...). Against `stask dev`, the URL is the TaskApiUrl output (`stask outputs`) and the credentials and
region are those in DIR/endpoints.json.
"""

import json
import sys
import urllib.error
import urllib.request

import botocore.session
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest


def call(method: str, url: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, dict]:
    """One signed request; returns the status and the JSON body."""
    session = botocore.session.get_session()
    request = AWSRequest(method=method, url=url, data=body, headers=headers or {})
    SigV4Auth(session.get_credentials(), "execute-api", session.get_config_variable("region")).add_auth(request)
    prepared = urllib.request.Request(url, data=body, headers=dict(request.headers), method=method)
    try:
        with urllib.request.urlopen(prepared) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def main() -> int:
    url, task, payload = sys.argv[1].rstrip("/"), sys.argv[2], sys.argv[3]
    headers = {"content-type": "application/json"}
    if len(sys.argv) > 4:
        headers["idempotency-key"] = sys.argv[4]
    status, submitted = call("POST", f"{url}/tasks/{task}", payload.encode(), headers)
    print(status, json.dumps(submitted))
    if status not in (200, 201):
        return 1
    status, got = call("GET", f"{url}/tasks/{submitted['task']['taskId']}")
    print(status, got["task"]["status"])
    return 0 if status == 200 else 1


if __name__ == "__main__":
    sys.exit(main())
