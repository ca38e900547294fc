//! Airtable: the meta API (bases, tables), record lists with expiring `offset` iterators, and the
//! OAuth token endpoint (form body; Basic auth only for clients with a secret; PKCE S256
//! required; both tokens rotate on refresh).

pub mod dataset;

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use serde_json::{json, Value};

use chrono::{DateTime, Utc};

use crate::changes::{Change, ChangedItem, Changed, TouchKind, EDITED};
use crate::config::ProviderId;
use dataset::{AirtableData, MODIFIED_FIELD, TABLES_PER_BASE};
use crate::dataset::{base62, rfc3339_millis};
use crate::grants::{random_token, GrantError};
use crate::http;
use crate::providers::{admit, plain_page, ConsentRules, DenyCallback, FakeSpec, PkceRule};
use crate::ratelimit::{RateRule, Scope, ScopedRule};
use crate::{Account, SandboxState};

type Shared = State<Arc<SandboxState>>;

const BASES_PAGE: usize = 1000;

pub(crate) static SPEC: FakeSpec = FakeSpec {
    routes,
    authorize_path: "oauth2/v1/authorize",
    token_path: "oauth2/v1/token",
    revoke_path: None,
    introspect_path: None,
    scopes: &[
        "data.records:read",
        "data.records:write",
        "data.recordComments:read",
        "schema.bases:read",
        "schema.bases:write",
        "user.email:read",
        "webhook:manage",
    ],
    consent: ConsentRules {
        requires_response_type: true,
        requires_scopes: true,
        requires_state: true,
        pkce: PkceRule::Required,
        deny_callback: Some(DenyCallback { description: Some("The user denied the authorization request.") }),
    },
    token_prefix: "oaa",
    rotates_refresh_token: true,
    // 5 requests per second per base; a client past it is refused for 30 s.
    rate_rules: &[
        ScopedRule { rule: RateRule::PerSecondWithPenalty { per_second: 5, penalty: Duration::from_secs(30) }, scope: Scope::Key, reason: "base" },
        ScopedRule { rule: RateRule::PerSecondWithPenalty { per_second: 50, penalty: Duration::from_secs(30) }, scope: Scope::Shared, reason: "user" },
    ],
    // A public client: a desktop app cannot keep a secret, and Airtable allows none.
    client_has_secret: false,
    personal_token: "patSandboxAirtable.personal-access-token",
    access_token_ttl: Some(Duration::from_secs(3600)),
    unauthorized: |_| unauthorized(),
    rate_limited: |_, _, _| rate_limited(),
    server_error: |status| error(status, "SERVER_ERROR", "Try again. If the problem persists, contact support."),
    decorate_page: plain_page,
    listing_expired: Some(iterator_expired),
    new_state: || Arc::new(Iterators::default()),
    account_label: |a, n| format!("Airtable user {} ({})", n + 1, user_id(a)),
    change,
};

/// This sandbox's list iterators.
fn iterators(state: &SandboxState) -> &Iterators {
    state.provider_state[ProviderId::Airtable].downcast_ref().expect("Airtable's state is its iterators")
}

pub(crate) fn routes(_state: &SandboxState) -> Router<Arc<SandboxState>> {
    Router::new()
        .route("/v0/meta/whoami", get(whoami))
        .route("/v0/meta/bases", get(list_bases))
        .route("/v0/meta/bases/{base_id}/tables", get(list_tables))
        .route("/v0/{base_id}/{table}", get(list_records))
        .route("/oauth2/v1/token", post(token))
}

/// What an `offset` stands for. Offsets expire, like Airtable's server-side iterators.
#[derive(Clone)]
struct Iterator {
    listing: String,
    next: usize,
    created: Instant,
}

#[derive(Default)]
pub(crate) struct Iterators(Mutex<IteratorMap>);

