//! One authenticated API request, done right: paced, with a fresh token, 429s (and 503s) waited
//! out (Retry-After where sent and sane, the provider's documented wait otherwise, never longer
//! than a cap), transient 5xx and cut-off bodies retried with bounded back-off, one refresh after
//! a 401, a bounded body, and a typed error naming the request for the rest.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::{Bytes, BytesMut};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use url::Url;

use super::pacing::Pacer;
use super::Cancel;
use crate::connection::Connection;
use crate::error::{request_name, scrub, transport_message, Error, Operation, Result};
use crate::provider::{ProviderId, Quirk, Spec};

/// How hard to try before giving up. Defaults follow the providers' documentation.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Retries of a 5xx, a 529 or a cut-off body.
    pub max_transient_retries: u32,
    /// First back-off after a transient failure; doubled each time, with jitter.
    pub transient_backoff: Duration,
    /// Retries of a 429.
    pub max_rate_limit_retries: u32,
    /// The wait after a 429 without a usable Retry-After; `None` takes the provider's
    /// documented one (its spec's `rate_limit_wait`). Tests shorten it.
    pub rate_limit_wait: Option<Duration>,
    /// The longest Retry-After a load waits out; a provider asking for more (a daily limit, a
    /// broken header) ends the load with `RetryAfterTooLong` instead of a wait that looks hung.
    pub max_retry_after: Duration,
    /// The most one response body may be; past it the load fails with `ResponseTooLarge`. A
    /// page of 100 records is tens of kilobytes.
    pub max_body_bytes: usize,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_transient_retries: 4,
            transient_backoff: Duration::from_millis(500),
            max_rate_limit_retries: 8,
            rate_limit_wait: None,
            max_retry_after: Duration::from_secs(120),
            max_body_bytes: 32 * 1024 * 1024,
        }
    }
}

impl RetryPolicy {
    fn rate_wait(&self, provider: ProviderId) -> Duration {
        self.rate_limit_wait.unwrap_or(provider.spec().rate_limit_wait)
    }
}

/// What a request failed with that a listing may want to handle itself.
pub(crate) enum ApiFailure {
    /// The listing's cursor expired server-side (the provider's `classify` says so): restart it.
    IteratorExpired,
    Fatal(Error),
}

impl ApiFailure {
    /// For listings whose cursors never expire: the failure as an error.
    pub fn into_error(self, provider: ProviderId) -> Error {
        match self {
            ApiFailure::Fatal(e) => e,
            ApiFailure::IteratorExpired => {
                Error::UnexpectedShape { provider, request: None, message: "a list-iterator error from a listing that has none".into() }
            }
        }
    }
}

impl From<Error> for ApiFailure {
    fn from(e: Error) -> Self {
        ApiFailure::Fatal(e)
    }
}

/// Why a body could not be read.
pub(crate) enum BodyFailure {
    TooLarge,
    CutOff(reqwest::Error),
}

/// Reads a body of at most `limit` bytes: a Content-Length past it is refused before reading,
/// a body without one is counted as it arrives. One chunk (the usual case) is kept as is.
pub(crate) async fn read_body(response: &mut reqwest::Response, limit: usize) -> std::result::Result<Bytes, BodyFailure> {
    if response.content_length().is_some_and(|n| n > limit as u64) {
        return Err(BodyFailure::TooLarge);
    }
    let mut first: Option<Bytes> = None;
    let mut rest: Option<BytesMut> = None;
    while let Some(chunk) = response.chunk().await.map_err(BodyFailure::CutOff)? {
        let so_far = rest.as_ref().map_or(first.as_ref().map_or(0, Bytes::len), BytesMut::len);
        if so_far + chunk.len() > limit {
            return Err(BodyFailure::TooLarge);
        }
        match (&mut first, &mut rest) {
            (None, _) => first = Some(chunk),
            (Some(head), None) => {
                let mut buf = BytesMut::with_capacity((head.len() + chunk.len()) * 2);
                buf.extend_from_slice(head);
                buf.extend_from_slice(&chunk);
                rest = Some(buf);
            }
            (Some(_), Some(buf)) => buf.extend_from_slice(&chunk),
        }
    }
    Ok(match rest {
        Some(buf) => buf.freeze(),
        None => first.unwrap_or_default(),
    })
}

/// A successful answer's body, unparsed, and the request it answered (for errors).
pub(crate) struct Fetched {
    pub body: Bytes,
    pub request: Arc<str>,
}

pub(crate) struct Api {
    pub connection: Arc<Connection>,
    pub http: reqwest::Client,
    pub pacer: Arc<Pacer>,
    pub retry: RetryPolicy,
    pub cancel: Cancel,
}

