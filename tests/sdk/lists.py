"""Generated-SDK list test: creates rows whose optional fields are null, then reads every
list endpoint through the Python client openapi-python-client generated from
openapi/openapi.json, and checks that every value the client hands back has the type the
client declares for it (the types a Python user's type checker trusts).

Environment: GATEWAY_URL, MOCK_URL, ADMIN_PASSWORD, MOCK_KEY.
"""

import os
import sys
import time
import types
import typing

import attrs

import gateway_client.models

from gateway_client import AuthenticatedClient, Client
from gateway_client.api.auth import auth_login
from gateway_client.api.billing import price_create, price_list, usage, user_balance
from gateway_client.api.keys import key_create, key_list
from gateway_client.api.logs import audit_list, log_get, logs_list
from gateway_client.api.models import model_cache_add, provider_models
from gateway_client.api.providers import provider_create, provider_list
from gateway_client.api.relay import chat, models_list
from gateway_client.api.tokens import token_create, token_list
from gateway_client.api.users import me_get, user_list
from gateway_client.models import (
    ApiType,
    BalanceChange,
    ChatCompletionRequest,
    KeyInput,
    LoginRequest,
    ModelIds,
    Period,
    PriceInput,
    ProviderInput,
    TokenInput,
)

UNIONS = (typing.Union, types.UnionType)


def fits(value, hint):
    """Whether `value` is of the declared type `hint` (not looking inside)."""
    if hint is None or hint is type(None):
        return value is None
    origin = typing.get_origin(hint)
    if origin in UNIONS:
        return any(fits(value, option) for option in typing.get_args(hint))
    if origin is not None:
        return isinstance(value, origin)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is typing.Any:
        return True
    return isinstance(value, hint)


def conforms(value, hint, where, problems):
    """Appends to `problems` every value under `value` that is not of its declared type."""
    if typing.get_origin(hint) in UNIONS:
        hint = next((o for o in typing.get_args(hint) if fits(value, o)), hint)
    if not fits(value, hint):
        problems.append(f"{where} = {value!r} is not {hint}")
    elif typing.get_origin(hint) is list:
        (item,) = typing.get_args(hint)
        for i, element in enumerate(value):
            conforms(element, item, f"{where}[{i}]", problems)
    elif attrs.has(type(value)):
        hints = typing.get_type_hints(type(value), localns=vars(gateway_client.models))
        for field in attrs.fields(type(value)):
            if field.name != "additional_properties":
                conforms(getattr(value, field.name), hints[field.name], f"{where}.{field.name}", problems)


passed = 0


def check(condition, message):
    global passed
    if not condition:
        print(f"FAILED: {message}")
        sys.exit(1)
    passed += 1


def listed(name, answer, hint):
    """The answer of a list call, checked against the client's declared types."""
    problems = []
    conforms(answer, hint, name, problems)
    check(not problems, "\n  ".join([f"{name}: the client's types do not hold:"] + problems[:10]))
    return answer


def main():
    base = os.environ["GATEWAY_URL"]
    login = LoginRequest(username="admin", password=os.environ["ADMIN_PASSWORD"])
    session = auth_login.sync(client=Client(base_url=base), body=login)
    admin = AuthenticatedClient(base_url=base, token=session.token)

    # Rows with nulls: no provider timeouts, no cache prices, a token without quota or
    # expiry, a log row without provider (unknown model) and admin rows without token.
    mock = os.environ["MOCK_URL"]
    provider_create.sync(client=admin, body=ProviderInput(name="py", api_type=ApiType.OPENAI, base_url=mock))
    key_create.sync("py", client=admin, body=KeyInput(key=os.environ["MOCK_KEY"]))
    model_cache_add.sync("py", client=admin, body=ModelIds(ids=["gpt-4o"]))
    price_create.sync(client=admin, body=PriceInput(model="py/*", input_price=1, output_price=2))
    me = me_get.sync(client=admin)
    user_balance.sync(me.id, client=admin, body=BalanceChange(amount=1_000_000, reason="sdk lists"))
    created = token_create.sync(client=admin, body=TokenInput(name="py-lists"))
    relay = AuthenticatedClient(base_url=base, token=created.key)
    hello = [{"role": "user", "content": "hi"}]
    served = chat.sync_detailed(client=relay, body=ChatCompletionRequest(model="py/gpt-4o", messages=hello))
    check(served.status_code == 200, f"chat: {served.status_code} {served.content!r}")
    unknown = chat.sync_detailed(client=relay, body=ChatCompletionRequest(model="nope/x", messages=hello))
    check(unknown.status_code == 404, f"unknown model: {unknown.status_code}")

    from gateway_client.models import (  # noqa: E402 (the answer types, for the checks)
        AuditPage,
        LogPage,
        ModelList,
        Price,
        Provider,
        ProviderKey,
        RequestLog,
        Token,
        UpstreamModels,
        UsageReport,
        User,
    )

    users = listed("user_list", user_list.sync(client=admin), list[User])
    check(any(u.username == "admin" for u in users), "users listed")
    tokens = listed("token_list", token_list.sync(client=admin), list[Token])
    check(any(t.name == "py-lists" and t.expires_at is None for t in tokens), "token without expiry")
    providers = listed("provider_list", provider_list.sync(client=admin), list[Provider])
    check(any(p.name == "py" and p.total_timeout_ms is None for p in providers), "provider without timeouts")
    listed("key_list", key_list.sync("py", client=admin), list[ProviderKey])
    prices = listed("price_list", price_list.sync(client=admin), list[Price])
    check(any(p.model == "py/*" and p.cached_input_price is None for p in prices), "price without cache price")
    listed("provider_models", provider_models.sync("py", client=admin), UpstreamModels)
    listed("models_list", models_list.sync(client=relay), ModelList)
    page = listed("audit_list", audit_list.sync(client=admin, limit=500), AuditPage)
    check(page.next_cursor is None, "last audit page has a null cursor")
    for _ in range(50):
        logs = listed("logs_list", logs_list.sync(client=admin), LogPage)
        chats = [r for r in logs.items if r.request_type == "chat"]
        if len(chats) >= 2:
            break
        time.sleep(0.1)
    check(any(r.provider is None and r.error for r in chats), "a failed row without provider")
    check(any(r.token_id is None and r.ttfb_ms is None for r in logs.items), "an admin row without token")
    listed("log_get", log_get.sync(chats[0].request_id, client=admin), RequestLog)
    report = listed("usage", usage.sync(client=admin, period=Period.ALL), UsageReport)
    check(report.rows and all(r.period is None for r in report.rows), "usage over the whole range")
    print(f"sdk lists: {passed} passed, 0 failed")


if __name__ == "__main__":
    main()
