//! Notion (Notion-Version 2026-03-11, or 2025-09-03): every page and data source the connection
//! can see. `/v1/search` finds them, but Notion documents it as not exhaustive (its index lags
//! and can change mid-iteration), so every data source it finds is then read through
//! `/v1/data_sources/{id}/query` as well, and the rows search missed are added: each item once.
//! Data sources are directories; a page's parent is a page, a data source, a block or the
//! workspace, kept as Notion names it even when that parent is not part of the load.

use std::borrow::Cow;
use std::sync::Arc;


use reqwest::Method;
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::load::api::ApiFailure;
use crate::load::pages::{pages, PageSpec};
use crate::load::{provider_record, LoadContext, MappedPage, PageNotes, Since};
use chrono::{DateTime, Utc};
use crate::error::{Error, Result};
use crate::item::{parse_time, IntegrationItem};
use crate::links::LinkPolicy;
use crate::provider::ProviderId;

fn fatal(f: ApiFailure) -> Error {
    f.into_error(ProviderId::Notion)
}

/// A search page, read in place.
#[derive(Deserialize)]
struct SearchPage<'a> {
    #[serde(borrow)]
    results: Vec<Object<'a>>,
}

#[derive(Deserialize)]
struct Object<'a> {
    #[serde(borrow)]
    object: Cow<'a, str>,
    #[serde(borrow)]
    id: Cow<'a, str>,
    #[serde(borrow, default)]
    created_time: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    last_edited_time: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    url: Option<Cow<'a, str>>,
    #[serde(default)]
    in_trash: bool,
    #[serde(default)]
    archived: bool,
    #[serde(borrow, default)]
    parent: Option<Parent<'a>>,
    #[serde(borrow, default)]
    database_parent: Option<Parent<'a>>,
    /// Data sources (and databases) carry their title here. Left raw, so one odd title costs
    /// only itself, not the page it came in.
    #[serde(borrow, default)]
    title: Option<&'a RawValue>,
    /// Pages carry it in the one property of type `title`, whatever its name; data sources
    /// their schema. Kept raw (the item's provider record), read when the item is mapped.
    #[serde(borrow, default)]
    properties: Option<&'a RawValue>,
}

/// The `title` property of a page's `properties`, kept while the map is read; the other
/// properties are read past without being stored (a page has many; only one names it).
#[derive(Default)]
struct TitleProperty<'a>(Option<&'a RawValue>);

impl<'de: 'a, 'a> Deserialize<'de> for TitleProperty<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Visit<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for Visit<'a> {
            type Value = TitleProperty<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a map of page properties")
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(self, mut map: M) -> std::result::Result<Self::Value, M::Error> {
                let mut title = None;
                while let Some((_name, p)) = map.next_entry::<serde::de::IgnoredAny, Property<'de>>()? {
                    if title.is_none() && p.kind == "title" {
                        title = p.title;
                    }
                }
                Ok(TitleProperty(title))
            }
        }
        d.deserialize_map(Visit(std::marker::PhantomData))
    }
}

#[derive(Deserialize)]
struct Parent<'a> {
    #[serde(borrow, rename = "type")]
    kind: Cow<'a, str>,
    #[serde(borrow, default)]
    page_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    data_source_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    database_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    block_id: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Property<'a> {
    #[serde(borrow, rename = "type")]
    kind: Cow<'a, str>,
    /// Rich text on a page; a schema (`{}`) on a data source. Read only for pages.
    #[serde(borrow, default)]
    title: Option<&'a RawValue>,
}

/// One run of rich text: `plain_text`, or failing that the `text.content` it was made from.
#[derive(Deserialize)]
struct RichText<'a> {
    #[serde(borrow, default)]
    plain_text: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    text: Option<TextContent<'a>>,
}

#[derive(Deserialize)]
struct TextContent<'a> {
    #[serde(borrow, default)]
    content: Option<Cow<'a, str>>,
}

