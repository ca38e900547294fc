//! Loading every item a connection can see, as IntegrationItems.
//!
//! ```text
//! load(connection) -> provider listing(s), run concurrently where the provider's limits allow
//!   each listing -> pages(): a lazy stream of pages, fails on a repeated cursor or a page cap
//!     each page  -> Api::call(): paced, retried, refreshed on 401, typed errors
//!   -> map raw JSON to IntegrationItems (per-provider code) -> link parents and children
//! ```
//! A load returns every item, or an error naming the listing it could not finish.

mod airtable;
pub mod api;
mod hubspot;
mod notion;
pub mod pacing;
mod pages;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use serde::Serialize;
pub use tokio_util::sync::CancellationToken;

use crate::connection::Connection;
use crate::error::{Error, Result};
use crate::item::IntegrationItem;
use crate::provider::ProviderId;
pub use api::RetryPolicy;
use pacing::Pacer;

/// How much to load and how carefully.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Airtable: load records too (false stops at bases and tables, the seed's depth).
    pub airtable_records: bool,
    /// Most pages one listing may take before the load fails (never a silent truncation).
    pub max_pages_per_listing: usize,
    /// Keep under the providers' documented rate limits (off only for raw-speed benchmarks).
    pub pace: bool,
    pub retry: RetryPolicy,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions { airtable_records: true, max_pages_per_listing: 20_000, pace: true, retry: RetryPolicy::default() }
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
            Err(Error::Cancelled)
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

    /// Items that came back from listings that had to be restarted are not counted twice.
    pub fn forget(&self, items: usize) {
        self.items.fetch_sub(items, Ordering::Relaxed);
    }

    fn snapshot(&self) -> (usize, String) {
        (self.items.load(Ordering::Relaxed), self.listing.lock().unwrap_or_else(|e| e.into_inner()).clone())
    }
}

/// Everything one load shares.
pub(crate) struct LoadContext {
    pub api: api::Api,
    pub options: LoadOptions,
    pub tracker: Tracker,
}

/// Loads every item the connection can see. Either all of them, or an error that says what
/// could not be loaded: nothing partial is ever returned as complete.
pub async fn load(
    connection: Arc<Connection>,
    http: reqwest::Client,
    options: LoadOptions,
    progress: Option<ProgressFn>,
    cancel: Cancel,
) -> Result<Vec<IntegrationItem>> {
    let provider = connection.provider();
    let pacer = Arc::new(if options.pace { Pacer::for_provider(provider) } else { Pacer::unlimited() });
    let ctx = LoadContext {
        api: api::Api { connection, http, pacer, retry: options.retry.clone(), cancel },
        options,
        tracker: Tracker::new(provider, progress),
    };
    tracing::info!(provider = provider.as_str(), "load started");
    let result = match provider {
        ProviderId::Hubspot => hubspot::load(&ctx).await,
        ProviderId::Airtable => airtable::load(&ctx).await,
        ProviderId::Notion => notion::load(&ctx).await,
    };
    match result {
        Ok(items) => {
            let items = link(items);
            tracing::info!(provider = provider.as_str(), items = items.len(), "load complete");
            Ok(items)
        }
        Err(e @ (Error::Cancelled | Error::ReconnectNeeded { .. } | Error::NotConnected { .. })) => Err(e),
        Err(cause) => {
            let (loaded, listing) = ctx.tracker.snapshot();
            tracing::warn!(provider = provider.as_str(), %listing, error = %cause, "load failed");
            Err(Error::LoadIncomplete { provider, listing, loaded, cause: Box::new(cause) })
        }
    }
}

/// Makes the list self-consistent: one item per id (the first seen), every `parent_id` naming
/// an item of this load (or cleared), and `children` listing each item's children in order.
fn link(items: Vec<IntegrationItem>) -> Vec<IntegrationItem> {
    let mut seen = HashMap::with_capacity(items.len());
    let mut items: Vec<IntegrationItem> = items
        .into_iter()
        .filter(|i| {
            let fresh = !seen.contains_key(&i.id);
            if fresh {
                seen.insert(i.id.clone(), seen.len());
            }
            fresh
        })
        .collect();
    let mut children: Vec<Vec<String>> = vec![Vec::new(); items.len()];
    let mut parent_names: Vec<Option<String>> = vec![None; items.len()];
    for (i, item) in items.iter().enumerate() {
        if let Some(p) = &item.parent_id {
            if let Some(&pi) = seen.get(p) {
                children[pi].push(item.id.clone());
                parent_names[i] = Some(items[pi].name.clone());
            }
        }
    }
    for ((item, kids), parent_name) in items.iter_mut().zip(children).zip(parent_names) {
        match parent_name {
            Some(name) => {
                if item.parent_path_or_name.is_none() {
                    item.parent_path_or_name = Some(name);
                }
            }
            None => item.parent_id = None,
        }
        if !kids.is_empty() {
            // Whatever holds items is a directory (a Notion page with sub-pages, for one).
            item.directory = true;
            item.children = kids;
        }
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: &str, parent: Option<&str>) -> IntegrationItem {
        IntegrationItem { id: id.into(), name: format!("n{id}"), parent_id: parent.map(String::from), ..Default::default() }
    }

    #[test]
    fn link_dedupes_resolves_parents_and_fills_children() {
        let items = link(vec![item("a", None), item("b", Some("a")), item("c", Some("missing")), item("b", Some("x"))]);
        assert_eq!(items.len(), 3);
        assert_eq!(items[0].children, vec!["b"]);
        assert_eq!(items[1].parent_path_or_name.as_deref(), Some("na"));
        assert_eq!(items[2].parent_id, None, "a parent outside the load is cleared");
    }
}
