//! Loading against the sandbox: every item of multi-page datasets with every field checked, and
//! each failure either absorbed (429, 5xx, expired token, expired Airtable offset) or reported
//! as a typed error with nothing presented as complete.

mod common;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use common::*;
use tributary_core::load::{Cancel, LoadOptions, Progress};
use tributary_core::{ConnectionKey, Core, Error, IntegrationItem, ProviderId};
use tributary_sandbox::dataset::hubspot::ObjectType;
use tributary_sandbox::dataset::notion::{NotionKind, NotionParent};
use tributary_sandbox::dataset::rfc3339_millis;
use tributary_sandbox::{ArmedFault, Fault};

const ITEMS: usize = 2600;

async fn load(core: &Core, key: &ConnectionKey, options: LoadOptions) -> Result<Vec<IntegrationItem>, Error> {
    core.load(key, options, None, Cancel::new()).await.map(|l| l.items)
}

fn time(s: &str) -> Option<DateTime<Utc>> {
    Some(s.parse().unwrap())
}

/// Ids unique, children lists matching parents. A parent outside the load (a Notion page shared
/// without its parent) is kept, and lists no children.
fn assert_consistent(items: &[IntegrationItem]) {
    let ids: HashSet<&str> = items.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids.len(), items.len(), "ids are unique");
    let mut expected_children: HashMap<&str, Vec<&str>> = HashMap::new();
    for i in items {
        if let Some(p) = i.parent_id.as_deref().filter(|p| ids.contains(p)) {
            expected_children.entry(p).or_default().push(&i.id);
        }
    }
    for i in items {
        let kids: Vec<&str> = i.children.iter().map(String::as_str).collect();
        assert_eq!(kids, expected_children.remove(i.id.as_str()).unwrap_or_default(), "children of {}", i.id);
    }
    let json = serde_json::to_value(items).unwrap();
    for v in json.as_array().unwrap() {
        assert_eq!(v.as_object().unwrap().len(), 14, "the seed's 14 fields");
    }
}

#[tokio::test]
async fn hubspot_loads_every_record_with_every_field() {
    let sb = sandbox(|c| c.dataset[ProviderId::Hubspot] = ITEMS).await;
    let (core, key) = connected(&sb, ProviderId::Hubspot).await;
    let progress: Arc<Mutex<Vec<Progress>>> = Arc::default();
    let seen = progress.clone();
    let items = core
        .load(&key, fast_options(), Some(Arc::new(move |p: &Progress| seen.lock().unwrap().push(p.clone()))), Cancel::new())
        .await
        .unwrap()
        .items;
    assert_consistent(&items);
    let data = &sb.dataset().hubspot;
    assert_eq!(items.len(), ITEMS + 3, "every record plus one folder per object type");
    let by_id: HashMap<&str, &IntegrationItem> = items.iter().map(|i| (i.id.as_str(), i)).collect();
    let portal = data.portal_id;
    for (t, kind, type_id) in [(ObjectType::Contacts, "contact", "0-1"), (ObjectType::Companies, "company", "0-2"), (ObjectType::Deals, "deal", "0-3")] {
        let folder = by_id[format!("hubspot:{}", t.as_str()).as_str()];
        assert!(folder.directory);
        assert_eq!(folder.children.len(), data.count(t));
        for i in 0..data.count(t) {
            let o = data.object(t, i);
            let item = by_id[format!("{kind}:{}", o.id).as_str()];
            let expected_name = match t {
                ObjectType::Contacts => match (o.property("firstname"), o.property("lastname")) {
                    (Some(f), Some(l)) => format!("{f} {l}"),
                    _ => o.property("email").unwrap().to_string(),
                },
                ObjectType::Companies => o.property("name").or(o.property("domain")).unwrap().to_string(),
                ObjectType::Deals => o.property("dealname").unwrap().to_string(),
            };
            assert_eq!(item.name, expected_name);
            assert_eq!(item.kind, kind);
            assert!(!item.directory && item.visibility);
            assert_eq!(item.parent_id.as_deref(), Some(folder.id.as_str()));
            assert_eq!(item.parent_path_or_name.as_deref(), Some(folder.name.as_str()));
            assert_eq!(item.creation_time, time(&rfc3339_millis(o.created_at)));
            assert_eq!(item.last_modified_time, time(&rfc3339_millis(o.updated_at)));
            assert_eq!(item.url.as_deref(), Some(format!("https://app.hubspot.com/contacts/{portal}/record/{type_id}/{}", o.id).as_str()));
        }
    }
    let progress = progress.lock().unwrap();
    let last = progress.last().unwrap();
    assert_eq!(last.items, ITEMS);
    assert!(last.pages >= 27, "{} pages", last.pages);
    assert_eq!(last.pages as u64 + 1, sb.stats(ProviderId::Hubspot).pages_served, "pages plus the account call");
}

