//! Notion (Notion-Version 2026-03-11 or 2025-09-03): `/v1/search` (not exhaustive, as Notion
//! documents) and `/v1/data_sources/{id}/query` with `start_cursor`/`next_cursor`/`has_more`,
//! `/v1/users/me`, and the OAuth endpoints (Basic auth, JSON body, rotating refresh tokens).

pub mod dataset;

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};

use chrono::{DateTime, Utc};

use crate::changes::{Change, ChangedItem, Changed, Touch, TouchKind, EDITED};
use crate::config::ProviderId;
use crate::dataset::rfc3339_millis;
use dataset::{NotionKind, NotionParent, NOTION_VERSIONS};
use crate::grants::GrantError;
use crate::http::{self, request_id};
use crate::providers::{admit, no_state, plain_page, ConsentRules, DenyCallback, FakeSpec, PkceRule};
use crate::ratelimit::{RateRule, Scope, ScopedRule};
use crate::{Account, SandboxState};

type Shared = State<Arc<SandboxState>>;

pub(crate) fn routes(_state: &SandboxState) -> Router<Arc<SandboxState>> {
    Router::new()
        .route("/v1/search", post(search))
        .route("/v1/data_sources/{id}/query", post(query_data_source))
        .route("/v1/users/me", get(me))
        .route("/v1/oauth/token", post(token))
        .route("/v1/oauth/revoke", post(revoke))
        .route("/v1/oauth/introspect", post(introspect))
}

pub(crate) static SPEC: FakeSpec = FakeSpec {
    routes,
    authorize_path: "v1/oauth/authorize",
    token_path: "v1/oauth/token",
    revoke_path: Some("v1/oauth/revoke"),
    introspect_path: None,
    // Notion grants pages, not scopes: the consent page asks for `owner=user` instead.
    scopes: &[],
    consent: ConsentRules {
        requires_response_type: true,
        requires_scopes: false,
        requires_state: false,
        // Notion documents no PKCE: it ignores the parameters.
        pkce: PkceRule::Ignored,
        deny_callback: Some(DenyCallback { description: None }),
    },
    token_prefix: "ntn_",
    rotates_refresh_token: true,
    // About 3 requests per second per connection on average, with a small burst.
    rate_rules: &[
        ScopedRule { rule: RateRule::FixedWindow { max: CONNECTION_BUDGET, window: Duration::from_secs(60) }, scope: Scope::Key, reason: "connection_rate_limit" },
        ScopedRule { rule: RateRule::FixedWindow { max: 3 * CONNECTION_BUDGET, window: Duration::from_secs(60) }, scope: Scope::Shared, reason: "workspace_rate_limit" },
    ],
    client_has_secret: true,
    personal_token: "ntn_sandbox_notion_internal_integration",
    // Notion documents no expiry for its access tokens.
    access_token_ttl: None,
    unauthorized: |_| error(StatusCode::UNAUTHORIZED, "unauthorized", "API token is invalid."),
    rate_limited: |_, retry_after, reason| rate_limited(retry_after, reason),
    server_error,
    decorate_page: plain_page,
    listing_expired: None,
    new_state: no_state,
    account_label: |a, _| a.dataset.notion.workspace_name.clone(),
    change,
};

fn server_error(status: StatusCode) -> Response {
    let code = match status.as_u16() {
        502 => "bad_gateway",
        503 => "service_unavailable",
        504 => "gateway_timeout",
        529 => "service_overload",
        _ => "internal_server_error",
    };
    error(status, code, "Notion is unavailable right now; try again later.")
}

pub(crate) fn error(status: StatusCode, code: &str, message: &str) -> Response {
    http::json(
        status,
        json!({ "object": "error", "status": status.as_u16(), "code": code, "message": message, "request_id": request_id() }),
    )
}

/// Requests per 60-second window per connection: the budget depends on the workspace's plan;
/// this one is the old "about 3 per second" over a minute. A separate, larger per-workspace
/// limit is shared by all of the workspace's connections.
pub const CONNECTION_BUDGET: usize = 180;