#[derive(Default)]
struct IteratorMap {
    offsets: HashMap<String, Iterator>,
    /// Size at which expired offsets are next swept out: twice what the last sweep left, so a
    /// long-running sandbox (the app's sandbox mode) stays bounded at amortized constant cost.
    sweep_at: usize,
}

impl Iterators {
    fn issue(&self, listing: &str, iterator_id: &str, next_record_id: &str, next: usize, ttl: std::time::Duration) -> String {
        let offset = format!("{iterator_id}/{next_record_id}");
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if map.offsets.len() >= map.sweep_at {
            map.offsets.retain(|_, it| it.created.elapsed() <= ttl);
            map.sweep_at = (2 * map.offsets.len()).max(1024);
        }
        map.offsets.insert(offset.clone(), Iterator { listing: listing.into(), next, created: Instant::now() });
        offset
    }

    fn resolve(&self, offset: &str, listing: &str, ttl: std::time::Duration) -> Option<usize> {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let it = map.offsets.get(offset)?.clone();
        if it.created.elapsed() > ttl {
            map.offsets.remove(offset);
            return None;
        }
        (it.listing == listing).then_some(it.next)
    }
}

pub(crate) fn error(status: StatusCode, kind: &str, message: &str) -> Response {
    http::json(status, json!({ "error": { "type": kind, "message": message } }))
}

pub(crate) fn unauthorized() -> Response {
    error(StatusCode::UNAUTHORIZED, "AUTHENTICATION_REQUIRED", "Authentication required")
}

pub(crate) fn rate_limited() -> Response {
    http::json(
        StatusCode::TOO_MANY_REQUESTS,
        json!({ "errors": [{ "error": "RATE_LIMIT_REACHED", "message": "Rate limit exceeded. Please try again later" }] }),
    )
}

pub(crate) fn iterator_expired() -> Response {
    error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "LIST_RECORDS_ITERATOR_NOT_AVAILABLE",
        "The iterator for this list request is no longer available. Restart the listing from the first page.",
    )
}

fn forbidden() -> Response {
    error(
        StatusCode::FORBIDDEN,
        "INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND",
        "Invalid permissions, or the requested model was not found. Check that both your user and your token have the required permissions, and that the model names and/or ids are correct.",
    )
}

/// Pages over `total` positions from an optional offset: the page's range and the next offset.
fn page_bounds(
    state: &SandboxState,
    listing: &str,
    offset: Option<&String>,
    page_size: usize,
    total: usize,
    id_at: impl Fn(usize) -> String,
) -> Result<(usize, usize, Option<String>), Response> {
    let start = match offset {
        None => 0,
        Some(o) => iterators(state)
            .resolve(o, listing, state.config.offset_ttl)
            .ok_or_else(iterator_expired)?,
    };
    let end = (start + page_size).min(total);
    let next = if end < total {
        // One iterator id per listing, carried from page to page as Airtable does.
        let iterator_id = offset
            .and_then(|o| o.split('/').next().map(String::from))
            .unwrap_or_else(|| format!("itr{}", random_token(14)));
        Some(iterators(state).issue(listing, &iterator_id, &id_at(end), end, state.config.offset_ttl))
    } else {
        None
    };
    Ok((start, end, next))
}

/// The Airtable user an account stands for.
fn user_id(acct: &Account) -> String {
    format!("usr{}", base62(acct.seed, 14))
}

async fn whoami(State(state): Shared, headers: HeaderMap) -> Response {
    let token = http::bearer(&headers).unwrap_or_default().to_string();
    let admitted = match admit(&state, ProviderId::Airtable, &headers, false, Some(&format!("meta:{token}"))).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    // Each account is another Airtable user.
    let n = admitted.account;
    let mut body = json!({ "id": user_id(state.account(n)), "scopes": admitted.scopes });
    if admitted.has_scope("user.email:read") {
        body["email"] = json!(if n == 0 { "sandbox.user@example.com".to_string() } else { format!("sandbox.user+{n}@example.com") });
    }
    admitted.page(body)
}

