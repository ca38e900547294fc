//! Airtable: bases, their tables and the tables' records, every page. Bases load concurrently
//! (the limit is per base); an expired list offset restarts that table's listing.

use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use reqwest::Method;
use serde_json::Value;

use super::api::ApiFailure;
use super::pages::{pages, PageSpec};
use super::LoadContext;
use crate::error::{Error, Result};
use crate::item::IntegrationItem;
use crate::provider::ProviderId;

/// Restarts allowed per table when Airtable drops its list iterator.
const MAX_RESTARTS: usize = 3;

fn bad(message: &str) -> Error {
    Error::BadResponse { provider: ProviderId::Airtable, message: message.into() }
}

fn str_field<'a>(v: &'a Value, k: &str) -> Result<&'a str> {
    v.get(k).and_then(Value::as_str).ok_or_else(|| bad(&format!("an object has no `{k}`")))
}

/// Errors inside a listing: the iterator-expired signal is kept apart so the listing can restart.
enum ListError {
    Restart,
    Fatal(Error),
}

impl From<Error> for ListError {
    fn from(e: Error) -> Self {
        ListError::Fatal(e)
    }
}

impl From<ApiFailure> for ListError {
    fn from(f: ApiFailure) -> Self {
        match f {
            ApiFailure::IteratorExpired => ListError::Restart,
            ApiFailure::Fatal(e) => ListError::Fatal(e),
        }
    }
}

pub(crate) async fn load(ctx: &LoadContext) -> Result<Vec<IntegrationItem>> {
    let bases = list_bases(ctx).await?;
    let per_base = futures::future::try_join_all(bases.iter().map(|b| load_base(ctx, b))).await?;
    let mut items = bases;
    items.extend(per_base.into_iter().flatten());
    Ok(items)
}

async fn list_bases(ctx: &LoadContext) -> Result<Vec<IntegrationItem>> {
    let mut bases = Vec::new();
    let spec = PageSpec { provider: ProviderId::Airtable, listing: "bases".into(), max_pages: ctx.options.max_pages_per_listing };
    let stream = pages(spec, |offset: Option<String>| async move {
        let mut url = ctx.api.url("v0/meta/bases");
        if let Some(o) = &offset {
            url.query_pairs_mut().append_pair("offset", o);
        }
        let page = ctx.api.call(Method::GET, url, None, "meta").await.map_err(ListError::from)?;
        let next = page.get("offset").and_then(Value::as_str).map(String::from);
        Ok::<_, ListError>((page, next))
    });
    futures::pin_mut!(stream);
    loop {
        match stream.try_next().await {
            Ok(Some(page)) => {
                let list = page.get("bases").and_then(Value::as_array).ok_or_else(|| bad("no bases array"))?;
                for b in list {
                    let id = str_field(b, "id")?;
                    bases.push(IntegrationItem {
                        id: id.into(),
                        kind: "base".into(),
                        directory: true,
                        name: str_field(b, "name")?.into(),
                        url: Some(format!("https://airtable.com/{id}")),
                        visibility: true,
                        ..Default::default()
                    });
                }
                ctx.tracker.page("bases", list.len());
            }
            Ok(None) => return Ok(bases),
            Err(ListError::Fatal(e)) => return Err(e),
            Err(ListError::Restart) => return Err(bad("the bases listing expired")),
        }
    }
}

struct Table {
    id: String,
    name: String,
    primary_field: Option<String>,
}

