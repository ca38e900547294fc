//! Loading every item a connection can see, as IntegrationItems.
//!
//! ```text
//! load(connection) -> provider listing(s), run concurrently where the provider's limits allow
//!   each listing -> pages(): a lazy stream of pages, fails on a repeated cursor or a page cap
//!     each page  -> Api::call(): paced, retried, refreshed on 401, typed errors
//!   -> map raw JSON to IntegrationItems (per-provider code) -> link parents and children
//! ```
//! A load returns every item, or an error naming the listing it could not finish.

pub mod api;
pub mod cursor;
mod mapping;
pub mod pacing;
pub(crate) mod pages;
pub mod reload;
mod retry_after;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use serde::Serialize;
pub use tokio_util::sync::CancellationToken;

use crate::connection::Connection;
use crate::error::{Error, Operation, Result};
use crate::item::IntegrationItem;
use crate::provider::{ProviderId, Spec};
pub use api::RetryPolicy;
use pacing::Pacer;
pub use reload::{Reload, Since};

/// How much to load and how carefully.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Stop at containers (a base's tables, not the records in them): the seed's depth.
    pub containers_only: bool,
    /// Most pages one listing may take before the load fails (never a silent truncation).
    pub max_pages_per_listing: usize,
    /// Keep under the providers' documented rate limits (off only for raw-speed benchmarks).
    pub pace: bool,
    pub retry: RetryPolicy,
    /// Read only what changed since this sync, where the provider can say (`None`: everything).
    pub since: Option<Since>,
    /// Where each page's provider records go as the page is mapped (`None`: nowhere). They
    /// are written out page by page, never held for the whole load.
    pub records: Option<RecordSink>,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions { containers_only: false, max_pages_per_listing: 20_000, pace: true, retry: RetryPolicy::default(), since: None, records: None }
    }
}

/// The provider's own record of an item (its properties or fields, as the provider sent them),
/// under the item's id.
#[derive(Debug, Clone, PartialEq)]
pub struct ProviderRecord {
    pub id: String,
    pub json: String,
}

/// An item's provider record from the raw JSON the provider sent for it (`None`: it sent none).
pub(crate) fn provider_record(item_id: &str, raw: Option<&serde_json::value::RawValue>) -> Option<ProviderRecord> {
    raw.map(|raw| ProviderRecord { id: item_id.to_string(), json: raw.get().to_string() })
}

/// The provider records of a page's items, from the raw JSON sent for each, in the same order.
pub(crate) fn provider_records<'a>(raw: impl IntoIterator<Item = Option<&'a serde_json::value::RawValue>>, items: &[IntegrationItem]) -> Vec<ProviderRecord> {
    raw.into_iter().zip(items).filter_map(|(raw, item)| provider_record(&item.id, raw)).collect()
}

/// Takes a page's provider records, on the thread that mapped the page (it may block; a
/// failure fails the load).
#[derive(Clone)]
pub struct RecordSink(pub Arc<dyn Fn(Vec<ProviderRecord>) -> Result<()> + Send + Sync>);

impl std::fmt::Debug for RecordSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RecordSink")
    }
}

/// Where a load is, for a progress bar.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Progress {
    pub provider: ProviderId,
    pub items: usize,
    pub pages: usize,
    /// The listing that last delivered a page, e.g. `contacts` or `Marketing Ops / Projects`.
    pub listing: String,
}

pub type ProgressFn = Arc<dyn Fn(&Progress) + Send + Sync>;

/// What a complete load had to leave out or could not read, so the window and the CLI can say
/// it instead of presenting a quietly smaller or vaguer list. Serialised with its `summary`, so
/// the window shows the same sentence the CLI prints.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadNotes {
    /// Records listed more than once under one id: the most recently modified copy is kept.
    pub repeated_ids: usize,
    /// Titles present but unreadable (the item is named from what could be read, else "Untitled").
    pub unreadable_titles: usize,
    /// Links that were not https addresses on the provider's own site, left off their items.
    pub unsafe_links: usize,
    /// Why no item has a link, when the facts links are built on could not be read (said once,
    /// instead of once per item).
    pub links_unavailable: Option<String>,
    /// A reload from a provider that reports no deletions says so: what was deleted since the
    /// last full load is still listed.
    pub deletions_unreported: Option<String>,
}

