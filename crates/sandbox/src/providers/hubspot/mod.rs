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

use chrono::{DateTime, Utc};

use crate::changes::{Change, ChangedItem, Changed, Touch, TouchKind, EDITED};
use crate::config::ProviderId;
use dataset::{CrmObject, ObjectType};
use crate::dataset::rfc3339_millis;
use crate::grants::{Bearer, GrantError, TokenRejection};
use crate::http::{self, request_id};
use crate::providers::{admit, no_state, ConsentRules, FakeSpec, PkceRule};
use crate::ratelimit::{RateRule, Scope, ScopedRule};
use crate::{Account, SandboxState};

type Shared = State<Arc<SandboxState>>;

/// The date-versioned CRM suites this fake serves (HubSpot ships one each March and
/// September and supports each for at least 18 months).
pub const CRM_VERSIONS: &[&str] = &["2026-03", "2026-09"];

/// The OAuth API version of the current endpoints.
pub const OAUTH_VERSION: &str = "2026-03";

pub(crate) fn routes(state: &SandboxState) -> Router<Arc<SandboxState>> {
    let router = Router::new()
        .route("/crm/objects/{version}/{object_type}", get(list_dated_objects))
        .route("/crm/objects/{version}/{object_type}/search", post(search_objects))
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
    // 110 requests per rolling 10 s per installed account; searches have their own 5 per second.
    rate_rules: &[
        ScopedRule { rule: RateRule::Window { max: 110, window: Duration::from_secs(10) }, scope: Scope::Key, reason: "TEN_SECONDLY_ROLLING" },
        ScopedRule { rule: RateRule::Window { max: 5, window: Duration::from_secs(1) }, scope: Scope::Endpoint(SEARCH), reason: "SECONDLY" },
    ],
    client_has_secret: true,
    personal_token: "pat-na1-sandbox-hubspot-private-app",
    access_token_ttl: Some(Duration::from_secs(1800)),
    unauthorized,
    rate_limited: |state, _, reason| rate_limited(state, reason),
    server_error: |status| error(status, "INTERNAL_ERROR", "Internal error"),
    decorate_page: rate_headers,
    listing_expired: None,
    new_state: no_state,
    account_label: |a, _| format!("HubSpot portal {}", a.dataset.hubspot.portal_id),
    change,
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

/// A 429 naming the policy that refused (`TEN_SECONDLY_ROLLING`, or `SECONDLY` for searches).
pub(crate) fn rate_limited(state: &SandboxState, policy: &str) -> Response {
    let policy = if policy.chars().all(|c| c.is_ascii_uppercase() || c == '_') { policy } else { "TEN_SECONDLY_ROLLING" };
    let mut resp = http::json(
        StatusCode::TOO_MANY_REQUESTS,
        json!({
            "status": "error",
            "message": format!("You have reached your {} limit.", policy.to_lowercase()),
            "errorType": "RATE_LIMIT",
            "correlationId": request_id(),
            "policyName": policy,
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

/// Every token of one installed account shares one rate-limit budget (the limiter keeps each
/// account's apart).
const PORTAL_KEY: &str = "portal";

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
/// the next page's link repeats). `archived=true` lists the records deleted while the sandbox
/// runs (the generated ones never are), as HubSpot lists archived records.
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
    let admitted = match admit(&state, ProviderId::Hubspot, &headers, after.is_some(), Some(PORTAL_KEY)).await {
        Ok(a) => a,
        Err(resp) => return resp,
    };
    let t = match readable_type(&admitted, &object_type) {
        Ok(t) => t,
        Err(resp) => return resp,
    };
    let limit = match q.get("limit").map(|l| l.parse::<usize>()) {
        None => 10,
        Some(Ok(l)) if (1..=100).contains(&l) => l,
        Some(_) => return error(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", "limit must be a number between 1 and 100"),
    };
    let acct = state.account(admitted.account);
    let records = Records::new(acct, t);
    let archived = q.get("archived").is_some_and(|a| a == "true");
    // The listing's positions: every live record (the i-th is at position i), or the archived
    // ones (in position order).
    let deleted: Option<Vec<usize>> = archived.then(|| {
        acct.changes[ProviderId::Hubspot].touched(t.as_str()).into_iter().filter(|(_, touch)| touch.deleted()).map(|(p, _)| p).collect()
    });
    let len = deleted.as_ref().map_or_else(|| records.count(), Vec::len);
    let position_at = |i: usize| deleted.as_ref().map_or(i, |d| d[i]);
    let start = match after {
        None => 0,
        Some(a) => match records.position(a).and_then(|p| match &deleted {
            None => Some(p),
            Some(d) => d.binary_search(&p).ok(),
        }) {
            Some(i) => i,
            None => return error(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", &format!("Invalid input: after={a} is not a valid paging cursor")),
        },
    };
    let properties = requested_properties(t, q.get("properties").map(|p| p.split(',').map(str::trim).map(String::from).collect()));
    let end = (start + limit).min(len);
    let results: Vec<Value> = (start..end)
        .filter_map(|i| records.get(position_at(i)))
        .filter(|(_, touch)| archived == touch.is_some_and(|t| t.deleted()))
        .map(|(o, touch)| record_json(&o, &properties, touch))
        .collect();
    let mut body = json!({ "results": results });
    let next_after = admitted.next_cursor(requested_after.map(String::as_str), || (end < len).then(|| records.id(position_at(end))));
    if let Some(next) = next_after {
        let base = state.base_urls.get().map(|b| b[ProviderId::Hubspot].to_string()).unwrap_or_default();
        body["paging"] = json!({
            "next": { "after": next, "link": format!("{base}{prefix}/{}?after={next}", t.as_str()) }
        });
    }
    admitted.page(body)
}

/// The endpoint name searches are limited under (they have their own limit).
const SEARCH: &str = "search";

/// The most results one search query reaches, however it is paged.
pub const SEARCH_CAP: usize = 10_000;

/// `POST /crm/objects/{version}/{type}/search`: records filtered on their modification time
/// (`GT`, `GTE`, `LT`, `LTE` on `lastmodifieddate` or `hs_lastmodifieddate`, in milliseconds or
/// RFC 3339), sorted on it, up to 200 a page, never past the 10,000th result (HTTP 400), within
/// the search endpoints' own rate limit. Archived records are never found.
async fn search_objects(
    State(state): Shared,
    Path((version, object_type)): Path<(String, String)>,
    headers: HeaderMap,
    body: bytes::Bytes,
) -> Response {
    if !CRM_VERSIONS.contains(&version.as_str()) {
        return unknown_version(&version);
    }
    let admitted = match crate::providers::admit_to(&state, ProviderId::Hubspot, &headers, false, Some(PORTAL_KEY), Some(SEARCH)).await {
        Ok(a) => a,
        Err(resp) => return resp,
    };
    let t = match readable_type(&admitted, &object_type) {
        Ok(t) => t,
        Err(resp) => return resp,
    };
    let invalid = |message: String| error(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", &message);
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        return invalid("Invalid input JSON: the body is not a search request".into());
    };
    let limit = match request.get("limit") {
        None => 10,
        Some(v) => match v.as_u64() {
            Some(l @ 1..=200) => l as usize,
            _ => return invalid("limit must be a number between 1 and 200".into()),
        },
    };
    let offset = match request.get("after") {
        None | Some(Value::Null) => 0,
        Some(v) => match v.as_str().and_then(|s| s.parse::<usize>().ok()).or(v.as_u64().map(|n| n as usize)) {
            Some(n) => n,
            None => return invalid(format!("Invalid input: after={v} is not a valid paging cursor")),
        },
    };
    if offset + limit > SEARCH_CAP {
        return invalid(format!("The search results are limited to {SEARCH_CAP} records; after={offset} with limit={limit} goes past them. Narrow the search instead."));
    }
    let modified = t.always_properties()[1];
    let mut bounds: Vec<(&str, DateTime<Utc>)> = Vec::new();
    for group in request.get("filterGroups").and_then(Value::as_array).into_iter().flatten() {
        for filter in group.get("filters").and_then(Value::as_array).into_iter().flatten() {
            let name = filter.get("propertyName").and_then(Value::as_str).unwrap_or_default();
            let operator = filter.get("operator").and_then(Value::as_str).unwrap_or_default();
            if name != modified || !["GT", "GTE", "LT", "LTE"].contains(&operator) {
                return invalid(format!("This sandbox filters {} searches on {modified} (GT, GTE, LT, LTE) only, not {name} {operator}", t.as_str()));
            }
            let Some(at) = filter.get("value").and_then(search_time) else {
                return invalid(format!("{name}: the value is not a time in milliseconds or RFC 3339"));
            };
            bounds.push((operator, at));
        }
    }
    let descending = match request.pointer("/sorts/0") {
        None => false,
        Some(sort) if sort.get("propertyName").and_then(Value::as_str) == Some(modified) => {
            sort.get("direction").and_then(Value::as_str) == Some("DESCENDING")
        }
        Some(sort) => return invalid(format!("This sandbox sorts {} searches on {modified} only, not {sort}", t.as_str())),
    };
    let keep = |at: DateTime<Utc>| {
        bounds.iter().all(|(op, b)| match *op {
            "GT" => at > *b,
            "GTE" => at >= *b,
            "LT" => at < *b,
            _ => at <= *b,
        })
    };
    let acct = state.account(admitted.account);
    let records = Records::new(acct, t);
    // Changes are stamped after every generated time: when the filter starts after those,
    // only the changed records can match.
    let only_changed = bounds.iter().any(|(op, b)| op.starts_with('G') && *b >= crate::changes::generated_before());
    let candidates: Vec<usize> = if only_changed {
        acct.changes[ProviderId::Hubspot].touched(t.as_str()).into_iter().map(|(p, _)| p).collect()
    } else {
        (0..records.count()).collect()
    };
    let mut found: Vec<(DateTime<Utc>, u64, CrmObject, Option<Touch>)> = candidates
        .into_iter()
        .filter_map(|p| records.get(p))
        .filter(|(o, touch)| !touch.is_some_and(|t| t.deleted()) && keep(o.updated_at))
        .map(|(o, touch)| (o.updated_at, o.id.parse().unwrap_or(0), o, touch))
        .collect();
    found.sort_by_key(|(at, id, ..)| (*at, *id));
    if descending {
        found.reverse();
    }
    let total = found.len();
    let properties = requested_properties(t, request.get("properties").and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_str).map(String::from).collect()));
    let results: Vec<Value> = found.iter().skip(offset).take(limit).map(|(_, _, o, touch)| record_json(o, &properties, *touch)).collect();
    let mut body = json!({ "total": total, "results": results });
    if offset + limit < total {
        body["paging"] = json!({ "next": { "after": (offset + limit).to_string() } });
    }
    admitted.page(body)
}

/// A search filter's time: milliseconds since the epoch (as a string or a number) or RFC 3339.
fn search_time(v: &Value) -> Option<DateTime<Utc>> {
    let millis = v.as_i64().or_else(|| v.as_str().and_then(|s| s.parse().ok()));
    match millis {
        Some(ms) => DateTime::from_timestamp_millis(ms),
        None => DateTime::parse_from_rfc3339(v.as_str()?).ok().map(|t| t.with_timezone(&Utc)),
    }
}

/// The object type a request names, if the token may read it.
fn readable_type(admitted: &crate::providers::Admitted, object_type: &str) -> Result<ObjectType, Response> {
    let Some(t) = ObjectType::parse(object_type) else {
        return Err(error(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", &format!("Unable to infer object type from: {object_type}")));
    };
    if !admitted.has_scope(t.read_scope()) {
        return Err(error(
            StatusCode::FORBIDDEN,
            "MISSING_SCOPES",
            &format!("This app hasn't been granted all required scopes to make this call. Required: {}", t.read_scope()),
        ));
    }
    Ok(t)
}

/// The properties a request names (its `properties`), or HubSpot's defaults for the type.
fn requested_properties(t: ObjectType, named: Option<Vec<String>>) -> Vec<String> {
    let named: Vec<String> = named.unwrap_or_default().into_iter().filter(|s| !s.is_empty()).collect();
    if named.is_empty() {
        t.default_properties().iter().map(|s| s.to_string()).collect()
    } else {
        named
    }
}

/// A record as the API returns it: the requested properties and those HubSpot always adds
/// (known ones even when null; unknown names are left out, as HubSpot does).
fn record_json(o: &CrmObject, requested: &[String], touch: Option<Touch>) -> Value {
    let mut props = Map::new();
    for name in requested.iter().map(String::as_str).chain(o.object_type.always_properties().iter().copied()) {
        if let Some((_, v)) = o.properties.iter().find(|(k, _)| *k == name) {
            props.insert(name.to_string(), json!(v));
        }
    }
    let mut record = json!({
        "id": o.id,
        "properties": props,
        "createdAt": rfc3339_millis(o.created_at),
        "updatedAt": rfc3339_millis(o.updated_at),
        "archived": false,
    });
    if let Some(touch) = touch.filter(Touch::deleted) {
        record["archived"] = json!(true);
        record["archivedAt"] = json!(rfc3339_millis(touch.at));
    }
    record
}

/// One object type's records as they are now: the generated ones with the changes made since.
struct Records<'a> {
    acct: &'a Account,
    t: ObjectType,
}

impl<'a> Records<'a> {
    fn new(acct: &'a Account, t: ObjectType) -> Self {
        Records { acct, t }
    }

    fn count(&self) -> usize {
        self.acct.changes[ProviderId::Hubspot].count(self.t.as_str(), self.acct.dataset.hubspot.count(self.t))
    }

    fn position(&self, id: &str) -> Option<usize> {
        self.acct.dataset.hubspot.position(self.t, id).filter(|&p| p < self.count())
    }

    fn id(&self, position: usize) -> String {
        self.acct.dataset.hubspot.id(self.t, position)
    }

    /// The record at `position` and its last change, if it exists.
    fn get(&self, position: usize) -> Option<(CrmObject, Option<Touch>)> {
        if position >= self.count() {
            return None;
        }
        let mut o = self.acct.dataset.hubspot.object(self.t, position);
        let touch = self.acct.changes[ProviderId::Hubspot].touch(self.t.as_str(), position);
        if let Some(touch) = touch {
            if touch.added {
                o.created_at = touch.at;
                o.set("createdate", rfc3339_millis(touch.at));
            }
            o.updated_at = touch.at;
            o.set(self.t.always_properties()[1], rfc3339_millis(touch.at));
            if !touch.added && touch.kind == TouchKind::Edited {
                let name = o.property(self.t.name_property()).unwrap_or_default().to_string();
                o.set(self.t.name_property(), format!("{name}{EDITED}"));
            }
        }
        Some((o, touch))
    }
}

/// Edits, deletes and adds records, spread over the three object types.
fn change(acct: &Account, change: Change) -> Changed {
    let log = &acct.changes[ProviderId::Hubspot];
    let mut changed = Changed::default();
    let item = |t: ObjectType, p: usize| ChangedItem { listing: t.as_str().into(), id: acct.dataset.hubspot.id(t, p) };
    for (kind, n, out) in [(TouchKind::Edited, change.edit, &mut changed.edited), (TouchKind::Deleted, change.delete, &mut changed.deleted)] {
        // An equal share of each type (the first types take the remainder).
        for (j, t) in ObjectType::ALL.iter().enumerate() {
            let share = n / 3 + usize::from(j < n % 3);
            let count = Records::new(acct, *t).count();
            out.extend(log.change_some(t.as_str(), count, share, j + kind as usize * 101, kind, |_| false).into_iter().map(|p| item(*t, p)));
        }
    }
    for t in ObjectType::ALL.iter().cycle().take(change.add) {
        let p = log.add(t.as_str(), acct.dataset.hubspot.count(*t));
        changed.added.push(item(*t, p));
    }
    changed
}

/// The account-information API's versions: its date-versioned one, and `v3` while legacy
/// endpoints are served.
async fn account_details(State(state): Shared, Path(version): Path<String>, headers: HeaderMap) -> Response {
    let known = version == OAUTH_VERSION || (version == "v3" && state.config.legacy_endpoints);
    if !known {
        return unknown_version(&version);
    }
    let admitted = match admit(&state, ProviderId::Hubspot, &headers, false, Some(PORTAL_KEY)).await {
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
        "portalId": state.account(admitted.account).dataset.hubspot.portal_id,
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
                body["hub_id"] = json!(state.account(t.account).dataset.hubspot.portal_id);
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
        "hub_id": state.account(facts.account).dataset.hubspot.portal_id,
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
        Ok(Bearer { scopes, account }) => http::json(
            StatusCode::OK,
            json!({
                "token": token,
                "user": "sandbox.user@example.com",
                "hub_domain": format!("sandbox-{}.hubspot.com", state.account(account).dataset.hubspot.portal_id),
                "scopes": scopes,
                "hub_id": state.account(account).dataset.hubspot.portal_id,
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
