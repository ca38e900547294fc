//! The fake providers, one folder each (its routes, error shapes, dataset and spec), registered
//! in [`spec`]. This module holds what they share: the spec type the generic parts read (the
//! consent page, token minting, rate limits, endpoints) and the request pipeline (faults,
//! authentication, rate limits).

pub mod airtable;
pub mod hubspot;
pub mod notion;

use std::any::Any;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde_json::Value;

use crate::config::ProviderId;
use crate::faults::{slow_delay, Fault};
use crate::grants::{Bearer, TokenRejection};
use crate::http;
use crate::ratelimit::{ScopedRule, Verdict};
use crate::SandboxState;

/// Which parameters a provider's consent page insists on, and what Deny does.
#[derive(Debug)]
pub(crate) struct ConsentRules {
    pub requires_response_type: bool,
    /// Scopes must be asked for, and known; otherwise `owner=user` is required instead.
    pub requires_scopes: bool,
    pub requires_state: bool,
    pub pkce: PkceRule,
    /// `None`: a denial sends no callback (the user is left on the page).
    pub deny_callback: Option<DenyCallback>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PkceRule {
    /// PKCE parameters are ignored (the provider documents none).
    Ignored,
    /// Verified when sent (S256 only).
    Optional,
    Required,
}

#[derive(Debug)]
pub(crate) struct DenyCallback {
    pub description: Option<&'static str>,
}

/// What a fake provider is, for the parts of the sandbox every provider shares.
pub(crate) struct FakeSpec {
    /// Its routes (some depend on the configuration, such as legacy endpoints).
    pub routes: fn(&SandboxState) -> Router<Arc<SandboxState>>,
    /// The consent page and the token endpoint, relative to the provider's base URL.
    pub authorize_path: &'static str,
    pub token_path: &'static str,
    /// Where a client asks what a token is (RFC 7662), for providers whose token answers do not
    /// name the account.
    pub introspect_path: Option<&'static str>,
    /// Where grants are revoked (the token's own segment appended where the provider puts it
    /// in the path), for providers that revoke.
    pub revoke_path: Option<&'static str>,
    /// Every scope the provider knows; a personal token holds all of them.
    pub scopes: &'static [&'static str],
    pub consent: ConsentRules,
    /// How its access tokens start, as the real ones do.
    pub token_prefix: &'static str,
    /// Refresh replaces both tokens and kills the old pair.
    pub rotates_refresh_token: bool,
    /// Its documented limits: the first counts by the key each request names (its rate-limit
    /// headers describe that one), any other across keys.
    pub rate_rules: &'static [ScopedRule],
    /// The registered client has a secret (`false`: a public client).
    pub client_has_secret: bool,
    pub personal_token: &'static str,
    pub access_token_ttl: Option<Duration>,
    pub unauthorized: fn(&TokenRejection) -> Response,
    /// A 429 in the provider's shape: the wait, and which of its limits refused (its name for it).
    pub rate_limited: fn(&SandboxState, Duration, &str) -> Response,
    pub server_error: fn(StatusCode) -> Response,
    /// Headers the provider adds to every page (its rate-limit headers, say).
    pub decorate_page: fn(&mut HeaderMap, &SandboxState, Option<usize>),
    /// The answer to a request whose listing cursor expired, where the provider has one.
    pub listing_expired: Option<fn() -> Response>,
    /// The provider's own state in a running sandbox (its list iterators, say).
    pub new_state: fn() -> Arc<dyn Any + Send + Sync>,
    /// How the consent page names account `n` (a portal, a user, a workspace).
    pub account_label: fn(&crate::Account, usize) -> String,
    /// Edits, deletes and adds items now (see [`crate::changes`]).
    pub change: fn(&crate::Account, crate::changes::Change) -> crate::changes::Changed,
}

/// The registry: one line per provider.
pub(crate) fn spec(provider: ProviderId) -> &'static FakeSpec {
    match provider {
        ProviderId::Hubspot => &hubspot::SPEC,
        ProviderId::Airtable => &airtable::SPEC,
        ProviderId::Notion => &notion::SPEC,
    }
}

/// For providers that add nothing to a page.
pub(crate) fn plain_page(_headers: &mut HeaderMap, _state: &SandboxState, _remaining: Option<usize>) {}

