//! Reloads of what changed, against the sandbox with items edited, added and deleted between
//! loads: each provider reads only its changes (a handful of requests instead of the whole
//! listing), the result is the complete list with every change in it (and every deletion the
//! provider reports), the library holds exactly that, and a full reload is still one call away.

mod common;

use std::collections::HashSet;
use std::sync::Arc;

use common::*;
use tributary_core::load::Progress;
use tributary_core::ProviderId;
use tributary_sandbox::changes::{Change, ChangedItem};
use tributary_sandbox::PerProvider;


fn quiet() -> tributary_core::load::ProgressFn {
    Arc::new(|_: &Progress| {})
}

/// The id Tributary gives an item the sandbox changed.
fn item_id(p: ProviderId, c: &ChangedItem) -> String {
    match (p, c.listing.as_str()) {
        (ProviderId::Hubspot, "contacts") => format!("contact:{}", c.id),
        (ProviderId::Hubspot, "companies") => format!("company:{}", c.id),
        (ProviderId::Hubspot, _) => format!("deal:{}", c.id),
        _ => c.id.clone(),
    }
}

/// `items` per provider; `cheaper`: check that the reload costs a fraction of the full load.
async fn reload_picks_up_changes(p: ProviderId, items: usize, cheaper: bool) {
    let sb = sandbox(|c| c.dataset = PerProvider::all(items)).await;
    let (core, key) = connected(&sb, p).await;
    let first = core.load_items(&key, quiet(), false).await.unwrap();
    assert!(first.reload.is_none(), "the first load reads everything");
    let full_requests = sb.stats(p).api_requests;

    let changed = sb.change(p, Change { edit: 4, delete: 2, add: 3 });
    let before = sb.stats(p).api_requests;
    let reloaded = core.load_items(&key, quiet(), false).await.unwrap();
    let requests = sb.stats(p).api_requests - before;
    let reload = reloaded.reload.as_ref().expect("a reload of changes");
    assert!(!cheaper || requests * 5 < full_requests, "{p}: the reload took {requests} requests, the full load {full_requests}");

    let ids: HashSet<&str> = reloaded.items.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids.len(), reloaded.items.len(), "each item once");
    for c in &changed.edited {
        let item = reloaded.items.iter().find(|i| i.id == item_id(p, c)).unwrap_or_else(|| panic!("{p}: edited {c:?} is listed"));
        assert!(item.name.contains("(edited)"), "{p}: {} has its new name", item.name);
    }
    for c in &changed.added {
        assert!(ids.contains(item_id(p, c).as_str()), "{p}: added {c:?} is listed");
    }
    let deleted: Vec<String> = changed.deleted.iter().map(|c| item_id(p, c)).collect();
    if p.spec_reports_deletions() {
        assert!(deleted.iter().all(|d| !ids.contains(d.as_str())), "{p}: deleted items are gone");
        // Notion trashes a page's sub-pages with it.
        assert!(deleted.iter().all(|d| reload.removed.contains(d)), "{p}: {:?}", reload.removed);
        assert_eq!(reloaded.items.len(), first.items.len() + 3 - reload.removed.len());
        assert!(reloaded.notes.deletions_unreported.is_none());
    } else {
        assert!(deleted.iter().all(|d| ids.contains(d.as_str())), "{p}: no deletion feed, so they stay until a full reload");
        assert!(reloaded.notes.summary().unwrap().contains("full reload"), "{p}: and the load says so");
    }
    assert!(reload.changed.len() >= 7, "{p}: {} changed", reload.changed.len());

    // The library holds exactly the reloaded list, in order.
    let stored = core.stored_items(&key).await.unwrap().unwrap();
    assert_eq!(stored.loaded.items, reloaded.items, "{p}: the library has every change");
    assert!(stored.full_synced_at.unwrap() < stored.synced_at);

    // A full reload reads everything and sees every deletion.
    let full = core.load_items(&key, quiet(), true).await.unwrap();
    assert!(full.reload.is_none());
    let full_ids: HashSet<&str> = full.items.iter().map(|i| i.id.as_str()).collect();
    assert!(deleted.iter().all(|d| !full_ids.contains(d.as_str())), "{p}");
    let reloaded_ids: HashSet<&str> = ids.into_iter().filter(|id| !deleted.iter().any(|d| d == id)).collect();
    assert_eq!(full_ids, reloaded_ids, "{p}: the reload's list is what a full load finds");
    let stored = core.stored_items(&key).await.unwrap().unwrap();
    assert!(stored.full_synced_at.unwrap() > stored.synced_at - chrono::Duration::seconds(60), "the full reload is the last full sync");
    assert_eq!(stored.loaded.items.len(), full.items.len());

    // Nothing changed: a reload changes nothing, in a few requests.
    let again = core.load_items(&key, quiet(), false).await.unwrap();
    assert_eq!(again.items, full.items, "{p}");
    assert_eq!(again.reload.as_ref().unwrap().changed.len(), 0, "{p}: {:?}", again.reload);
}

trait ReportsDeletions {
    fn spec_reports_deletions(self) -> bool;
}

impl ReportsDeletions for ProviderId {
    fn spec_reports_deletions(self) -> bool {
        tributary_core::provider::Spec::spec(self).reports_deletions
    }
}

#[tokio::test]
async fn hubspot_reloads_what_changed() {
    reload_picks_up_changes(ProviderId::Hubspot, 5_000, true).await;
}

#[tokio::test]
async fn airtable_reloads_what_changed() {
    reload_picks_up_changes(ProviderId::Airtable, 5_000, true).await;
}

#[tokio::test]
async fn notion_reloads_what_changed_through_search_past_a_few_data_sources() {
    reload_picks_up_changes(ProviderId::Notion, 5_000, true).await;
}

#[tokio::test]
async fn notion_queries_every_data_source_of_a_small_workspace() {
    reload_picks_up_changes(ProviderId::Notion, 1_200, false).await;
}

#[tokio::test]
async fn hubspot_goes_past_the_search_cap_from_the_last_modification_time_seen() {
    use tributary_core::load::{Cancel, LoadOptions};
    let sb = sandbox(|c| c.dataset = PerProvider::all(24_000)).await;
    let (core, key) = connected(&sb, ProviderId::Hubspot).await;
    let first = core.load(&key, fast_options(), None, Cancel::new()).await.unwrap();
    core.keep(&key, &Arc::new(first)).await;
    // Over 10,000 contacts change: more than one search query can page through.
    let changed = sb.change(ProviderId::Hubspot, Change { edit: 30_300, delete: 0, add: 0 });
    let contacts: Vec<String> = changed.edited.iter().filter(|c| c.listing == "contacts").map(|c| item_id(ProviderId::Hubspot, c)).collect();
    assert!(contacts.len() > 10_000, "{}", contacts.len());
    let since = core.reload_point(&key).await.unwrap();
    let reloaded = core.load(&key, LoadOptions { since, ..fast_options() }, None, Cancel::new()).await.unwrap();
    let edited: HashSet<&str> = reloaded.items.iter().filter(|i| i.name.contains("(edited)")).map(|i| i.id.as_str()).collect();
    assert!(contacts.iter().all(|c| edited.contains(c.as_str())), "every changed contact, past the 10,000th");
    assert_eq!(reloaded.items.len(), 24_003, "each record once, the folders too");
}