/// A 429: `Retry-After` in whole seconds (the time to the window's reset) and the limit that
/// refused in `additional_data.rate_limit_reason`.
pub(crate) fn rate_limited(retry_after: Duration, reason: &str) -> Response {
    let body = json!({
        "object": "error",
        "status": 429,
        "code": "rate_limited",
        "message": "You have been rate limited. Please try again in a few minutes.",
        "additional_data": { "rate_limit_reason": reason },
        "request_id": request_id(),
    });
    let mut resp = http::json(StatusCode::TOO_MANY_REQUESTS, body);
    let secs = retry_after.as_secs_f64().ceil().max(1.0) as u64;
    resp.headers_mut().insert("Retry-After", HeaderValue::from(secs));
    resp
}

/// Every API call must name the version; the sandbox serves the shapes of the versions the app
/// speaks, and says which one a request asked for.
fn check_version(headers: &HeaderMap) -> Result<&'static str, Response> {
    match headers.get("Notion-Version").and_then(|v| v.to_str().ok()) {
        None => Err(error(
            StatusCode::BAD_REQUEST,
            "missing_version",
            "Notion-Version header failed validation: Notion-Version header should be defined, instead was `undefined`.",
        )),
        Some(v) => NOTION_VERSIONS.iter().copied().find(|known| *known == v).ok_or_else(|| {
            error(
                StatusCode::BAD_REQUEST,
                "validation_error",
                &format!("This sandbox serves Notion-Version {} only; the request asked for `{v}`.", NOTION_VERSIONS.join(" or ")),
            )
        }),
    }
}

/// A list request's JSON body (`{}` when empty).
fn list_request(body: &Bytes) -> Result<Value, Response> {
    if body.is_empty() {
        return Ok(json!({}));
    }
    match serde_json::from_slice(body) {
        Ok(v @ Value::Object(_)) => Ok(v),
        _ => Err(error(StatusCode::BAD_REQUEST, "invalid_json", "Error parsing JSON body.")),
    }
}

/// A list request's `page_size` (default and maximum 100).
fn page_size(request: &Value) -> Result<usize, Response> {
    match request.get("page_size") {
        None | Some(Value::Null) => Ok(100),
        Some(v) => match v.as_u64() {
            Some(n @ 1..=100) => Ok(n as usize),
            _ => Err(validation("body failed validation: body.page_size should be a number between 1 and 100.")),
        },
    }
}

/// A list request (search or a data source's query) that passed the pipeline: its version,
/// body, cursor (as asked, and as meant) and page size.
struct ListCall {
    version: &'static str,
    request: Value,
    requested: Option<String>,
    cursor: Option<String>,
    admitted: crate::providers::Admitted,
    page_size: usize,
}

impl ListCall {
    async fn admit(state: &Arc<SandboxState>, headers: &HeaderMap, body: &Bytes) -> Result<ListCall, Response> {
        let version = check_version(headers)?;
        let request = list_request(body)?;
        let requested = request.get("start_cursor").and_then(Value::as_str).map(String::from);
        let cursor = requested.as_deref().map(|c| state.resolve_cursor(c));
        let token = http::bearer(headers).map(String::from);
        let admitted = admit(state, ProviderId::Notion, headers, cursor.is_some(), token.as_deref()).await?;
        let page_size = page_size(&request)?;
        Ok(ListCall { version, request, requested, cursor, admitted, page_size })
    }
}

/// A page of a list: Notion's envelope around `results`.
fn list_page(results: Vec<Value>, next: Option<String>) -> Value {
    json!({
        "object": "list",
        "results": results,
        "next_cursor": next,
        "has_more": next.is_some(),
        "type": "page_or_data_source",
        "page_or_data_source": {},
        "request_id": request_id(),
    })
}

fn validation(message: &str) -> Response {
    error(StatusCode::BAD_REQUEST, "validation_error", message)
}