/// For providers that keep no state of their own.
pub(crate) fn no_state() -> Arc<dyn Any + Send + Sync> {
    Arc::new(())
}

pub(crate) fn router(provider: ProviderId, state: Arc<SandboxState>) -> Router {
    let missing = state.config.missing_endpoints.clone();
    (spec(provider).routes)(&state)
        .merge(crate::consent::routes(provider))
        .layer(axum::middleware::from_fn(remember_path))
        .layer(axum::middleware::from_fn(move |request: axum::extract::Request, next: axum::middleware::Next| {
            let missing = missing.iter().any(|m| request.uri().path() == m.as_str());
            async move {
                if missing {
                    // What a server without the endpoint answers: a bare 404.
                    return StatusCode::NOT_FOUND.into_response();
                }
                next.run(request).await
            }
        }))
        .with_state(state)
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
    spec(provider).scopes
}

/// A request that passed the pipeline, carrying what the handler still has to honour.
pub(crate) struct Admitted {
    pub state: Arc<SandboxState>,
    pub provider: ProviderId,
    pub scopes: Vec<String>,
    /// The account the token is for: whose data the answer holds.
    pub account: usize,
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
        (spec(self.provider).decorate_page)(resp.headers_mut(), &self.state, self.rate_remaining);
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
    admit_to(state, provider, headers, has_cursor, rate_key, None).await
}

/// [`admit`] for an endpoint that may have rate limits of its own (see `Scope::Endpoint`).
pub(crate) async fn admit_to(
    state: &Arc<SandboxState>,
    provider: ProviderId,
    headers: &HeaderMap,
    has_cursor: bool,
    rate_key: Option<&str>,
    endpoint: Option<&str>,
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
    let Bearer { scopes, account } = match state.grants.authenticate(provider, token) {
        Ok(bearer) => bearer,
        Err(rejection) => return Err(unauthorized(provider, &rejection)),
    };

    let mut rate_remaining = None;
    if state.config.rate_limits {
        let key = rate_key.or(token).unwrap_or_default();
        match state.limiter.check(provider, account, key, endpoint) {
            Verdict::Allowed { remaining } => rate_remaining = Some(remaining),
            Verdict::Limited { retry_after, reason } => return Err(rate_limited(state, provider, retry_after, reason)),
        }
    }

    match fault {
        Some(Fault::RateLimited) => {
            let wait = Duration::from_secs(state.config.retry_after_secs);
            Err(rate_limited(state, provider, wait, FAULT_REASON))
        }
        Some(Fault::ServerError { status }) => Err(server_error(provider, status)),
        Some(Fault::RetryAfter { status, value }) if status != 200 => {
            let mut resp = match status {
                429 => rate_limited(state, provider, Duration::from_secs(1), FAULT_REASON),
                s => server_error(provider, s),
            };
            http::set_retry_after(&mut resp, &value);
            Err(resp)
        }
        Some(Fault::ExpiredOffset) if spec(provider).listing_expired.is_some() => {
            Err((spec(provider).listing_expired.expect("checked"))())
        }
        body_fault => Ok(Admitted {
            state: state.clone(),
            provider,
            scopes,
            account,
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
        Fault::RateLimited => Some(rate_limited(state, provider, Duration::from_secs(1), FAULT_REASON)),
        Fault::MalformedJson => Some(http::html(StatusCode::OK, "<html><body>Service temporarily unavailable</body></html>".into())),
        Fault::TruncatedBody => Some(http::truncated(&fake)),
        Fault::OversizedBody { bytes, content_length } => Some(http::oversized(&fake, bytes, content_length)),
        Fault::NoAccessToken => Some(http::json(StatusCode::OK, serde_json::json!({ "token_type": "bearer", "expires_in": 1800 }))),
        _ => None,
    }
}

fn unauthorized(provider: ProviderId, rejection: &TokenRejection) -> Response {
    (spec(provider).unauthorized)(rejection)
}

/// The limit an injected 429 names.
const FAULT_REASON: &str = "injected";

fn rate_limited(state: &SandboxState, provider: ProviderId, retry_after: Duration, reason: &str) -> Response {
    state.counters.get(provider).rate_limited.fetch_add(1, Ordering::Relaxed);
    (spec(provider).rate_limited)(state, retry_after, reason)
}

fn server_error(provider: ProviderId, status: u16) -> Response {
    (spec(provider).server_error)(StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE))
}