#[tokio::test]
async fn airtable_loads_bases_tables_and_every_record() {
    let sb = sandbox(|c| c.dataset[ProviderId::Airtable] = ITEMS).await;
    let (core, key) = connected(&sb, ProviderId::Airtable).await;
    let items = load(&core, &key, fast_options()).await.unwrap();
    assert_consistent(&items);
    let data = &sb.dataset().airtable;
    assert_eq!(items.len(), ITEMS);
    let by_id: HashMap<&str, &IntegrationItem> = items.iter().map(|i| (i.id.as_str(), i)).collect();
    for b in 0..data.base_count() {
        let base = data.base(b);
        let bi = by_id[base.id.as_str()];
        assert_eq!((bi.kind.as_ref(), bi.directory, bi.name.as_str()), ("base", true, base.name.as_str()));
        assert_eq!(bi.url.as_deref(), Some(format!("https://airtable.com/{}", base.id).as_str()));
        for t in 0..3 {
            let table = data.table(b, t);
            let ti = by_id[table.id.as_str()];
            assert_eq!((ti.kind.as_ref(), ti.directory), ("table", true));
            assert_eq!(ti.parent_id.as_deref(), Some(base.id.as_str()));
            assert_eq!(ti.children.len(), data.record_count(b, t));
            for r in 0..data.record_count(b, t) {
                let rec = data.record(b, t, r);
                let ri = by_id[rec.id.as_str()];
                assert_eq!(ri.name, rec.primary_value().unwrap_or(&rec.id), "the primary field names a record");
                assert_eq!(ri.parent_id.as_deref(), Some(table.id.as_str()));
                assert_eq!(ri.parent_path_or_name, Some(format!("{} / {}", base.name, table.name)));
                assert_eq!(ri.creation_time, time(&rfc3339_millis(rec.created_time)));
                // The table's `lastModifiedTime` field, where it has one; no other time stands in.
                assert_eq!(ri.last_modified_time, rec.modified_time.map(|m| time(&rfc3339_millis(m)).unwrap()), "record {r} of table {t}");
                assert_eq!(ri.url, Some(format!("https://airtable.com/{}/{}/{}", base.id, table.id, rec.id)));
            }
        }
    }
    assert!(sb.stats(ProviderId::Airtable).pages_served >= 25);
    let modified = items.iter().filter(|i| i.kind == "record" && i.last_modified_time.is_some()).count();
    assert!(modified > 0 && modified < items.len() / 2, "one table in three has the field: {modified}");
}

#[tokio::test]
async fn airtable_can_stop_at_bases_and_tables() {
    let sb = sandbox(|c| c.dataset[ProviderId::Airtable] = 500).await;
    let (core, key) = connected(&sb, ProviderId::Airtable).await;
    let items = load(&core, &key, LoadOptions { containers_only: true, ..fast_options() }).await.unwrap();
    assert_eq!(items.len(), 4, "one base and its three tables");
    assert!(items.iter().all(|i| i.directory));
}

#[tokio::test]
async fn notion_loads_every_page_and_data_source() {
    let sb = sandbox(|c| c.dataset[ProviderId::Notion] = ITEMS).await;
    let (core, key) = connected(&sb, ProviderId::Notion).await;
    let items = load(&core, &key, fast_options()).await.unwrap();
    assert_consistent(&items);
    let data = &sb.dataset().notion;
    assert_eq!(items.len(), ITEMS, "search's items and the rows only the data sources list");
    let position: HashMap<&str, usize> = items.iter().enumerate().map(|(i, item)| (item.id.as_str(), i)).collect();
    for k in 0..ITEMS {
        let expected = data.item(k);
        let item = &items[position[expected.id.as_str()]];
        assert_eq!(item.id, expected.id);
        assert_eq!(item.name, if expected.title.is_empty() { "Untitled".to_string() } else { expected.title.clone() });
        assert_eq!(item.url.as_deref(), Some(expected.url.as_str()));
        assert_eq!(item.creation_time, Some(expected.created_time));
        assert_eq!(item.last_modified_time, Some(expected.last_edited_time));
        let expected_parent = match (&expected.kind, &expected.parent, &expected.database_parent) {
            (NotionKind::Page, NotionParent::Page { page_id }, _) => Some(page_id.clone()),
            (NotionKind::Page, NotionParent::DataSource { data_source_id, .. }, _) => Some(data_source_id.clone()),
            (NotionKind::Page, NotionParent::Block { block_id }, _) => Some(block_id.clone()),
            (NotionKind::DataSource, _, Some(NotionParent::Page { page_id })) => Some(page_id.clone()),
            _ => None,
        };
        assert_eq!(item.parent_id, expected_parent, "parent of item {k}, kept even when it is not part of the load");
        match expected.kind {
            NotionKind::DataSource => assert_eq!((item.kind.as_ref(), item.directory), ("data_source", true)),
            NotionKind::Page => assert_eq!(item.kind, "page"),
        }
        if expected_parent.is_none() {
            assert_eq!(item.parent_path_or_name.as_deref(), Some("Workspace"));
        }
    }
    let searchable = (0..ITEMS).filter(|&k| data.in_search(k)).count();
    let data_sources = (0..ITEMS).filter(|&k| data.kind(k) == NotionKind::DataSource).count();
    assert!(searchable < ITEMS);
    assert_eq!(sb.stats(ProviderId::Notion).pages_served as usize, searchable.div_ceil(100) + data_sources, "search, then one query per data source");
    let outside = items.iter().filter(|i| i.parent_id.as_deref().is_some_and(|p| !position.contains_key(p))).count();
    assert!(outside > 0, "pages under unshared parents keep them");
}

