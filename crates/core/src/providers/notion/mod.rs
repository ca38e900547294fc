//! Notion: OAuth with Basic client authentication and a JSON body, no PKCE, both tokens
//! rotate, revocation by POSTing the token; pages and data sources through search.

mod load;

use std::time::Duration;

use serde_json::Value;

use super::{no_quirks, Account, ApiVersion, ClientAuth, CursorParam, CursorStyle, Pkce, ProviderId, ProviderSpec, Revocation, TokenBody, NOTION_VERSION, NOTION_VERSIONS};

pub(super) static SPEC: ProviderSpec = ProviderSpec {
    id: ProviderId::Notion,
    authorize_url: "https://api.notion.com/v1/oauth/authorize",
    token_url: "https://api.notion.com/v1/oauth/token",
    api_base: "https://api.notion.com/",
    default_scopes: &[],
    client_auth: ClientAuth::Basic,
    token_body: TokenBody::Json,
    pkce: Pkce::Unsupported,
    extra_authorize_params: &[("owner", "user")],
    headers: &[],
    // Sent on every call; 2026-03-11 by default, 2025-09-03 still selectable.
    api_version: Some(ApiVersion { default: NOTION_VERSION, tested: &NOTION_VERSIONS, header: Some("Notion-Version") }),
    rotates_refresh_token: true,
    default_expires_in: None,
    revocation: Revocation::PostToken { url: "https://api.notion.com/v1/oauth/revoke" },
    // The token answer names the workspace.
    introspection: None,
    web_domains: &["notion.so", "notion.site", "notion.com"],
    // `{"object": "error", "code": ..., "message": ...}`
    error_paths: &["/message", "/code"],
    // Which limit refused: the connection's, the workspace's, or another.
    rate_limit_reason: &["/additional_data/rate_limit_reason"],
    // `next_cursor` while `has_more`, sent back as `start_cursor` in the body; 100 a page.
    cursor: CursorStyle { next: &["next_cursor"], has_more: Some(&["has_more"]), send: CursorParam::Body("start_cursor"), page_size: Some(("page_size", 100)) },
    // A budget per connection per 60-second window, set by the workspace's plan, not announced,
    // and spendable at any pace, plus a per-workspace limit: the load spends it as the answers
    // allow, and a 429's Retry-After (the time to the window's reset) holds every request of
    // the connection until the budget is back.
    pacing: None,
    // Notion sends Retry-After; this is for when it does not.
    rate_limit_wait: Duration::from_secs(1),
    grant_rejected_codes: &["invalid_grant", "unauthorized"],
    token_account,
    whoami: None,
    classify: no_quirks,
    load: load::load,
    changes: Some(load::changes),
    // Trashed pages are listed (search and queries with `in_trash`) until the trash is emptied.
    reports_deletions: true,
};

/// The token response names the workspace, by id and by name.
fn token_account(body: &Value) -> Option<Account> {
    let id = body.get("workspace_id").and_then(Value::as_str).filter(|s| !s.is_empty())?;
    let name = body.get("workspace_name").and_then(Value::as_str).unwrap_or(id);
    Some(Account { id: id.into(), name: name.into() })
}