async fn list_bases(State(state): Shared, Query(q): Query<HashMap<String, String>>, headers: HeaderMap) -> Response {
    let requested = q.get("offset").filter(|o| !o.is_empty());
    let offset = requested.map(|o| state.resolve_cursor(o));
    let offset = offset.as_ref();
    let token = http::bearer(&headers).unwrap_or_default().to_string();
    let admitted = match admit(&state, ProviderId::Airtable, &headers, offset.is_some(), Some(&format!("meta:{token}"))).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    if !admitted.has_scope("schema.bases:read") {
        return forbidden();
    }
    let data = &state.account(admitted.account).dataset.airtable;
    let bounds = page_bounds(&state, "bases", offset, BASES_PAGE, data.base_count(), |b| data.base(b).id);
    let (start, end, next) = match bounds {
        Ok(b) => b,
        Err(r) => return r,
    };
    let next = admitted.next_cursor(requested.map(String::as_str), || next);
    let mut body = json!({ "bases": (start..end).map(|b| data.base_json(b)).collect::<Vec<_>>() });
    if let Some(next) = next {
        body["offset"] = json!(next);
    }
    admitted.page(body)
}

async fn list_tables(State(state): Shared, Path(base_id): Path<String>, headers: HeaderMap) -> Response {
    let admitted = match admit(&state, ProviderId::Airtable, &headers, false, Some(&base_id)).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let data = &state.account(admitted.account).dataset.airtable;
    let Some(b) = data.base_index(&base_id).filter(|_| admitted.has_scope("schema.bases:read")) else {
        return forbidden();
    };
    let tables: Vec<Value> = (0..TABLES_PER_BASE).map(|t| data.table_json(b, t)).collect();
    admitted.page(json!({ "tables": tables }))
}

async fn list_records(
    State(state): Shared,
    Path((base_id, table)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let requested = q.get("offset").filter(|o| !o.is_empty());
    let offset = requested.map(|o| state.resolve_cursor(o));
    let offset = offset.as_ref();
    let admitted = match admit(&state, ProviderId::Airtable, &headers, offset.is_some(), Some(&base_id)).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    if !admitted.has_scope("data.records:read") {
        return forbidden();
    }
    let acct = state.account(admitted.account);
    let data = &acct.dataset.airtable;
    let Some(b) = data.base_index(&base_id) else { return forbidden() };
    let Some(t) = data.table_index(b, &table) else {
        return error(StatusCode::NOT_FOUND, "TABLE_NOT_FOUND", &format!("Could not find table {table} in application {base_id}"));
    };
    let page_size = match q.get("pageSize").map(|s| s.parse::<usize>()) {
        None => 100,
        Some(Ok(n)) if (1..=100).contains(&n) => n,
        Some(_) => return error(StatusCode::UNPROCESSABLE_ENTITY, "INVALID_PAGE_SIZE", "pageSize must be between 1 and 100"),
    };
    let records = Records { acct, b, t };
    // With a formula, the records it selects, in order; the iterator is the formula's own.
    let selected: Option<Vec<usize>> = match q.get("filterByFormula").filter(|f| !f.trim().is_empty()) {
        None => None,
        Some(formula) => match modified_after(formula) {
            Some(after) => Some(records.modified_after(after)),
            None => {
                return error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "INVALID_FILTER_BY_FORMULA",
                    &format!("The formula for filtering records is invalid: this sandbox understands IS_AFTER(LAST_MODIFIED_TIME(), '<time>') only, not {formula}"),
                )
            }
        },
    };
    let listing = format!("{base_id}/{}{}", data.table(b, t).id, q.get("filterByFormula").map(|f| format!("?{f}")).unwrap_or_default());
    let at = |i: usize| selected.as_ref().map_or(i, |s| s[i]);
    let total = selected.as_ref().map_or_else(|| records.count(), Vec::len);
    let bounds = page_bounds(&state, &listing, offset, page_size, total, |i| data.record(b, t, at(i)).id);
    let (start, end, next) = match bounds {
        Ok(v) => v,
        Err(r) => return r,
    };
    let next = admitted.next_cursor(requested.map(String::as_str), || next);
    // Deleted records are gone (a page may come back shorter than asked).
    let page: Vec<Value> = (start..end).filter_map(|i| records.json(at(i))).collect();
    let mut body = json!({ "records": page });
    if let Some(next) = next {
        body["offset"] = json!(next);
    }
    admitted.page(body)
}

