//! HubSpot: CRM object lists under the date-versioned paths (`/crm/objects/{version}/{type}`)
//! with `after` paging, account details, and the 2026-03 OAuth endpoints (token, introspect,
//! revoke: form bodies, the client secret in the body, the token never in a path, RFC 6749
//! errors), the refresh token not rotated. The legacy endpoints HubSpot still serves until
//! they are switched off (`/crm/v3/...`, `/account-info/v3/...`, the v1 OAuth endpoints that
//! stop on 2027-02-16) are served too when the sandbox's `legacy_endpoints` switch is on.

pub mod dataset;

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Form, Router};
use serde_json::{json, Map, Value};

use crate::config::ProviderId;
use dataset::ObjectType;
use crate::dataset::rfc3339_millis;
use crate::grants::{GrantError, TokenRejection};
use crate::http::{self, request_id};
use crate::providers::{admit, no_state, ConsentRules, FakeSpec, PkceRule};
use crate::ratelimit::{RateRule, Scope, ScopedRule};
use crate::SandboxState;

type Shared = State<Arc<SandboxState>>;

/// The date-versioned CRM suites this fake serves (HubSpot ships one each March and
/// September and supports each for at least 18 months).
pub const CRM_VERSIONS: &[&str] = &["2026-03", "2026-09"];

/// The OAuth API version of the current endpoints.
pub const OAUTH_VERSION: &str = "2026-03";

pub(crate) fn routes(state: &SandboxState) -> Router<Arc<SandboxState>> {
    let router = Router::new()
        .route("/crm/objects/{version}/{object_type}", get(list_dated_objects))
        .route("/account-info/{version}/details", get(account_details))
        .route("/oauth/2026-03/token", post(token))
        .route("/oauth/2026-03/token/introspect", post(introspect))
        .route("/oauth/2026-03/token/revoke", post(revoke));
    if !state.config.legacy_endpoints {
        return router;
    }
    router
        .route("/crm/v3/objects/{object_type}", get(list_legacy_objects))
        .route("/oauth/v1/token", post(token))
        .route("/oauth/v1/access-tokens/{token}", get(token_metadata))
        .route("/oauth/v1/refresh-tokens/{token}", delete(revoke_refresh_token))
}

pub(crate) static SPEC: FakeSpec = FakeSpec {
    routes,
    authorize_path: "oauth/authorize",
    token_path: "oauth/2026-03/token",
    revoke_path: Some("oauth/2026-03/token/revoke"),
    introspect_path: Some("oauth/2026-03/token/introspect"),
    scopes: &["oauth", "crm.objects.contacts.read", "crm.objects.companies.read", "crm.objects.deals.read", "crm.objects.contacts.write"],
    consent: ConsentRules {
        requires_response_type: false,
        requires_scopes: true,
        requires_state: false,
        pkce: PkceRule::Optional,
        // HubSpot never calls back on a denial; the user is left on the page.
        deny_callback: None,
    },
    token_prefix: "CO",
    rotates_refresh_token: false,
    // 110 requests per rolling 10 s per installed account.
    rate_rules: &[ScopedRule { rule: RateRule::Window { max: 110, window: Duration::from_secs(10) }, scope: Scope::Key, reason: "TEN_SECONDLY_ROLLING" }],
    client_has_secret: true,
    personal_token: "pat-na1-sandbox-hubspot-private-app",
    access_token_ttl: Some(Duration::from_secs(1800)),
    unauthorized,
    rate_limited: |state, _, _| rate_limited(state),
    server_error: |status| error(status, "INTERNAL_ERROR", "Internal error"),
    decorate_page: rate_headers,
    listing_expired: None,
    new_state: no_state,
};

pub(crate) fn error(status: StatusCode, category: &str, message: &str) -> Response {
    http::json(
        status,
        json!({ "status": "error", "message": message, "correlationId": request_id(), "category": category }),
    )
}

pub(crate) fn unauthorized(rejection: &TokenRejection) -> Response {
    let (category, message) = match rejection {
        TokenRejection::Expired { ago } => (
            "EXPIRED_AUTHENTICATION",
            format!("The OAuth token used to make this call expired {} minute(s) ago.", ago.as_secs() / 60),
        ),
        TokenRejection::Missing => (
            "INVALID_AUTHENTICATION",
            "Authentication credentials not found. This API supports OAuth 2.0 authentication.".into(),
        ),
        TokenRejection::Unknown | TokenRejection::Revoked => (
            "INVALID_AUTHENTICATION",
            "Authentication credentials not found or the token has been revoked.".into(),
        ),
    };
    error(StatusCode::UNAUTHORIZED, category, &message)
}

