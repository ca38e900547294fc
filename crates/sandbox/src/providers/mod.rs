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

use crate::config::Provider;
use crate::faults::{slow_delay, Fault};
use crate::grants::TokenRejection;
use crate::http;
use crate::ratelimit::Verdict;
use crate::SandboxState;

pub(crate) fn router(provider: Provider, state: Arc<SandboxState>) -> Router {
    let routes = match provider {
        Provider::Hubspot => hubspot::routes(),
        Provider::Airtable => airtable::routes(),
        Provider::Notion => notion::routes(),
    };
    routes.merge(crate::consent::routes(provider)).with_state(state)
}

/// Every scope the fake provider knows; a personal token holds all of them.
pub fn all_scopes(provider: Provider) -> &'static [&'static str] {
    match provider {
        Provider::Hubspot => &[
            "oauth",
            "crm.objects.contacts.read",
            "crm.objects.companies.read",
            "crm.objects.deals.read",
            "crm.objects.contacts.write",
        ],
        Provider::Airtable => &[
            "data.records:read",
            "data.records:write",
            "data.recordComments:read",
            "schema.bases:read",
            "schema.bases:write",
            "user.email:read",
            "webhook:manage",
        ],
        Provider::Notion => &[],
    }
}

/// A request that passed the pipeline, carrying what the handler still has to honour.
pub(crate) struct Admitted {
    pub state: Arc<SandboxState>,
    pub provider: Provider,
    pub scopes: Vec<String>,
    /// A fault that changes the body: malformed, truncated, repeated cursor.
    body_fault: Option<Fault>,
    /// HubSpot sends its limit headers on every answer.
    rate_remaining: Option<usize>,
}

impl Admitted {
    pub fn repeat_cursor(&self) -> bool {
        self.body_fault == Some(Fault::RepeatCursor)
    }

    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }

    /// Sends a successful page, applying any body fault.
    pub fn page(self, value: Value) -> Response {
        self.state.counters.get(self.provider).pages_served.fetch_add(1, Ordering::Relaxed);
        let mut resp = match self.body_fault {
            Some(Fault::MalformedJson) => http::malformed(&value),
            Some(Fault::TruncatedBody) => http::truncated(&value),
            _ => http::json(StatusCode::OK, value),
        };
        if self.provider == Provider::Hubspot {
            hubspot::rate_headers(resp.headers_mut(), &self.state, self.rate_remaining);
        }
        resp
    }
}

/// Runs the shared pipeline for one API request: fault, authentication, rate limit.
/// `rate_key` is what the provider counts by (portal, base, connection).
pub(crate) async fn admit(
    state: &Arc<SandboxState>,
    provider: Provider,
    headers: &HeaderMap,
    has_cursor: bool,
    rate_key: Option<&str>,
) -> Result<Admitted, Response> {
    let counters = state.counters.get(provider);
    counters.api_requests.fetch_add(1, Ordering::Relaxed);
    let fault = state.faults.take(provider, has_cursor);
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
            Provider::Hubspot => state.limiter.hubspot(key),
            Provider::Airtable => state.limiter.airtable(key),
            Provider::Notion => state.limiter.notion(key),
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
        Some(Fault::ExpiredOffset) if provider == Provider::Airtable => Err(airtable::iterator_expired()),
        body_fault => Ok(Admitted {
            state: state.clone(),
            provider,
            scopes,
            body_fault: body_fault.filter(|f| matches!(f, Fault::MalformedJson | Fault::TruncatedBody | Fault::RepeatCursor)),
            rate_remaining,
        }),
    }
}

fn unauthorized(provider: Provider, rejection: &TokenRejection) -> Response {
    match provider {
        Provider::Hubspot => hubspot::unauthorized(rejection),
        Provider::Airtable => airtable::unauthorized(),
        Provider::Notion => notion::error(StatusCode::UNAUTHORIZED, "unauthorized", "API token is invalid."),
    }
}

fn rate_limited(state: &SandboxState, provider: Provider, retry_after: Duration) -> Response {
    state.counters.get(provider).rate_limited.fetch_add(1, Ordering::Relaxed);
    match provider {
        Provider::Hubspot => hubspot::rate_limited(state),
        Provider::Airtable => airtable::rate_limited(),
        Provider::Notion => notion::rate_limited(retry_after),
    }
}

fn server_error(provider: Provider, status: u16) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    match provider {
        Provider::Hubspot => hubspot::error(status, "INTERNAL_ERROR", "Internal error"),
        Provider::Airtable => airtable::error(status, "SERVER_ERROR", "Try again. If the problem persists, contact support."),
        Provider::Notion => {
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
