//! `KeyList`: keys as a JSON list or as one pasted text. A hand-written schema, because
//! poem-openapi's `Union` derive declares every union `type: object`, which a string
//! or an array does not satisfy.

use std::borrow::Cow;

use poem_openapi::registry::{MetaSchema, MetaSchemaRef, Registry};
use poem_openapi::types::{ParseError, ParseFromJSON, ParseResult, ToJSON, Type};
use serde_json::Value;

/// Keys as a list of strings, or as one pasted text.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(untagged)]
pub enum KeyList {
    List(Vec<String>),
    Text(String),
}

const NAME: &str = "KeyList";

impl Type for KeyList {
    const IS_REQUIRED: bool = true;
    type RawValueType = Self;
    type RawElementValueType = Self;

    fn name() -> Cow<'static, str> {
        Cow::Borrowed(NAME)
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Reference(NAME.to_string())
    }

    fn register(registry: &mut Registry) {
        registry.create_schema::<Self, _>(NAME.to_string(), |registry| {
            <Vec<String> as Type>::register(registry);
            MetaSchema {
                description: Some(
                    "Keys as a list of strings, or as one text with the keys separated by \
                     commas, semicolons, spaces or newlines.",
                ),
                one_of: vec![
                    <Vec<String> as Type>::schema_ref(),
                    <String as Type>::schema_ref(),
                ],
                ..MetaSchema::ANY
            }
        });
    }

    fn as_raw_value(&self) -> Option<&Self> {
        Some(self)
    }

    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a Self> + 'a> {
        Box::new(self.as_raw_value().into_iter())
    }
}

impl ParseFromJSON for KeyList {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        let value = value.unwrap_or_default();
        serde_json::from_value(value.clone()).map_err(|_| ParseError::expected_type(value))
    }
}

impl ToJSON for KeyList {
    fn to_json(&self) -> Option<Value> {
        match self {
            KeyList::List(keys) => keys.to_json(),
            KeyList::Text(text) => text.to_json(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_list_or_a_text_and_nothing_else() {
        let parse = |v: Value| KeyList::parse_from_json(Some(v)).ok();
        assert_eq!(
            parse(serde_json::json!(["a", "b"])),
            Some(KeyList::List(vec!["a".into(), "b".into()]))
        );
        assert_eq!(
            parse(serde_json::json!("a b")),
            Some(KeyList::Text("a b".into()))
        );
        assert_eq!(parse(serde_json::json!(12)), None);
        assert_eq!(parse(serde_json::json!([1])), None);
        assert_eq!(parse(serde_json::json!({"k": "a"})), None);
    }
}