impl LoadNotes {
    /// One sentence for a person, or `None` when nothing was left out.
    pub fn summary(&self) -> Option<String> {
        let mut parts = Vec::new();
        if self.repeated_ids > 0 {
            parts.push(format!("{} records were listed more than once (the newest copy of each is kept)", self.repeated_ids));
        }
        if self.unreadable_titles > 0 {
            parts.push(format!("{} titles could not be read", self.unreadable_titles));
        }
        if self.unsafe_links > 0 {
            parts.push(format!("{} links were not the provider's own and were left out", self.unsafe_links));
        }
        if let Some(why) = &self.links_unavailable {
            parts.push(why.clone());
        }
        if let Some(why) = &self.deletions_unreported {
            parts.push(why.clone());
        }
        (!parts.is_empty()).then(|| parts.join("; "))
    }
}

impl Serialize for LoadNotes {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut out = s.serialize_struct("LoadNotes", 6)?;
        out.serialize_field("repeatedIds", &self.repeated_ids)?;
        out.serialize_field("unreadableTitles", &self.unreadable_titles)?;
        out.serialize_field("unsafeLinks", &self.unsafe_links)?;
        out.serialize_field("linksUnavailable", &self.links_unavailable)?;
        out.serialize_field("deletionsUnreported", &self.deletions_unreported)?;
        out.serialize_field("summary", &self.summary())?;
        out.end()
    }
}

/// A complete load: every item, and what was noticed on the way.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Loaded {
    pub items: Vec<IntegrationItem>,
    pub notes: LoadNotes,
    /// When the load started: the next reload asks for what changed after it.
    #[serde(skip)]
    pub started_at: chrono::DateTime<chrono::Utc>,
    /// For a reload of what changed: what it changed (`None`: a full load).
    pub reload: Option<Reload>,
    /// Where the items came from (the API base and the account): a reload builds only on a
    /// last sync from the same place.
    #[serde(skip)]
    pub source: String,
    /// The provider records this load wrote as it went (see [`LoadOptions::records`]), which
    /// keeping the load makes the connection's.
    #[serde(skip)]
    pub records: Option<Arc<IncomingRecords>>,
}

/// The file a load's provider records were written to, removed once nothing holds the load
/// (keeping it reads the records in first; a load never kept leaves nothing behind).
#[derive(Debug)]
pub struct IncomingRecords {
    pub file: std::path::PathBuf,
}

impl Drop for IncomingRecords {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.file);
    }
}

impl PartialEq for IncomingRecords {
    fn eq(&self, other: &Self) -> bool {
        self.file == other.file
    }
}

/// Cancellation shared by every request of a load.
#[derive(Clone, Default)]
pub struct Cancel(pub CancellationToken);

impl Cancel {
    pub fn new() -> Self {
        Cancel::default()
    }
    pub fn cancel(&self) {
        self.0.cancel();
    }
    pub(crate) fn check(&self) -> Result<()> {
        if self.0.is_cancelled() {
            Err(Error::Cancelled(Operation::Load))
        } else {
            Ok(())
        }
    }
    pub(crate) async fn cancelled(&self) {
        self.0.cancelled().await
    }
}

/// Counts pages and items across concurrent listings and reports them.
pub(crate) struct Tracker {
    provider: ProviderId,
    items: AtomicUsize,
    pages: AtomicUsize,
    listing: Mutex<String>,
    report: Option<ProgressFn>,
}

impl Tracker {
    fn new(provider: ProviderId, report: Option<ProgressFn>) -> Self {
        Tracker { provider, items: AtomicUsize::new(0), pages: AtomicUsize::new(0), listing: Mutex::new(String::new()), report }
    }

    pub fn page(&self, listing: &str, items: usize) {
        let items = self.items.fetch_add(items, Ordering::Relaxed) + items;
        let pages = self.pages.fetch_add(1, Ordering::Relaxed) + 1;
        let mut current = self.listing.lock().unwrap_or_else(|e| e.into_inner());
        if current.as_str() != listing {
            *current = listing.to_string();
        }
        if let Some(report) = &self.report {
            report(&Progress { provider: self.provider, items, pages, listing: current.clone() });
        }
    }

