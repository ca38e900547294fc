//! Small response helpers shared by the fake providers.

use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures::StreamExt;
use serde_json::Value;

pub fn json(status: StatusCode, value: Value) -> Response {
    (status, axum::Json(value)).into_response()
}

pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim()).filter(|t| !t.is_empty())
}

/// `Authorization: Basic` credentials as (id, secret).
pub fn basic(headers: &HeaderMap) -> Option<(String, String)> {
    use base64::Engine;
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, b64) = v.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let raw = base64::engine::general_purpose::STANDARD.decode(b64.trim()).ok()?;
    let (id, secret) = std::str::from_utf8(&raw).ok()?.split_once(':')?;
    Some((id.to_string(), secret.to_string()))
}

/// A 200 whose body is cut off: Content-Length promises the whole body, half arrives, then the
/// connection closes.
pub fn truncated(value: &Value) -> Response {
    let full = serde_json::to_vec(value).unwrap_or_default();
    let half = Bytes::copy_from_slice(&full[..full.len() / 2]);
    // The pause lets the server flush the status line, headers and first half before failing.
    let stream = futures::stream::once(async move { Ok::<_, std::io::Error>(half) }).chain(futures::stream::once(async {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        Err(std::io::Error::other("sandbox fault: truncated body"))
    }));
    let mut resp = Response::new(Body::from_stream(stream));
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    resp.headers_mut().insert(header::CONTENT_LENGTH, HeaderValue::from(full.len()));
    resp
}

/// A 200 whose body is the page followed by spaces up to `bytes`, sent in 64 KiB chunks, with
/// or without a Content-Length announcing it.
pub fn oversized(value: &Value, bytes: u64, content_length: bool) -> Response {
    let head = Bytes::from(serde_json::to_vec(value).unwrap_or_default());
    let total = bytes.max(head.len() as u64);
    let pad = total - head.len() as u64;
    let chunk = Bytes::from(vec![b' '; 64 * 1024]);
    let chunks = (0..pad.div_ceil(chunk.len() as u64)).map(move |i| {
        let left = pad - i * chunk.len() as u64;
        Ok::<_, std::io::Error>(chunk.slice(..(left.min(chunk.len() as u64)) as usize))
    });
    let stream = futures::stream::iter(std::iter::once(Ok(head)).chain(chunks));
    let mut resp = Response::new(Body::from_stream(stream));
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if content_length {
        resp.headers_mut().insert(header::CONTENT_LENGTH, HeaderValue::from(total));
    }
    resp
}

/// Sets `Retry-After` to exactly `value` (a fault may ask for one HTTP does not allow).
pub fn set_retry_after(resp: &mut Response, value: &str) {
    match HeaderValue::from_str(value) {
        Ok(v) => {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        Err(_) => tracing::warn!("sandbox: a Retry-After value that cannot be a header"),
    }
}

/// A 200 labelled JSON whose body is not JSON: the start of the real body, then an HTML error
/// page, as a misbehaving proxy produces.
pub fn malformed(value: &Value) -> Response {
    let full = serde_json::to_string(value).unwrap_or_default();
    let cut = full.char_indices().nth(full.chars().count() * 2 / 5).map_or(0, |(i, _)| i);
    let body = format!("{}<html><body>upstream reset</body></html>", &full[..cut]);
    let mut resp = Response::new(Body::from(body));
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    resp
}

pub fn html(status: StatusCode, body: String) -> Response {
    (status, axum::response::Html(body)).into_response()
}

pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

pub fn unescape_html(s: &str) -> String {
    s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'").replace("&amp;", "&")
}

pub fn request_id() -> String {
    let h = crate::grants::random_token(32).to_ascii_lowercase();
    format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}
