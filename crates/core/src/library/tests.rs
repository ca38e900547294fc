use super::*;

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tributary-library-{tag}-{}-{}", std::process::id(), rand::random::<u32>()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn item(id: &str, name: &str, parent: Option<&str>) -> IntegrationItem {
    IntegrationItem { id: id.into(), name: name.into(), parent_path_or_name: parent.map(String::from), kind: "record".into(), ..Default::default() }
}

fn loaded(items: Vec<IntegrationItem>) -> Arc<Loaded> {
    Arc::new(Loaded { items, ..Default::default() })
}

fn key(p: ProviderId, user: &str) -> ConnectionKey {
    ConnectionKey::new(&crate::oauth::FlowKey::new(p, "org", user).unwrap(), "").unwrap()
}

#[tokio::test]
async fn a_load_replaces_a_connections_items_in_order_and_survives_reopening() {
    let dir = temp_dir("replace");
    let opened = Library::open(&dir).unwrap();
    assert!(opened.set_aside.is_none());
    let lib = opened.library;
    let (a, b) = (key(ProviderId::Airtable, "u1"), key(ProviderId::Notion, "u1"));
    assert!(lib.stored(&a).await.unwrap().is_none(), "nothing before the first load");
    let mut first = Loaded { items: vec![item("r2", "Grace", None), item("r1", "Ada", Some("People"))], ..Default::default() };
    first.notes.unreadable_titles = 1;
    lib.replace(&a, Arc::new(first)).await.unwrap();
    assert_eq!(lib.stored(&a).await.unwrap().unwrap().notes.as_deref(), Some("1 titles could not be read"));
    lib.replace(&b, loaded(vec![item("p1", "Roadmap", None)])).await.unwrap();
    lib.replace(&a, loaded(vec![item("r3", "Katherine", None), item("r1", "Ada", Some("People"))])).await.unwrap();
    drop(lib);

    let lib = Library::open(&dir).unwrap().library;
    let stored = lib.stored(&a).await.unwrap().unwrap();
    assert_eq!(stored.items.iter().map(|i| i.id.as_str()).collect::<Vec<_>>(), ["r3", "r1"], "the last load, in its order");
    assert_eq!(stored.notes, None);
    assert_eq!(lib.stored(&b).await.unwrap().unwrap().items.len(), 1, "other connections untouched");
    // Search runs across every connection, by name, id or parent, words as prefixes.
    let found = lib.search("ada", 10).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!((found[0].provider, found[0].item.id.as_str()), (ProviderId::Airtable, "r1"));
    assert_eq!(lib.search("peop", 10).await.unwrap().len(), 1, "the parent's name");
    assert_eq!(lib.search("grace", 10).await.unwrap().len(), 0, "the replaced load is gone from the index too");
    assert_eq!(lib.search("road \"map", 10).await.unwrap().len(), 0, "quotes never reach FTS5's syntax");
    assert_eq!(lib.search("ROADMAP", 10).await.unwrap()[0].provider, ProviderId::Notion);
    lib.forget(&a).await.unwrap();
    assert!(lib.stored(&a).await.unwrap().is_none() && lib.search("ada", 10).await.unwrap().is_empty());
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn a_damaged_or_newer_file_is_set_aside_with_its_path_never_deleted() {
    let dir = temp_dir("aside");
    std::fs::write(dir.join("library.sqlite3"), b"this is not a database, but someone's data").unwrap();
    let opened = Library::open(&dir).unwrap();
    let aside = opened.set_aside.clone().expect("set aside");
    assert!(aside.to.file_name().unwrap().to_str().unwrap().starts_with("library.sqlite3.damaged-"), "{aside:?}");
    assert_eq!(std::fs::read(&aside.to).unwrap(), b"this is not a database, but someone's data", "kept as it was");
    assert!(opened.library.stored(&key(ProviderId::Hubspot, "u")).await.unwrap().is_none(), "an empty library");
    drop(opened);

    // A file from a newer Tributary.
    let db = Connection::open(dir.join("library.sqlite3")).unwrap();
    db.pragma_update(None, "user_version", SCHEMA_VERSION + 1).unwrap();
    drop(db);
    let opened = Library::open(&dir).unwrap();
    let aside = opened.set_aside.expect("set aside");
    assert!(aside.reason.contains("newer") && aside.to.to_str().unwrap().contains(".newer-"), "{aside:?}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn a_reader_in_another_connection_sees_the_old_load_or_the_new_one_never_half() {
    let dir = temp_dir("wal");
    let lib = Library::open(&dir).unwrap().library;
    let k = key(ProviderId::Hubspot, "u");
    let old: Vec<IntegrationItem> = (0..5_000).map(|i| item(&format!("o{i}"), "old", None)).collect();
    lib.replace(&k, loaded(old)).await.unwrap();
    let new = loaded((0..5_000).map(|i| item(&format!("n{i}"), "new", None)).collect());
    // A second process's view: its own connection to the same file.
    let reader = Connection::open(dir.join("library.sqlite3")).unwrap();
    let writing = {
        let lib_items = new.clone();
        let lib = &lib;
        async move { lib.replace(&k, lib_items).await.unwrap() }
    };
    let reading = async {
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..50 {
            let count: i64 = reader.query_row("SELECT count(*) FROM items", [], |r| r.get(0)).unwrap();
            seen.insert(count);
            tokio::task::yield_now().await;
        }
        seen
    };
    let (_, seen) = tokio::join!(writing, reading);
    assert!(seen.iter().all(|c| *c == 5_000), "always one whole load: {seen:?}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn rows_are_searched_sorted_and_paged_in_the_database_across_connections() {
    let dir = temp_dir("rows");
    let lib = Library::open(&dir).unwrap().library;
    let (a, b) = (key(ProviderId::Airtable, "u1"), key(ProviderId::Notion, "u1"));
    let dated = |id: &str, name: &str, parent: Option<&str>, modified: &str| {
        let mut it = item(id, name, parent);
        it.last_modified_time = Some(modified.parse().unwrap());
        it
    };
    lib.replace(&a, loaded(vec![dated("r1", "grace", Some("People"), "2024-03-01T00:00:00Z"), dated("r2", "Ada", Some("People"), "2024-01-01T00:00:00Z"), dated("r3", "Ada", None, "2024-02-01T00:00:00Z")])).await.unwrap();
    lib.replace(&b, loaded(vec![dated("p1", "Roadmap", Some("Ada's notes"), "2024-04-01T00:00:00Z")])).await.unwrap();
    let ids = |rows: &Rows| rows.rows.iter().map(|f| f.item.id.clone()).collect::<Vec<_>>();
    let query = |text: &str| RowsQuery { text: text.into(), limit: 10, ..Default::default() };

    let all = lib.rows(query("")).await.unwrap();
    assert_eq!((all.total, ids(&all)), (4, vec!["r1".into(), "r2".into(), "r3".into(), "p1".into()]), "load order, connection by connection");
    let by_name = lib.rows(RowsQuery { sort: SortColumn::Name, ..query("") }).await.unwrap();
    assert_eq!(ids(&by_name), ["r2", "r3", "r1", "p1"], "case-insensitive, ties in load order");
    let newest = lib.rows(RowsQuery { sort: SortColumn::Modified, descending: true, ..query("") }).await.unwrap();
    assert_eq!(ids(&newest), ["p1", "r1", "r3", "r2"]);
    let page = lib.rows(RowsQuery { sort: SortColumn::Name, offset: 1, limit: 2, ..query("") }).await.unwrap();
    assert_eq!((page.total, ids(&page)), (4, vec!["r3".into(), "r1".into()]));

    // Search looks where it is told; every connection at once unless some are named.
    assert_eq!(ids(&lib.rows(query("ada")).await.unwrap()), ["r2", "r3", "p1"]);
    // Load order both ways, searched or not (the full-text index's own order).
    assert_eq!(ids(&lib.rows(RowsQuery { descending: true, ..query("") }).await.unwrap()), ["p1", "r3", "r2", "r1"]);
    assert_eq!(ids(&lib.rows(RowsQuery { descending: true, ..query("ada") }).await.unwrap()), ["p1", "r3", "r2"]);
    assert_eq!(ids(&lib.rows(RowsQuery { offset: 1, limit: 1, ..query("ada") }).await.unwrap()), ["r3"]);
    assert_eq!(ids(&lib.rows(RowsQuery { field: SearchField::Name, ..query("ada") }).await.unwrap()), ["r2", "r3"]);
    assert_eq!(ids(&lib.rows(RowsQuery { field: SearchField::Parent, ..query("ada") }).await.unwrap()), ["p1"]);
    assert_eq!(ids(&lib.rows(RowsQuery { field: SearchField::Id, ..query("r2") }).await.unwrap()), ["r2"]);
    let only_b = lib.rows(RowsQuery { connections: vec![b.clone()], ..query("") }).await.unwrap();
    assert_eq!((only_b.total, only_b.rows[0].provider), (1, ProviderId::Notion));
    // What a person types never breaks the query.
    assert_eq!(lib.rows(query("\"unbalanced (* OR")).await.unwrap().total, 0);

    // A row is light: a folder's children are counted, not listed (the stored item keeps them).
    let mut folder = item("f1", "Contacts", None);
    folder.children = (0..5000).map(|n| format!("c{n}")).collect();
    lib.replace(&b, loaded(vec![folder])).await.unwrap();
    let row = &lib.rows(query("contacts")).await.unwrap().rows[0];
    assert_eq!((row.item.children.len(), row.child_count), (0, 5000));
    assert_eq!(lib.search("contacts", 1).await.unwrap()[0].child_count, 5000);
    assert_eq!(lib.stored(&b).await.unwrap().unwrap().items[0].children.len(), 5000);
}

#[tokio::test]
async fn a_file_of_an_earlier_schema_is_migrated_and_keeps_its_items() {
    let dir = temp_dir("migrate");
    {
        let db = Connection::open(dir.join("library.sqlite3")).unwrap();
        for (step, sql) in MIGRATIONS[..2].iter().enumerate() {
            db.execute_batch(&format!("BEGIN; {sql}; PRAGMA user_version = {}; COMMIT;", step + 1)).unwrap();
        }
        let json = serde_json::to_string(&item("r1", "Ada", Some("People"))).unwrap();
        db.execute("INSERT INTO items (provider, org, user, position, id, json) VALUES ('airtable', 'org', 'u1', 0, 'r1', ?1)", [json]).unwrap();
        db.execute("INSERT INTO items_text (rowid, name, id, parent) VALUES (last_insert_rowid(), 'Ada', 'r1', 'People')", []).unwrap();
        db.execute("INSERT INTO syncs (provider, org, user, synced_at, items) VALUES ('airtable', 'org', 'u1', '2026-11-30T10:00:00+00:00', 1)", []).unwrap();
    }
    let opened = Library::open(&dir).unwrap();
    assert!(opened.set_aside.is_none(), "migrated, not set aside");
    let stored = opened.library.stored(&key(ProviderId::Airtable, "u1")).await.unwrap().unwrap();
    assert_eq!(stored.items.len(), 1);
    assert_eq!(stored.source, None, "an earlier sync names no source, so the next load is a full one");
    let rows = opened.library.rows(RowsQuery { sort: SortColumn::Name, limit: 10, ..Default::default() }).await.unwrap();
    assert_eq!(rows.rows[0].item.name, "Ada", "its sort columns were filled from the JSON");
    assert_eq!(rows.rows[0].account_id, "", "what was kept before accounts is the unnamed account's");
    let found = opened.library.search("Ada", 5).await.unwrap();
    assert_eq!(found.len(), 1, "the full-text index still finds the copied rows (their rowids kept)");
}

#[tokio::test]
async fn damage_inside_the_file_is_found_after_launch_and_the_file_set_aside_at_the_next() {
    let dir = temp_dir("damage");
    {
        let lib = Library::open(&dir).unwrap().library;
        let items = (0..3000).map(|i| item(&format!("r{i}"), &format!("Record number {i}"), Some("People"))).collect();
        lib.replace(&key(ProviderId::Airtable, "u1"), loaded(items)).await.unwrap();
    }
    // Pages in the middle of the file overwritten, as a failing disk or a bad copy would.
    let path = dir.join("library.sqlite3");
    let mut bytes = std::fs::read(&path).unwrap();
    let middle = bytes.len() / 2 / 4096 * 4096;
    bytes[middle..middle + 8192].fill(0x5a);
    std::fs::write(&path, bytes).unwrap();

    let opened = Library::open(&dir).unwrap();
    assert!(opened.set_aside.is_none(), "opening does not read every page");
    opened.library.check_later(std::time::Duration::ZERO);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while opened.library.damage().is_none() {
        assert!(std::time::Instant::now() < deadline, "the check found nothing");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(opened.library.damage().unwrap().contains("library.sqlite3"));
    drop(opened);
    let next = Library::open(&dir).unwrap();
    let aside = next.set_aside.expect("set aside at the next start");
    assert!(aside.reason.contains("damaged") && aside.to.exists(), "{aside:?}");
    assert!(next.library.stored(&key(ProviderId::Airtable, "u1")).await.unwrap().is_none(), "a new, empty library");
}

#[tokio::test]
async fn provider_records_written_during_a_load_become_the_connections_only_when_it_is_kept() {
    use crate::load::{ProviderRecord, Reload};
    let dir = temp_dir("records");
    let lib = Library::open(&dir).unwrap().library;
    let (a, b) = (key(ProviderId::Airtable, "u1"), key(ProviderId::Airtable, "u2"));
    let record = |id: &str, json: &str| ProviderRecord { id: id.into(), json: json.into() };
    let incoming_files = || std::fs::read_dir(dir.join("incoming")).map(|d| d.count()).unwrap_or(0);
    // A load appends its records page by page; until it is kept, they are nobody's.
    let incoming = lib.incoming().unwrap();
    incoming.write(vec![record("r1", r#"{"Name":"Ada"}"#), record("r2", r#"{"Name":"Grace"}"#)]).unwrap();
    incoming.write(vec![record("r3", "{\"Notes\":\"two\\nlines \u{1f600}\"}")]).unwrap();
    assert_eq!(lib.record(&a, "r1").await.unwrap(), None);
    let mut first = Loaded { items: vec![item("r1", "Ada", None), item("r2", "Grace", None), item("r3", "Katherine", None)], ..Default::default() };
    first.records = Some(Arc::new(incoming.finish().unwrap()));
    let first = Arc::new(first);
    lib.replace(&a, first.clone()).await.unwrap();
    assert_eq!(lib.record(&a, "r1").await.unwrap().as_deref(), Some(r#"{"Name":"Ada"}"#));
    assert_eq!(lib.record(&a, "r3").await.unwrap().as_deref(), Some("{\"Notes\":\"two\\nlines \u{1f600}\"}"));
    assert_eq!(lib.record(&b, "r1").await.unwrap(), None, "another connection's items have none");
    drop(first);
    assert_eq!(incoming_files(), 0, "the file goes with the load it was kept from");

    // A failed load's records are discarded; the kept ones stay.
    let failed = lib.incoming().unwrap();
    failed.write(vec![record("r1", r#"{"Name":"Wrong"}"#)]).unwrap();
    failed.discard();
    assert_eq!(lib.record(&a, "r1").await.unwrap().as_deref(), Some(r#"{"Name":"Ada"}"#));
    assert_eq!(incoming_files(), 0);

    // A reload replaces the records it read again and forgets the removed items'.
    let reload = lib.incoming().unwrap();
    reload.write(vec![record("r1", r#"{"Name":"Ada (edited)"}"#)]).unwrap();
    let mut next = Loaded { items: vec![item("r1", "Ada (edited)", None), item("r3", "Katherine", None)], ..Default::default() };
    next.records = Some(Arc::new(reload.finish().unwrap()));
    next.reload = Some(Reload { since: Utc::now(), changed: vec![0], removed: vec!["r2".into()], deletions_reported: true });
    lib.apply(&a, Arc::new(next)).await.unwrap();
    assert_eq!(lib.record(&a, "r1").await.unwrap().as_deref(), Some(r#"{"Name":"Ada (edited)"}"#));
    assert_eq!(lib.record(&a, "r2").await.unwrap(), None);
    assert!(lib.record(&a, "r3").await.unwrap().is_some(), "what the reload did not read again stays");
    // The totals a view is given (from each sync's own count, or the full-text index) agree
    // with the rows there are.
    let all = lib.rows(RowsQuery { connections: vec![a.clone()], limit: 10, ..Default::default() }).await.unwrap();
    assert_eq!((all.total, all.rows.len()), (2, 2));
    let found = lib.rows(RowsQuery { text: "ada".into(), limit: 10, ..Default::default() }).await.unwrap();
    assert_eq!((found.total, found.rows.len()), (1, 1));
    let within = lib.rows(RowsQuery { text: "kath".into(), connections: vec![a.clone(), b.clone()], limit: 10, ..Default::default() }).await.unwrap();
    assert_eq!((within.total, within.rows.len()), (1, 1));

    // A full load replaces them all; disconnect removes them.
    let again = lib.incoming().unwrap();
    again.write(vec![record("r1", "{}")]).unwrap();
    let mut full = Loaded { items: vec![item("r1", "Ada", None)], ..Default::default() };
    full.records = Some(Arc::new(again.finish().unwrap()));
    lib.replace(&a, Arc::new(full)).await.unwrap();
    assert_eq!(lib.record(&a, "r3").await.unwrap(), None);
    lib.forget(&a).await.unwrap();
    assert_eq!(lib.record(&a, "r1").await.unwrap(), None);
    std::fs::remove_dir_all(dir).unwrap();
}
