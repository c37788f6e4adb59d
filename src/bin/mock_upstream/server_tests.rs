//! Tests of request routing and key parsing.

use poem::http::header::HeaderName;

use super::*;
use crate::credentials::bearer;

fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
    pairs
        .iter()
        .map(|&(name, value)| {
            (
                HeaderName::from_static(name),
                HeaderValue::from_static(value),
            )
        })
        .collect()
}

#[test]
fn bearer_parsing() {
    assert_eq!(
        bearer(&headers(&[("authorization", "Bearer sk-1")])),
        Some(&b"sk-1"[..])
    );
    assert_eq!(
        bearer(&headers(&[("authorization", "bearer  k ")])),
        Some(&b"k"[..])
    );
    assert_eq!(bearer(&headers(&[("authorization", "Basic abc")])), None);
    assert_eq!(bearer(&headers(&[])), None);
}

#[test]
fn routes_by_method_and_path() {
    let messages = Route::find(&Method::POST, "/v1/messages");
    assert!(Route::find(&Method::GET, "/v1/models") == Some(Route::Models));
    assert!(Route::find(&Method::POST, "/v1/models").is_none());
    assert!(messages == Some(Route::Post(Api::Messages)));
    assert!(messages.map(Route::dialect) == Some(Dialect::Anthropic));
    assert!(Route::find(&Method::POST, "/chat/completions").is_none());
}