    /// Takes back items counted from a listing that had to start over.
    pub fn uncount(&self, items: usize) {
        self.items.fetch_sub(items, Ordering::Relaxed);
    }

    fn loaded(&self) -> usize {
        self.items.load(Ordering::Relaxed)
    }
}

/// Everything one load shares.
pub(crate) struct LoadContext {
    pub api: api::Api,
    pub options: LoadOptions,
    pub tracker: Tracker,
    /// Items land here page by page, so concurrent listings never need merging (a merge would
    /// hold every item twice at the peak).
    sink: Mutex<Vec<IntegrationItem>>,
    unreadable_titles: AtomicUsize,
    unsafe_links: AtomicUsize,
    links_unavailable: Mutex<Option<String>>,
    /// What a reload of changes found besides the changed items.
    found: Mutex<reload::Found>,
}

impl LoadContext {
    /// Records items the provider reports deleted (a reload's).
    pub fn deleted(&self, ids: impl IntoIterator<Item = String>) {
        self.found.lock().unwrap_or_else(|e| e.into_inner()).deleted.extend(ids);
    }

    /// Says that this reload listed every item of `kind`, so any other one is gone.
    pub fn listed_in_full(&self, kind: &'static str) {
        let mut found = self.found.lock().unwrap_or_else(|e| e.into_inner());
        if !found.complete_kinds.contains(&kind) {
            found.complete_kinds.push(kind);
        }
    }

    /// Says once, for the whole load, why its items carry no links.
    pub fn links_unavailable(&self, why: String) {
        self.links_unavailable.lock().unwrap_or_else(|e| e.into_inner()).get_or_insert(why);
    }

    /// Adds a finished page (or a finished listing) of items.
    pub fn emit(&self, listing: &str, items: Vec<IntegrationItem>) {
        self.tracker.page(listing, items.len());
        self.sink.lock().unwrap_or_else(|e| e.into_inner()).extend(items);
    }

    /// Writes out provider records read outside [`map_pages`] (off the async runtime).
    pub async fn keep_records(&self, records: Vec<ProviderRecord>) -> Result<()> {
        match self.options.records.clone() {
            Some(RecordSink(sink)) if !records.is_empty() => mapping::run(move || sink(records)).await,
            _ => Ok(()),
        }
    }

    /// Adds items that are not a page of their own (folders, bases).
    pub fn emit_quietly(&self, items: Vec<IntegrationItem>) {
        self.sink.lock().unwrap_or_else(|e| e.into_inner()).extend(items);
    }

    /// Counts what a page's mapping could not keep (see [`LoadNotes`]).
    pub fn note(&self, page: &PageNotes) {
        self.unreadable_titles.fetch_add(page.unreadable_titles, Ordering::Relaxed);
        self.unsafe_links.fetch_add(page.unsafe_links, Ordering::Relaxed);
    }

    /// Runs one listing; a failure inside it names it (`LoadIncomplete`), whichever listing
    /// last reported progress. Failures about the whole load (cancel, revoked grant) pass as
    /// they are.
    pub async fn listing<T>(&self, listing: &str, work: impl std::future::Future<Output = Result<T>>) -> Result<T> {
        work.await.map_err(|cause| match cause {
            e @ (Error::Cancelled(_) | Error::ReconnectNeeded { .. } | Error::NotConnected { .. } | Error::LoadIncomplete { .. }) => e,
            cause => Error::LoadIncomplete { provider: self.tracker.provider, listing: listing.to_string(), loaded: 0, cause: Box::new(cause) },
        })
    }
}

/// What mapping one page could not keep, returned with its items.
#[derive(Debug, Default)]
pub(crate) struct PageNotes {
    pub unreadable_titles: usize,
    pub unsafe_links: usize,
}

/// A mapped page: its items, what mapping them noticed, and the provider's records of them.
#[derive(Default)]
pub(crate) struct MappedPage {
    pub items: Vec<IntegrationItem>,
    pub notes: PageNotes,
    pub records: Vec<ProviderRecord>,
}

