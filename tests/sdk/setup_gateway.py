"""Prepares a running gateway for tests/sdk/openai_compat.py and anthropic_compat.py
with plain urllib: admin login, an `openai` provider named PROVIDER pointing at
mock-upstream, its key, every model the mock offers cached, an `anthropic` provider
named ANTHROPIC_PROVIDER on the same mock and key with ANTHROPIC_MODEL cached, every
model free (where the gateway has prices), and a gateway token. Prints the token's sk- key.

Environment: GATEWAY_URL, MOCK_URL, ADMIN_PASSWORD, MOCK_KEY, PROVIDER (default mock),
ANTHROPIC_PROVIDER (default claude), ANTHROPIC_MODEL (default claude-sonnet-4).
"""

import json
import os
import urllib.error
import urllib.request


def call(method, url, body=None, token=None):
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def main():
    base = os.environ["GATEWAY_URL"]
    provider = os.environ.get("PROVIDER", "mock")
    login = {"username": "admin", "password": os.environ["ADMIN_PASSWORD"]}
    admin = call("POST", f"{base}/auth/login", login)["token"]
    new_provider = {"name": provider, "api_type": "openai", "base_url": os.environ["MOCK_URL"]}
    call("POST", f"{base}/providers", new_provider, admin)
    call("POST", f"{base}/providers/{provider}/keys", {"key": os.environ["MOCK_KEY"]}, admin)
    ids = call("GET", f"{base}/models/{provider}", token=admin)["ids"]
    call("POST", f"{base}/models/{provider}/cache", {"ids": ids}, admin)
    claude = os.environ.get("ANTHROPIC_PROVIDER", "claude")
    new_provider = {"name": claude, "api_type": "anthropic", "base_url": os.environ["MOCK_URL"]}
    call("POST", f"{base}/providers", new_provider, admin)
    call("POST", f"{base}/providers/{claude}/keys", {"key": os.environ["MOCK_KEY"]}, admin)
    claude_ids = [os.environ.get("ANTHROPIC_MODEL", "claude-sonnet-4")]
    call("POST", f"{base}/models/{claude}/cache", {"ids": claude_ids}, admin)
    try:  # Unpriced models cannot be used where the gateway has billing: all free here.
        call("POST", f"{base}/prices", {"model": "*", "free": True}, admin)
    except urllib.error.HTTPError as err:
        if err.code != 404:
            raise
    print(call("POST", f"{base}/tokens", {"name": "openai-compat"}, admin)["key"])


if __name__ == "__main__":
    main()
