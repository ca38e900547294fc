//! Notion (Notion-Version 2025-09-03): every page and data source the connection can see, through
//! `/v1/search`, one cursor chain paced at about 3 requests a second. Data sources are
//! directories; a page's parent is a page, a data source, or the workspace.

use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use reqwest::Method;
use serde_json::{json, Value};

use super::api::ApiFailure;
use super::pages::{pages, PageSpec};
use super::LoadContext;
use crate::error::{Error, Result};
use crate::item::IntegrationItem;
use crate::provider::ProviderId;

fn bad(message: &str) -> Error {
    Error::BadResponse { provider: ProviderId::Notion, message: message.into() }
}

fn fatal(f: ApiFailure) -> Error {
    match f {
        ApiFailure::Fatal(e) => e,
        ApiFailure::IteratorExpired => bad("unexpected iterator error"),
    }
}

pub(crate) async fn load(ctx: &LoadContext) -> Result<Vec<IntegrationItem>> {
    let mut items = Vec::new();
    let spec = PageSpec { provider: ProviderId::Notion, listing: "search".into(), max_pages: ctx.options.max_pages_per_listing };
    let stream = pages(spec, |cursor: Option<String>| async move {
        let mut body = json!({ "page_size": 100 });
        if let Some(c) = cursor {
            body["start_cursor"] = json!(c);
        }
        let page = ctx.api.call(Method::POST, ctx.api.url("v1/search"), Some(&body), "search").await.map_err(fatal)?;
        let next = match (page.get("has_more").and_then(Value::as_bool), page.get("next_cursor").and_then(Value::as_str)) {
            (Some(true), Some(c)) => Some(c.to_string()),
            (Some(true), None) => return Err(bad("has_more is true but next_cursor is missing")),
            _ => None,
        };
        Ok::<_, Error>((page, next))
    });
    futures::pin_mut!(stream);
    while let Some(page) = stream.try_next().await? {
        let results = page.get("results").and_then(Value::as_array).ok_or_else(|| bad("no results array"))?;
        for r in results {
            if let Some(item) = item(r)? {
                items.push(item);
            }
        }
        ctx.tracker.page("search", results.len());
    }
    Ok(items)
}

/// Joins a rich-text array's plain text.
fn plain_text(rich: Option<&Value>) -> String {
    rich.and_then(Value::as_array)
        .map(|runs| runs.iter().filter_map(|r| r.get("plain_text").and_then(Value::as_str)).collect())
        .unwrap_or_default()
}

fn item(r: &Value) -> Result<Option<IntegrationItem>> {
    let object = r.get("object").and_then(Value::as_str).unwrap_or_default();
    let id = r.get("id").and_then(Value::as_str).ok_or_else(|| bad("a result has no id"))?;
    let (kind, directory, title) = match object {
        "page" => {
            // The title is the one property of type "title", whatever it is called.
            let title = r
                .get("properties")
                .and_then(Value::as_object)
                .and_then(|props| props.values().find(|p| p.get("type").and_then(Value::as_str) == Some("title")))
                .map(|p| plain_text(p.get("title")))
                .unwrap_or_default();
            ("page", false, title)
        }
        "data_source" | "database" => (object, true, plain_text(r.get("title"))),
        // Unknown object kinds (a future API addition) are left out rather than mislabelled.
        _ => return Ok(None),
    };
    let (parent_id, parent_path) = parent(r);
    let time = |k: &str| r.get(k).and_then(Value::as_str).and_then(|s| s.parse::<DateTime<Utc>>().ok());
    let trashed = r.get("in_trash").and_then(Value::as_bool).unwrap_or(false) || r.get("archived").and_then(Value::as_bool).unwrap_or(false);
    Ok(Some(IntegrationItem {
        id: id.into(),
        kind: kind.into(),
        directory,
        parent_path_or_name: parent_path,
        parent_id,
        name: if title.trim().is_empty() { "Untitled".into() } else { title },
        creation_time: time("created_time"),
        last_modified_time: time("last_edited_time"),
        url: r.get("url").and_then(Value::as_str).map(String::from),
        visibility: !trashed,
        ..Default::default()
    }))
}

/// The parent's id (when it can be an item of the load) and, where the parent is not an item,
/// what it is. A data source's own parent is its database container, which search does not
/// return, so it hangs under the database's parent.
fn parent(r: &Value) -> (Option<String>, Option<String>) {
    let of = |p: &Value| -> (Option<String>, Option<String>) {
        let s = |k: &str| p.get(k).and_then(Value::as_str).map(String::from);
        match p.get("type").and_then(Value::as_str) {
            Some("page_id") => (s("page_id"), None),
            Some("data_source_id") => (s("data_source_id"), None),
            Some("database_id") => (s("database_id"), None),
            Some("block_id") => (None, Some("a block".into())),
            Some("workspace") => (None, Some("Workspace".into())),
            _ => (None, None),
        }
    };
    match (r.get("object").and_then(Value::as_str), r.get("database_parent")) {
        (Some("data_source"), Some(dp)) if dp.is_object() => of(dp),
        _ => r.get("parent").map(of).unwrap_or((None, None)),
    }
}