impl MappedPage {
    pub fn new(items: Vec<IntegrationItem>, records: Vec<ProviderRecord>) -> Self {
        MappedPage { items, records, ..MappedPage::default() }
    }
}

/// Reads a listing's pages and maps each one on the mapping pool while the next page is being
/// fetched, so parsing never holds up the request chain. Mapped pages reach `on_page` in order.
/// Pages that only repeat items this listing already had (a provider looping under fresh
/// cursors) end it with `RepeatedCursor`, as a repeated cursor does.
pub(crate) async fn map_pages<S, E, M, F>(ctx: &LoadContext, listing: &str, stream: S, map: M, mut on_page: F) -> std::result::Result<(), E>
where
    S: futures::Stream<Item = std::result::Result<api::Fetched, E>>,
    E: From<Error>,
    M: Fn(&[u8]) -> Result<MappedPage> + Send + Sync + 'static,
    F: FnMut(Vec<IntegrationItem>),
{
    use futures::TryStreamExt;
    let map = Arc::new(map);
    let mut seen = pages::SeenItems::default();
    let mut page = 0;
    let mut deliver = |MappedPage { items, notes, .. }: MappedPage| -> Result<()> {
        page += 1;
        if seen.only_repeats(items.iter().map(|i| i.id.as_str())) {
            return Err(Error::RepeatedCursor { provider: ctx.tracker.provider, listing: listing.to_string(), page });
        }
        ctx.note(&notes);
        on_page(items);
        Ok(())
    };
    let mut mapping = std::collections::VecDeque::new();
    let sink = ctx.options.records.clone();
    futures::pin_mut!(stream);
    while let Some(fetched) = stream.try_next().await? {
        let (map, sink) = (map.clone(), sink.clone());
        mapping.push_back(mapping::run(move || {
            let mut page = map(&fetched.body).map_err(|e| e.in_request(&fetched.request))?;
            // Written out from here, off the request chain, and not held for the whole load.
            let records = std::mem::take(&mut page.records);
            if let Some(RecordSink(sink)) = sink.filter(|_| !records.is_empty()) {
                sink(records)?;
            }
            Ok(page)
        }));
        // Keep a couple of pages in flight; more would only hold memory.
        while mapping.len() > 2 {
            deliver(mapping.pop_front().expect("non-empty").await?)?;
        }
    }
    while let Some(mapped) = mapping.pop_front() {
        deliver(mapped.await?)?;
    }
    Ok(())
}

/// Parses a page body into `T`. A body that is not JSON (or stops mid-way) and well-formed JSON
/// of another shape are different errors: the first is a broken answer, the second an API that
/// changed or a server that is not the provider.
pub(crate) fn parse_page<'a, T: serde::Deserialize<'a>>(provider: ProviderId, body: &'a [u8]) -> Result<T> {
    serde_json::from_slice(body).map_err(|e| shape_error(provider, e))
}

/// A JSON error as the typed error it is (see [`parse_page`]).
pub(crate) fn shape_error(provider: ProviderId, e: serde_json::Error) -> Error {
    use serde_json::error::Category;
    match e.classify() {
        Category::Data => Error::UnexpectedShape { provider, request: None, message: e.to_string() },
        Category::Eof => Error::BadResponse { provider, request: None, message: format!("the body ends mid-way ({e})") },
        Category::Syntax | Category::Io => Error::BadResponse { provider, request: None, message: format!("the body is not valid JSON ({e})") },
    }
}

