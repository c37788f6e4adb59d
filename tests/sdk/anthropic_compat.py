"""Anthropic SDK compatibility: the official `anthropic` package calls the gateway's
Messages API for an `anthropic`-type provider (forwarded; compared with the same calls
made straight to mock-upstream, ignoring ids) and for an `openai`-type provider
(translated to Chat Completions and back). Shared setup, environment and runner:
`anthropic_common.py`.
"""

import anthropic
from anthropic import Anthropic

from anthropic_common import (
    MESSAGES,
    TEXT,
    THINKING_PARAM,
    TOOLS,
    Clients,
    Failure,
    blocks,
    check,
    check_equal,
    check_thinking,
    check_tool_uses,
    content_of,
    plain,
    run,
    stream_message,
    text_of,
    x_api_key_client,
    xmock,
)


class Compat(Clients):
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


if __name__ == "__main__":
    run(Compat, "anthropic compat")