pub(crate) fn rate_limited(state: &SandboxState) -> Response {
    let mut resp = http::json(
        StatusCode::TOO_MANY_REQUESTS,
        json!({
            "status": "error",
            "message": "You have reached your ten_secondly_rolling limit.",
            "errorType": "RATE_LIMIT",
            "correlationId": request_id(),
            "policyName": "TEN_SECONDLY_ROLLING",
        }),
    );
    rate_headers(resp.headers_mut(), state, Some(0));
    resp
}

pub(crate) fn rate_headers(headers: &mut HeaderMap, state: &SandboxState, remaining: Option<usize>) {
    if let Some(RateRule::Window { max, window }) = state.limiter.rules()[ProviderId::Hubspot].first().map(|r| r.rule) {
        headers.insert("X-HubSpot-RateLimit-Max", HeaderValue::from(max));
        headers.insert("X-HubSpot-RateLimit-Interval-Milliseconds", HeaderValue::from(window.as_millis() as u64));
    }
    if let Some(r) = remaining {
        headers.insert("X-HubSpot-RateLimit-Remaining", HeaderValue::from(r));
    }
}

/// Every token of one installed account shares one rate-limit budget.
fn portal_key(state: &SandboxState) -> String {
    state.dataset.hubspot.portal_id.to_string()
}

