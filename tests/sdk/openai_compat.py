"""OpenAI SDK compatibility: the official `openai` package makes the same calls through
the gateway and straight to mock-upstream, and the results must be equal once the
fields that legitimately differ are removed (response ids, `created` stamps).

Environment: GATEWAY_URL, GATEWAY_TOKEN (an sk- token), MOCK_URL, MOCK_KEY,
PROVIDER (the gateway's provider name for the mock, default `mock`).
"""

import json
import os
import sys

import openai
from openai import OpenAI

PROVIDER = os.environ.get("PROVIDER", "mock")
MESSAGES = [{"role": "user", "content": "Say hello."}]
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": f"get_weather_{i}",
            "description": "Weather of a city.",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}, "n": {"type": "integer"}},
                "required": ["city"],
            },
        },
    }
    for i in range(2)
]
# Differ per request (the mock numbers ids per request and stamps the current second).
VOLATILE = {"id", "created"}


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


def collect(stream):
    """The chunks of a stream, checking they all share one id."""
    chunks = list(stream)
    check(chunks, "the stream yielded no chunk")
    ids = {chunk.id for chunk in chunks}
    check(len(ids) == 1, f"one id per stream, got {ids}")
    return chunks


def deltas(chunks):
    return [choice.delta.model_dump() for chunk in chunks for choice in chunk.choices]


def finish_reasons(chunks):
    return [c.finish_reason for chunk in chunks for c in chunk.choices if c.finish_reason]


def usage_chunks(chunks):
    return [chunk for chunk in chunks if chunk.usage is not None]


def content(chunks):
    return "".join(c.delta.content or "" for chunk in chunks for c in chunk.choices)


def compare_streams(via_gateway, direct, what):
    check_equal(deltas(via_gateway), deltas(direct), f"{what}: deltas")
    check_equal(finish_reasons(via_gateway), finish_reasons(direct), f"{what}: finish_reason")
    check_equal([plain(c) for c in via_gateway], [plain(c) for c in direct], f"{what}: chunks")


def assemble_tool_calls(chunks):
    """Tool calls rebuilt from streamed deltas: id, type and name once, arguments in pieces."""
    calls, pieces = {}, {}
    for chunk in chunks:
        for choice in chunk.choices:
            for delta in choice.delta.tool_calls or []:
                call = calls.setdefault(delta.index, {"id": None, "type": None, "name": None, "arguments": ""})
                call["id"] = delta.id or call["id"]
                call["type"] = delta.type or call["type"]
                if delta.function:
                    call["name"] = delta.function.name or call["name"]
                    call["arguments"] += delta.function.arguments or ""
                    pieces[delta.index] = pieces.get(delta.index, 0) + bool(delta.function.arguments)
    return [calls[i] for i in sorted(calls)], pieces


def reasoning_of(obj):
    extra = obj.model_extra or {}
    return extra.get("reasoning_content")