async fn search(State(state): Shared, headers: HeaderMap, body: Bytes) -> Response {
    let call = match ListCall::admit(&state, &headers, &body).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let ListCall { version, request, requested, cursor, admitted, page_size } = call;
    let kind_filter = match request.pointer("/filter/value").and_then(Value::as_str) {
        None => None,
        Some("page") => Some(NotionKind::Page),
        Some("data_source") => Some(NotionKind::DataSource),
        Some(other) => {
            return validation(&format!(
                "body failed validation: body.filter.value should be `page` or `data_source`, instead was `\"{other}\"`."
            ))
        }
    };
    // Search returns live items, or with `filter.in_trash` only trashed ones.
    let trashed = request.pointer("/filter/in_trash").and_then(Value::as_bool).unwrap_or(false);
    let ascending = request.pointer("/sort/direction").and_then(Value::as_str) == Some("ascending");
    let query = request.get("query").and_then(Value::as_str).unwrap_or_default().to_lowercase();

    let acct = state.account(admitted.account);
    let items = Items::new(acct);
    let n = items.count;
    // Position in the requested order -> item index (search order is newest edit first).
    let at = |pos: usize| items.by_recency(if ascending { n - 1 - pos } else { pos });
    let start = match &cursor {
        None => 0,
        Some(c) => match items.position(c) {
            Some(k) => {
                let recency = items.recency_of(k);
                if ascending { n - 1 - recency } else { recency }
            }
            None => return validation(&format!("body failed validation: body.start_cursor should be a valid cursor, instead was `\"{c}\"`.")),
        },
    };
    let data = &acct.dataset.notion;
    // Search's index lags: the rows it does not have are left out (their data source has them).
    // An edit is indexed, so what changed while the sandbox runs is always found.
    let matches = |k: usize| {
        (data.in_search(k) || items.touch(k).is_some())
            && items.trashed(k) == trashed
            && kind_filter.is_none_or(|f| data.kind(k) == f)
            && (query.is_empty() || data.item(k).title.to_lowercase().contains(&query))
    };
    let mut results = Vec::with_capacity(page_size);
    let mut pos = start;
    while pos < n && results.len() < page_size {
        if matches(at(pos)) {
            results.push(items.json(at(pos), version));
        }
        pos += 1;
    }
    // The next cursor is the id of the next matching result.
    let next = admitted.next_cursor(requested.as_deref(), || (pos..n).find(|&p| matches(at(p))).map(|p| data.id(at(p))));
    admitted.page(list_page(results, next))
}

/// `POST /v1/data_sources/{id}/query`: a data source's rows, in order, paged like search;
/// a `last_edited_time` timestamp filter (`after`, `on_or_after`, `before`, `on_or_before`)
/// selects by edit time, and `in_trash: true` returns only trashed rows (otherwise only live ones).
async fn query_data_source(State(state): Shared, Path(id): Path<String>, headers: HeaderMap, body: Bytes) -> Response {
    let call = match ListCall::admit(&state, &headers, &body).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let ListCall { version, request, requested, cursor, admitted, page_size } = call;
    let acct = state.account(admitted.account);
    let items = Items::new(acct);
    let data = &acct.dataset.notion;
    let Some(ds) = items.position(&id).filter(|&k| data.kind(k) == NotionKind::DataSource && !items.trashed(k)) else {
        return error(
            StatusCode::NOT_FOUND,
            "object_not_found",
            &format!("Could not find data_source with ID: {id}. Make sure the relevant pages and databases are shared with your integration."),
        );
    };
    let edited = match edited_filter(&request) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let trashed = request.get("in_trash").and_then(Value::as_bool).unwrap_or(false);
    let selected = |k: &usize| items.trashed(*k) == trashed && edited.as_ref().is_none_or(|keep| keep(items.last_edited(*k)));
    let mut rows = items.rows(ds).into_iter().filter(selected).skip_while(|&k| cursor.as_deref().is_some_and(|c| data.id(k) != c)).peekable();
    if cursor.is_some() && rows.peek().is_none() {
        return validation(&format!("body failed validation: body.start_cursor should be a valid cursor, instead was `\"{}\"`.", cursor.unwrap_or_default()));
    }
    let results: Vec<Value> = rows.by_ref().take(page_size).map(|k| items.json(k, version)).collect();
    let next = admitted.next_cursor(requested.as_deref(), || rows.next().map(|k| data.id(k)));
    admitted.page(list_page(results, next))
}