async fn list_dated_objects(
    State(state): Shared,
    Path((version, object_type)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if !CRM_VERSIONS.contains(&version.as_str()) {
        return unknown_version(&version);
    }
    list_objects(state, &format!("crm/objects/{version}"), object_type, q, headers).await
}

async fn list_legacy_objects(
    State(state): Shared,
    Path(object_type): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    list_objects(state, "crm/v3/objects", object_type, q, headers).await
}

/// HubSpot's answer to a version it does not have.
fn unknown_version(version: &str) -> Response {
    error(StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND", &format!("API version {version} does not exist"))
}

/// One object type's page, under `prefix` (the versioned path the request came in on, which
/// the next page's link repeats).
async fn list_objects(
    state: Arc<SandboxState>,
    prefix: &str,
    object_type: String,
    q: HashMap<String, String>,
    headers: HeaderMap,
) -> Response {
    let requested_after = q.get("after").filter(|a| !a.is_empty());
    let after = requested_after.map(|a| state.resolve_cursor(a));
    let after = after.as_ref();
    let admitted = match admit(&state, ProviderId::Hubspot, &headers, after.is_some(), Some(&portal_key(&state))).await {
        Ok(a) => a,
        Err(resp) => return resp,
    };
    let Some(t) = ObjectType::parse(&object_type) else {
        return error(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", &format!("Unable to infer object type from: {object_type}"));
    };
    if !admitted.has_scope(t.read_scope()) {
        return error(
            StatusCode::FORBIDDEN,
            "MISSING_SCOPES",
            &format!("This app hasn't been granted all required scopes to make this call. Required: {}", t.read_scope()),
        );
    }
    let limit = match q.get("limit").map(|l| l.parse::<usize>()) {
        None => 10,
        Some(Ok(l)) if (1..=100).contains(&l) => l,
        Some(_) => return error(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", "limit must be a number between 1 and 100"),
    };
    let data = &state.dataset.hubspot;
    let start = match after {
        None => 0,
        Some(a) => match data.index_of(t, a) {
            Some(i) => i,
            None => return error(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", &format!("Invalid input: after={a} is not a valid paging cursor")),
        },
    };
    let archived = q.get("archived").is_some_and(|a| a == "true");
    let count = if archived { 0 } else { data.count(t) };
    let requested: Vec<String> = match q.get("properties") {
        Some(p) => p.split(',').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect(),
        None => t.default_properties().iter().map(|s| s.to_string()).collect(),
    };
    let end = (start + limit).min(count);
    let results: Vec<Value> = (start..end)
        .map(|i| {
            let o = data.object(t, i);
            let mut props = Map::new();
            for name in requested.iter().map(String::as_str).chain(t.always_properties().iter().copied()) {
                // Known properties come back even when null; unknown names are left out, as HubSpot does.
                if let Some((_, v)) = o.properties.iter().find(|(k, _)| *k == name) {
                    props.insert(name.to_string(), json!(v));
                }
            }
            json!({
                "id": o.id,
                "properties": props,
                "createdAt": rfc3339_millis(o.created_at),
                "updatedAt": rfc3339_millis(o.updated_at),
                "archived": false,
            })
        })
        .collect();
    let mut body = json!({ "results": results });
    let next_after = admitted.next_cursor(requested_after.map(String::as_str), || (end < count).then(|| data.object(t, end).id));
    if let Some(next) = next_after {
        let base = state.base_urls.get().map(|b| b[ProviderId::Hubspot].to_string()).unwrap_or_default();
        body["paging"] = json!({
            "next": { "after": next, "link": format!("{base}{prefix}/{}?after={next}", t.as_str()) }
        });
    }
    admitted.page(body)
}

/// The account-information API's versions: its date-versioned one, and `v3` while legacy
/// endpoints are served.
async fn account_details(State(state): Shared, Path(version): Path<String>, headers: HeaderMap) -> Response {
    let known = version == OAUTH_VERSION || (version == "v3" && state.config.legacy_endpoints);
    if !known {
        return unknown_version(&version);
    }
    let admitted = match admit(&state, ProviderId::Hubspot, &headers, false, Some(&portal_key(&state))).await {
        Ok(a) => a,
        Err(resp) => return resp,
    };
    if !admitted.has_scope("oauth") {
        return error(
            StatusCode::FORBIDDEN,
            "MISSING_SCOPES",
            "This app hasn't been granted all required scopes to make this call. Required: oauth",
        );
    }
    // A US account's domain unless the sandbox was told otherwise (an EU account's, say).
    let ui_domain = state.config.ui_domain.as_deref().unwrap_or("app.hubspot.com");
    let body = json!({
        "portalId": state.dataset.hubspot.portal_id,
        "accountType": "STANDARD",
        "timeZone": "US/Eastern",
        "companyCurrency": "USD",
        "additionalCurrencies": [],
        "utcOffset": "-05:00",
        "utcOffsetMilliseconds": -18_000_000,
        "uiDomain": ui_domain,
        "dataHostingLocation": if ui_domain.contains("eu1") { "eu1" } else { "na1" },
    });
    admitted.page(body)
}

/// A token-endpoint error: HubSpot's own `status` and `message`, and on the current endpoints
/// also RFC 6749's `error` and `error_description` (the legacy v1 endpoints send only the former).
fn token_error(rfc6749: bool, status: &str, message: &str) -> Response {
    let mut body = json!({ "status": status, "message": message, "correlationId": request_id() });
    if rfc6749 {
        let error = match status {
            "BAD_CLIENT_ID" | "BAD_CLIENT_SECRET" => "invalid_client",
            "BAD_GRANT_TYPE" => "unsupported_grant_type",
            "BAD_REQUEST" => "invalid_request",
            _ => "invalid_grant",
        };
        body["error"] = json!(error);
        body["error_description"] = json!(message);
    }
    http::json(StatusCode::BAD_REQUEST, body)
}

/// Checks the client credentials every OAuth call carries in its form body, answering in the
/// endpoint's error shape (`rfc6749`: the current endpoints').
fn check_client(state: &SandboxState, form: &HashMap<String, String>, rfc6749: bool) -> Result<(), Response> {
    let client = &state.config.clients[ProviderId::Hubspot];
    let get = |k: &str| form.get(k).map(String::as_str);
    if get("client_id") != Some(client.client_id.as_str()) {
        return Err(token_error(rfc6749, "BAD_CLIENT_ID", "missing or invalid client_id"));
    }
    if get("client_secret") != client.client_secret.as_deref() {
        return Err(token_error(rfc6749, "BAD_CLIENT_SECRET", "missing or invalid client_secret"));
    }
    Ok(())
}

async fn token(State(state): Shared, uri: axum::http::Uri, Form(form): Form<HashMap<String, String>>) -> Response {
    let rfc6749 = !uri.path().starts_with("/oauth/v1/");
    let token_error = |status: &str, message: &str| token_error(rfc6749, status, message);
    state.counters[ProviderId::Hubspot].token_requests.fetch_add(1, Ordering::Relaxed);
    if let Some(faulty) = crate::providers::token_fault(&state, ProviderId::Hubspot).await {
        return faulty;
    }
    if let Err(refused) = check_client(&state, &form, rfc6749) {
        return refused;
    }
    let client = &state.config.clients[ProviderId::Hubspot];
    let get = |k: &str| form.get(k).map(String::as_str);
    let result = match get("grant_type") {
        Some("authorization_code") => {
            let Some(code) = get("code") else { return token_error("BAD_AUTH_CODE", "missing auth code") };
            state.grants.exchange_code(
                ProviderId::Hubspot,
                code,
                &client.client_id,
                get("redirect_uri"),
                get("code_verifier"),
                false,
            )
        }
        Some("refresh_token") => {
            let Some(rt) = get("refresh_token") else {
                return token_error("BAD_REFRESH_TOKEN", "missing or invalid refresh token");
            };
            state.grants.refresh(ProviderId::Hubspot, rt, &client.client_id)
        }
        _ => return token_error("BAD_GRANT_TYPE", "grant_type must be authorization_code or refresh_token"),
    };
    match result {
        // The current endpoint answers as RFC 6749 does, and introspection names the account;
        // the v1 one also names the portal, the user and the scopes.
        Ok(t) => {
            let mut body = json!({
                "token_type": "bearer",
                "access_token": t.access_token,
                "refresh_token": t.refresh_token,
                "expires_in": t.expires_in.unwrap_or(1800),
            });
            // The current endpoint answers as RFC 6749 does (introspection names the account);
            // the v1 one also names the portal, the user and the scopes.
            if !rfc6749 {
                body["hub_id"] = json!(state.dataset.hubspot.portal_id);
                body["user_id"] = json!(7_100_001);
                body["scopes"] = json!(t.scopes);
            }
            http::json(StatusCode::OK, body)
        }
        Err(e) => {
            let status = match e {
                GrantError::BadRefreshToken => "BAD_REFRESH_TOKEN",
                GrantError::RedirectMismatch => "BAD_REDIRECT_URI",
                GrantError::ClientMismatch => "BAD_CLIENT_ID",
                GrantError::BadCode | GrantError::BadVerifier | GrantError::MissingVerifier => "BAD_AUTH_CODE",
            };
            token_error(status, &e.to_string())
        }
    }
}

/// `POST /oauth/2026-03/token/introspect`: RFC 7662's answer, with HubSpot's account facts.
async fn introspect(State(state): Shared, Form(form): Form<HashMap<String, String>>) -> Response {
    if let Err(refused) = check_client(&state, &form, true) {
        return refused;
    }
    let Some(token) = form.get("token") else {
        return token_error(true, "BAD_REQUEST", "token is required");
    };
    let Some(facts) = state.grants.introspect(ProviderId::Hubspot, token) else {
        return http::json(StatusCode::OK, json!({ "active": false }));
    };
    let mut body = json!({
        "active": true,
        "client_id": facts.client_id,
        "hub_id": state.dataset.hubspot.portal_id,
        "user_id": 7_100_001,
        "scopes": facts.scopes,
        "token_type": if facts.refresh { "refresh_token" } else { "access_token" },
    });
    if let Some(left) = facts.expires_in {
        body["expires_in"] = json!(left);
    }
    http::json(StatusCode::OK, body)
}

/// `POST /oauth/2026-03/token/revoke`: revokes the grant behind a refresh token. As RFC 7009
/// says, an unknown token is not an error.
async fn revoke(State(state): Shared, Form(form): Form<HashMap<String, String>>) -> Response {
    if let Err(refused) = check_client(&state, &form, true) {
        return refused;
    }
    let Some(token) = form.get("token") else {
        return token_error(true, "BAD_REQUEST", "token is required");
    };
    state.grants.revoke(ProviderId::Hubspot, token);
    StatusCode::OK.into_response()
}

async fn token_metadata(State(state): Shared, Path(token): Path<String>) -> Response {
    match state.grants.authenticate(ProviderId::Hubspot, Some(&token)) {
        Ok(scopes) => http::json(
            StatusCode::OK,
            json!({
                "token": token,
                "user": "sandbox.user@example.com",
                "hub_domain": format!("sandbox-{}.hubspot.com", state.dataset.hubspot.portal_id),
                "scopes": scopes,
                "hub_id": state.dataset.hubspot.portal_id,
                "app_id": 4_100_001,
                "expires_in": state.grants.expires_in(&token).unwrap_or(0),
                "user_id": 7_100_001,
                "token_type": "access",
            }),
        ),
        Err(_) => error(StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND", "Token not found"),
    }
}

async fn revoke_refresh_token(State(state): Shared, Path(token): Path<String>) -> Response {
    if state.grants.revoke(ProviderId::Hubspot, &token) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        error(StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND", "Refresh token not found")
    }
}