impl Api {
    pub fn provider(&self) -> ProviderId {
        self.connection.provider()
    }

    /// The API base with `segments` appended, each percent-encoded as one path segment: an
    /// id from a provider (`appX/../tbl`, `a?b`) can never change the path or add a query.
    pub fn url(&self, segments: &[&str]) -> Url {
        crate::links::with_segments(&self.connection.settings().api_base, segments)
    }

    /// Sends a request and parses the answer as a JSON value (for small, one-off answers).
    pub async fn call(&self, method: Method, url: Url, body: Option<&Value>, rate_key: &str) -> std::result::Result<Value, ApiFailure> {
        let fetched = self.call_raw(method, url, body, rate_key).await?;
        Ok(self.parse(&fetched)?)
    }

    /// Parses a successful answer into `T`; a body that does not fit is a typed error naming
    /// the request.
    pub fn parse<'a, T: serde::Deserialize<'a>>(&self, fetched: &'a Fetched) -> Result<T> {
        super::parse_page(self.provider(), &fetched.body).map_err(|e| e.in_request(&fetched.request))
    }

    /// The next page's cursor as the provider's cursor style says; an unreadable page is a
    /// typed error naming its request.
    pub fn next_cursor(&self, style: &crate::load::cursor::CursorStyle, fetched: &Fetched) -> Result<Option<String>> {
        style.next_cursor(&fetched.body).map_err(|e| e.into_error(self.provider()).in_request(&fetched.request))
    }

    /// Sends a request (JSON body optional) and returns the successful answer's body, unparsed,
    /// so pages can be read into borrowed, typed structures without a copy.
    pub async fn call_raw(&self, method: Method, url: Url, body: Option<&Value>, rate_key: &str) -> std::result::Result<Fetched, ApiFailure> {
        let provider = self.provider();
        let request = request_name(&method, &url);
        let cancelled = || ApiFailure::Fatal(Error::Cancelled(Operation::Load));
        let (mut transient, mut limited, mut refreshed) = (0u32, 0u32, false);
        loop {
            self.cancel.check()?;
            let place = tokio::select! {
                place = self.pacer.acquire(rate_key) => place,
                _ = self.cancel.cancelled() => return Err(cancelled()),
            };
            let token = self.connection.access_token().await?;
            let mut req = self.http.request(method.clone(), url.clone()).bearer_auth(token.expose());
            for (k, v) in self.connection.settings().headers() {
                req = req.header(k, v);
            }
            if let Some(b) = body {
                req = req.json(b);
            }
            let sent = tokio::select! {
                r = req.send() => r,
                _ = self.cancel.cancelled() => return Err(cancelled()),
            };
            // The answer's head is in, so the provider has counted the request: its time in the
            // pacing window starts now.
            drop(place);
            let mut response = match sent {
                Ok(r) => r,
                Err(e) => {
                    let message = transport_message(e, &[token.expose()]);
                    self.back_off(&mut transient, None, || Error::Network { provider, request: request.clone(), message: message.clone() }).await?;
                    continue;
                }
            };
            let status = response.status();
            // A body cut short is transport trouble: retry it like a 5xx.
            let bytes = match read_body(&mut response, self.retry.max_body_bytes).await {
                Ok(b) => b,
                Err(BodyFailure::TooLarge) => {
                    return Err(Error::ResponseTooLarge { provider, request, limit: self.retry.max_body_bytes }.into())
                }
                Err(BodyFailure::CutOff(e)) => {
                    let message = format!("the response was cut off ({})", transport_message(e, &[token.expose()]));
                    self.back_off(&mut transient, None, || Error::Network { provider, request: request.clone(), message: message.clone() }).await?;
                    continue;
                }
            };
            if status.is_success() {
                return Ok(Fetched { body: bytes, request: request.into() });
            }
            let body: Option<Value> = serde_json::from_slice(&bytes).ok();
            let message = error_message(provider.spec().error_paths, body.as_ref()).unwrap_or_default();
            let message = scrub(&message, &[token.expose()]);
            // Retry-After only means something on a 429, a 503 or a 529 (overloaded).
            let retry_after = || {
                let value = response.headers().get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
                let asked = super::retry_after::parse(value, SystemTime::now());
                if asked.is_none() {
                    tracing::debug!(provider = provider.as_str(), "ignoring a Retry-After that HTTP does not allow");
                }
                asked
            };
            match status {
                StatusCode::UNAUTHORIZED if !refreshed => {
                    refreshed = true;
                    match self.connection.refresh_after_unauthorized(&token).await {
                        Ok(_) => continue,
                        Err(Error::ReconnectNeeded { .. }) => return Err(Error::ReconnectNeeded { provider }.into()),
                        Err(e) => return Err(e.into()),
                    }
                }
                StatusCode::UNAUTHORIZED => return Err(Error::ReconnectNeeded { provider }.into()),
                StatusCode::TOO_MANY_REQUESTS => {
                    limited += 1;
                    if limited > self.retry.max_rate_limit_retries {
                        return Err(Error::RateLimited { provider, request, attempts: limited }.into());
                    }
                    let wait = self.capped(retry_after(), &request, status)?.unwrap_or(self.retry.rate_wait(provider));
                    let reason = error_message(provider.spec().rate_limit_reason, body.as_ref());
                    tracing::debug!(provider = provider.as_str(), wait_ms = wait.as_millis() as u64, reason = reason.as_deref(), "rate limited; waiting");
                    // The wait is for every request counted under this key, not only this one.
                    self.pacer.hold(rate_key, wait);
                    self.sleep(wait).await?;
                }
                s if (provider.spec().classify)(s.as_u16(), body.as_ref()) == Some(Quirk::ListingExpired) => {
                    return Err(ApiFailure::IteratorExpired);
                }
                s if s.is_server_error() || s.as_u16() == 529 => {
                    let code = s.as_u16();
                    let asked = if matches!(code, 503 | 529) { self.capped(retry_after(), &request, status)? } else { None };
                    self.back_off(&mut transient, asked, || Error::Provider { provider, request: request.clone(), status: code, message: message.clone() }).await?;
                }
                s => return Err(Error::Provider { provider, request, status: s.as_u16(), message }.into()),
            }
        }
    }

