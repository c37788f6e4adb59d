"""Shared by the Anthropic SDK compatibility scripts (`anthropic_compat.py`,
`anthropic_chat_compat.py`): constants, checks, the SDK clients for the gateway and for
mock-upstream directly, and the case runner.

Translation drops unknown body fields, so mock scenarios go in the `x-mock` header.
The gateway clients authenticate with the sk- token as `x-api-key` only (checked on the
wire); one case uses the SDK's own `api_key=` header instead.

Environment: GATEWAY_URL, GATEWAY_TOKEN (an sk- token), MOCK_URL, MOCK_KEY,
PROVIDER (the gateway's `openai` provider for the mock, default `mock`),
ANTHROPIC_PROVIDER (its `anthropic` provider, default `claude`),
ANTHROPIC_MODEL (cached on it, default `claude-sonnet-4`).
"""

import json
import os
import sys

import anthropic
import openai
from anthropic import Anthropic
from openai import OpenAI

PROVIDER = os.environ.get("PROVIDER", "mock")
CLAUDE = os.environ.get("ANTHROPIC_PROVIDER", "claude")
CLAUDE_MODEL = os.environ.get("ANTHROPIC_MODEL", "claude-sonnet-4")
TEXT = "Hello from mock-upstream."
THINKING = "Let me think."
MESSAGES = [{"role": "user", "content": "Say hello."}]
SCHEMA = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "n": {"type": "integer"}},
    "required": ["city"],
}
TOOLS = [{"name": f"get_weather_{i}", "description": "Weather of a city.", "input_schema": SCHEMA} for i in range(2)]
OPENAI_TOOLS = [
    {"type": "function", "function": {"name": t["name"], "description": t["description"], "parameters": SCHEMA}}
    for t in TOOLS
]
THINKING_PARAM = {"type": "enabled", "budget_tokens": 1024}
# Differ per request (the mock numbers ids per request).
VOLATILE = {"id"}


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


def check_equal(via_gateway, direct, what):
    if via_gateway != direct:
        raise Failure(
            f"{what} differs\n  gateway: {json.dumps(via_gateway, default=str)}\n"
            f"  direct:  {json.dumps(direct, default=str)}"
        )


def plain(obj):
    """An SDK object as plain data without the volatile top-level fields."""
    data = obj.model_dump()
    return {key: value for key, value in data.items() if key not in VOLATILE}


def xmock(**scenario):
    return {"x-mock": json.dumps(scenario)}


def blocks(message):
    return [block.type for block in message.content]


def text_of(message):
    return "".join(block.text for block in message.content if block.type == "text")


def stream_message(client, **kwargs):
    """`client.messages.stream(...)`: the event types seen and the final message."""
    with client.messages.stream(max_tokens=256, messages=MESSAGES, **kwargs) as stream:
        types = [event.type for event in stream]
        final = stream.get_final_message()
    check(types and types[0] == "message_start", f"events: {types}")
    check("message_stop" in types, f"no message_stop event: {types}")
    return types, final


def check_tool_uses(message, count):
    uses = [block for block in message.content if block.type == "tool_use"]
    check(len(uses) == count, f"{count} tool_use blocks expected: {message.content}")
    for i, use in enumerate(uses):
        check(use.name == f"get_weather_{i}", f"tool name: {use}")
        check(use.input == {"city": "Paris", "n": i}, f"tool input: {use.input!r}")
        check(use.id, f"tool_use without id: {use}")
    check(message.stop_reason == "tool_use", f"stop_reason: {message.stop_reason}")
    return uses


def check_thinking(message):
    check(blocks(message) == ["thinking", "text"], f"blocks: {blocks(message)}")
    check(message.content[0].thinking == THINKING, f"thinking: {message.content[0].thinking!r}")
    check(text_of(message) == TEXT, f"text: {text_of(message)!r}")


def content_of(message):
    """Content blocks as plain data; thinking signatures aside (Chat Completions has none)."""
    return [{k: v for k, v in block.model_dump().items() if k != "signature"} for block in message.content]


def chat_essence(answer):
    """What a chat answer says, without the fields a translation may word differently."""
    choice = answer.choices[0]
    message = choice.message
    calls = [call.model_dump() for call in message.tool_calls or []]
    reasoning = (message.model_extra or {}).get("reasoning_content")
    return {"finish": choice.finish_reason, "content": message.content, "tool_calls": calls, "reasoning": reasoning}


def chat_deltas(chunks):
    return [c.delta.model_dump(exclude_none=True) for chunk in chunks for c in chunk.choices]


def x_api_key_client(base_url, key, seen=None):
    """An Anthropic client that authenticates with `x-api-key` alone (the installed SDK
    sends `api_key` as a Bearer header); `seen` collects the headers actually sent."""
    hooks = {"request": [lambda request: seen.append(dict(request.headers))]} if seen is not None else {}
    return Anthropic(
        base_url=base_url,
        api_key=key,
        max_retries=0,
        default_headers={"X-Api-Key": key, "Authorization": anthropic.omit},
        http_client=anthropic.DefaultHttpxClient(event_hooks=hooks),
    )


class Clients:
    def __init__(self):
        self.gateway_url = os.environ["GATEWAY_URL"].rstrip("/")
        self.token = os.environ["GATEWAY_TOKEN"]
        self.sent = []
        self.gateway = x_api_key_client(self.gateway_url, self.token, self.sent)
        self.direct = x_api_key_client(os.environ["MOCK_URL"].rstrip("/"), os.environ["MOCK_KEY"])
        self.openai = OpenAI(base_url=self.gateway_url + "/v1", api_key=self.token, max_retries=0)
        self.openai_direct = OpenAI(
            base_url=os.environ["MOCK_URL"].rstrip("/") + "/v1", api_key=os.environ["MOCK_KEY"], max_retries=0
        )
        self.claude = f"{CLAUDE}/{CLAUDE_MODEL}"
        self.gpt = f"{PROVIDER}/gpt-4o"

    def both(self, call):
        """`call(client, model)` through the gateway to the anthropic-type provider and
        directly to the mock."""
        return call(self.gateway, self.claude), call(self.direct, CLAUDE_MODEL)


def run(cls, title):
    """Runs every `case_*` method of `cls` in source order; exits 1 on the first failure."""
    compat = cls()
    cases = [name for name in dir(cls) if name.startswith("case_")]
    cases.sort(key=lambda name: getattr(cls, name).__code__.co_firstlineno)
    for name in cases:
        label = name.removeprefix("case_")
        try:
            detail = getattr(compat, name)()
        except (Failure, anthropic.AnthropicError, openai.OpenAIError) as err:
            print(f"FAILED {label}: {type(err).__name__}: {err}")
            sys.exit(1)
        print(f"ok {label}: {detail}")
    print(f"{title}: {len(cases)} passed, 0 failed")
