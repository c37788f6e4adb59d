//! Anthropic's rules for extended thinking, so tests meet the refusals the real API
//! gives: no thinking with a tool choice that forces a tool, and a final assistant
//! turn with `tool_use` must start with a thinking block whose signature is the one
//! this mock handed out.

use serde::Deserialize;
use serde::de::IgnoredAny;

use crate::script::SIGNATURE;

#[derive(Deserialize)]
struct Request {
    #[serde(default)]
    thinking: Option<Kind>,
    #[serde(default)]
    tool_choice: Option<Kind>,
    #[serde(default)]
    messages: Vec<Message>,
}

#[derive(Deserialize)]
struct Kind {
    #[serde(rename = "type")]
    kind: String,
}

#[derive(Deserialize)]
struct Message {
    role: String,
    content: Content,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Content {
    Blocks(Vec<Block>),
    Text(IgnoredAny),
}

#[derive(Deserialize)]
struct Block {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    signature: Option<String>,
}

/// `Err(message)` when Anthropic would refuse the request.
pub fn check(body: &[u8]) -> Result<(), String> {
    let Ok(request) = serde_json::from_slice::<Request>(body) else {
        return Ok(());
    };
    if request
        .thinking
        .as_ref()
        .is_none_or(|t| t.kind != "enabled")
    {
        return Ok(());
    }
    if request
        .tool_choice
        .is_some_and(|c| c.kind == "any" || c.kind == "tool")
    {
        return Err("Thinking may not be enabled when tool_choice forces tool use.".into());
    }
    for (i, message) in request.messages.iter().enumerate() {
        let Content::Blocks(blocks) = &message.content else {
            continue;
        };
        for (j, block) in blocks.iter().enumerate() {
            if block.kind == "thinking" && block.signature.as_deref() != Some(SIGNATURE) {
                return Err(format!(
                    "messages.{i}.content.{j}: Invalid `signature` in `thinking` block"
                ));
            }
        }
    }
    let last = request
        .messages
        .iter()
        .enumerate()
        .rev()
        .find(|(_, m)| m.role == "assistant");
    if let Some((
        i,
        Message {
            content: Content::Blocks(blocks),
            ..
        },
    )) = last
        && blocks.iter().any(|b| b.kind == "tool_use")
        && let Some(first) = blocks.first()
        && first.kind != "thinking"
        && first.kind != "redacted_thinking"
    {
        return Err(format!(
            "messages.{i}.content.0.type: Expected `thinking` or `redacted_thinking`, but found `{}`. \
             When `thinking` is enabled, a final `assistant` message must start with a thinking block \
             (preceeding the lastmost set of `tool_use` and `tool_result` blocks).",
            first.kind
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(extra: &str) -> String {
        format!(
            r#"{{"model":"c","max_tokens":9,"thinking":{{"type":"enabled","budget_tokens":1024}}{extra}}}"#
        )
    }

    #[test]
    fn refuses_what_anthropic_refuses() {
        let tool_use = r#"{"type":"tool_use","id":"t","name":"f","input":{}}"#;
        let result = r#"{"role":"user","content":[{"type":"tool_result","tool_use_id":"t"}]}"#;
        let signed = format!(r#"{{"type":"thinking","thinking":"x","signature":"{SIGNATURE}"}}"#);
        let forged = r#"{"type":"thinking","thinking":"x","signature":"forged"}"#;
        let turn = |blocks: &str| {
            format!(
                r#","messages":[{{"role":"user","content":"hi"}},{{"role":"assistant","content":[{blocks}]}},{result}]"#
            )
        };
        assert!(check(with(r#","tool_choice":{"type":"any"}"#).as_bytes()).is_err());
        assert!(check(with(r#","tool_choice":{"type":"auto"}"#).as_bytes()).is_ok());
        assert!(check(with(&turn(tool_use)).as_bytes()).is_err());
        assert!(check(with(&turn(&format!("{forged},{tool_use}"))).as_bytes()).is_err());
        assert!(check(with(&turn(&format!("{signed},{tool_use}"))).as_bytes()).is_ok());
        // Without thinking nothing is checked.
        let plain = format!(r#"{{"model":"c"{}}}"#, turn(tool_use));
        assert!(check(plain.as_bytes()).is_ok());
    }
}