async fn load_base(ctx: &LoadContext, base: &IntegrationItem) -> Result<Vec<IntegrationItem>> {
    let url = ctx.api.url(&format!("v0/meta/bases/{}/tables", base.id));
    let page = ctx.api.call(Method::GET, url, None, &base.id).await.map_err(|f| match ListError::from(f) {
        ListError::Fatal(e) => e,
        ListError::Restart => bad("unexpected iterator error"),
    })?;
    let raw_tables = page.get("tables").and_then(Value::as_array).ok_or_else(|| bad("no tables array"))?;
    let mut tables = Vec::new();
    let mut items = Vec::new();
    for t in raw_tables {
        let id = str_field(t, "id")?.to_string();
        let name = str_field(t, "name")?.to_string();
        let primary_id = t.get("primaryFieldId").and_then(Value::as_str);
        let primary_field = t
            .get("fields")
            .and_then(Value::as_array)
            .and_then(|fs| fs.iter().find(|f| f.get("id").and_then(Value::as_str) == primary_id))
            .and_then(|f| f.get("name").and_then(Value::as_str))
            .map(String::from);
        items.push(IntegrationItem {
            id: id.clone(),
            kind: "table".into(),
            directory: true,
            parent_path_or_name: Some(base.name.clone()),
            parent_id: Some(base.id.clone()),
            name: name.clone(),
            url: Some(format!("https://airtable.com/{}/{id}", base.id)),
            visibility: true,
            ..Default::default()
        });
        tables.push(Table { id, name, primary_field });
    }
    ctx.tracker.page(&base.name, items.len());
    if ctx.options.airtable_records {
        for table in &tables {
            items.extend(load_records(ctx, base, table).await?);
        }
    }
    Ok(items)
}

async fn load_records(ctx: &LoadContext, base: &IntegrationItem, table: &Table) -> Result<Vec<IntegrationItem>> {
    let listing = format!("{} / {}", base.name, table.name);
    let mut restarts = 0;
    'listing: loop {
        let mut records = Vec::new();
        let spec = PageSpec { provider: ProviderId::Airtable, listing: listing.clone(), max_pages: ctx.options.max_pages_per_listing };
        let stream = pages(spec, |offset: Option<String>| async move {
            let mut url = ctx.api.url(&format!("v0/{}/{}", base.id, table.id));
            url.query_pairs_mut().append_pair("pageSize", "100");
            if let Some(o) = &offset {
                url.query_pairs_mut().append_pair("offset", o);
            }
            let page = ctx.api.call(Method::GET, url, None, &base.id).await.map_err(ListError::from)?;
            let next = page.get("offset").and_then(Value::as_str).map(String::from);
            Ok::<_, ListError>((page, next))
        });
        futures::pin_mut!(stream);
        loop {
            match stream.try_next().await {
                Ok(Some(page)) => {
                    let list = page.get("records").and_then(Value::as_array).ok_or_else(|| bad("no records array"))?;
                    for r in list {
                        records.push(record(base, table, &listing, r)?);
                    }
                    ctx.tracker.page(&listing, list.len());
                }
                Ok(None) => return Ok(records),
                Err(ListError::Fatal(e)) => return Err(e),
                Err(ListError::Restart) if restarts < MAX_RESTARTS => {
                    restarts += 1;
                    ctx.tracker.forget(records.len());
                    tracing::info!(listing = %listing, restarts, "Airtable list offset expired; restarting the table");
                    continue 'listing;
                }
                Err(ListError::Restart) => {
                    return Err(Error::Provider {
                        provider: ProviderId::Airtable,
                        status: 422,
                        message: format!("the record list of {listing} kept expiring ({MAX_RESTARTS} restarts)"),
                    })
                }
            }
        }
    }
}

fn record(base: &IntegrationItem, table: &Table, listing: &str, r: &Value) -> Result<IntegrationItem> {
    let id = str_field(r, "id")?;
    let name = table
        .primary_field
        .as_deref()
        .and_then(|f| r.pointer(&format!("/fields/{}", f.replace('~', "~0").replace('/', "~1"))))
        .and_then(|v| match v {
            Value::String(s) => Some(s.trim().to_string()),
            Value::Number(n) => Some(n.to_string()),
            Value::Null => None,
            other => Some(other.to_string()),
        })
        .filter(|s| !s.is_empty());
    Ok(IntegrationItem {
        id: id.into(),
        kind: "record".into(),
        directory: false,
        parent_path_or_name: Some(listing.into()),
        parent_id: Some(table.id.clone()),
        name: name.unwrap_or_else(|| id.to_string()),
        creation_time: r.get("createdTime").and_then(Value::as_str).and_then(|s| s.parse::<DateTime<Utc>>().ok()),
        url: Some(format!("https://airtable.com/{}/{}/{id}", base.id, table.id)),
        visibility: true,
        ..Default::default()
    })
}
