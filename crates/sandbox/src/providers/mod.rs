//! The three fake providers. Each module holds its routes and its own error shapes; this module
//! holds the request pipeline they share: faults, authentication, rate limits.

pub mod airtable;
pub mod hubspot;
pub mod notion;

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Router;
use serde_json::Value;

use crate::config::ProviderId;
use crate::faults::{slow_delay, Fault};
use crate::grants::TokenRejection;
use crate::http;
use crate::ratelimit::Verdict;
use crate::SandboxState;

pub(crate) fn router(provider: ProviderId, state: Arc<SandboxState>) -> Router {
    let routes = match provider {
        ProviderId::Hubspot => hubspot::routes(),
        ProviderId::Airtable => airtable::routes(),
        ProviderId::Notion => notion::routes(),
    };
    routes.merge(crate::consent::routes(provider)).layer(axum::middleware::from_fn(remember_path)).with_state(state)
}

tokio::task_local! {
    /// The path of the request being answered, for faults aimed at one path.
    static REQUEST_PATH: String;
}

async fn remember_path(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let path = request.uri().path().to_string();
    REQUEST_PATH.scope(path, next.run(request)).await
}

/// Every scope the fake provider knows; a personal token holds all of them.
pub fn all_scopes(provider: ProviderId) -> &'static [&'static str] {
    match provider {
        ProviderId::Hubspot => &[
            "oauth",
            "crm.objects.contacts.read",
            "crm.objects.companies.read",
            "crm.objects.deals.read",
            "crm.objects.contacts.write",
        ],
        ProviderId::Airtable => &[
            "data.records:read",
            "data.records:write",
            "data.recordComments:read",
            "schema.bases:read",
            "schema.bases:write",
            "user.email:read",
            "webhook:manage",
        ],
        ProviderId::Notion => &[],
    }
}

/// A request that passed the pipeline, carrying what the handler still has to honour.
pub(crate) struct Admitted {
    pub state: Arc<SandboxState>,
    pub provider: ProviderId,
    pub scopes: Vec<String>,
    /// A fault that changes the body: malformed, truncated, repeated cursor.
    body_fault: Option<Fault>,
    /// HubSpot sends its limit headers on every answer.
    rate_remaining: Option<usize>,
}

impl Admitted {
    /// The next cursor to send: the real one, or what a cursor fault makes of it (the same
    /// cursor again, or a fresh alias of the requested one).
    pub fn next_cursor(&self, requested: Option<&str>, real: impl FnOnce() -> Option<String>) -> Option<String> {
        match (&self.body_fault, requested) {
            (Some(Fault::RepeatCursor), Some(c)) => Some(c.to_string()),
            (Some(Fault::LoopPages), Some(c)) => Some(self.state.alias_cursor(c)),
            _ => real(),
        }
    }

    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }

    /// Sends a successful page, applying any body fault.
    pub fn page(self, mut value: Value) -> Response {
        if self.body_fault == Some(Fault::HostileContent) {
            make_hostile(&mut value);
        }
        self.state.counters.get(self.provider).pages_served.fetch_add(1, Ordering::Relaxed);
        let mut resp = match &self.body_fault {
            Some(Fault::MalformedJson) => http::malformed(&value),
            Some(Fault::TruncatedBody) => http::truncated(&value),
            Some(Fault::OversizedBody { bytes, content_length }) => http::oversized(&value, *bytes, *content_length),
            _ => http::json(StatusCode::OK, value),
        };
        if let Some(Fault::RetryAfter { value, .. }) = &self.body_fault {
            http::set_retry_after(&mut resp, value);
        }
        if self.provider == ProviderId::Hubspot {
            hubspot::rate_headers(resp.headers_mut(), &self.state, self.rate_remaining);
        }
        resp
    }
}

/// The `hostile_content` fault's rewrite of a page (see [`Fault::HostileContent`]).
fn make_hostile(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                match (key.as_str(), &mut *v) {
                    ("url", Value::String(s)) => *s = "javascript:alert(document.cookie)".into(),
                    ("uiDomain", Value::String(s)) => *s = "app.hubspot.com@evil.example".into(),
                    ("title", Value::Array(runs)) => runs.insert(0, Value::from(42)),
                    ("results" | "records", Value::Array(items)) if !items.is_empty() => {
                        items.iter_mut().for_each(make_hostile);
                        let again = items[0].clone();
                        items.push(again);
                    }
                    _ => make_hostile(v),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(make_hostile),
        _ => {}
    }
}