class Compat:
    def __init__(self):
        self.gateway_url = os.environ["GATEWAY_URL"].rstrip("/") + "/v1"
        self.gateway = OpenAI(base_url=self.gateway_url, api_key=os.environ["GATEWAY_TOKEN"], max_retries=0)
        self.direct = OpenAI(
            base_url=os.environ["MOCK_URL"].rstrip("/") + "/v1", api_key=os.environ["MOCK_KEY"], max_retries=0
        )

    def both(self, call, model="gpt-4o", prefixed=True):
        """`call(client, model)` through the gateway (as `provider/model`, or the bare
        cached name) and directly (as the upstream model name)."""
        gateway_model = f"{PROVIDER}/{model}" if prefixed else model
        return call(self.gateway, gateway_model), call(self.direct, model)

    def case_models_list(self):
        # Other providers (setup_gateway.py adds an anthropic one) list their own models.
        listed = sorted(m.id for m in self.gateway.models.list())
        via_gateway = [m for m in listed if m.startswith(f"{PROVIDER}/")]
        direct = sorted(m.id for m in self.direct.models.list())
        check(direct, "the mock lists no model")
        check_equal(via_gateway, sorted(f"{PROVIDER}/{m}" for m in direct), "models list ids")
        return f"{len(via_gateway)} models of {PROVIDER} ({len(listed)} in all), ids provider/model"

    def case_chat(self):
        via_gateway, direct = self.both(
            lambda c, m: c.chat.completions.create(model=m, messages=MESSAGES), prefixed=True
        )
        check_equal(plain(via_gateway), plain(direct), "non-stream chat")
        check(via_gateway.model == "gpt-4o", f"answered model: {via_gateway.model}")
        check(via_gateway.usage is not None, "usage present")
        return f"{via_gateway.choices[0].message.content!r}, model {via_gateway.model}"

    def case_chat_bare_model(self):
        via_gateway, direct = self.both(
            lambda c, m: c.chat.completions.create(model=m, messages=MESSAGES, max_tokens=50),
            model="gpt-4o-mini",
            prefixed=False,
        )
        check_equal(plain(via_gateway), plain(direct), "non-stream chat, bare model name")
        return f"bare name routed, model {via_gateway.model}"

    def case_stream(self):
        def call(client, model):
            return collect(client.chat.completions.create(model=model, messages=MESSAGES, stream=True))

        via_gateway, direct = self.both(call)
        compare_streams(via_gateway, direct, "stream chat")
        check(content(via_gateway) == "Hello from mock-upstream.", f"content: {content(via_gateway)!r}")
        check(finish_reasons(via_gateway) == ["stop"], f"finish: {finish_reasons(via_gateway)}")
        check(not usage_chunks(via_gateway), "a usage chunk arrived through the gateway without include_usage")
        check(not usage_chunks(direct), "a usage chunk arrived directly without include_usage")
        check(all(chunk.choices for chunk in via_gateway), "a chunk without choices arrived through the gateway")
        return f"{len(via_gateway)} chunks, no usage chunk"

    def case_stream_usage(self):
        def call(client, model):
            stream = client.chat.completions.create(
                model=model,
                messages=MESSAGES,
                stream=True,
                stream_options={"include_usage": True},
                extra_body={"mock": {"chunks": 3}},
            )
            return collect(stream)

        via_gateway, direct = self.both(call)
        compare_streams(via_gateway, direct, "stream chat with usage")
        usage = usage_chunks(via_gateway)
        check(len(usage) == 1 and usage[0] is via_gateway[-1], "one usage chunk, last, through the gateway")
        check(usage[0].choices == [], f"usage chunk choices: {usage[0].choices}")
        check(usage[0].usage.completion_tokens == 3, f"usage: {usage[0].usage}")
        return f"usage chunk {usage[0].usage.prompt_tokens}+{usage[0].usage.completion_tokens} tokens"

    def case_tools_stream(self):
        def call(client, model):
            stream = client.chat.completions.create(
                model=model, messages=MESSAGES, tools=TOOLS, stream=True, extra_body={"mock": {"tool_calls": 2}}
            )
            return collect(stream)

        via_gateway, direct = self.both(call)
        compare_streams(via_gateway, direct, "tool call stream")
        (calls, pieces), (direct_calls, _) = assemble_tool_calls(via_gateway), assemble_tool_calls(direct)
        check_equal(calls, direct_calls, "assembled tool calls")
        check(len(calls) == 2, f"two tool calls: {calls}")
        check(all(count > 1 for count in pieces.values()), f"arguments came in several deltas: {pieces}")
        for i, call in enumerate(calls):
            check(call["name"] == f"get_weather_{i}", f"tool name: {call}")
            check(json.loads(call["arguments"]) == {"city": "Paris", "n": i}, f"arguments: {call}")
        check(finish_reasons(via_gateway) == ["tool_calls"], f"finish: {finish_reasons(via_gateway)}")
        return f"2 tool calls from {sum(pieces.values())} argument deltas"

    def case_tools(self):
        via_gateway, direct = self.both(
            lambda c, m: c.chat.completions.create(
                model=m, messages=MESSAGES, tools=TOOLS, tool_choice="auto", extra_body={"mock": {"tool_calls": 2}}
            )
        )
        check_equal(plain(via_gateway), plain(direct), "non-stream tool calls")
        choice = via_gateway.choices[0]
        check(choice.finish_reason == "tool_calls", f"finish: {choice.finish_reason}")
        calls = choice.message.tool_calls or []
        check(len(calls) == 2, f"two tool calls: {calls}")
        check(json.loads(calls[1].function.arguments) == {"city": "Paris", "n": 1}, f"arguments: {calls[1]}")
        return "2 tool calls"

    def case_reasoning(self):
        via_gateway, direct = self.both(
            lambda c, m: c.chat.completions.create(model=m, messages=MESSAGES, extra_body={"mock": {"reasoning": True}})
        )
        check_equal(plain(via_gateway), plain(direct), "non-stream reasoning chat")
        reasoning = reasoning_of(via_gateway.choices[0].message)
        check(reasoning == "Let me think.", f"reasoning_content through the gateway: {reasoning!r}")
        return f"reasoning_content {reasoning!r}"

    def case_reasoning_stream(self):
        def call(client, model):
            stream = client.chat.completions.create(
                model=model, messages=MESSAGES, stream=True, extra_body={"mock": {"reasoning": True}}
            )
            return collect(stream)

        via_gateway, direct = self.both(call)
        compare_streams(via_gateway, direct, "reasoning stream")
        reasoning = "".join(reasoning_of(c.delta) or "" for chunk in via_gateway for c in chunk.choices)
        check(reasoning == "Let me think.", f"streamed reasoning_content: {reasoning!r}")
        return f"streamed reasoning_content {reasoning!r}"

    def case_embeddings(self):
        via_gateway, direct = self.both(
            lambda c, m: c.embeddings.create(model=m, input=["first text", "second text"], encoding_format="float"),
            model="text-embedding-3-small",
        )
        check_equal(plain(via_gateway), plain(direct), "embeddings")
        check(len(via_gateway.data) == 2 and via_gateway.data[1].index == 1, f"data: {via_gateway.data}")
        return f"2 vectors of {len(via_gateway.data[0].embedding)}"

    def case_error(self):
        def call(client, model):
            try:
                client.chat.completions.create(
                    model=model,
                    messages=MESSAGES,
                    extra_body={"mock": {"status": 429, "error_message": "slow down"}},
                )
            except openai.APIStatusError as err:
                return err
            raise Failure(f"no exception from {client.base_url}")

        via_gateway, direct = self.both(call)
        check_equal(type(via_gateway).__name__, type(direct).__name__, "exception class")
        check(isinstance(via_gateway, openai.RateLimitError), f"class: {type(via_gateway).__name__}")
        check_equal(via_gateway.status_code, direct.status_code, "status code")
        for err in (via_gateway, direct):
            check("slow down" in err.message, f"message without the upstream text: {err.message!r}")
        return f"{type(via_gateway).__name__} {via_gateway.status_code} both ways"

    def case_wrong_token(self):
        wrong = OpenAI(base_url=self.gateway_url, api_key="sk-" + "x" * 48, max_retries=0)
        try:
            wrong.chat.completions.create(model=f"{PROVIDER}/gpt-4o", messages=MESSAGES)
        except openai.AuthenticationError as err:
            check(err.status_code == 401, f"status: {err.status_code}")
            return "AuthenticationError 401"
        except openai.APIStatusError as err:
            raise Failure(f"wrong token: {type(err).__name__} {err.status_code}, expected AuthenticationError")
        raise Failure("a wrong sk- token was accepted")


def main():
    compat = Compat()
    cases = [name for name in dir(Compat) if name.startswith("case_")]
    cases.sort(key=lambda name: Compat.__dict__[name].__code__.co_firstlineno)
    for name in cases:
        label = name.removeprefix("case_")
        try:
            detail = getattr(compat, name)()
        except (Failure, openai.OpenAIError) as err:
            print(f"FAILED {label}: {type(err).__name__}: {err}")
            sys.exit(1)
        print(f"ok {label}: {detail}")
    print(f"openai compat: {len(cases)} passed, 0 failed")


if __name__ == "__main__":
    main()
