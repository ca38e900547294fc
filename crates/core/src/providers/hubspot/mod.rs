//! HubSpot: OAuth (the 2026-03 endpoints) with the client secret in a form body, PKCE verified
//! when sent, a refresh token that is kept, RFC 7009 revocation of the refresh token; contacts,
//! companies and deals through the date-versioned CRM paths.

mod load;

use std::time::Duration;

use serde_json::Value;

use super::{no_quirks, Account, ApiVersion, ClientAuth, CursorParam, CursorStyle, Pacing, Pkce, ProviderId, ProviderSpec, Revocation, TokenBody};

pub(super) static SPEC: ProviderSpec = ProviderSpec {
    id: ProviderId::Hubspot,
    authorize_url: "https://app.hubspot.com/oauth/authorize",
    // The 2026-03 OAuth API; the v1 endpoints stop answering on 2027-02-16.
    token_url: "https://api.hubapi.com/oauth/2026-03/token",
    api_base: "https://api.hubapi.com/",
    default_scopes: &["oauth", "crm.objects.contacts.read", "crm.objects.companies.read", "crm.objects.deals.read"],
    client_auth: ClientAuth::RequestBody,
    token_body: TokenBody::Form,
    pkce: Pkce::Supported,
    extra_authorize_params: &[],
    headers: &[],
    // The CRM's date-versioned suites (two a year, each supported at least 18 months; the
    // semantic `v3` paths are unsupported from September 2027 but still selectable).
    api_version: Some(ApiVersion { default: "2026-09", tested: &["2026-09", "2026-03", "v3"], header: None }),
    rotates_refresh_token: false,
    default_expires_in: Some(1800),
    revocation: Revocation::PostRefreshTokenForm { url: "https://api.hubapi.com/oauth/2026-03/token/revoke" },
    // The 2026-03 token answer names no portal; introspection does.
    introspection: Some("https://api.hubapi.com/oauth/2026-03/token/introspect"),
    web_domains: &["hubspot.com"],
    // `{"status": "error", "message": ..., "category": ...}`
    error_paths: &["/message", "/category"],
    // `TEN_SECONDLY_ROLLING` or `DAILY`.
    rate_limit_reason: &["/policyName"],
    // `paging.next.after`, sent back as `after`; at most 100 records a page.
    cursor: CursorStyle { next: &["paging", "next", "after"], has_more: None, send: CursorParam::Query("after"), page_size: Some(("limit", 100)) },
    // 110 requests per 10 s per account; the three object types share it.
    // Searches (the reload of what changed) have their own 5 per second per account.
    pacing: Some(Pacing { requests: 107, window: Duration::from_millis(10_050), across_keys: None, own_limits: &[(load::SEARCH_KEY, 4, Duration::from_millis(1_050))] }),
    // HubSpot sends no Retry-After; its SDK waits 10 s per attempt on the 10-second policy.
    rate_limit_wait: Duration::from_secs(10),
    grant_rejected_codes: &["BAD_REFRESH_TOKEN", "invalid_grant"],
    token_account,
    whoami: None,
    classify: no_quirks,
    load: load::load,
    changes: Some(load::changes),
    // Deleted records are listed, archived, for 90 days.
    reports_deletions: true,
};

/// The token response names the portal by `hub_id` (`hubId` in some of HubSpot's answers).
fn token_account(body: &Value) -> Option<Account> {
    let hub = body.get("hub_id").or_else(|| body.get("hubId"))?.as_u64()?;
    Some(Account { id: hub.to_string(), name: format!("HubSpot account {hub}") })
}
