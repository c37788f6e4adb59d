"""Anthropic compatibility, other direction: the official `openai` package calls Chat
Completions on the gateway's `anthropic`-type provider (translated), compared with the
mock's own chat answer. Shared setup, environment and runner: `anthropic_common.py`.
"""

import json

import openai

from anthropic_common import (
    CLAUDE_MODEL,
    MESSAGES,
    OPENAI_TOOLS,
    TEXT,
    THINKING,
    Clients,
    Failure,
    chat_deltas,
    chat_essence,
    check,
    check_equal,
    run,
    xmock,
)


class ChatCompat(Clients):
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
        # The signed block arrives whole in one extra delta (the mock's chat stream has none).
        signed = [(chunk, (c.delta.model_extra or {}).get("thinking_blocks")) for chunk in chunks for c in chunk.choices]
        blocks = [block for _, found in signed if found for block in found]
        check(len(blocks) == 1 and blocks[0]["thinking"] == THINKING and blocks[0]["signature"], f"blocks: {blocks}")
        rest = [chunk for chunk, found in signed if not found]
        self.check_chat_native(answer, "translated reasoning", extra_headers=xmock(reasoning=True))
        self.check_chat_stream_native(rest, "translated reasoning stream", extra_headers=xmock(reasoning=True))
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


if __name__ == "__main__":
    run(ChatCompat, "anthropic chat compat")