#[tokio::test]
async fn bursts_of_429_and_5xx_are_absorbed() {
    let sb = sandbox(|c| c.dataset = tributary_sandbox::PerProvider::all(800)).await;
    for p in ProviderId::ALL {
        let (core, key) = connected(&sb, p).await;
        let sp = p;
        sb.arm_fault(sp, ArmedFault::new(Fault::RateLimited).after(2).times(3));
        sb.arm_fault(sp, ArmedFault::new(Fault::ServerError { status: 503 }).after(4).times(2));
        let items = load(&core, &key, fast_options()).await.unwrap_or_else(|e| panic!("{p}: {e}"));
        assert_eq!(items.len(), if p == ProviderId::Hubspot { 803 } else { 800 }, "{p}");
        assert_consistent(&items);
        let stats = sb.stats(sp);
        assert_eq!(stats.rate_limited, 3, "{p}");
        assert_eq!(stats.faults_fired, 5, "{p}");
    }
}

#[tokio::test]
async fn token_expiry_mid_load_is_refreshed_and_the_load_continues() {
    let sb = sandbox(|c| {
        c.dataset = tributary_sandbox::PerProvider::all(1000);
        // Notion documents no expiry; give its tokens one so the path is exercised too.
        c.access_token_ttl[ProviderId::Notion] = Some(Duration::from_secs(3600));
    })
    .await;
    for p in ProviderId::ALL {
        let (core, key) = connected(&sb, p).await;
        let sp = p;
        let before = sb.stats(sp).token_requests;
        sb.arm_fault(sp, ArmedFault::new(Fault::ExpireAccessTokens).after(4));
        let items = load(&core, &key, fast_options()).await.unwrap_or_else(|e| panic!("{p}: {e}"));
        assert!(items.len() >= 1000, "{p}");
        assert_eq!(sb.stats(sp).token_requests, before + 1, "{p}: exactly one refresh");
    }
}

#[tokio::test]
async fn an_expired_airtable_offset_restarts_the_table() {
    let sb = sandbox(|c| c.dataset[ProviderId::Airtable] = 1000).await;
    let (core, key) = connected(&sb, ProviderId::Airtable).await;
    let pages = |sb: &tributary_sandbox::Sandbox| sb.stats(ProviderId::Airtable).pages_served;
    let before = pages(&sb);
    load(&core, &key, fast_options()).await.unwrap();
    let plain = pages(&sb) - before;
    sb.arm_fault(ProviderId::Airtable, ArmedFault::new(Fault::ExpiredOffset).after(4));
    let before = (pages(&sb), sb.stats(ProviderId::Airtable).faults_fired);
    let items = load(&core, &key, fast_options()).await.unwrap();
    assert_eq!(items.len(), 1000);
    assert_consistent(&items);
    // The offset did expire, and the table was read again from its first page.
    assert_eq!(sb.stats(ProviderId::Airtable).faults_fired, before.1 + 1, "the expired offset was served");
    assert!(pages(&sb) - before.0 > plain, "the restarted table's pages were fetched again ({} vs {plain})", pages(&sb) - before.0);
}

#[tokio::test]
async fn a_failed_load_says_how_many_items_it_had() {
    let sb = sandbox(|c| c.dataset[ProviderId::Notion] = 1500).await;
    let (core, key) = connected(&sb, ProviderId::Notion).await;
    // Ten pages arrive, the eleventh cannot be read. Pages are delivered once mapped, two
    // behind the requests, so eight pages (800 items) were loaded when it stopped.
    sb.arm_fault(ProviderId::Notion, ArmedFault::new(Fault::MalformedJson).after(10));
    match load(&core, &key, fast_options()).await {
        Err(e @ Error::LoadIncomplete { loaded: 800, .. }) => assert!(e.to_string().contains("after 800 items"), "{e}"),
        other => panic!("{other:?}"),
    }
}