/// A title's text, keeping every run that can be read; `true` when some of it could not be
/// (a run, or the whole value, in a shape Notion does not document). A bare string is taken as
/// it is; `null` is an empty title.
fn title_text(raw: &RawValue) -> (String, bool) {
    fn run_text<'r>(run: &'r RichText) -> Option<&'r str> {
        run.plain_text.as_deref().or_else(|| run.text.as_ref()?.content.as_deref())
    }
    // The usual shape, in one pass.
    if let Ok(runs) = serde_json::from_str::<Option<Vec<RichText>>>(raw.get()) {
        let runs = runs.unwrap_or_default();
        return (runs.iter().filter_map(run_text).collect(), runs.iter().any(|r| run_text(r).is_none()));
    }
    // Some runs in another shape: keep the ones that can be read.
    if let Ok(runs) = serde_json::from_str::<Vec<&RawValue>>(raw.get()) {
        let mut text = String::new();
        let mut unreadable = false;
        for run in runs {
            match serde_json::from_str::<RichText>(run.get()).ok().as_ref().and_then(run_text) {
                Some(t) => text.push_str(t),
                None => unreadable = true,
            }
        }
        return (text, unreadable);
    }
    match serde_json::from_str::<Cow<str>>(raw.get()) {
        Ok(s) => (s.into_owned(), false),
        Err(_) => (String::new(), true),
    }
}

pub(super) fn load(ctx: &LoadContext) -> futures::future::BoxFuture<'_, Result<()>> {
    Box::pin(load_all(ctx))
}

/// Every request of one connection shares one budget.
const RATE_KEY: &str = "connection";

/// Data sources read at once after search (the connection's budget paces them all).
const CONCURRENT_QUERIES: usize = 4;

async fn load_all(ctx: &LoadContext) -> Result<()> {
    let found = ctx.listing("search", search(ctx)).await?;
    let found = Arc::new(found);
    use futures::stream::{StreamExt, TryStreamExt};
    let queries: Vec<_> = (0..found.data_sources.len())
        .map(|i| {
            let found = found.clone();
            async move {
                let (id, title) = &found.data_sources[i];
                let listing = format!("{title} (data source)");
                ctx.listing(&listing, query(ctx, id, &listing, &found)).await
            }
        })
        .collect();
    futures::stream::iter(queries).buffer_unordered(CONCURRENT_QUERIES).try_collect::<Vec<()>>().await?;
    Ok(())
}

/// What search found: the ids it listed (as 64-bit hashes, so a data source's query can leave
/// them out) and the data sources to query.
#[derive(Default)]
struct Found {
    ids: foldhash::HashSet<u64>,
    hasher: foldhash::fast::FixedState,
    data_sources: Vec<(String, String)>,
}

impl Found {
    fn hash(&self, id: &str) -> u64 {
        use std::hash::BuildHasher;
        self.hasher.hash_one(id)
    }
}

/// One list endpoint paged with `start_cursor`: search, or a data source's query, each request
/// with `request` (filters, sorts) in its body.
fn list<'a>(ctx: &'a LoadContext, listing: &str, path: &'a [&'a str], request: Option<serde_json::Value>) -> impl futures::Stream<Item = Result<crate::load::api::Fetched>> + 'a {
    let spec = PageSpec { provider: ProviderId::Notion, listing: listing.into(), max_pages: ctx.options.max_pages_per_listing };
    pages(spec, move |cursor: Option<String>| {
        let request = request.clone();
        async move {
        let (mut url, mut body) = (ctx.api.url(path), request);
        let style = &super::SPEC.cursor;
        style.apply(&mut url, &mut body, cursor.as_deref());
        let raw = ctx.api.call_raw(Method::POST, url, body.as_ref(), RATE_KEY).await.map_err(fatal)?;
        // The pages come one cursor after another: read the cursor alone so the next request
        // goes out while this page is mapped.
        let next = ctx.api.next_cursor(style, &raw)?;
        Ok::<_, Error>((raw, next))
        }
    })
}

/// What maps a page of either list into items (the links checked against the connection's).
fn mapper(ctx: &LoadContext) -> impl Fn(&[u8]) -> Result<MappedPage> + Send + Sync + 'static {
    let links = LinkPolicy::for_provider(ctx.api.connection.settings());
    move |body: &[u8]| map_page(&links, body)
}

