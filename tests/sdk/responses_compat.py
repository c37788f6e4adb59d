"""Responses API and thinking across protocols with the official SDKs: the `openai`
package's `responses.create` and `responses.stream` (text, function calls, a tool output
round trip) through an OpenAI chat-only provider and an Anthropic provider, signed
reasoning sent back on the Anthropic provider, `models.retrieve`, the `thinking_blocks`
round trip of an OpenAI chat client on the Anthropic provider, and with the `anthropic`
package a tool round trip with thinking on an OpenAI provider.

Mock scenarios go in the `x-mock` header (translation drops unknown body fields).
mock-upstream refuses, as Anthropic does, a thinking request whose tool-use turn comes
back without its signed thinking block, so the round trips prove the signature survived.

Environment: GATEWAY_URL, GATEWAY_TOKEN, PROVIDER (default mock), ANTHROPIC_PROVIDER
(default claude), ANTHROPIC_MODEL (default claude-sonnet-4).
"""

import json
import os
import sys

import anthropic
import openai
from anthropic import Anthropic
from openai import OpenAI

PROVIDER = os.environ.get("PROVIDER", "mock")
CLAUDE = f"{os.environ.get('ANTHROPIC_PROVIDER', 'claude')}/{os.environ.get('ANTHROPIC_MODEL', 'claude-sonnet-4')}"
GPT = f"{PROVIDER}/gpt-4o"
TEXT = "Hello from mock-upstream."
SCHEMA = {"type": "object", "properties": {"city": {"type": "string"}, "n": {"type": "integer"}}}
TOOLS = [{"type": "function", "name": "get_weather_0", "description": "Weather.", "parameters": SCHEMA}]
CHAT_TOOLS = [{"type": "function", "function": {"name": "get_weather_0", "parameters": SCHEMA}}]


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


def xmock(**scenario):
    return {"x-mock": json.dumps(scenario)}


def dumped(items):
    return [item.model_dump(exclude_none=True) for item in items]


