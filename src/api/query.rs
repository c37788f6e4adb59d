//! Empty query parameters (`from=`, a bare `limit`) count as absent on the control
//! plane, the same for every endpoint: they are dropped before the parameters are read.

use poem::Request;
use poem::http::Uri;
use poem::http::uri::PathAndQuery;

/// The request without its empty query parameters (`/v1/*` is left as sent).
pub fn drop_empty_params(mut req: Request) -> Request {
    let uri = req.uri();
    if uri.path().starts_with("/v1/") {
        return req;
    }
    let Some(query) = uri.query() else {
        return req;
    };
    if !query.split('&').any(is_empty) {
        return req;
    }
    let kept: Vec<&str> = query.split('&').filter(|pair| !is_empty(pair)).collect();
    let rebuilt = if kept.is_empty() {
        uri.path().to_string()
    } else {
        format!("{}?{}", uri.path(), kept.join("&"))
    };
    let mut parts = uri.clone().into_parts();
    parts.path_and_query = PathAndQuery::try_from(rebuilt).ok();
    if let Ok(uri) = Uri::from_parts(parts) {
        *req.uri_mut() = uri;
    }
    req
}

/// `name=`, `name` or nothing between two `&`.
fn is_empty(pair: &str) -> bool {
    pair.split_once('=')
        .is_none_or(|(_, value)| value.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query_after(uri: &'static str) -> Option<String> {
        let req = Request::builder().uri(Uri::from_static(uri)).finish();
        drop_empty_params(req).uri().query().map(str::to_string)
    }

    #[test]
    fn empty_parameters_are_dropped_others_kept_as_sent() {
        assert_eq!(
            query_after("/logs?from=&limit=5&to"),
            Some("limit=5".into())
        );
        assert_eq!(
            query_after("/logs?model=a%20b&&x="),
            Some("model=a%20b".into())
        );
        assert_eq!(query_after("/logs?from="), None);
        assert_eq!(query_after("/logs?limit=5"), Some("limit=5".into()));
        assert_eq!(query_after("/v1/models?x="), Some("x=".into()));
    }
}
