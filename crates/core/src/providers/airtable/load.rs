//! Airtable: bases, their tables and the tables' records, every page. Bases load concurrently
//! (paced per base and per user); an expired list offset restarts that table's listing. A
//! record's modification time is its table's `lastModifiedTime` field, where the table's schema
//! has one (Airtable keeps none of its own).

use std::borrow::Cow;
use std::sync::Arc;


use futures::TryStreamExt;
use reqwest::Method;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

use crate::load::api::ApiFailure;
use crate::load::cursor::CursorStyle;
use crate::load::pages::{pages, PageSpec};
use crate::load::{provider_records, LoadContext, MappedPage, Since};
use crate::error::{Error, Result};
use crate::item::{parse_time, IntegrationItem};
use crate::links::segment;
use crate::provider::ProviderId;

/// Restarts allowed per table when Airtable drops its list iterator.
const MAX_RESTARTS: usize = 3;

fn bad(message: &str) -> Error {
    Error::BadResponse { provider: ProviderId::Airtable, request: None, message: message.into() }
}

#[derive(Deserialize)]
struct BasesPage {
    bases: Vec<Base>,
    offset: Option<String>,
}

#[derive(Deserialize)]
struct Base {
    id: String,
    name: String,
}

#[derive(Deserialize)]
struct TablesPage {
    tables: Vec<TableMeta>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TableMeta {
    id: String,
    name: String,
    primary_field_id: Option<String>,
    #[serde(default)]
    fields: Vec<FieldMeta>,
}

#[derive(Deserialize)]
struct FieldMeta {
    id: String,
    name: String,
    #[serde(rename = "type", default)]
    kind: String,
}

/// A record page, read in place; field values stay raw until the primary one is needed.
#[derive(Deserialize)]
struct RecordsPage<'a> {
    #[serde(borrow)]
    records: Vec<Record<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Record<'a> {
    #[serde(borrow)]
    id: Cow<'a, str>,
    #[serde(borrow, default)]
    created_time: Option<Cow<'a, str>>,
    /// Left raw: only the primary field is read, and only when the record is mapped.
    #[serde(borrow)]
    fields: Option<&'a RawValue>,
}

/// Reads the wanted fields of a record's `fields` object in one pass, without building a map of
/// all of them: each value as text (`None` where the record lacks it).
fn field_values<const N: usize>(fields: &RawValue, wanted: [Option<&str>; N]) -> [Option<String>; N] {
    use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};
    struct Find<'w, const N: usize>([Option<&'w str>; N]);
    impl<'de, const N: usize> Visitor<'de> for Find<'_, N> {
        type Value = [Option<Value>; N];
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a fields object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Self::Value, A::Error> {
            let mut found: [Option<Value>; N] = std::array::from_fn(|_| None);
            while let Some(key) = map.next_key::<Cow<'de, str>>()? {
                match self.0.iter().position(|w| *w == Some(key.as_ref())) {
                    Some(i) if found[i].is_none() => found[i] = Some(map.next_value::<Value>()?),
                    _ => {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
            }
            Ok(found)
        }
    }
    let mut de = serde_json::Deserializer::from_str(fields.get());
    let found = de.deserialize_map(Find(wanted)).unwrap_or_else(|_| std::array::from_fn(|_| None));
    found.map(|v| match v? {
        Value::String(s) => Some(s.trim().to_string()),
        Value::Null => None,
        other => Some(other.to_string()),
    })
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

fn fatal(e: ListError, what: &str) -> Error {
    match e {
        ListError::Fatal(e) => e,
        ListError::Restart => bad(&format!("the {what} listing expired")),
    }
}

pub(super) fn load(ctx: &LoadContext) -> futures::future::BoxFuture<'_, Result<()>> {
    Box::pin(load_all(ctx))
}

async fn load_all(ctx: &LoadContext) -> Result<()> {
    let bases = ctx.listing("bases", list_bases(ctx)).await?;
    futures::future::try_join_all(bases.iter().map(|b| load_base(ctx, b, None))).await?;
    Ok(())
}

/// What a reload needs to read a table: when its changes start, and the tables the last sync
/// had (a table new since then is read in full).
struct Changes<'a> {
    after: chrono::DateTime<chrono::Utc>,
    known_tables: std::collections::HashSet<&'a str>,
}

pub(super) fn changes<'a>(ctx: &'a LoadContext, since: &'a Since) -> futures::future::BoxFuture<'a, Result<()>> {
    Box::pin(changes_since(ctx, since))
}