async fn search(ctx: &LoadContext) -> Result<Found> {
    let mut found = Found::default();
    let stream = list(ctx, "search", &SEARCH, None);
    crate::load::map_pages(ctx, "search", stream, mapper(ctx), |items| {
        for item in &items {
            found.ids.insert(found.hash(&item.id));
            if item.kind == "data_source" {
                found.data_sources.push((item.id.clone(), item.name.clone()));
            }
        }
        ctx.emit("search", items)
    })
    .await?;
    Ok(found)
}

/// A data source's rows that search did not list.
async fn query(ctx: &LoadContext, id: &str, listing: &str, found: &Found) -> Result<()> {
    let path = ["v1", "data_sources", id, "query"];
    let mut added = 0;
    crate::load::map_pages(ctx, listing, list(ctx, listing, &path, None), mapper(ctx), |mut items| {
        items.retain(|item| !found.ids.contains(&found.hash(&item.id)));
        added += items.len();
        ctx.emit(listing, items)
    })
    .await?;
    if added > 0 {
        tracing::debug!(added, "rows of a data source that search did not list");
    }
    Ok(())
}

const SEARCH: [&str; 2] = ["v1", "search"];

/// Data sources a reload queries for rows edited since the last sync, when there are no more
/// than this many (a small part of the connection's budget). Past it, a reload queries the
/// data sources that are new or changed, and search finds the edited rows (the overlap covers
/// its indexing delay); a full reload queries every one.
const QUERY_ALL_UP_TO: usize = 20;

pub(super) fn changes<'a>(ctx: &'a LoadContext, since: &'a Since) -> futures::future::BoxFuture<'a, Result<()>> {
    Box::pin(changes_since(ctx, since))
}

/// What changed since the last sync: search newest edit first down to the checkpoint, the
/// trash the same way (deletions, rows included), and the data sources' rows edited since.
async fn changes_since(ctx: &LoadContext, since: &Since) -> Result<()> {
    const EDITED: &str = "search (edited since the last sync)";
    let after = since.after();
    let newest_first = serde_json::json!({ "sort": { "timestamp": "last_edited_time", "direction": "descending" } });
    let edited = ctx.listing(EDITED, edited_since(ctx, EDITED, &SEARCH, newest_first.clone(), after)).await?;
    let mut trash_request = newest_first;
    trash_request["filter"] = serde_json::json!({ "in_trash": true });
    let trashed = ctx.listing("trash", edited_since(ctx, "trash", &SEARCH, trash_request, after)).await?;
    ctx.deleted(trashed.into_iter().map(|i| i.id));
    // Which data sources to query: the changed ones (in full if new since the last sync), and
    // every other one too when there are only a few.
    let known = since.ids_of_kind("data_source");
    let mut to_query: Vec<(String, String, bool)> = edited.iter().filter(|i| i.kind == "data_source").map(|d| (d.id.clone(), d.name.clone(), !known.contains(d.id.as_str()))).collect();
    if known.len() <= QUERY_ALL_UP_TO {
        let unchanged = since.previous_of_kind("data_source").filter(|d| !to_query.iter().any(|(id, ..)| *id == d.id));
        let unchanged: Vec<_> = unchanged.map(|d| (d.id.clone(), d.name.clone(), false)).collect();
        to_query.extend(unchanged);
    }
    ctx.emit(EDITED, edited);
    use futures::stream::{StreamExt, TryStreamExt};
    let to_query = Arc::new(to_query);
    let queries = (0..to_query.len()).map(|i| {
        let to_query = to_query.clone();
        async move {
            let (id, title, new) = &to_query[i];
            let listing = format!("{title} (data source)");
            let path = ["v1", "data_sources", id.as_str(), "query"];
            // A data source new to this connection: all its rows; otherwise those edited since.
            let edited_rows = serde_json::json!({ "filter": { "timestamp": "last_edited_time", "last_edited_time": { "on_or_after": after.to_rfc3339() } } });
            let rows = list(ctx, &listing, &path, (!*new).then_some(edited_rows));
            ctx.listing(&listing, crate::load::map_pages(ctx, &listing, rows, mapper(ctx), |items| ctx.emit(&listing, items))).await
        }
    });
    futures::stream::iter(queries).buffer_unordered(CONCURRENT_QUERIES).try_collect::<Vec<()>>().await?;
    Ok(())
}