/// A query's `{"timestamp": "last_edited_time", "last_edited_time": {op: time}}` filter, as a test.
#[allow(clippy::type_complexity)]
fn edited_filter(request: &Value) -> Result<Option<Box<dyn Fn(DateTime<Utc>) -> bool>>, Response> {
    let Some(filter) = request.get("filter") else { return Ok(None) };
    let condition = (filter.get("timestamp").and_then(Value::as_str) == Some("last_edited_time"))
        .then(|| filter.get("last_edited_time").and_then(Value::as_object))
        .flatten()
        .and_then(|c| c.iter().next());
    let unsupported = || validation(&format!("body failed validation: this sandbox filters data source queries on last_edited_time only, not {filter}"));
    let Some((op, value)) = condition else { return Err(unsupported()) };
    let Some(at) = value.as_str().and_then(|v| DateTime::parse_from_rfc3339(v).ok()).map(|t| t.with_timezone(&Utc)) else {
        return Err(validation(&format!("body failed validation: filter.last_edited_time.{op} should be an ISO 8601 date, instead was `{value}`.")));
    };
    let keep: Box<dyn Fn(DateTime<Utc>) -> bool> = match op.as_str() {
        "after" => Box::new(move |t| t > at),
        "on_or_after" => Box::new(move |t| t >= at),
        "before" => Box::new(move |t| t < at),
        "on_or_before" => Box::new(move |t| t <= at),
        "equals" => Box::new(move |t| t == at),
        _ => return Err(unsupported()),
    };
    Ok(Some(keep))
}

/// The items as they are now: the generated ones with the changes made since. Changed items
/// were edited last (their times are the sandbox's clock), so in search order they come first,
/// newest first, then the untouched ones in their generated order.
struct Items<'a> {
    acct: &'a Account,
    count: usize,
    /// Changed positions, in position order.
    touched: Vec<(usize, Touch)>,
    /// Changed positions, newest change first.
    recent: Vec<usize>,
}

/// Notion's one listing, as the change log names it.
const LISTING: &str = "pages";

impl<'a> Items<'a> {
    fn new(acct: &'a Account) -> Self {
        let log = &acct.changes[ProviderId::Notion];
        let touched = log.touched(LISTING);
        let mut recent: Vec<(usize, Touch)> = touched.clone();
        recent.sort_by_key(|(k, t)| (std::cmp::Reverse(t.at), *k));
        let count = log.count(LISTING, acct.dataset.notion.total());
        Items { acct, count, touched, recent: recent.into_iter().map(|(k, _)| k).collect() }
    }

    fn touch(&self, k: usize) -> Option<Touch> {
        self.touched.binary_search_by_key(&k, |(p, _)| *p).ok().map(|i| self.touched[i].1)
    }

    fn position(&self, id: &str) -> Option<usize> {
        self.acct.dataset.notion.position(id).filter(|&k| k < self.count)
    }

    /// Whether the item is in the trash: trashed itself, or under a trashed page (Notion moves
    /// a page's sub-pages to the trash with it).
    fn trashed(&self, k: usize) -> bool {
        if !self.touched.iter().any(|(_, t)| t.deleted()) {
            return false;
        }
        let data = &self.acct.dataset.notion;
        let mut at = k;
        // Parents come before their children, so the walk ends; the bound is a guard.
        for _ in 0..256 {
            if self.touch(at).is_some_and(|t| t.deleted()) {
                return true;
            }
            match data.parent(at) {
                NotionParent::Page { page_id } => match data.position(&page_id).filter(|&p| p < at) {
                    Some(p) => at = p,
                    None => return false,
                },
                _ => return false,
            }
        }
        false
    }

    fn last_edited(&self, k: usize) -> DateTime<Utc> {
        self.touch(k).map_or_else(|| self.acct.dataset.notion.item(k).last_edited_time, |t| t.at)
    }

