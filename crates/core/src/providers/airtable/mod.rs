//! Airtable: OAuth as a public client (Basic only with a secret), PKCE required, both tokens
//! rotate, no revocation endpoint; bases, tables and records, with list offsets that expire.

mod load;

use std::time::Duration;

use serde_json::Value;

use super::{Account, ClientAuth, CursorParam, CursorStyle, Pacing, Pkce, ProviderId, ProviderSpec, Quirk, Revocation, TokenBody};

pub(super) static SPEC: ProviderSpec = ProviderSpec {
    id: ProviderId::Airtable,
    authorize_url: "https://airtable.com/oauth2/v1/authorize",
    token_url: "https://airtable.com/oauth2/v1/token",
    api_base: "https://api.airtable.com/",
    default_scopes: &["data.records:read", "schema.bases:read"],
    client_auth: ClientAuth::BasicIfSecret,
    token_body: TokenBody::Form,
    pkce: Pkce::Required,
    extra_authorize_params: &[],
    headers: &[],
    api_version: None,
    rotates_refresh_token: true,
    default_expires_in: Some(3600),
    revocation: Revocation::None,
    introspection: None,
    web_domains: &["airtable.com"],
    // `{"error": {"type": ..., "message": ...}}`, or `{"error": "NOT_FOUND"}`; a 429 lists `errors`.
    error_paths: &["/error/message", "/errors/0/message", "/error/type", "/error"],
    rate_limit_reason: &["/errors/0/error"],
    // `offset`, sent back as `offset`; at most 100 records a page.
    cursor: CursorStyle { next: &["offset"], has_more: None, send: CursorParam::Query("offset"), page_size: Some(("pageSize", 100)) },
    // 5 requests per second per base (the key bases use), and 50 per second per user across
    // all bases (a connection with more than ten bases meets it); past either, a 30 s lock-out.
    // Both are kept with a margin of 2-3% for network jitter (the pacer also counts the
    // sign-in's `whoami` against the user's first second).
    pacing: Some(Pacing { requests: 5, window: Duration::from_millis(1_030), across_keys: Some((50, Duration::from_millis(1_020))), own_limits: &[] }),
    rate_limit_wait: Duration::from_secs(30),
    grant_rejected_codes: &["invalid_grant"],
    token_account,
    // The token answer names no user; `whoami` does.
    whoami: Some("v0/meta/whoami"),
    classify,
    load: load::load,
    changes: Some(load::changes),
    // No deletion feed: a full load notices deleted records.
    reports_deletions: false,
};

/// `GET /v0/meta/whoami` names the user by `id`, and by `email` with the `user.email:read` scope.
fn token_account(body: &Value) -> Option<Account> {
    let id = body.get("id").and_then(Value::as_str).filter(|s| !s.is_empty())?;
    let name = body.get("email").and_then(Value::as_str).map_or_else(|| format!("Airtable user {id}"), String::from);
    Some(Account { id: id.into(), name })
}

/// A 422 `LIST_RECORDS_ITERATOR_NOT_AVAILABLE` is an offset that expired: the table restarts.
fn classify(status: u16, body: Option<&Value>) -> Option<Quirk> {
    let kind = body?.pointer("/error/type")?.as_str()?;
    (status == 422 && kind == "LIST_RECORDS_ITERATOR_NOT_AVAILABLE").then_some(Quirk::ListingExpired)
}
