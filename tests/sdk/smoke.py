"""Generated-SDK smoke test: drives the admin API only through the Python client that
openapi-python-client generated from openapi/openapi.json (no hand-written HTTP).

Environment: GATEWAY_URL, MOCK_URL, ADMIN_PASSWORD, MOCK_KEY.
"""

import os
import sys

from gateway_client import AuthenticatedClient, Client
from gateway_client.api.auth import auth_login, auth_logout
from gateway_client.api.keys import key_create, key_list
from gateway_client.api.models import model_cache_add, provider_models
from gateway_client.api.providers import provider_create, provider_delete, provider_get
from gateway_client.api.relay import models_list
from gateway_client.api.tokens import token_create
from gateway_client.models import (
    ApiType,
    CacheSummary,
    ErrorBody,
    KeyInput,
    LoginRequest,
    ModelIds,
    ModelList,
    PoolStrategy,
    Provider,
    ProviderInput,
    ProviderKey,
    Session,
    TokenInput,
    TokenWithKey,
    UpstreamModels,
)


def check(condition, message):
    if not condition:
        print(f"FAILED: {message}")
        sys.exit(1)


def main():
    base = os.environ["GATEWAY_URL"]
    mock = os.environ["MOCK_URL"]
    password = os.environ["ADMIN_PASSWORD"]
    mock_key = os.environ["MOCK_KEY"]

    anonymous = Client(base_url=base)
    bad = auth_login.sync(client=anonymous, body=LoginRequest(username="admin", password="wrong"))
    check(isinstance(bad, ErrorBody), f"wrong password gives an ErrorBody: {bad!r}")
    check(bad.error.type_ == "authentication_error", f"error type: {bad.error!r}")

    session = auth_login.sync(client=anonymous, body=LoginRequest(username="admin", password=password))
    check(isinstance(session, Session), f"login: {session!r}")
    client = AuthenticatedClient(base_url=base, token=session.token)

    created = provider_create.sync(
        client=client,
        body=ProviderInput(
            name="sdk-mock",
            api_type=ApiType.OPENAI,
            base_url=mock,
            key_strategy=PoolStrategy.ROUND_ROBIN,
        ),
    )
    check(isinstance(created, Provider), f"create provider: {created!r}")
    check(created.key_strategy == PoolStrategy.ROUND_ROBIN, "strategy kept")

    key = key_create.sync("sdk-mock", client=client, body=KeyInput(key=mock_key))
    check(isinstance(key, ProviderKey), f"add key: {key!r}")
    check(key.key != mock_key and "..." in key.key, f"key is masked: {key.key}")
    keys = key_list.sync("sdk-mock", client=client)
    check(len(keys) == 1, f"one key listed: {keys!r}")

    upstream = provider_models.sync("sdk-mock", client=client)
    check(isinstance(upstream, UpstreamModels), f"discover: {upstream!r}")
    check("gpt-4o" in upstream.ids, f"mock models: {upstream.ids}")

    summary = model_cache_add.sync("sdk-mock", client=client, body=ModelIds(ids=["gpt-4o", "gpt-4o-mini"]))
    check(isinstance(summary, CacheSummary), f"cache: {summary!r}")
    check(sorted(summary.added) == ["gpt-4o", "gpt-4o-mini"], f"added: {summary.added}")

    created_token = token_create.sync(client=client, body=TokenInput(name="sdk"))
    check(isinstance(created_token, TokenWithKey), f"token: {created_token!r}")
    check(created_token.key.startswith("sk-") and len(created_token.key) == 51, "sk- key")
    relay = AuthenticatedClient(base_url=base, token=created_token.key)
    listed = models_list.sync(client=relay)
    check(isinstance(listed, ModelList), f"models list: {listed!r}")
    ids = [m.id for m in listed.data]
    check(ids == ["sdk-mock/gpt-4o", "sdk-mock/gpt-4o-mini"], f"/v1/models ids: {ids}")

    deleted = provider_delete.sync("sdk-mock", client=client)
    check(deleted is not None and deleted.deleted == "provider:sdk-mock", f"delete: {deleted!r}")
    missing = provider_get.sync("sdk-mock", client=client)
    check(isinstance(missing, ErrorBody) and missing.error.type_ == "not_found_error", f"gone: {missing!r}")

    auth_logout.sync_detailed(client=client)
    after = provider_get.sync_detailed("sdk-mock", client=client)
    check(after.status_code == 401, f"logged out: {after.status_code}")
    print("sdk smoke: 13 passed, 0 failed")


if __name__ == "__main__":
    main()
