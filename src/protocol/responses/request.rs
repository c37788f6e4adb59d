//! The Responses API request as typed serde structs: every top-level field the API
//! documents (unknown ones are refused), input items and content parts dispatched on
//! their `type`, so the translators never guess at missing values.

use serde::de::{self, Deserializer, IgnoredAny, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `POST /v1/responses` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResponsesRequest {
    pub model: String,
    #[serde(default)]
    pub input: Option<Input>,
    #[serde(default)]
    pub instructions: Option<String>,
    #[serde(default)]
    pub tools: Option<Vec<Tool>>,
    #[serde(default)]
    pub tool_choice: Option<ToolChoice>,
    #[serde(default)]
    pub parallel_tool_calls: Option<bool>,
    #[serde(default)]
    pub reasoning: Option<Reasoning>,
    #[serde(default)]
    pub max_output_tokens: Option<u64>,
    #[serde(default)]
    pub text: Option<TextConfig>,
    #[serde(default)]
    pub temperature: Option<f64>,
    #[serde(default)]
    pub top_p: Option<f64>,
    #[serde(default)]
    pub stream: Option<bool>,
    #[serde(default)]
    pub store: Option<bool>,
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub safety_identifier: Option<String>,
    /// Server-side state and server features: refused when translating.
    #[serde(default)]
    pub previous_response_id: Option<String>,
    #[serde(default)]
    pub conversation: Option<IgnoredAny>,
    #[serde(default)]
    pub background: Option<bool>,
    #[serde(default)]
    pub prompt: Option<IgnoredAny>,
    /// Accepted and not forwarded (nothing is stored; encrypted reasoning is always
    /// returned when the upstream signs its thinking).
    #[serde(default)]
    pub include: Option<IgnoredAny>,
    #[serde(default)]
    pub metadata: Option<IgnoredAny>,
    #[serde(default)]
    pub prompt_cache_key: Option<IgnoredAny>,
    #[serde(default)]
    pub prompt_cache_retention: Option<IgnoredAny>,
    #[serde(default)]
    pub service_tier: Option<IgnoredAny>,
    #[serde(default)]
    pub truncation: Option<IgnoredAny>,
    #[serde(default)]
    pub top_logprobs: Option<IgnoredAny>,
    #[serde(default)]
    pub max_tool_calls: Option<IgnoredAny>,
    #[serde(default)]
    pub stream_options: Option<IgnoredAny>,
}

/// `input`: a string (one user message) or a list of items.
#[derive(Debug)]
pub enum Input {
    Text(String),
    Items(Vec<InputItem>),
}

/// One input item, by its `type` (a message when it has none).
#[derive(Debug)]
pub enum InputItem {
    Message(MessageItem),
    FunctionCall(FunctionCall),
    FunctionCallOutput(FunctionCallOutput),
    Reasoning(ReasoningItem),
    /// `item_reference`: an item stored by the server.
    Reference,
    /// Any other item type (hosted tool calls and their outputs).
    Other(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    User,
    Assistant,
    System,
    Developer,
}

#[derive(Debug, Deserialize)]
pub struct MessageItem {
    pub role: Role,
    #[serde(deserialize_with = "text_or_parts")]
    pub content: Vec<ContentPart>,
}

/// A content part of a message or a function call output.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ContentPart {
    InputText {
        text: String,
    },
    OutputText {
        text: String,
    },
    Refusal {
        refusal: String,
    },
    InputImage {
        #[serde(default)]
        image_url: Option<String>,
        #[serde(default)]
        file_id: Option<String>,
        #[serde(default)]
        detail: Option<String>,
    },
    /// `input_file`, `input_audio` and anything newer.
    #[serde(other)]
    Unsupported,
}

#[derive(Debug, Deserialize)]
pub struct FunctionCall {
    pub call_id: String,
    pub name: String,
    pub arguments: String,
}

#[derive(Debug, Deserialize)]
pub struct FunctionCallOutput {
    pub call_id: String,
    #[serde(deserialize_with = "text_or_parts")]
    pub output: Vec<ContentPart>,
}

#[derive(Debug, Deserialize)]
pub struct ReasoningItem {
    #[serde(default)]
    pub summary: Vec<TextPart>,
    #[serde(default)]
    pub content: Option<Vec<TextPart>>,
    #[serde(default)]
    pub encrypted_content: Option<String>,
}

/// `summary_text` / `reasoning_text` parts.
#[derive(Debug, Deserialize)]
pub struct TextPart {
    pub text: String,
}

/// A tool definition: function tools are translated, hosted tools are not.
#[derive(Debug)]
pub enum Tool {
    Function(FunctionTool),
    Hosted(String),
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct FunctionTool {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strict: Option<bool>,
}

/// `"auto" | "none" | "required"` or `{"type": ..., "name"?}`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(untagged)]
pub enum ToolChoice {
    Mode(String),
    Object {
        #[serde(rename = "type")]
        kind: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
    },
}

#[derive(Debug, Default, Deserialize)]
pub struct Reasoning {
    #[serde(default)]
    pub effort: Option<String>,
    #[serde(default)]
    pub summary: Option<IgnoredAny>,
    #[serde(default)]
    pub generate_summary: Option<IgnoredAny>,
}

#[derive(Debug, Default, Deserialize)]
pub struct TextConfig {
    #[serde(default)]
    pub format: Option<TextFormat>,
    #[serde(default)]
    pub verbosity: Option<IgnoredAny>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TextFormat {
    Text,
    JsonObject,
    JsonSchema {
        name: String,
        schema: Value,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        description: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        strict: Option<bool>,
    },
}

/// A string (one `input_text` part) or a list of parts, keeping serde's error detail.
fn text_or_parts<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<ContentPart>, D::Error> {
    struct Parts;
    impl<'de> Visitor<'de> for Parts {
        type Value = Vec<ContentPart>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a string or a list of content parts")
        }
        fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
            Ok(vec![ContentPart::InputText { text: text.into() }])
        }
        fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
            Deserialize::deserialize(de::value::SeqAccessDeserializer::new(seq))
        }
    }
    d.deserialize_any(Parts)
}