    /// The item `r`-th in search order (most recently edited first).
    fn by_recency(&self, r: usize) -> usize {
        if let Some(&k) = self.recent.get(r) {
            return k;
        }
        // The (r - changed)-th untouched position.
        let mut k = r - self.recent.len();
        for (p, _) in &self.touched {
            if *p <= k {
                k += 1;
            } else {
                break;
            }
        }
        k
    }

    /// Where the item at `k` is in search order.
    fn recency_of(&self, k: usize) -> usize {
        match self.recent.iter().position(|&p| p == k) {
            Some(r) => r,
            None => self.recent.len() + k - self.touched.iter().take_while(|(p, _)| *p < k).count(),
        }
    }

    /// A data source's rows, the added ones included.
    fn rows(&self, ds: usize) -> Vec<usize> {
        let data = &self.acct.dataset.notion;
        let generated = data.total();
        let mut rows: Vec<usize> = data.rows_within(ds, self.count.min(generated)).collect();
        rows.extend(
            self.touched
                .iter()
                .map(|(k, _)| *k)
                .filter(|&k| k >= generated && matches!(data.parent(k), NotionParent::DataSource { ref data_source_id, .. } if *data_source_id == data.id(ds))),
        );
        rows
    }

    /// The item as the API returns it under `version`, with its changes.
    fn json(&self, k: usize, version: &str) -> Value {
        let mut value = self.acct.dataset.notion.item_json(k, version);
        if let Some(touch) = self.touch(k) {
            value["last_edited_time"] = json!(rfc3339_millis(touch.at));
            if touch.added {
                value["created_time"] = json!(rfc3339_millis(touch.at));
            } else if touch.kind == TouchKind::Edited {
                retitle(&mut value);
            }
            if touch.deleted() {
                value["in_trash"] = json!(true);
                if value.get("archived").is_some() {
                    value["archived"] = json!(true);
                }
            }
        }
        value
    }
}

/// Adds the edit mark to an item's title (a data source's `title`, a page's title property).
fn retitle(value: &mut Value) {
    let runs = if value["object"] == "data_source" {
        value.get_mut("title")
    } else {
        value.get_mut("properties").and_then(Value::as_object_mut).and_then(|p| p.values_mut().find(|v| v["type"] == "title")).and_then(|v| v.get_mut("title"))
    };
    if let Some(Value::Array(runs)) = runs {
        runs.push(json!({ "type": "text", "text": { "content": EDITED, "link": null }, "annotations": {}, "plain_text": EDITED, "href": null }));
    }
}

/// Edits, trashes and adds items, spread over the whole workspace.
fn change(acct: &Account, change: Change) -> Changed {
    let log = &acct.changes[ProviderId::Notion];
    let data = &acct.dataset.notion;
    let mut changed = Changed::default();
    let item = |k: usize| ChangedItem { listing: LISTING.into(), id: data.id(k) };
    for (kind, n, out) in [(TouchKind::Edited, change.edit, &mut changed.edited), (TouchKind::Deleted, change.delete, &mut changed.deleted)] {
        let count = log.count(LISTING, data.total());
        // Data sources are left alone: trashing one would take its rows with it.
        out.extend(log.change_some(LISTING, count, n, kind as usize * 101 + 5, kind, |k| data.kind(k) == NotionKind::DataSource).into_iter().map(item));
    }
    for _ in 0..change.add {
        let k = log.add(LISTING, data.total());
        changed.added.push(item(k));
    }
    changed
}

async fn me(State(state): Shared, headers: HeaderMap) -> Response {
    if let Err(r) = check_version(&headers) {
        return r;
    }
    let token = http::bearer(&headers).map(String::from);
    let admitted = match admit(&state, ProviderId::Notion, &headers, false, token.as_deref()).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let data = &state.account(admitted.account).dataset.notion;
    admitted.page(json!({
        "object": "user",
        "id": data.bot_id,
        "name": "Tributary (sandbox)",
        "avatar_url": null,
        "type": "bot",
        "bot": {
            "owner": { "type": "user", "user": { "object": "user", "id": data.user_id } },
            "workspace_name": data.workspace_name,
        },
        "request_id": request_id(),
    }))
}