/// The time in the one formula this sandbox evaluates: `IS_AFTER(LAST_MODIFIED_TIME(), '...')`.
fn modified_after(formula: &str) -> Option<DateTime<Utc>> {
    let compact: String = formula.chars().filter(|c| !c.is_whitespace()).collect();
    let quoted = compact.strip_prefix("IS_AFTER(LAST_MODIFIED_TIME(),")?.strip_suffix(')')?;
    let time = quoted.strip_prefix(['\'', '"'])?.strip_suffix(['\'', '"'])?;
    DateTime::parse_from_rfc3339(time).ok().map(|t| t.with_timezone(&Utc))
}

/// One table's records as they are now: the generated ones with the changes made since.
struct Records<'a> {
    acct: &'a Account,
    b: usize,
    t: usize,
}

impl Records<'_> {
    fn listing(&self) -> String {
        format!("{}/{}", self.b, self.t)
    }

    fn count(&self) -> usize {
        self.acct.changes[ProviderId::Airtable].count(&self.listing(), self.acct.dataset.airtable.record_count(self.b, self.t))
    }

    /// The record at `position` as the API returns it, unless it was deleted.
    fn json(&self, position: usize) -> Option<Value> {
        let data = &self.acct.dataset.airtable;
        let touch = self.acct.changes[ProviderId::Airtable].touch(&self.listing(), position);
        let mut rec = data.record(self.b, self.t, position);
        match touch {
            Some(t) if t.deleted() => return None,
            Some(t) => {
                if t.added {
                    rec.created_time = t.at;
                } else if let Some(name) = rec.fields.get("Name").and_then(Value::as_str) {
                    let name = format!("{name}{EDITED}");
                    rec.fields.insert("Name".into(), json!(name));
                }
                if AirtableData::has_modified_field(self.t) {
                    rec.fields.insert(MODIFIED_FIELD.into(), json!(rfc3339_millis(t.at)));
                }
            }
            None => {}
        }
        Some(json!({ "id": rec.id, "createdTime": rfc3339_millis(rec.created_time), "fields": rec.fields }))
    }

    /// What `LAST_MODIFIED_TIME()` gives for the record at `position`.
    fn modified(&self, position: usize) -> DateTime<Utc> {
        if let Some(t) = self.acct.changes[ProviderId::Airtable].touch(&self.listing(), position) {
            return t.at;
        }
        let rec = self.acct.dataset.airtable.record(self.b, self.t, position);
        rec.modified_time.unwrap_or(rec.created_time)
    }

    /// The live records modified after `after`, in order.
    fn modified_after(&self, after: DateTime<Utc>) -> Vec<usize> {
        let log = &self.acct.changes[ProviderId::Airtable];
        // Changes are stamped after every generated time.
        let candidates: Vec<usize> = if after >= crate::changes::generated_before() {
            log.touched(&self.listing()).into_iter().map(|(p, _)| p).collect()
        } else {
            (0..self.count()).collect()
        };
        candidates
            .into_iter()
            .filter(|&p| !log.touch(&self.listing(), p).is_some_and(|t| t.deleted()) && self.modified(p) > after)
            .collect()
    }
}