/// Loads every item the connection can see. Either all of them, or an error that says what
/// could not be loaded: nothing partial is ever returned as complete.
pub async fn load(
    connection: Arc<Connection>,
    http: reqwest::Client,
    options: LoadOptions,
    progress: Option<ProgressFn>,
    cancel: Cancel,
) -> Result<Loaded> {
    let provider = connection.provider();
    let pacer = Arc::new(match provider.spec().pacing {
        Some(pacing) if options.pace => Pacer::for_provider(pacing),
        _ => Pacer::unlimited(),
    });
    let started_at = chrono::Utc::now();
    // A reload of changes where the provider can list them; otherwise everything.
    let changes = provider.spec().changes.filter(|_| !options.containers_only);
    let since = options.since.clone().filter(|_| changes.is_some());
    let ctx = LoadContext {
        api: api::Api { connection, http, pacer, retry: options.retry.clone(), cancel },
        options,
        tracker: Tracker::new(provider, progress),
        sink: Mutex::new(Vec::new()),
        unreadable_titles: AtomicUsize::new(0),
        unsafe_links: AtomicUsize::new(0),
        links_unavailable: Mutex::new(None),
        found: Mutex::default(),
    };
    tracing::info!(provider = provider.as_str(), reload = since.is_some(), "load started");
    let result = match (&since, changes) {
        (Some(since), Some(changes)) => changes(&ctx, since).await,
        _ => (provider.spec().load)(&ctx).await,
    };
    match result {
        Ok(()) => {
            let fresh = ctx.sink.into_inner().unwrap_or_else(|e| e.into_inner());
            let (items, repeated_ids, reload) = match &since {
                None => {
                    let (items, repeated) = link(fresh);
                    (items, repeated, None)
                }
                Some(since) => {
                    let found = ctx.found.into_inner().unwrap_or_else(|e| e.into_inner());
                    // The overlap reads some items again: those are not repeats the provider made.
                    let (items, _) = link(reload::merge(&since.previous.items, fresh, &found));
                    let (changed, removed) = reload::difference(&since.previous.items, &items);
                    let deletions_reported = provider.spec().reports_deletions;
                    (items, since.previous.notes.repeated_ids, Some(Reload { since: since.after(), changed, removed, deletions_reported }))
                }
            };
            let notes = LoadNotes {
                repeated_ids,
                unreadable_titles: ctx.unreadable_titles.into_inner(),
                unsafe_links: ctx.unsafe_links.into_inner(),
                links_unavailable: ctx.links_unavailable.into_inner().unwrap_or_else(|e| e.into_inner()),
                deletions_unreported: reload.as_ref().filter(|r| !r.deletions_reported).map(|_| {
                    format!("{} reports no deletions, so items deleted there since the last full reload are still listed; a full reload removes them", provider.display_name())
                }),
            };
            tracing::info!(provider = provider.as_str(), items = items.len(), changed = reload.as_ref().map(|r| r.changed.len()), ?notes, "load complete");
            Ok(Loaded { items, notes, started_at, reload, source: String::new(), records: None })
        }
        Err(e @ (Error::Cancelled(_) | Error::ReconnectNeeded { .. } | Error::NotConnected { .. })) => Err(e),
        Err(Error::LoadIncomplete { listing, cause, .. }) => {
            let loaded = ctx.tracker.loaded();
            tracing::warn!(provider = provider.as_str(), %listing, error = %cause, "load failed");
            Err(Error::LoadIncomplete { provider, listing, loaded, cause })
        }
        Err(cause) => {
            // Every listing names itself; this is a failure outside any of them.
            let loaded = ctx.tracker.loaded();
            tracing::warn!(provider = provider.as_str(), error = %cause, "load failed");
            Err(Error::LoadIncomplete { provider, listing: "the first pages".into(), loaded, cause: Box::new(cause) })
        }
    }
}