/// A listing sorted newest edit first, read until its items are older than `after`.
async fn edited_since(ctx: &LoadContext, listing: &str, path: &[&str], request: serde_json::Value, after: DateTime<Utc>) -> Result<Vec<IntegrationItem>> {
    use futures::TryStreamExt;
    let map = mapper(ctx);
    let stream = list(ctx, listing, path, Some(request));
    futures::pin_mut!(stream);
    let mut found = Vec::new();
    while let Some(fetched) = stream.try_next().await? {
        let MappedPage { items, notes, records } = map(&fetched.body).map_err(|e| e.in_request(&fetched.request))?;
        ctx.note(&notes);
        ctx.keep_records(records).await?;
        // Newest first: the first item edited before `after` ends the listing. One without an
        // edit time cannot be placed, so it is kept.
        let reached = items.iter().any(|i| i.last_modified_time.is_some_and(|t| t < after));
        found.extend(items.into_iter().filter(|i| i.last_modified_time.is_none_or(|t| t >= after)));
        if reached {
            break;
        }
    }
    Ok(found)
}

fn map_page(links: &LinkPolicy, body: &[u8]) -> Result<MappedPage> {
    let page: SearchPage = crate::load::parse_page(ProviderId::Notion, body)?;
    let mut mapped = MappedPage::default();
    for r in &page.results {
        if let Some(item) = item(r, links, &mut mapped.notes)? {
            mapped.records.extend(provider_record(&item.id, r.properties));
            mapped.items.push(item);
        }
    }
    Ok(mapped)
}

fn item(r: &Object, links: &LinkPolicy, notes: &mut PageNotes) -> Result<Option<IntegrationItem>> {
    let (kind, directory, title) = match r.object.as_ref() {
        "page" => {
            let title = match r.properties {
                Some(raw) => crate::load::parse_page::<TitleProperty>(ProviderId::Notion, raw.get().as_bytes())?.0,
                None => None,
            };
            ("page", false, title)
        }
        "data_source" => ("data_source", true, r.title),
        "database" => ("database", true, r.title),
        // Unknown object kinds (a future API addition) are left out rather than mislabelled.
        _ => return Ok(None),
    };
    let (title, unreadable) = title.map(title_text).unwrap_or_default();
    notes.unreadable_titles += usize::from(unreadable);
    let url = r.url.as_deref().and_then(|u| {
        let safe = links.check(u);
        notes.unsafe_links += usize::from(safe.is_none());
        safe
    });
    // A data source's own parent is its database container, which search does not return, so
    // it hangs under the database's parent.
    let parent = match (kind, &r.database_parent) {
        ("data_source", Some(dp)) => Some(dp),
        _ => r.parent.as_ref(),
    };
    // The parent as Notion names it, whether or not it is part of this load (the tree shows a
    // parent outside the load by its name, marked as not loaded). The workspace is the root.
    let (parent_id, parent_path) = match parent {
        Some(p) => match p.kind.as_ref() {
            "page_id" => (p.page_id.as_deref().map(String::from), None),
            "data_source_id" => (p.data_source_id.as_deref().map(String::from), None),
            "database_id" => (p.database_id.as_deref().map(String::from), None),
            "block_id" => (p.block_id.as_deref().map(String::from), Some("a block".to_string())),
            "workspace" => (None, Some("Workspace".to_string())),
            _ => (None, None),
        },
        None => (None, None),
    };
    let time = |v: &Option<Cow<str>>| v.as_deref().and_then(parse_time);
    Ok(Some(IntegrationItem {
        id: r.id.to_string(),
        kind: Cow::Borrowed(kind),
        directory,
        parent_path_or_name: parent_path,
        parent_id,
        name: if title.trim().is_empty() { "Untitled".into() } else { title },
        creation_time: time(&r.created_time),
        last_modified_time: time(&r.last_edited_time),
        url,
        visibility: !(r.in_trash || r.archived),
        ..Default::default()
    }))
}
