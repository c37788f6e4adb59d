//! The item half of the stream state machine: opening, growing and closing the
//! reasoning, message and function call items as chat deltas arrive.

use bytes::Bytes;
use serde_json::json;

use super::{ResponsesStream, Slot};
use crate::protocol::responses::chat::{ChunkDelta, ThinkingBlock};
use crate::protocol::responses::from_chat::{
    call_item_id, message_id, reasoning_id, reasoning_item,
};
use crate::protocol::responses::object::{OutputContent, OutputItem, SummaryText};

impl ResponsesStream {
    /// Reasoning text: into the open reasoning item, opening one (and its summary
    /// part) after closing a message that was open.
    fn reasoning(&mut self, text: &str, out: &mut Vec<Bytes>) {
        if let Some(index) = self.open_message.take() {
            self.close(index, out);
        }
        let index = match self.open_reasoning {
            Some(index) => index,
            None => {
                let id = reasoning_id(&self.base, self.items.len());
                let item = OutputItem::Reasoning {
                    id: id.clone(),
                    summary: Vec::new(),
                    encrypted_content: None,
                };
                let index = self.add(item, out);
                let part = SummaryText::new(String::new());
                let data =
                    json!({"item_id": id, "output_index": index, "summary_index": 0, "part": part});
                self.emit(out, "response.reasoning_summary_part.added", data);
                let slot = &mut self.items[index];
                slot.part_open = true;
                if let OutputItem::Reasoning { summary, .. } = &mut slot.item {
                    summary.push(part);
                }
                self.open_reasoning = Some(index);
                index
            }
        };
        if let Some(Slot {
            item: OutputItem::Reasoning { id, summary, .. },
            ..
        }) = self.items.get_mut(index)
            && let Some(part) = summary.first_mut()
        {
            part.text.push_str(text);
            let data =
                json!({"item_id": id, "output_index": index, "summary_index": 0, "delta": text});
            self.emit(out, "response.reasoning_summary_text.delta", data);
        }
    }

    /// A signed block: it seals the open reasoning item (its text arrived already),
    /// or becomes an item of its own.
    fn thinking_block(&mut self, block: ThinkingBlock, out: &mut Vec<Bytes>) {
        if let ThinkingBlock::Thinking {
            thinking,
            signature,
        } = &block
        {
            if self.open_reasoning.is_none() && !thinking.is_empty() {
                self.reasoning(thinking, out);
            }
            if let Some(index) = self.open_reasoning.take() {
                if let Some(Slot {
                    item:
                        OutputItem::Reasoning {
                            encrypted_content, ..
                        },
                    ..
                }) = self.items.get_mut(index)
                {
                    *encrypted_content = Some(signature.clone()).filter(|s| !s.is_empty());
                }
                self.close(index, out);
                return;
            }
        }
        if let Some(index) = self.open_reasoning.take() {
            self.close(index, out);
        }
        let item = reasoning_item(&reasoning_id(&self.base, self.items.len()), block);
        let index = self.add(item, out);
        self.close(index, out);
    }

    /// Message text: into the open message, opening one (and its text part) after
    /// closing open reasoning.
    fn text(&mut self, text: &str, out: &mut Vec<Bytes>) {
        if let Some(index) = self.open_reasoning.take() {
            self.close(index, out);
        }
        let index = match self.open_message {
            Some(index) => index,
            None => {
                let id = message_id(&self.base);
                let earlier = self
                    .items
                    .iter()
                    .any(|slot| matches!(slot.item, OutputItem::Message { .. }));
                let id = if earlier {
                    format!("{id}_{}", self.items.len())
                } else {
                    id
                };
                let item = OutputItem::Message {
                    id: id.clone(),
                    status: "in_progress",
                    role: "assistant",
                    content: Vec::new(),
                };
                let index = self.add(item, out);
                let part = json!({"item_id": id, "output_index": index, "content_index": 0,
                    "part": OutputContent::text(String::new())});
                self.emit(out, "response.content_part.added", part);
                let slot = &mut self.items[index];
                slot.part_open = true;
                if let OutputItem::Message { content, .. } = &mut slot.item {
                    content.push(OutputContent::text(String::new()));
                }
                self.open_message = Some(index);
                index
            }
        };
        if let Some(Slot {
            item: OutputItem::Message { id, content, .. },
            ..
        }) = self.items.get_mut(index)
            && let Some(OutputContent::OutputText { text: so_far, .. }) = content.first_mut()
        {
            so_far.push_str(text);
            let data = json!({"item_id": id, "output_index": index, "content_index": 0,
                "delta": text, "logprobs": []});
            self.emit(out, "response.output_text.delta", data);
        }
    }

