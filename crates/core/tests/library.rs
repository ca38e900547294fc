//! The item library through the core, in real SQLite files: a complete load is kept and opens
//! the next run before any network call; a failed reload keeps the last good load; disconnect
//! removes the connection's items.

mod common;

use std::sync::Arc;

use common::*;
use tributary_core::load::Progress;
use tributary_core::store::Store;
use tributary_core::{Core, ProviderId, Settings};
use tributary_sandbox::{ArmedFault, Fault, PerProvider, Sandbox};

const ITEMS: usize = 300;

fn core_in(sb: &Sandbox, data_dir: &std::path::Path) -> Core {
    let mut settings: Settings = settings_for(sb);
    settings.data_dir = data_dir.to_path_buf();
    Core::with_store(settings, futures::executor::block_on(Store::open(None)).unwrap()).unwrap()
}

fn quiet() -> tributary_core::load::ProgressFn {
    Arc::new(|_: &Progress| {})
}

#[tokio::test]
async fn a_complete_load_opens_the_next_run_and_a_failed_reload_keeps_it() {
    let sb = sandbox(|c| c.dataset = PerProvider::all(ITEMS)).await;
    let data = temp_data_dir();
    let first = core_in(&sb, &data);
    let core = first;
    let key = sign_in_to(&core, &new_key(ProviderId::Notion), 0).await;
    assert!(core.stored_items(&key).await.unwrap().is_none(), "nothing before the first load");
    let loaded = core.load_items(&key, quiet(), false).await.unwrap();
    assert_eq!(loaded.items.len(), ITEMS);

    // A reload that fails leaves the library as it was.
    sb.arm_fault(ProviderId::Notion, ArmedFault::new(Fault::MalformedJson).after(1).times(100));
    assert!(core.load_items(&key, quiet(), false).await.is_err());
    sb.clear_faults(ProviderId::Notion);
    drop(core);

    // The next run opens on it without asking the provider.
    let before = sb.stats(ProviderId::Notion).api_requests;
    let next = core_in(&sb, &data);
    let stored = next.stored_items(&key).await.unwrap().expect("the last complete load");
    assert_eq!(stored.loaded.items, loaded.items, "every item, in order, as loaded");
    let json = serde_json::to_value(&stored).unwrap();
    assert_eq!(json["items"].as_array().unwrap().len(), ITEMS, "the window gets {{items, syncedAt, notes}}");
    assert!(json["syncedAt"].is_string());
    assert_eq!(sb.stats(ProviderId::Notion).api_requests, before, "no request to the provider");
    // Searching the library finds items of the connection.
    let name = loaded.items.iter().find(|i| i.name != "Untitled").unwrap().name.clone();
    let word = name.split_whitespace().next().unwrap();
    assert!(next.search_library(word, 50).await.unwrap().iter().any(|f| f.item.name == name), "{word}");
    // Its items are the last load for export, too.
    let file = data.join("export");
    std::fs::create_dir_all(&file).unwrap();
    next.export_last_load(&key, tributary_core::export::Format::Json, &file).unwrap();

    // Disconnect removes the items.
    let core = next;
    core.resume(&key).await.unwrap();
    core.disconnect(&key).await.ok();
    assert!(core.stored_items(&key).await.unwrap().is_none());
    std::fs::remove_dir_all(&data).ok();
}

#[tokio::test]
async fn a_damaged_library_is_set_aside_and_said_once() {
    let sb = sandbox(|c| c.dataset = PerProvider::all(10)).await;
    let data = temp_data_dir();
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(data.join("library.sqlite3"), "not a database").unwrap();
    let core = core_in(&sb, &data);
    let state = core.saved_connections_of(&new_key(ProviderId::Airtable)).await.unwrap();
    let notice = state.library_notice.expect("said");
    assert!(notice.contains("library.sqlite3") && notice.contains("moved to"), "{notice}");
    let aside: Vec<_> = std::fs::read_dir(&data).unwrap().filter_map(|e| e.ok()).filter(|e| e.file_name().to_string_lossy().contains(".damaged-")).collect();
    assert_eq!(aside.len(), 1, "kept, not deleted");
    std::fs::remove_dir_all(&data).ok();
}

#[tokio::test]
async fn every_record_keeps_its_provider_record_and_a_reload_brings_the_edited_ones() {
    let sb = sandbox(|c| c.dataset = PerProvider::all(ITEMS)).await;
    let data = temp_data_dir();
    let core = core_in(&sb, &data);
    for p in ProviderId::ALL {
        let key = sign_in_to(&core, &new_key(p), 0).await;
        let loaded = core.load_items(&key, quiet(), true).await.unwrap();
        // Records (not the folders, bases, tables or data sources around them) carry the
        // provider's own: HubSpot's properties, Airtable's fields, a Notion page's properties.
        let records: Vec<_> = loaded.items.iter().filter(|i| ["contact", "company", "deal", "record", "page"].contains(&i.kind.as_ref())).collect();
        assert!(records.len() >= ITEMS / 2, "{p}: {}", records.len());
        for item in &records {
            let record = core.item_record(&key, &item.id).await.unwrap().unwrap_or_else(|| panic!("{p}: no record for {}", item.id));
            assert!(record.is_object(), "{p}: {record}");
            match p {
                ProviderId::Hubspot => assert_eq!(Some(record["hs_object_id"].as_str().unwrap()), item.id.split(':').nth(1), "{p}"),
                ProviderId::Notion => assert!(record.as_object().unwrap().values().any(|v| v["type"] == "title"), "{p}: {record}"),
                ProviderId::Airtable => {}
            }
        }
        assert_eq!(core.item_record(&key, "no-such-item").await.unwrap(), None);

        // A reload that fails keeps them; one that completes brings the edited ones.
        let before = core.item_record(&key, &records[0].id).await.unwrap();
        sb.arm_fault(p, ArmedFault::new(Fault::MalformedJson).after(1).times(100));
        let changed = sb.change(p, tributary_sandbox::changes::Change { edit: 4, ..Default::default() });
        assert!(core.load_items(&key, quiet(), false).await.is_err(), "{p}");
        sb.clear_faults(p);
        assert_eq!(core.item_record(&key, &records[0].id).await.unwrap(), before, "{p}");
        let waiting = std::fs::read_dir(data.join("incoming")).map(|d| d.count()).unwrap_or(0);
        assert_eq!(waiting, 0, "{p}: the failed load's records file is gone");
        let reloaded = core.load_items(&key, quiet(), false).await.unwrap();
        assert!(reloaded.reload.is_some(), "{p}");
        let edited: Vec<_> = reloaded.items.iter().filter(|i| i.name.contains(" (edited)")).collect();
        assert_eq!(edited.len(), changed.edited.len(), "{p}");
        for item in edited {
            let record = core.item_record(&key, &item.id).await.unwrap().unwrap();
            assert!(record.to_string().contains("(edited)"), "{p}: the reload's record replaced the old one: {record}");
        }
    }
    std::fs::remove_dir_all(&data).ok();
}