    /// A requested wait within the cap, or the error saying the provider asked for longer.
    fn capped(&self, asked: Option<Duration>, request: &str, status: StatusCode) -> Result<Option<Duration>> {
        match asked {
            Some(asked) if asked > self.retry.max_retry_after => Err(Error::RetryAfterTooLong {
                provider: self.provider(),
                request: request.to_string(),
                status: status.as_u16(),
                asked,
                cap: self.retry.max_retry_after,
            }),
            other => Ok(other),
        }
    }

    /// Waits before a transient retry (`asked`, when the provider said how long, else a jittered
    /// exponential back-off), or gives up with `error()` when retries are spent.
    async fn back_off(&self, attempt: &mut u32, asked: Option<Duration>, error: impl Fn() -> Error) -> std::result::Result<(), ApiFailure> {
        *attempt += 1;
        if *attempt > self.retry.max_transient_retries {
            return Err(error().into());
        }
        let wait = asked.unwrap_or_else(|| {
            let base = self.retry.transient_backoff * 2u32.pow(*attempt - 1);
            base + base.mul_f64(rand::random::<f64>() * 0.25)
        });
        tracing::debug!(provider = self.provider().as_str(), attempt = *attempt, "transient failure; retrying");
        self.sleep(wait).await.map_err(ApiFailure::Fatal)
    }

    async fn sleep(&self, d: Duration) -> Result<()> {
        tokio::select! {
            _ = tokio::time::sleep(d) => Ok(()),
            _ = self.cancel.cancelled() => Err(Error::Cancelled(Operation::Load)),
        }
    }
}

/// The human part of an error body: the first of the provider's `error_paths` (JSON pointers)
/// that holds a string.
fn error_message(paths: &[&str], body: Option<&Value>) -> Option<String> {
    let body = body?;
    paths.iter().find_map(|p| body.pointer(p)?.as_str().map(String::from))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_the_first_error_path_that_holds_a_string() {
        let paths = ["/message", "/error/message", "/errors/0/message", "/error", "/error/type"];
        assert_eq!(error_message(&paths, Some(&json!({"status": "error", "message": "m1"}))).as_deref(), Some("m1"));
        assert_eq!(error_message(&paths, Some(&json!({"error": {"type": "T", "message": "m2"}}))).as_deref(), Some("m2"));
        assert_eq!(error_message(&paths, Some(&json!({"errors": [{"error": "RATE", "message": "m3"}]}))).as_deref(), Some("m3"));
        assert_eq!(error_message(&paths, Some(&json!({"error": "NOT_FOUND"}))).as_deref(), Some("NOT_FOUND"));
        assert_eq!(error_message(&paths, Some(&json!({"error": {"type": "X"}}))).as_deref(), Some("X"));
        assert_eq!(error_message(&paths, None), None);
    }
}