    /// One choice's delta: reasoning, signed blocks, text, then tool calls.
    pub(super) fn delta(&mut self, delta: ChunkDelta, out: &mut Vec<Bytes>) {
        if let Some(text) = delta.reasoning_content.as_deref().filter(|t| !t.is_empty()) {
            self.reasoning(text, out);
        }
        for block in delta.thinking_blocks.into_iter().flatten() {
            self.thinking_block(block, out);
        }
        let text = delta.content.or(delta.refusal);
        if let Some(text) = text.as_deref().filter(|t| !t.is_empty()) {
            self.text(text, out);
        }
        for call in delta.tool_calls.into_iter().flatten() {
            let index = match self.calls.get(&call.index) {
                Some(index) => *index,
                None => {
                    let open = [self.open_reasoning.take(), self.open_message.take()];
                    for index in open.into_iter().flatten() {
                        self.close(index, out);
                    }
                    let call_id = call
                        .id
                        .clone()
                        .unwrap_or_else(|| format!("call_{}", call.index));
                    let name = call
                        .function
                        .as_ref()
                        .and_then(|f| f.name.clone())
                        .unwrap_or_default();
                    let item = OutputItem::FunctionCall {
                        id: call_item_id(&call_id),
                        status: "in_progress",
                        call_id,
                        name,
                        arguments: String::new(),
                    };
                    let index = self.add(item, out);
                    self.calls.insert(call.index, index);
                    index
                }
            };
            let piece = call
                .function
                .and_then(|f| f.arguments)
                .filter(|a| !a.is_empty());
            if let (
                Some(piece),
                Some(Slot {
                    item: OutputItem::FunctionCall { id, arguments, .. },
                    ..
                }),
            ) = (piece, self.items.get_mut(index))
            {
                arguments.push_str(&piece);
                let data = json!({"item_id": id, "output_index": index, "delta": piece});
                self.emit(out, "response.function_call_arguments.delta", data);
            }
        }
    }

    /// The done events of item `index`.
    pub(super) fn close(&mut self, index: usize, out: &mut Vec<Bytes>) {
        let Some(Slot {
            item,
            done,
            part_open,
        }) = self.items.get_mut(index)
        else {
            return;
        };
        if *done {
            return;
        }
        *done = true;
        let part_open = *part_open;
        let mut events = Vec::new();
        match item {
            OutputItem::Reasoning { id, summary, .. } => {
                if let Some(part) = summary.first().filter(|_| part_open) {
                    let at = json!({"item_id": id, "output_index": index, "summary_index": 0});
                    let mut text = at.clone();
                    text["text"] = json!(part.text);
                    events.push(("response.reasoning_summary_text.done", text));
                    let mut done_part = at;
                    done_part["part"] = json!(part);
                    events.push(("response.reasoning_summary_part.done", done_part));
                }
            }
            OutputItem::Message {
                id,
                status,
                content,
                ..
            } => {
                *status = "completed";
                if let Some(part) = content.first().filter(|_| part_open) {
                    let at = json!({"item_id": id, "output_index": index, "content_index": 0});
                    if let OutputContent::OutputText { text, .. } = part {
                        let mut done_text = at.clone();
                        done_text["text"] = json!(text);
                        done_text["logprobs"] = json!([]);
                        events.push(("response.output_text.done", done_text));
                    }
                    let mut done_part = at;
                    done_part["part"] = json!(part);
                    events.push(("response.content_part.done", done_part));
                }
            }
            OutputItem::FunctionCall {
                id,
                status,
                name,
                arguments,
                ..
            } => {
                *status = "completed";
                let data = json!({"item_id": id, "output_index": index, "name": name,
                    "arguments": arguments});
                events.push(("response.function_call_arguments.done", data));
            }
        }
        let item = json!({"output_index": index, "item": item});
        events.push(("response.output_item.done", item));
        for (kind, data) in events {
            self.emit(out, kind, data);
        }
    }
}