/// Token calls authenticate the client with HTTP Basic.
fn client_ok(state: &SandboxState, headers: &HeaderMap) -> bool {
    let client = &state.config.clients[ProviderId::Notion];
    matches!(http::basic(headers), Some((id, secret)) if id == client.client_id && Some(&secret) == client.client_secret.as_ref())
}

fn json_body(body: &Bytes) -> Option<Value> {
    serde_json::from_slice::<Value>(body).ok().filter(Value::is_object)
}

async fn token(State(state): Shared, headers: HeaderMap, body: Bytes) -> Response {
    state.counters[ProviderId::Notion].token_requests.fetch_add(1, Ordering::Relaxed);
    if let Some(faulty) = crate::providers::token_fault(&state, ProviderId::Notion).await {
        return faulty;
    }
    if !client_ok(&state, &headers) {
        return error(StatusCode::UNAUTHORIZED, "unauthorized", "Invalid client credentials.");
    }
    let Some(req) = json_body(&body) else {
        return error(StatusCode::BAD_REQUEST, "invalid_json", "Error parsing JSON body.");
    };
    let get = |k: &str| req.get(k).and_then(Value::as_str);
    let client_id = state.config.clients[ProviderId::Notion].client_id.clone();
    let result = match get("grant_type") {
        Some("authorization_code") => match get("code") {
            Some(code) => state.grants.exchange_code(ProviderId::Notion, code, &client_id, get("redirect_uri"), None, false),
            None => return validation("body failed validation: body.code should be defined."),
        },
        Some("refresh_token") => match get("refresh_token") {
            Some(rt) => state.grants.refresh(ProviderId::Notion, rt, &client_id),
            None => return validation("body failed validation: body.refresh_token should be defined."),
        },
        _ => return validation("body failed validation: body.grant_type should be `authorization_code` or `refresh_token`."),
    };
    match result {
        Ok(t) => {
            let data = &state.account(t.account).dataset.notion;
            http::json(
            StatusCode::OK,
            json!({
                "access_token": t.access_token,
                "token_type": "bearer",
                "refresh_token": t.refresh_token,
                "bot_id": data.bot_id,
                "workspace_id": data.workspace_id,
                "workspace_name": data.workspace_name,
                "workspace_icon": null,
                "owner": {
                    "type": "user",
                    "user": {
                        "object": "user", "id": data.user_id, "name": "Sandbox User", "avatar_url": null,
                        "type": "person", "person": { "email": "sandbox.user@example.com" },
                    },
                },
                "duplicated_template_id": null,
                "request_id": request_id(),
            }),
        )
        }
        Err(GrantError::RedirectMismatch) => validation("redirect_uri does not match the one used to authorize."),
        Err(e) => error(StatusCode::BAD_REQUEST, "invalid_grant", &e.to_string()),
    }
}

async fn revoke(State(state): Shared, headers: HeaderMap, body: Bytes) -> Response {
    if !client_ok(&state, &headers) {
        return error(StatusCode::UNAUTHORIZED, "unauthorized", "Invalid client credentials.");
    }
    match json_body(&body).as_ref().and_then(|b| b.get("token")).and_then(Value::as_str) {
        Some(t) => {
            state.grants.revoke(ProviderId::Notion, t);
            http::json(StatusCode::OK, json!({ "request_id": request_id() }))
        }
        None => validation("body failed validation: body.token should be defined."),
    }
}

async fn introspect(State(state): Shared, headers: HeaderMap, body: Bytes) -> Response {
    if !client_ok(&state, &headers) {
        return error(StatusCode::UNAUTHORIZED, "unauthorized", "Invalid client credentials.");
    }
    let Some(t) = json_body(&body).and_then(|b| b.get("token").and_then(Value::as_str).map(String::from)) else {
        return validation("body failed validation: body.token should be defined.");
    };
    let active = state.grants.authenticate(ProviderId::Notion, Some(&t)).is_ok();
    http::json(
        StatusCode::OK,
        json!({ "active": active, "scope": if active { "read_content" } else { "" }, "iat": chrono::Utc::now().timestamp(), "request_id": request_id() }),
    )
}