/// Runs the shared pipeline for one API request: fault, authentication, rate limit.
/// `rate_key` is what the provider counts by (portal, base, connection).
pub(crate) async fn admit(
    state: &Arc<SandboxState>,
    provider: ProviderId,
    headers: &HeaderMap,
    has_cursor: bool,
    rate_key: Option<&str>,
) -> Result<Admitted, Response> {
    let counters = state.counters.get(provider);
    counters.api_requests.fetch_add(1, Ordering::Relaxed);
    let path = REQUEST_PATH.try_with(Clone::clone).unwrap_or_default();
    let fault = state.faults.take(provider, &path, has_cursor);
    if fault.is_some() {
        counters.faults_fired.fetch_add(1, Ordering::Relaxed);
    }
    match &fault {
        Some(Fault::RevokeTokens) => state.grants.revoke_all(provider),
        Some(Fault::ExpireAccessTokens) => state.grants.expire_access_tokens(provider),
        Some(f) => {
            if let Some(d) = slow_delay(f) {
                tokio::time::sleep(d).await;
            }
        }
        None => {}
    }

    let token = http::bearer(headers);
    let scopes = match state.grants.authenticate(provider, token) {
        Ok(scopes) => scopes,
        Err(rejection) => return Err(unauthorized(provider, &rejection)),
    };

    let mut rate_remaining = None;
    if state.config.rate_limits {
        let key = rate_key.or(token).unwrap_or_default();
        let verdict = match provider {
            ProviderId::Hubspot => state.limiter.hubspot(key),
            ProviderId::Airtable => state.limiter.airtable(key),
            ProviderId::Notion => state.limiter.notion(key),
        };
        match verdict {
            Verdict::Allowed { remaining } => rate_remaining = Some(remaining),
            Verdict::Limited { retry_after } => return Err(rate_limited(state, provider, retry_after)),
        }
    }

    match fault {
        Some(Fault::RateLimited) => {
            let wait = Duration::from_secs(state.config.notion_retry_after_secs);
            Err(rate_limited(state, provider, wait))
        }
        Some(Fault::ServerError { status }) => Err(server_error(provider, status)),
        Some(Fault::RetryAfter { status, value }) if status != 200 => {
            let mut resp = match status {
                429 => rate_limited(state, provider, Duration::from_secs(1)),
                s => server_error(provider, s),
            };
            http::set_retry_after(&mut resp, &value);
            Err(resp)
        }
        Some(Fault::ExpiredOffset) if provider == ProviderId::Airtable => Err(airtable::iterator_expired()),
        body_fault => Ok(Admitted {
            state: state.clone(),
            provider,
            scopes,
            body_fault: body_fault.filter(|f| {
                matches!(
                    f,
                    Fault::MalformedJson
                        | Fault::TruncatedBody
                        | Fault::RepeatCursor
                        | Fault::LoopPages
                        | Fault::RetryAfter { .. }
                        | Fault::OversizedBody { .. }
                        | Fault::HostileContent
                )
            }),
            rate_remaining,
        }),
    }
}

/// A token-endpoint fault, if one is due: the response to send instead of the real answer
/// (`None` to answer normally, after any delay the fault asks for).
pub(crate) async fn token_fault(state: &SandboxState, provider: ProviderId) -> Option<Response> {
    let fault = state.faults.take_token(provider)?;
    state.counters.get(provider).faults_fired.fetch_add(1, Ordering::Relaxed);
    let fake = serde_json::json!({ "access_token": "sandbox-fault-token", "token_type": "bearer", "expires_in": 1800 });
    match fault {
        Fault::Slow { millis } => {
            tokio::time::sleep(Duration::from_millis(millis)).await;
            None
        }
        Fault::ServerError { status } => Some(server_error(provider, status)),
        Fault::RateLimited => Some(rate_limited(state, provider, Duration::from_secs(1))),
        Fault::MalformedJson => Some(http::html(StatusCode::OK, "<html><body>Service temporarily unavailable</body></html>".into())),
        Fault::TruncatedBody => Some(http::truncated(&fake)),
        Fault::OversizedBody { bytes, content_length } => Some(http::oversized(&fake, bytes, content_length)),
        Fault::NoAccessToken => Some(http::json(StatusCode::OK, serde_json::json!({ "token_type": "bearer", "expires_in": 1800 }))),
        _ => None,
    }
}

fn unauthorized(provider: ProviderId, rejection: &TokenRejection) -> Response {
    match provider {
        ProviderId::Hubspot => hubspot::unauthorized(rejection),
        ProviderId::Airtable => airtable::unauthorized(),
        ProviderId::Notion => notion::error(StatusCode::UNAUTHORIZED, "unauthorized", "API token is invalid."),
    }
}

fn rate_limited(state: &SandboxState, provider: ProviderId, retry_after: Duration) -> Response {
    state.counters.get(provider).rate_limited.fetch_add(1, Ordering::Relaxed);
    match provider {
        ProviderId::Hubspot => hubspot::rate_limited(state),
        ProviderId::Airtable => airtable::rate_limited(),
        ProviderId::Notion => notion::rate_limited(retry_after),
    }
}

fn server_error(provider: ProviderId, status: u16) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    match provider {
        ProviderId::Hubspot => hubspot::error(status, "INTERNAL_ERROR", "Internal error"),
        ProviderId::Airtable => airtable::error(status, "SERVER_ERROR", "Try again. If the problem persists, contact support."),
        ProviderId::Notion => {
            let code = match status.as_u16() {
                502 => "bad_gateway",
                503 => "service_unavailable",
                504 => "gateway_timeout",
                529 => "service_overload",
                _ => "internal_server_error",
            };
            notion::error(status, code, "Notion is unavailable right now; try again later.")
        }
    }
}