/// Edits, deletes and adds records, spread over every table.
fn change(acct: &Account, change: Change) -> Changed {
    let data = &acct.dataset.airtable;
    let log = &acct.changes[ProviderId::Airtable];
    let tables: Vec<(usize, usize)> = (0..data.base_count()).flat_map(|b| (0..TABLES_PER_BASE).map(move |t| (b, t))).collect();
    let item = |b: usize, t: usize, p: usize| ChangedItem { listing: format!("{}/{}", data.base(b).id, data.table(b, t).id), id: data.record(b, t, p).id };
    let mut changed = Changed::default();
    for (kind, n, out) in [(TouchKind::Edited, change.edit, &mut changed.edited), (TouchKind::Deleted, change.delete, &mut changed.deleted)] {
        for i in 0..n {
            let (b, t) = tables[(i * 5 + kind as usize) % tables.len()];
            let records = Records { acct, b, t };
            out.extend(log.change_some(&records.listing(), records.count(), 1, i + kind as usize * 101, kind, |_| false).into_iter().map(|p| item(b, t, p)));
        }
    }
    for i in 0..change.add {
        let (b, t) = tables[(i * 7) % tables.len()];
        let p = log.add(&Records { acct, b, t }.listing(), data.record_count(b, t));
        changed.added.push(item(b, t, p));
    }
    changed
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    http::json(status, json!({ "error": error, "error_description": description }))
}

async fn token(State(state): Shared, headers: HeaderMap, Form(form): Form<HashMap<String, String>>) -> Response {
    state.counters[ProviderId::Airtable].token_requests.fetch_add(1, Ordering::Relaxed);
    if let Some(faulty) = crate::providers::token_fault(&state, ProviderId::Airtable).await {
        return faulty;
    }
    let client = &state.config.clients[ProviderId::Airtable];
    let get = |k: &str| form.get(k).map(String::as_str);
    // A client with a secret must use Basic; a public client names itself in the body.
    let authenticated = match (&client.client_secret, http::basic(&headers)) {
        (Some(secret), Some((id, s))) => id == client.client_id && &s == secret,
        (Some(_), None) => false,
        (None, Some(_)) => false,
        (None, None) => get("client_id") == Some(client.client_id.as_str()),
    };
    if !authenticated {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "Client authentication failed.");
    }
    let result = match get("grant_type") {
        Some("authorization_code") => {
            let Some(code) = get("code") else { return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "code is required") };
            state.grants.exchange_code(
                ProviderId::Airtable,
                code,
                &client.client_id,
                get("redirect_uri"),
                get("code_verifier"),
                true,
            )
        }
        Some("refresh_token") => {
            let Some(rt) = get("refresh_token") else {
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "refresh_token is required");
            };
            state.grants.refresh(ProviderId::Airtable, rt, &client.client_id)
        }
        _ => return oauth_error(StatusCode::BAD_REQUEST, "unsupported_grant_type", "grant_type is not supported"),
    };
    match result {
        Ok(t) => http::json(
            StatusCode::OK,
            json!({
                "access_token": t.access_token,
                "refresh_token": t.refresh_token,
                "token_type": "Bearer",
                "scope": t.scopes.join(" "),
                "expires_in": t.expires_in.unwrap_or(3600),
                "refresh_expires_in": 60 * 24 * 3600,
            }),
        ),
        Err(GrantError::MissingVerifier) => {
            oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "code_verifier is required")
        }
        Err(e) => oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", &e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn expired_offsets_are_swept_while_live_ones_stay() {
        let iterators = Iterators::default();
        for i in 0..3000 {
            iterators.issue("app/tbl", "itr", &format!("rec{i}"), i, Duration::ZERO);
        }
        assert!(iterators.0.lock().unwrap().offsets.len() <= 1024, "expired offsets are not kept forever");
        let live = Iterators::default();
        let offsets: Vec<String> = (0..1100).map(|i| live.issue("app/tbl", "itr", &format!("rec{i}"), i, Duration::from_secs(300))).collect();
        assert_eq!(live.resolve(&offsets[0], "app/tbl", Duration::from_secs(300)), Some(0), "a live offset survives a sweep");
    }
}