/// Makes the list self-consistent: one item per id (the most recently modified copy, the first
/// on a tie), and `children` listing each item's children in order. A `parent_id` that names no
/// item of this load is kept as the provider gave it (a page shared without its parent still
/// has one); only an item named as its own parent loses it. Returns the items and how many repeats were folded.
/// Works on positions, borrowing ids, so the only copies made are the ids `children` must hold
/// and the parent names. It runs after the last page, so it is kept to one hash lookup per item
/// (foldhash: several times faster than the default SipHash here, still seeded per map).
fn link(mut items: Vec<IntegrationItem>) -> (Vec<IntegrationItem>, usize) {
    use std::collections::hash_map::Entry;
    let mut keep = vec![true; items.len()];
    let mut repeated = 0;
    let parent_of = {
        let mut index: foldhash::HashMap<&str, usize> = HashMap::with_capacity_and_hasher(items.len(), Default::default());
        for (i, item) in items.iter().enumerate() {
            match index.entry(&item.id) {
                Entry::Vacant(v) => {
                    v.insert(i);
                }
                Entry::Occupied(mut o) => {
                    repeated += 1;
                    let kept = *o.get();
                    if item.last_modified_time > items[kept].last_modified_time {
                        keep[kept] = false;
                        o.insert(i);
                    } else {
                        keep[i] = false;
                    }
                }
            }
        }
        items
            .iter()
            .enumerate()
            .map(|(i, item)| item.parent_id.as_deref().and_then(|p| index.get(p).copied()).filter(|&p| p != i))
            .collect::<Vec<Option<usize>>>()
    };
    for (i, parent) in parent_of.into_iter().enumerate() {
        let Some(p) = parent else {
            if items[i].parent_id.as_deref() == Some(items[i].id.as_str()) {
                items[i].parent_id = None;
            }
            continue;
        };
        if keep[i] {
            let id = items[i].id.clone();
            // Whatever holds items is a directory (a page with sub-pages, for one).
            items[p].directory = true;
            items[p].children.push(id);
        }
        if items[i].parent_path_or_name.is_none() {
            let name = items[p].name.clone();
            items[i].parent_path_or_name = Some(name);
        }
    }
    let mut position = 0;
    items.retain(|_| {
        position += 1;
        keep[position - 1]
    });
    (items, repeated)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: &str, parent: Option<&str>) -> IntegrationItem {
        IntegrationItem { id: id.into(), name: format!("n{id}"), parent_id: parent.map(String::from), ..Default::default() }
    }

    #[test]
    fn link_dedupes_resolves_parents_and_fills_children() {
        let (items, repeated) = link(vec![item("a", None), item("b", Some("a")), item("c", Some("missing")), item("b", Some("x"))]);
        assert_eq!(repeated, 1);
        assert_eq!(items.iter().map(|i| i.id.as_str()).collect::<Vec<_>>(), ["a", "b", "c"]);
        assert_eq!(items.len(), 3);
        assert_eq!(items[0].children, vec!["b"]);
        assert_eq!(items[1].parent_path_or_name.as_deref(), Some("na"));
        assert_eq!(items[2].parent_id.as_deref(), Some("missing"), "a parent outside the load is kept");
        assert!(items[2].parent_path_or_name.is_none(), "its name is not known");
        assert!(items[0].directory && !items[1].directory);
    }

    #[test]
    fn a_repeated_id_keeps_the_newest_copy_and_is_counted() {
        let mut old = item("x", Some("a"));
        old.last_modified_time = Some("2024-01-01T00:00:00Z".parse().unwrap());
        old.name = "old".into();
        let mut new = old.clone();
        new.last_modified_time = Some("2024-06-01T00:00:00Z".parse().unwrap());
        new.name = "new".into();
        let (items, repeated) = link(vec![item("a", None), new.clone(), old.clone(), old]);
        assert_eq!(repeated, 2);
        assert_eq!(items.iter().map(|i| i.name.as_str()).collect::<Vec<_>>(), ["na", "new"]);
        assert_eq!(items[0].children, vec!["x"], "the kept copy is the parent's one child");
        let (items, _) = link(vec![item("a", None), item("x", Some("a")), new]);
        assert_eq!(items[1].name, "new", "a newer copy listed later replaces the earlier one");
        assert_eq!(items[0].children, vec!["x"]);
    }

    #[test]
    fn notes_say_what_was_left_out_in_one_sentence_for_window_and_cli() {
        assert_eq!(LoadNotes::default().summary(), None);
        let notes = LoadNotes { repeated_ids: 2, unreadable_titles: 0, unsafe_links: 1, links_unavailable: None, deletions_unreported: None };
        let sentence = "2 records were listed more than once (the newest copy of each is kept); 1 links were not the provider's own and were left out";
        assert_eq!(notes.summary().as_deref(), Some(sentence));
        let json = serde_json::to_value(&notes).unwrap();
        assert_eq!(json, serde_json::json!({"repeatedIds": 2, "unreadableTitles": 0, "unsafeLinks": 1, "linksUnavailable": null, "deletionsUnreported": null, "summary": sentence}));
    }

    #[test]
    fn an_item_is_never_its_own_parent() {
        let (items, _) = link(vec![item("a", Some("a"))]);
        assert_eq!(items[0].parent_id, None);
        assert!(items[0].children.is_empty());
    }
}
