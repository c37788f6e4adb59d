"""Anthropic SDK compatibility: the official `anthropic` package calls the gateway's
Messages API for an `anthropic`-type provider (forwarded; compared with the same calls
made straight to mock-upstream, ignoring ids) and for an `openai`-type provider
(translated to Chat Completions and back), and the official `openai` package calls
Chat Completions on the `anthropic`-type provider (translated).

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


class Compat:
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

    # (a) anthropic-type provider: forwarded, equal to direct calls.

    def case_claude_x_api_key(self):
        self.sent.clear()
        message = self.gateway.messages.create(model=self.claude, max_tokens=64, messages=MESSAGES)
        check(text_of(message) == TEXT, f"text: {text_of(message)!r}")
        check(len(self.sent) == 1, f"requests sent: {len(self.sent)}")
        headers = self.sent[0]
        check(headers.get("x-api-key") == self.token, "the gateway client did not send x-api-key")
        check("authorization" not in headers, "the gateway client sent an authorization header")
        return "sk- token as x-api-key only, accepted"

    def case_claude_message(self):
        via_gateway, direct = self.both(
            lambda c, m: c.messages.create(model=m, max_tokens=64, messages=MESSAGES)
        )
        check_equal(plain(via_gateway), plain(direct), "non-stream message")
        check(text_of(via_gateway) == TEXT, f"text: {text_of(via_gateway)!r}")
        check(via_gateway.stop_reason == "end_turn", f"stop_reason: {via_gateway.stop_reason}")
        return f"{text_of(via_gateway)!r}, model {via_gateway.model}, equal to direct"

    def case_claude_stream(self):
        (types, final), (direct_types, direct_final) = self.both(lambda c, m: stream_message(c, model=m))
        check_equal(types, direct_types, "stream event types")
        check_equal(plain(final), plain(direct_final), "stream final message")
        check(text_of(final) == TEXT, f"text: {text_of(final)!r}")
        check(final.usage.output_tokens > 0, f"usage: {final.usage}")
        return f"{len(types)} events, final message equal to direct"

    def case_claude_tools_stream(self):
        def call(client, model):
            return stream_message(client, model=model, tools=TOOLS, extra_headers=xmock(tool_calls=2))

        (types, final), (direct_types, direct_final) = self.both(call)
        check_equal(types, direct_types, "tool stream event types")
        check_equal(plain(final), plain(direct_final), "tool stream final message")
        check_tool_uses(final, 2)
        return f"2 tool_use blocks with parsed input from {types.count('content_block_delta')} deltas"

    def case_claude_thinking(self):
        def call(client, model):
            kwargs = dict(model=model, thinking=THINKING_PARAM, extra_headers=xmock(reasoning=True))
            message = client.messages.create(max_tokens=2048, messages=MESSAGES, **kwargs)
            return stream_message(client, **kwargs), message

        ((types, final), message), ((direct_types, direct_final), direct_message) = self.both(call)
        check_equal(types, direct_types, "thinking stream event types")
        check_equal(plain(final), plain(direct_final), "thinking stream final message")
        check_equal(plain(message), plain(direct_message), "non-stream thinking message")
        for msg in (final, message):
            check_thinking(msg)
            check(msg.content[0].signature, "thinking block without signature")
        return f"thinking {final.content[0].thinking!r} then text, stream and non-stream"

    def case_claude_cache_usage(self):
        def call(client, model):
            kwargs = dict(model=model, extra_headers=xmock(cache_read_tokens=30))
            message = client.messages.create(max_tokens=64, messages=MESSAGES, **kwargs)
            return message, stream_message(client, **kwargs)[1]

        (message, final), (direct_message, direct_final) = self.both(call)
        check_equal(plain(message), plain(direct_message), "non-stream message with cache usage")
        check_equal(plain(final), plain(direct_final), "stream final message with cache usage")
        for msg in (message, final):
            check(msg.usage.cache_read_input_tokens == 30, f"usage: {msg.usage}")
        return "usage.cache_read_input_tokens 30, stream and non-stream"

    def case_claude_count_tokens(self):
        via_gateway, direct = self.both(lambda c, m: c.messages.count_tokens(model=m, messages=MESSAGES))
        check_equal(plain(via_gateway), plain(direct), "count_tokens")
        check(via_gateway.input_tokens > 0, f"count: {via_gateway}")
        return f"input_tokens {via_gateway.input_tokens}, equal to direct"

    def case_claude_error(self):
        def call(client, model):
            try:
                client.messages.create(
                    model=model, max_tokens=64, messages=MESSAGES,
                    extra_headers=xmock(status=429, error_message="slow down"),
                )
            except anthropic.APIStatusError as err:
                return err
            raise Failure(f"no exception from {client.base_url}")

        via_gateway, direct = self.both(call)
        check_equal(type(via_gateway).__name__, type(direct).__name__, "exception class")
        check(isinstance(via_gateway, anthropic.RateLimitError), f"class: {type(via_gateway).__name__}")
        check("slow down" in via_gateway.message, f"message: {via_gateway.message!r}")
        return f"{type(via_gateway).__name__} {via_gateway.status_code} both ways"

    def case_sdk_default_auth(self):
        client = Anthropic(base_url=self.gateway_url, api_key=self.token, max_retries=0)
        message = client.messages.create(model=self.claude, max_tokens=64, messages=MESSAGES)
        check(text_of(message) == TEXT, f"text: {text_of(message)!r}")
        return "the SDK's own api_key header accepted too"

    def case_wrong_x_api_key(self):
        wrong = x_api_key_client(self.gateway_url, "sk-" + "x" * 48)
        try:
            wrong.messages.create(model=self.claude, max_tokens=64, messages=MESSAGES)
        except anthropic.AuthenticationError as err:
            check(err.status_code == 401, f"status: {err.status_code}")
            return "AuthenticationError 401"
        except anthropic.APIStatusError as err:
            raise Failure(f"wrong key: {type(err).__name__} {err.status_code}, expected AuthenticationError")
        raise Failure("a wrong sk- token was accepted as x-api-key")

    # (b) openai-type provider: translated to Chat Completions and back. The content must
    # equal what the mock answers natively on /v1/messages for the same scenario.

    def native(self, stream=False, **kwargs):
        if stream:
            return stream_message(self.direct, model="gpt-4o", **kwargs)[1]
        return self.direct.messages.create(model="gpt-4o", max_tokens=64, messages=MESSAGES, **kwargs)

    def check_native(self, message, what, stream=False, **kwargs):
        native = self.native(stream=stream, **kwargs)
        check_equal(content_of(message), content_of(native), f"{what}: content vs the mock's native answer")
        check_equal(message.stop_reason, native.stop_reason, f"{what}: stop_reason vs the mock's native answer")

    def case_openai_message(self):
        message = self.gateway.messages.create(model=self.gpt, max_tokens=64, messages=MESSAGES)
        check(message.type == "message" and message.role == "assistant", f"message: {message}")
        check(blocks(message) == ["text"] and text_of(message) == TEXT, f"content: {message.content}")
        check(message.stop_reason == "end_turn", f"stop_reason: {message.stop_reason}")
        check(message.usage.output_tokens > 0, f"usage: {message.usage}")
        self.check_native(message, "translated message")
        return f"{text_of(message)!r}, end_turn, {message.usage.output_tokens} output tokens"

    def case_openai_stream(self):
        types, final = stream_message(self.gateway, model=self.gpt)
        check(blocks(final) == ["text"] and text_of(final) == TEXT, f"content: {final.content}")
        check(final.stop_reason == "end_turn", f"stop_reason: {final.stop_reason}")
        check(final.usage.output_tokens > 0, f"usage: {final.usage}")
        self.check_native(final, "translated stream", stream=True)
        return f"{len(types)} events, final text {text_of(final)!r}"

    def case_openai_tools(self):
        message = self.gateway.messages.create(
            model=self.gpt, max_tokens=64, messages=MESSAGES, tools=TOOLS, extra_headers=xmock(tool_calls=2)
        )
        check_tool_uses(message, 2)
        self.check_native(message, "translated tool uses", tools=TOOLS, extra_headers=xmock(tool_calls=2))
        return "2 tool_use blocks, stop_reason tool_use"

    def case_openai_tools_stream(self):
        kwargs = dict(tools=TOOLS, extra_headers=xmock(tool_calls=2))
        types, final = stream_message(self.gateway, model=self.gpt, **kwargs)
        check_tool_uses(final, 2)
        self.check_native(final, "translated tool stream", stream=True, **kwargs)
        return f"2 tool_use blocks with parsed input from {types.count('content_block_delta')} deltas"

    def case_openai_thinking(self):
        kwargs = dict(model=self.gpt, thinking=THINKING_PARAM, extra_headers=xmock(reasoning=True))
        types, final = stream_message(self.gateway, **kwargs)
        message = self.gateway.messages.create(max_tokens=2048, messages=MESSAGES, **kwargs)
        check_thinking(final)
        check_thinking(message)
        native = dict(thinking=THINKING_PARAM, extra_headers=xmock(reasoning=True))
        self.check_native(final, "translated thinking stream", stream=True, **native)
        self.check_native(message, "translated thinking message", **native)
        return f"thinking {final.content[0].thinking!r} then text, stream and non-stream"

    def case_openai_cache_usage(self):
        kwargs = dict(model=self.gpt, extra_headers=xmock(cache_read_tokens=30))
        message = self.gateway.messages.create(max_tokens=64, messages=MESSAGES, **kwargs)
        final = stream_message(self.gateway, **kwargs)[1]
        for msg in (message, final):
            check(msg.usage.cache_read_input_tokens == 30, f"usage: {msg.usage}")
        return "cached_tokens 30 -> usage.cache_read_input_tokens 30, stream and non-stream"

    def case_openai_error(self):
        try:
            self.gateway.messages.create(
                model=self.gpt, max_tokens=64, messages=MESSAGES,
                extra_headers=xmock(status=429, error_message="slow down"),
            )
        except anthropic.RateLimitError as err:
            check("slow down" in err.message, f"message without the upstream text: {err.message!r}")
            return f"RateLimitError {err.status_code}"
        except anthropic.APIStatusError as err:
            raise Failure(f"{type(err).__name__} {err.status_code}, expected RateLimitError")
        raise Failure("no exception for an upstream 429")

    def case_openai_count_tokens(self):
        count = self.gateway.messages.count_tokens(model=self.gpt, messages=MESSAGES)
        check(count.input_tokens > 0, f"count: {count}")
        return f"estimate {count.input_tokens} input tokens"

    # (c) the openai package: Chat Completions on the anthropic-type provider.

    def chat(self, **kwargs):
        return self.openai.chat.completions.create(model=self.claude, messages=MESSAGES, **kwargs)

    def chat_native(self, **kwargs):
        """The same call straight to the mock's own /v1/chat/completions."""
        return self.openai_direct.chat.completions.create(model=CLAUDE_MODEL, messages=MESSAGES, **kwargs)

    def check_chat_native(self, answer, what, **kwargs):
        check_equal(chat_essence(answer), chat_essence(self.chat_native(**kwargs)), f"{what} vs the mock's chat")

    def check_chat_stream_native(self, chunks, what, **kwargs):
        native = list(self.chat_native(stream=True, **kwargs))
        check_equal(chat_deltas(chunks), chat_deltas(native), f"{what}: deltas vs the mock's chat stream")

    def case_chat_claude(self):
        answer = self.chat()
        choice = answer.choices[0]
        check(choice.message.content == TEXT, f"content: {choice.message.content!r}")
        check(choice.finish_reason == "stop", f"finish_reason: {choice.finish_reason}")
        check(answer.usage is not None and answer.usage.completion_tokens > 0, f"usage: {answer.usage}")
        self.check_chat_native(answer, "translated chat")
        return f"{choice.message.content!r}, finish stop"

    def case_chat_claude_stream(self):
        chunks = list(self.chat(stream=True))
        text = "".join(c.delta.content or "" for chunk in chunks for c in chunk.choices)
        finish = [c.finish_reason for chunk in chunks for c in chunk.choices if c.finish_reason]
        check(text == TEXT, f"assembled text: {text!r}")
        check(finish == ["stop"], f"finish: {finish}")
        self.check_chat_stream_native(chunks, "translated chat stream")
        return f"{len(chunks)} chunks assembled to {text!r}"

    def case_chat_claude_tools(self):
        answer = self.chat(tools=OPENAI_TOOLS, extra_headers=xmock(tool_calls=1))
        choice = answer.choices[0]
        calls = choice.message.tool_calls or []
        check(len(calls) == 1, f"one tool call: {choice.message}")
        check(calls[0].function.name == "get_weather_0", f"name: {calls[0]}")
        check(json.loads(calls[0].function.arguments) == {"city": "Paris", "n": 0}, f"arguments: {calls[0]}")
        check(choice.finish_reason == "tool_calls", f"finish_reason: {choice.finish_reason}")
        self.check_chat_native(answer, "translated tool call", tools=OPENAI_TOOLS, extra_headers=xmock(tool_calls=1))
        return "1 tool call, finish tool_calls"

    def case_chat_claude_tools_stream(self):
        chunks = list(self.chat(tools=OPENAI_TOOLS, stream=True, extra_headers=xmock(tool_calls=1)))
        calls = {}
        for chunk in chunks:
            for choice in chunk.choices:
                for delta in choice.delta.tool_calls or []:
                    call = calls.setdefault(delta.index, {"id": None, "name": None, "arguments": ""})
                    call["id"] = delta.id or call["id"]
                    if delta.function:
                        call["name"] = delta.function.name or call["name"]
                        call["arguments"] += delta.function.arguments or ""
        finish = [c.finish_reason for chunk in chunks for c in chunk.choices if c.finish_reason]
        check(list(calls) == [0], f"one tool call at index 0: {calls}")
        call = calls[0]
        check(call["id"] and call["name"] == "get_weather_0", f"tool call: {call}")
        check(json.loads(call["arguments"]) == {"city": "Paris", "n": 0}, f"arguments: {call}")
        check(finish == ["tool_calls"], f"finish: {finish}")
        native = dict(tools=OPENAI_TOOLS, extra_headers=xmock(tool_calls=1))
        self.check_chat_stream_native(chunks, "translated tool call stream", **native)
        return f"arguments assembled: {call['arguments']}"

    def case_chat_claude_reasoning(self):
        answer = self.chat(extra_headers=xmock(reasoning=True))
        message = answer.choices[0].message
        reasoning = (message.model_extra or {}).get("reasoning_content")
        check(reasoning == THINKING, f"reasoning_content: {reasoning!r}")
        check(message.content == TEXT, f"content: {message.content!r}")
        chunks = list(self.chat(stream=True, extra_headers=xmock(reasoning=True)))
        streamed = "".join(
            (c.delta.model_extra or {}).get("reasoning_content") or "" for chunk in chunks for c in chunk.choices
        )
        check(streamed == THINKING, f"streamed reasoning_content: {streamed!r}")
        self.check_chat_native(answer, "translated reasoning", extra_headers=xmock(reasoning=True))
        self.check_chat_stream_native(chunks, "translated reasoning stream", extra_headers=xmock(reasoning=True))
        return f"reasoning_content {reasoning!r}, stream and non-stream"

    def case_chat_claude_error(self):
        try:
            self.chat(extra_headers=xmock(status=429, error_message="slow down"))
        except openai.RateLimitError as err:
            check("slow down" in err.message, f"message without the upstream text: {err.message!r}")
            return f"RateLimitError {err.status_code}"
        except openai.APIStatusError as err:
            raise Failure(f"{type(err).__name__} {err.status_code}, expected RateLimitError")
        raise Failure("no exception for an upstream 429")


def main():
    compat = Compat()
    cases = [name for name in dir(Compat) if name.startswith("case_")]
    cases.sort(key=lambda name: Compat.__dict__[name].__code__.co_firstlineno)
    for name in cases:
        label = name.removeprefix("case_")
        try:
            detail = getattr(compat, name)()
        except (Failure, anthropic.AnthropicError, openai.OpenAIError) as err:
            print(f"FAILED {label}: {type(err).__name__}: {err}")
            sys.exit(1)
        print(f"ok {label}: {detail}")
    print(f"anthropic compat: {len(cases)} passed, 0 failed")


if __name__ == "__main__":
    main()