class Compat:
    def __init__(self):
        base = os.environ["GATEWAY_URL"].rstrip("/")
        token = os.environ["GATEWAY_TOKEN"]
        self.client = OpenAI(base_url=base + "/v1", api_key=token, max_retries=0)
        self.claude = Anthropic(base_url=base, api_key=token, max_retries=0)

    def stream(self, **kwargs):
        with self.client.responses.stream(**kwargs) as stream:
            types = [event.type for event in stream]
            final = stream.get_final_response()
        check(types[:2] == ["response.created", "response.in_progress"], f"first events: {types[:2]}")
        check(types[-1] == "response.completed", f"last event: {types[-1]}")
        return types, final

    def tool_round_trip(self, model):
        """A streamed function call, its output sent back, and the text answer."""
        types, final = self.stream(model=model, input="Weather?", tools=TOOLS, extra_headers=xmock(tool_calls=1))
        calls = [item for item in final.output if item.type == "function_call"]
        check(len(calls) == 1 and calls[0].name == "get_weather_0", f"{model}: output {final.output}")
        check(json.loads(calls[0].arguments) == {"city": "Paris", "n": 0}, f"{model}: arguments {calls[0]}")
        check(types.count("response.function_call_arguments.delta") > 1, f"{model}: argument deltas {types}")
        result = {"type": "function_call_output", "call_id": calls[0].call_id, "output": "sunny"}
        answer = self.client.responses.create(
            model=model, input=[{"role": "user", "content": "Weather?"}, *dumped(final.output), result], tools=TOOLS
        )
        check(answer.output_text == TEXT, f"{model}: answer after the tool output {answer.output_text!r}")
        return f"call {calls[0].call_id} streamed in {types.count('response.function_call_arguments.delta')} deltas, answered"

    def case_models_retrieve(self):
        model = self.client.models.retrieve(GPT)
        check((model.id, model.owned_by, model.object) == (GPT, PROVIDER, "model"), f"model: {model}")
        try:
            self.client.models.retrieve(f"{PROVIDER}/no-such-model")
        except openai.NotFoundError as err:
            check(err.status_code == 404, f"status: {err.status_code}")
        else:
            raise Failure("an unknown model was found")
        return f"{model.id} owned by {model.owned_by}; unknown id NotFoundError"

    def case_create_on_chat_provider(self):
        answer = self.client.responses.create(model=GPT, instructions="Be brief.", input="Say hello.", store=False)
        check(answer.output_text == TEXT, f"text: {answer.output_text!r}")
        check(answer.status == "completed" and answer.usage.output_tokens == 5, f"answer: {answer}")
        return f"{answer.output_text!r}, {answer.usage.input_tokens}+{answer.usage.output_tokens} tokens"

    def case_stream_on_chat_provider(self):
        types, final = self.stream(model=GPT, input="Say hello.")
        check(final.output_text == TEXT, f"text: {final.output_text!r}")
        check(types.count("response.output_text.delta") == 5, f"deltas: {types}")
        return f"{len(types)} events, {final.output_text!r}"

    def case_tools_on_chat_provider(self):
        return self.tool_round_trip(GPT)

    def case_create_and_stream_on_anthropic_provider(self):
        answer = self.client.responses.create(model=CLAUDE, input="Say hello.")
        check(answer.output_text == TEXT and answer.usage.output_tokens > 0, f"answer: {answer}")
        _, final = self.stream(model=CLAUDE, input="Say hello.")
        check(final.output_text == TEXT, f"streamed text: {final.output_text!r}")
        return f"{answer.output_text!r}, stream and non-stream"

    def case_tools_on_anthropic_provider(self):
        return self.tool_round_trip(CLAUDE)

    def case_signed_reasoning_on_anthropic_provider(self):
        kwargs = dict(model=CLAUDE, tools=TOOLS, reasoning={"effort": "low"}, store=False)
        _, final = self.stream(input="Weather?", extra_headers=xmock(reasoning=True, tool_calls=1), **kwargs)
        reasoning = [item for item in final.output if item.type == "reasoning"]
        check(reasoning and reasoning[0].encrypted_content, f"reasoning: {final.output}")
        call = next(item for item in final.output if item.type == "function_call")
        result = {"type": "function_call_output", "call_id": call.call_id, "output": "sunny"}
        answer = self.client.responses.create(
            input=[{"role": "user", "content": "Weather?"}, *dumped(final.output), result], **kwargs
        )
        check(answer.output_text == TEXT, f"answer: {answer.output_text!r}")
        return f"reasoning {reasoning[0].summary[0].text!r} signed, accepted back"

    def case_chat_thinking_blocks_on_anthropic_provider(self):
        messages = [{"role": "user", "content": "Weather?"}]
        kwargs = dict(model=CLAUDE, tools=CHAT_TOOLS, reasoning_effort="low")
        answer = self.client.chat.completions.create(
            messages=messages, extra_headers=xmock(reasoning=True, tool_calls=1), **kwargs
        )
        message = answer.choices[0].message
        blocks = (message.model_extra or {}).get("thinking_blocks")
        check(blocks and blocks[0]["signature"], f"thinking_blocks: {blocks}")
        result = {"role": "tool", "tool_call_id": message.tool_calls[0].id, "content": "sunny"}
        follow = self.client.chat.completions.create(
            messages=[*messages, message.model_dump(exclude_none=True), result], **kwargs
        )
        check(follow.choices[0].message.content == TEXT, f"answer: {follow.choices[0].message}")
        return f"{len(blocks)} signed block sent back with the assistant message, accepted"

    def case_anthropic_sdk_thinking_tools_on_openai_provider(self):
        tools = [{"name": "get_weather_0", "description": "Weather.", "input_schema": SCHEMA}]
        kwargs = dict(model=GPT, max_tokens=2048, tools=tools, thinking={"type": "enabled", "budget_tokens": 1024})
        messages = [{"role": "user", "content": "Weather?"}]
        first = self.claude.messages.create(
            messages=messages, extra_headers=xmock(reasoning=True, tool_calls=1), **kwargs
        )
        check([b.type for b in first.content] == ["thinking", "tool_use"], f"blocks: {first.content}")
        check(first.stop_reason == "tool_use", f"stop_reason: {first.stop_reason}")
        use = first.content[1]
        result = {"role": "user", "content": [{"type": "tool_result", "tool_use_id": use.id, "content": "sunny"}]}
        turn = {"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in first.content]}
        final = self.claude.messages.create(messages=[*messages, turn, result], **kwargs)
        text = "".join(b.text for b in final.content if b.type == "text")
        check(text == TEXT and final.stop_reason == "end_turn", f"final: {final}")
        return f"thinking {first.content[0].thinking!r} + tool_use, then {text!r}"


def main():
    compat = Compat()
    cases = [name for name in dir(Compat) if name.startswith("case_")]
    cases.sort(key=lambda name: Compat.__dict__[name].__code__.co_firstlineno)
    for name in cases:
        label = name.removeprefix("case_")
        try:
            detail = getattr(compat, name)()
        except (Failure, openai.OpenAIError, anthropic.AnthropicError, StopIteration) as err:
            print(f"FAILED {label}: {type(err).__name__}: {err}")
            sys.exit(1)
        print(f"ok {label}: {detail}")
    print(f"responses compat: {len(cases)} passed, 0 failed")


if __name__ == "__main__":
    main()
