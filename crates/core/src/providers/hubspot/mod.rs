//! HubSpot: OAuth with the client secret in a form body, PKCE verified when sent, a refresh
//! token that is kept, revocation by deleting the refresh token; contacts, companies and deals.

mod load;

use std::time::Duration;

use serde_json::Value;

use super::{no_quirks, ClientAuth, CursorParam, CursorStyle, Pacing, Pkce, ProviderId, ProviderSpec, Revocation, TokenBody};

pub(super) static SPEC: ProviderSpec = ProviderSpec {
    id: ProviderId::Hubspot,
    authorize_url: "https://app.hubspot.com/oauth/authorize",
    token_url: "https://api.hubapi.com/oauth/v1/token",
    api_base: "https://api.hubapi.com/",
    default_scopes: &["oauth", "crm.objects.contacts.read", "crm.objects.companies.read", "crm.objects.deals.read"],
    client_auth: ClientAuth::RequestBody,
    token_body: TokenBody::Form,
    pkce: Pkce::Supported,
    extra_authorize_params: &[],
    headers: &[],
    rotates_refresh_token: false,
    default_expires_in: Some(1800),
    revocation: Revocation::DeleteRefreshToken { url: "https://api.hubapi.com/oauth/v1/refresh-tokens/" },
    web_domains: &["hubspot.com"],
    // `{"status": "error", "message": ..., "category": ...}`
    error_paths: &["/message", "/category"],
    // `paging.next.after`, sent back as `after`; at most 100 records a page.
    cursor: CursorStyle { next: &["paging", "next", "after"], has_more: None, send: CursorParam::Query("after"), page_size: Some(("limit", 100)) },
    // 110 requests per 10 s per account; the three object types share it.
    pacing: Pacing { requests: 107, window: Duration::from_millis(10_050) },
    // HubSpot sends no Retry-After; its SDK waits 10 s per attempt on the 10-second policy.
    rate_limit_wait: Duration::from_secs(10),
    grant_rejected_codes: &["BAD_REFRESH_TOKEN", "invalid_grant"],
    token_account,
    classify: no_quirks,
    load: load::load,
};

/// The token response names the portal by `hub_id`.
fn token_account(body: &Value) -> Option<String> {
    body.get("hub_id").and_then(Value::as_u64).map(|hub| format!("HubSpot account {hub}"))
}