/// What changed since the last sync: every base and table again (a request or two each, and
/// the only way to see one go), and in each table the records modified since
/// (`filterByFormula` on `LAST_MODIFIED_TIME()`), all of a table new since then. Airtable has
/// no deletion feed: deleted records are noticed by the next full load.
async fn changes_since(ctx: &LoadContext, since: &Since) -> Result<()> {
    let bases = ctx.listing("bases", list_bases(ctx)).await?;
    ctx.listed_in_full("base");
    ctx.listed_in_full("table");
    let changes = Changes { after: since.after(), known_tables: since.ids_of_kind("table") };
    futures::future::try_join_all(bases.iter().map(|b| load_base(ctx, b, Some(&changes)))).await?;
    Ok(())
}

async fn list_bases(ctx: &LoadContext) -> Result<Vec<Base>> {
    let mut bases = Vec::new();
    let spec = PageSpec { provider: ProviderId::Airtable, listing: "bases".into(), max_pages: ctx.options.max_pages_per_listing };
    let stream = pages(spec, |offset: Option<String>| async move {
        let mut url = ctx.api.url(&["v0", "meta", "bases"]);
        // The bases listing pages as the records do, without a page size.
        CursorStyle { page_size: None, ..super::SPEC.cursor }.apply(&mut url, &mut None, offset.as_deref());
        let body = ctx.api.call_raw(Method::GET, url, None, "meta").await.map_err(ListError::from)?;
        let page: BasesPage = ctx.api.parse(&body)?;
        let next = page.offset.clone();
        Ok::<_, ListError>((page.bases, next))
    });
    futures::pin_mut!(stream);
    let mut seen = crate::load::pages::SeenItems::default();
    let mut number = 0;
    while let Some(page) = stream.try_next().await.map_err(|e| fatal(e, "bases"))? {
        number += 1;
        if seen.only_repeats(page.iter().map(|b| b.id.as_str())) {
            return Err(Error::RepeatedCursor { provider: ProviderId::Airtable, listing: "bases".into(), page: number });
        }
        let items = page
            .iter()
            .map(|b| IntegrationItem {
                id: b.id.clone(),
                kind: Cow::Borrowed("base"),
                directory: true,
                name: b.name.clone(),
                url: Some(format!("https://airtable.com/{}", segment(&b.id))),
                visibility: true,
                ..Default::default()
            })
            .collect();
        ctx.emit("bases", items);
        bases.extend(page);
    }
    Ok(bases)
}

struct Table {
    id: String,
    name: String,
    primary_field: Option<String>,
    /// The table's field of type `lastModifiedTime`, where it has one.
    modified_field: Option<String>,
}

