//! The OpenAPI document as served and committed: poem-openapi's output with the few
//! touches generated clients need (plain `$ref`s, an explicit `security` on every
//! operation).

use serde_json::{Map, Value};

/// The OpenAPI document as pretty JSON (what `gateway openapi` prints and
/// `/openapi.json` serves).
pub fn openapi_json() -> String {
    let spec = super::service().spec();
    match serde_json::from_str::<Value>(&spec) {
        Ok(mut doc) => {
            plain_refs(&mut doc);
            public_operations(&mut doc);
            serde_json::to_string_pretty(&doc).unwrap_or(spec)
        }
        Err(_) => spec,
    }
}

/// poem-openapi documents a described field of a named type as
/// `allOf: [{$ref}, {description}]` with the description repeated beside it; SDK
/// generators (openapi-python-client) reject the second member, so it becomes
/// `allOf: [{$ref}]` with the description beside it.
fn plain_refs(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if let Some(reference) = repeated_ref(map) {
                map.insert(
                    "allOf".to_string(),
                    Value::Array(vec![Value::Object(reference)]),
                );
            }
            map.values_mut().for_each(plain_refs);
        }
        Value::Array(items) => items.iter_mut().for_each(plain_refs),
        _ => {}
    }
}

/// The `{$ref}` of `allOf: [{$ref}, {...}]` when the second member only repeats keys
/// the schema itself has.
fn repeated_ref(map: &Map<String, Value>) -> Option<Map<String, Value>> {
    let [reference, extra] = map.get("allOf")?.as_array()?.as_slice() else {
        return None;
    };
    let reference = reference.as_object().filter(|r| r.contains_key("$ref"))?;
    let repeated = extra
        .as_object()?
        .iter()
        .all(|(key, value)| map.get(key) == Some(value));
    repeated.then(|| reference.clone())
}

/// Operations without a security requirement (health, readiness, login) say so with
/// `security: []`, so clients and linters know they need no session.
fn public_operations(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for operation in paths
        .values_mut()
        .filter_map(Value::as_object_mut)
        .flat_map(|item| item.values_mut())
        .filter_map(Value::as_object_mut)
    {
        operation
            .entry("security")
            .or_insert_with(|| Value::Array(Vec::new()));
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde_json::Value;

    fn document() -> Value {
        serde_json::from_str(&super::openapi_json()).unwrap_or_default()
    }

    /// Names of the schemas `value` refers to.
    fn refs(value: &Value, found: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(target)) = map.get("$ref") {
                    found.push(target.trim_start_matches("#/components/schemas/").into());
                }
                map.values().for_each(|v| refs(v, found));
            }
            Value::Array(items) => items.iter().for_each(|v| refs(v, found)),
            _ => {}
        }
    }

    /// Every schema an answer can contain, directly or nested.
    fn response_schemas(doc: &Value) -> BTreeSet<String> {
        let mut queue = Vec::new();
        for item in doc["paths"]
            .as_object()
            .into_iter()
            .flat_map(|p| p.values())
        {
            for operation in item.as_object().into_iter().flat_map(|o| o.values()) {
                refs(&operation["responses"], &mut queue);
            }
        }
        let mut seen = BTreeSet::new();
        while let Some(name) = queue.pop() {
            if seen.insert(name.clone()) {
                refs(&doc["components"]["schemas"][&name], &mut queue);
            }
        }
        seen
    }

    #[test]
    fn every_optional_answer_field_is_nullable() {
        let doc = document();
        let schemas = response_schemas(&doc);
        assert!(schemas.contains("RequestLog") && schemas.contains("ErrorDetail"));
        assert!(schemas.contains("AnthropicErrorBody"));
        let mut not_nullable = Vec::new();
        for name in &schemas {
            let schema = &doc["components"]["schemas"][name];
            let required: Vec<&Value> = schema["required"]
                .as_array()
                .into_iter()
                .flatten()
                .collect();
            for (field, property) in schema["properties"].as_object().into_iter().flatten() {
                let optional = !required.contains(&&Value::String(field.clone()));
                if optional && property["nullable"] != Value::Bool(true) {
                    not_nullable.push(format!("{name}.{field}"));
                }
            }
        }
        assert_eq!(not_nullable, Vec::<String>::new());
        let param = &doc["components"]["schemas"]["ErrorDetail"]["properties"]["param"];
        assert_eq!(param["nullable"], Value::Bool(true));
    }

    #[test]
    fn every_operation_declares_security_and_servers_are_set() {
        let doc = document();
        assert_eq!(doc["servers"][0]["url"], "/");
        let mut public = Vec::new();
        for (path, item) in doc["paths"].as_object().into_iter().flatten() {
            for (method, operation) in item.as_object().into_iter().flatten() {
                let security = operation["security"].as_array();
                assert!(security.is_some(), "{method} {path} declares no security");
                if security.is_some_and(Vec::is_empty) {
                    public.push(format!("{method} {path}"));
                }
            }
        }
        assert_eq!(public, ["post /auth/login", "get /health", "get /ready"]);
    }

    #[test]
    fn described_references_are_plain() {
        let doc = document();
        let role = &doc["components"]["schemas"]["NewUserInput"]["properties"]["role"];
        assert_eq!(role["allOf"][0]["$ref"], "#/components/schemas/Role");
        assert_eq!(role["allOf"].as_array().map(Vec::len), Some(1));
        assert_eq!(role["description"], "Default `user`.");
    }
}