impl<'de> Deserialize<'de> for Input {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Items;
        impl<'de> Visitor<'de> for Items {
            type Value = Input;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string or a list of input items")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Input, E> {
                Ok(Input::Text(text.into()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Input, A::Error> {
                Deserialize::deserialize(de::value::SeqAccessDeserializer::new(seq))
                    .map(Input::Items)
            }
        }
        d.deserialize_any(Items)
    }
}

/// The `type` of an item or tool object (`None` when absent).
fn kind_of<E: de::Error>(value: &Value) -> Result<Option<&str>, E> {
    match value.get("type") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(kind)) => Ok(Some(kind)),
        Some(_) => Err(E::custom("`type` must be a string")),
    }
}

fn typed<'a, T: Deserialize<'a>, E: de::Error>(value: &'a Value) -> Result<T, E> {
    T::deserialize(value).map_err(E::custom)
}

impl<'de> Deserialize<'de> for InputItem {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(d)?;
        Ok(match kind_of(&value)?.unwrap_or("message") {
            "message" => InputItem::Message(typed(&value)?),
            "function_call" => InputItem::FunctionCall(typed(&value)?),
            "function_call_output" => InputItem::FunctionCallOutput(typed(&value)?),
            "reasoning" => InputItem::Reasoning(typed(&value)?),
            "item_reference" => InputItem::Reference,
            other => InputItem::Other(other.to_string()),
        })
    }
}

impl<'de> Deserialize<'de> for Tool {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(d)?;
        match kind_of(&value)? {
            Some("function") => Ok(Tool::Function(typed(&value)?)),
            Some(other) => Ok(Tool::Hosted(other.to_string())),
            None => Err(de::Error::custom("every tool needs a `type`")),
        }
    }
}