/// A base's tables and their records (with `changes`, only those modified since, in the tables
/// the last sync had).
async fn load_base(ctx: &LoadContext, base: &Base, changes: Option<&Changes<'_>>) -> Result<()> {
    let tables_listing = format!("{} / tables", base.name);
    let page: TablesPage = ctx
        .listing(&tables_listing, async {
            let url = ctx.api.url(&["v0", "meta", "bases", &base.id, "tables"]);
            let body = ctx.api.call_raw(Method::GET, url, None, &base.id).await.map_err(|f| fatal(f.into(), "tables"))?;
            ctx.api.parse(&body)
        })
        .await?;
    let mut tables = Vec::new();
    let mut items = Vec::new();
    for t in page.tables {
        let primary_field =
            t.fields.iter().find(|f| Some(&f.id) == t.primary_field_id.as_ref()).map(|f| f.name.clone());
        let modified_field = t.fields.iter().find(|f| f.kind == "lastModifiedTime").map(|f| f.name.clone());
        items.push(IntegrationItem {
            id: t.id.clone(),
            kind: Cow::Borrowed("table"),
            directory: true,
            parent_path_or_name: Some(base.name.clone()),
            parent_id: Some(base.id.clone()),
            name: t.name.clone(),
            url: Some(format!("https://airtable.com/{}/{}", segment(&base.id), segment(&t.id))),
            visibility: true,
            ..Default::default()
        });
        tables.push(Table { id: t.id, name: t.name, primary_field, modified_field });
    }
    ctx.emit(&base.name, items);
    if !ctx.options.containers_only {
        for table in &tables {
            let listing = format!("{} / {}", base.name, table.name);
            let formula = changes.filter(|c| c.known_tables.contains(table.id.as_str())).map(|c| {
                format!("IS_AFTER(LAST_MODIFIED_TIME(), '{}')", c.after.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
            });
            let records = ctx.listing(&listing, load_records(ctx, base, table, &listing, formula.as_deref())).await?;
            ctx.emit_quietly(records);
        }
    }
    Ok(())
}

/// What mapping a record page needs, shared with the task that maps it.
struct RecordContext {
    base_id: String,
    table_id: String,
    listing: String,
    primary_field: Option<String>,
    modified_field: Option<String>,
}

/// One table's records (those `formula` selects, if given). They are held until the table is
/// complete: if Airtable drops the list iterator, the table starts over without leaving half a
/// listing behind.
async fn load_records(ctx: &LoadContext, base: &Base, table: &Table, listing: &str, formula: Option<&str>) -> Result<Vec<IntegrationItem>> {
    let rc = Arc::new(RecordContext {
        base_id: base.id.clone(),
        table_id: table.id.clone(),
        listing: listing.to_string(),
        primary_field: table.primary_field.clone(),
        modified_field: table.modified_field.clone(),
    });
    let mut restarts = 0;
    'listing: loop {
        let mut records = Vec::new();
        let spec = PageSpec { provider: ProviderId::Airtable, listing: listing.to_string(), max_pages: ctx.options.max_pages_per_listing };
        let stream = pages(spec, |offset: Option<String>| async move {
            let mut url = ctx.api.url(&["v0", &base.id, &table.id]);
            if let Some(formula) = formula {
                url.query_pairs_mut().append_pair("filterByFormula", formula);
            }
            let style = &super::SPEC.cursor;
            style.apply(&mut url, &mut None, offset.as_deref());
            let body = ctx.api.call_raw(Method::GET, url, None, &base.id).await.map_err(ListError::from)?;
            let next = ctx.api.next_cursor(style, &body)?;
            Ok::<_, ListError>((body, next))
        });
        let rc = rc.clone();
        let map = move |body: &[u8]| map_records(&rc, body);
        let outcome = crate::load::map_pages(ctx, listing, stream, map, |page| {
            ctx.tracker.page(listing, page.len());
            records.extend(page);
        })
        .await;
        match outcome {
            Ok(()) => return Ok(records),
            Err(ListError::Fatal(e)) => return Err(e),
            Err(ListError::Restart) if restarts < MAX_RESTARTS => {
                restarts += 1;
                ctx.tracker.uncount(records.len());
                tracing::info!(listing = %listing, restarts, "Airtable list offset expired; restarting the table");
                continue 'listing;
            }
            Err(ListError::Restart) => {
                return Err(Error::Provider {
                    provider: ProviderId::Airtable,
                    request: format!("GET /v0/{}/{}", base.id, table.id),
                    status: 422,
                    message: format!("the record list of {listing} kept expiring ({MAX_RESTARTS} restarts)"),
                })
            }
        }
    }
}

fn map_records(rc: &RecordContext, body: &[u8]) -> Result<MappedPage> {
    let page: RecordsPage = crate::load::parse_page(ProviderId::Airtable, body)?;
    let items: Vec<IntegrationItem> = page.records.iter().map(|r| record(rc, r)).collect();
    let records = provider_records(page.records.iter().map(|r| r.fields), &items);
    Ok(MappedPage::new(items, records))
}

fn record(rc: &RecordContext, r: &Record) -> IntegrationItem {
    let id = &r.id;
    let [name, modified] = match r.fields {
        Some(fields) if rc.primary_field.is_some() || rc.modified_field.is_some() => {
            field_values(fields, [rc.primary_field.as_deref(), rc.modified_field.as_deref()])
        }
        _ => [None, None],
    };
    let name = name.filter(|s| !s.is_empty());
    IntegrationItem {
        id: id.to_string(),
        kind: Cow::Borrowed("record"),
        directory: false,
        parent_path_or_name: Some(rc.listing.clone()),
        parent_id: Some(rc.table_id.clone()),
        name: name.unwrap_or_else(|| id.to_string()),
        creation_time: r.created_time.as_deref().and_then(parse_time),
        last_modified_time: modified.as_deref().and_then(parse_time),
        url: Some(format!("https://airtable.com/{}/{}/{}", segment(&rc.base_id), segment(&rc.table_id), segment(id))),
        visibility: true,
        ..Default::default()
    }
}
