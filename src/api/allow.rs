//! The `Allow` header of a 405 answer: the methods the OpenAPI document lists for the
//! path that was asked with another method.

use std::sync::LazyLock;

/// Path templates split into segments (`{name}` matches any one segment), with the
/// methods allowed on them as an `Allow` value (`GET, POST`).
static ROUTES: LazyLock<Vec<(Vec<String>, String)>> = LazyLock::new(|| {
    const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch"];
    let document: serde_json::Value =
        serde_json::from_str(&super::service().spec()).unwrap_or_default();
    let Some(paths) = document["paths"].as_object() else {
        return Vec::new();
    };
    paths
        .iter()
        .map(|(template, operations)| {
            let methods: Vec<String> = METHODS
                .iter()
                .filter(|m| operations.get(**m).is_some())
                .map(|m| m.to_ascii_uppercase())
                .collect();
            let segments = template.split('/').map(str::to_string).collect();
            (segments, methods.join(", "))
        })
        .collect()
});

/// The methods allowed on `path` (the template with the most literal segments wins,
/// as in routing), or `None` for a path the document does not list.
pub fn allowed_methods(path: &str) -> Option<&'static str> {
    let segments: Vec<&str> = path.split('/').collect();
    ROUTES
        .iter()
        .filter_map(|(template, methods)| {
            if template.len() != segments.len() {
                return None;
            }
            let mut literals = 0;
            for (part, segment) in template.iter().zip(&segments) {
                if part.starts_with('{') && part.ends_with('}') && !segment.is_empty() {
                    continue;
                }
                if part != segment {
                    return None;
                }
                literals += 1;
            }
            Some((literals, methods.as_str()))
        })
        .max_by_key(|(literals, _)| *literals)
        .map(|(_, methods)| methods)
}

#[cfg(test)]
mod tests {
    use super::allowed_methods;

    #[test]
    fn methods_of_documented_paths() {
        assert_eq!(allowed_methods("/providers"), Some("GET, POST"));
        assert_eq!(
            allowed_methods("/providers/openai"),
            Some("GET, PUT, DELETE")
        );
        assert_eq!(allowed_methods("/v1/chat/completions"), Some("POST"));
        assert_eq!(allowed_methods("/no/such/path"), None);
        assert_eq!(allowed_methods("/providers/"), None);
    }
}