/// A failed load is one typed error naming what it could not load.
fn incomplete(result: Result<Vec<IntegrationItem>, Error>) -> (String, Error) {
    match result {
        Err(Error::LoadIncomplete { listing, cause, loaded, .. }) => {
            let _ = loaded;
            (listing, *cause)
        }
        Ok(items) => panic!("a failed load returned {} items as complete", items.len()),
        Err(other) => panic!("expected LoadIncomplete, got {other:?}"),
    }
}

#[tokio::test]
async fn malformed_truncated_and_repeated_pages_are_typed_errors() {
    let sb = sandbox(|c| c.dataset = tributary_sandbox::PerProvider::all(1500)).await;
    for p in ProviderId::ALL {
        let (core, key) = connected(&sb, p).await;
        let sp = p;

        sb.arm_fault(sp, ArmedFault::new(Fault::MalformedJson).after(3));
        let (_, cause) = incomplete(load(&core, &key, fast_options()).await);
        // The answer that could not be read is named by its request.
        assert!(matches!(&cause, Error::BadResponse { request: Some(r), .. } if r.starts_with("GET /") || r.starts_with("POST /")), "{p}: {cause:?}");
        assert!(cause.to_string().contains(" (to "), "{cause}");

        // A cut-off body is retried; one that keeps being cut off fails the load.
        sb.arm_fault(sp, ArmedFault::new(Fault::TruncatedBody).after(3).times(1));
        assert!(load(&core, &key, fast_options()).await.is_ok(), "{p}: one cut-off page is retried");
        sb.arm_fault(sp, ArmedFault::new(Fault::TruncatedBody).after(3).times(40));
        let (_, cause) = incomplete(load(&core, &key, fast_options()).await);
        assert!(matches!(&cause, Error::Network { message, .. } if message.contains("cut off")), "{p}: {cause:?}");
        sb.clear_faults(sp);

        sb.arm_fault(sp, ArmedFault::new(Fault::RepeatCursor).after(3));
        let (listing, cause) = incomplete(load(&core, &key, fast_options()).await);
        assert!(matches!(cause, Error::RepeatedCursor { .. }), "{p}: {cause:?}");
        assert!(!listing.is_empty());
    }
}

#[tokio::test]
async fn a_revoked_token_ends_the_load_with_reconnect_needed() {
    let sb = sandbox(|c| c.dataset = tributary_sandbox::PerProvider::all(1500)).await;
    for p in ProviderId::ALL {
        let (core, key) = connected(&sb, p).await;
        sb.arm_fault(p, ArmedFault::new(Fault::RevokeTokens).after(3));
        let err = load(&core, &key, fast_options()).await.unwrap_err();
        assert!(matches!(err, Error::ReconnectNeeded { provider } if provider == p), "{p}: {err:?}");
        assert!(err.to_string().contains("reconnect"));
    }
}

#[tokio::test]
async fn a_persistent_outage_fails_plainly() {
    let sb = sandbox(|c| c.dataset[ProviderId::Hubspot] = 1500).await;
    let (core, key) = connected(&sb, ProviderId::Hubspot).await;
    sb.arm_fault(ProviderId::Hubspot, ArmedFault::new(Fault::ServerError { status: 502 }).after(2).times(50));
    let (_, cause) = incomplete(load(&core, &key, fast_options()).await);
    assert!(matches!(cause, Error::Provider { status: 502, .. }), "{cause:?}");
}

#[tokio::test]
async fn a_load_can_be_cancelled() {
    let sb = sandbox(|c| c.dataset[ProviderId::Notion] = 3000).await;
    let (core, key) = connected(&sb, ProviderId::Notion).await;
    let cancel = Cancel::new();
    let trigger = cancel.clone();
    let progress = Arc::new(move |p: &Progress| {
        if p.pages == 3 {
            trigger.cancel();
        }
    });
    let err = core.load(&key, fast_options(), Some(progress), cancel).await.unwrap_err();
    assert!(matches!(err, Error::Cancelled(_)), "{err:?}");
}

#[tokio::test]
async fn paced_loads_meet_no_429_under_the_documented_limits() {
    let sb = sandbox(|c| {
        c.rate_limits = true;
        c.dataset = tributary_sandbox::PerProvider::in_order([1500, 1500, 900]);
    })
    .await;
    for p in ProviderId::ALL {
        let (core, key) = connected(&sb, p).await;
        let items = load(&core, &key, LoadOptions::default()).await.unwrap_or_else(|e| panic!("{p}: {e}"));
        assert!(items.len() >= 900);
        assert_eq!(sb.stats(p).rate_limited, 0, "{p}: pacing keeps under the limit");
    }
}
