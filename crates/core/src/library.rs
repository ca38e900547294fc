//! The local library: every connection's last complete load, in one SQLite file in the app's
//! data folder (`library.sqlite3`), so the window opens on what it already knows before any
//! network call, and searches run in the database across every connection at once.
//!
//! - rusqlite with its bundled SQLite: every platform has the same engine, FTS5 included.
//! - A completed load replaces the connection's items in one transaction; a failed or cancelled
//!   load never reaches the library, so the last good data stays. WAL mode: another process (a
//!   second window, the CLI) reading while the app writes sees the old load or the new one,
//!   never half of one.
//! - The schema has a version (`PRAGMA user_version`) and migrations. A file that is damaged,
//!   or was written by a newer Tributary, is set aside under a name that says so, never
//!   deleted, and the app starts with an empty library (see [`Opened::set_aside`]).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::item::IntegrationItem;
use crate::load::{IncomingRecords, Loaded, ProviderRecord, RecordSink};
use crate::connection::ConnectionKey;
use crate::provider::ProviderId;

/// The schema this build writes. Each step of [`MIGRATIONS`] takes a file one version up.
const SCHEMA_VERSION: i64 = 5;

/// The indexes a view sorts by, one per column (made by migration 3, and again on the table
/// migration 4 copies).
macro_rules! sort_indexes {
    () => {
        "
    CREATE INDEX items_by_name ON items (name COLLATE NOCASE);
    CREATE INDEX items_by_kind ON items (kind);
    CREATE INDEX items_by_parent ON items (parent COLLATE NOCASE);
    CREATE INDEX items_by_created ON items (created);
    CREATE INDEX items_by_modified ON items (modified);"
    };
}

/// The condition that selects one connection's rows, its key bound as `?1` to `?4`.
macro_rules! connection_is {
    () => {
        "provider = ?1 AND org = ?2 AND user = ?3 AND account = ?4"
    };
}

const MIGRATIONS: &[&str] = &[
    // 1: connections' last syncs, their items (the IntegrationItem as JSON, in load order), and
    // a full-text index of names, ids and parents.
    "CREATE TABLE syncs (
        provider TEXT NOT NULL, org TEXT NOT NULL, user TEXT NOT NULL,
        synced_at TEXT NOT NULL, items INTEGER NOT NULL, notes TEXT,
        PRIMARY KEY (provider, org, user)
    );
    CREATE TABLE items (
        provider TEXT NOT NULL, org TEXT NOT NULL, user TEXT NOT NULL,
        position INTEGER NOT NULL, id TEXT NOT NULL, json TEXT NOT NULL,
        PRIMARY KEY (provider, org, user, id)
    );
    CREATE INDEX items_in_order ON items (provider, org, user, position);
    CREATE VIRTUAL TABLE items_text USING fts5 (name, id, parent, tokenize = 'unicode61 remove_diacritics 2');",
    // 2: when each connection's last sync started (the next reload reads what changed after
    // it) and when its last full load was.
    "ALTER TABLE syncs ADD COLUMN checkpoint TEXT;
    ALTER TABLE syncs ADD COLUMN full_synced_at TEXT;",
    // 3: where each sync's items came from (a reload builds only on the same source), and the
    // columns a view sorts by (times with milliseconds always, so they sort as text), with an
    // index each, so a page of rows in any order is read without sorting them all.
    concat!("ALTER TABLE syncs ADD COLUMN source TEXT;
    ALTER TABLE items ADD COLUMN name TEXT;
    ALTER TABLE items ADD COLUMN kind TEXT;
    ALTER TABLE items ADD COLUMN parent TEXT;
    ALTER TABLE items ADD COLUMN created TEXT;
    ALTER TABLE items ADD COLUMN modified TEXT;
    UPDATE items SET name = json_extract(json, '$.name'), kind = json_extract(json, '$.type'),
        parent = json_extract(json, '$.parent_path_or_name'),
        created = strftime('%Y-%m-%dT%H:%M:%fZ', json_extract(json, '$.creation_time')),
        modified = strftime('%Y-%m-%dT%H:%M:%fZ', json_extract(json, '$.last_modified_time'));",
    sort_indexes!()),
    // 4: a connection is one account of a provider (two portals side by side), so the
    // account joins the keys; what was kept before is the unnamed account's (''). SQLite
    // cannot change a primary key in place: the tables are copied, rowids kept (the full-text
    // index refers to them), and the copy gets the indexes again.
    concat!("CREATE TABLE syncs_4 (
        provider TEXT NOT NULL, org TEXT NOT NULL, user TEXT NOT NULL, account TEXT NOT NULL,
        synced_at TEXT NOT NULL, items INTEGER NOT NULL, notes TEXT,
        checkpoint TEXT, full_synced_at TEXT, source TEXT,
        PRIMARY KEY (provider, org, user, account)
    );
    INSERT INTO syncs_4 SELECT provider, org, user, '', synced_at, items, notes, checkpoint, full_synced_at, source FROM syncs;
    DROP TABLE syncs;
    ALTER TABLE syncs_4 RENAME TO syncs;
    CREATE TABLE items_4 (
        provider TEXT NOT NULL, org TEXT NOT NULL, user TEXT NOT NULL, account TEXT NOT NULL,
        position INTEGER NOT NULL, id TEXT NOT NULL, json TEXT NOT NULL,
        name TEXT, kind TEXT, parent TEXT, created TEXT, modified TEXT,
        PRIMARY KEY (provider, org, user, account, id)
    );
    INSERT INTO items_4 (rowid, provider, org, user, account, position, id, json, name, kind, parent, created, modified)
        SELECT rowid, provider, org, user, '', position, id, json, name, kind, parent, created, modified FROM items;
    DROP TABLE items;
    ALTER TABLE items_4 RENAME TO items;
    CREATE INDEX items_in_order ON items (provider, org, user, account, position);",
    sort_indexes!()),
    // 5: each item's provider record (its properties or fields, as the provider sent them), so
    // a record's details are shown without asking the provider.
    "CREATE TABLE records (
        provider TEXT NOT NULL, org TEXT NOT NULL, user TEXT NOT NULL, account TEXT NOT NULL,
        id TEXT NOT NULL, json TEXT NOT NULL,
        PRIMARY KEY (provider, org, user, account, id)
    ) WITHOUT ROWID;",
];

/// How long a load's incoming records file is kept when the load neither completes nor fails
/// (its process ended): then any later start removes it.
const INCOMING_KEPT: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// The library file, open.
pub struct Library {
    path: PathBuf,
    db: Arc<Mutex<Connection>>,
    /// What a full check of the file found wrong, once it ran (see [`Library::check_later`]).
    damage: Arc<Mutex<Option<String>>>,
}

/// What opening found.
pub struct Opened {
    pub library: Library,
    /// Where an unusable file was moved, and why (the window and the log say so).
    pub set_aside: Option<SetAside>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SetAside {
    pub from: PathBuf,
    pub to: PathBuf,
    pub reason: String,
}

/// A connection's last complete load, as the library keeps it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Stored {
    pub items: Vec<IntegrationItem>,
    pub synced_at: DateTime<Utc>,
    /// The load's notes sentence (what it left out), if it had one.
    pub notes: Option<String>,
    /// When the last sync started (`None` for one kept by a build without reloads).
    pub checkpoint: Option<DateTime<Utc>>,
    /// When the last full load was.
    pub full_synced_at: Option<DateTime<Utc>>,
    /// Where the items came from (see `Loaded::source`).
    pub source: Option<String>,
}

/// A connection's last complete load from the library, as the core holds it: the items are the
/// connection's last load too (for export and links), so they are held once. Serialised as
/// `{items, syncedAt, notes}`.
#[derive(Debug, Clone)]
pub struct StoredLoad {
    pub loaded: Arc<Loaded>,
    pub synced_at: DateTime<Utc>,
    pub notes: Option<String>,
    pub full_synced_at: Option<DateTime<Utc>>,
}

impl StoredLoad {
    pub fn new(stored: Stored) -> Self {
        let loaded = Arc::new(Loaded { items: stored.items, started_at: stored.checkpoint.unwrap_or_default(), source: stored.source.unwrap_or_default(), ..Default::default() });
        StoredLoad { loaded, synced_at: stored.synced_at, notes: stored.notes, full_synced_at: stored.full_synced_at }
    }
}

impl Serialize for StoredLoad {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut out = s.serialize_struct("StoredLoad", 4)?;
        out.serialize_field("items", &self.loaded.items)?;
        out.serialize_field("syncedAt", &self.synced_at)?;
        out.serialize_field("notes", &self.notes)?;
        out.serialize_field("fullSyncedAt", &self.full_synced_at)?;
        out.end()
    }
}

/// Which rows a view asks for: whose items, matching what, in which order, which page.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RowsQuery {
    /// The connections whose items to show (empty: every connection in the library).
    pub connections: Vec<ConnectionKey>,
    /// Words, each matched as a prefix (empty: every item).
    pub text: String,
    pub field: SearchField,
    pub sort: SortColumn,
    pub descending: bool,
    pub offset: usize,
    /// At most [`MAX_ROWS`].
    pub limit: usize,
}

/// The most rows one query returns (a screenful or a few).
pub const MAX_ROWS: usize = 2_000;

/// What a search looks at.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SearchField {
    /// Names, ids and parents.
    #[default]
    Any,
    Name,
    Id,
    Parent,
}

/// What rows are ordered by; ties keep each connection's load order (a stable sort).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SortColumn {
    /// The order the provider listed them in.
    #[default]
    Loaded,
    Name,
    Kind,
    Parent,
    Created,
    Modified,
    Provider,
}

/// A page of rows and how many match in all.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Rows {
    pub total: usize,
    pub offset: usize,
    pub rows: Vec<Found>,
}

/// One search hit: whose item it is, and the item as a row of a view shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Found {
    pub provider: ProviderId,
    pub org_id: String,
    pub user_id: String,
    /// The account's id (see [`ConnectionKey::account`]).
    pub account_id: String,
    /// The item without its `children`, which a folder of a large load lists by the hundred
    /// thousand (a page of rows with them was 2 MB of JSON for the window to take in).
    pub item: IntegrationItem,
    /// How many children the item lists.
    pub child_count: usize,
}

impl Library {
    /// Opens (or creates) the library in `data_dir`. A file it cannot use is set aside and a new,
    /// empty one started; only a folder that cannot be written at all is an error.
    pub fn open(data_dir: &Path) -> Result<Opened> {
        std::fs::create_dir_all(data_dir).map_err(|e| Error::Io { path: data_dir.to_path_buf(), message: e.to_string() })?;
        let path = data_dir.join("library.sqlite3");
        match Self::open_file(&path) {
            Ok(library) => Ok(Opened { library, set_aside: None }),
            Err(Unusable(reason)) => {
                let to = set_aside(&path, if reason.starts_with("written by a newer") { "newer" } else { "damaged" })?;
                tracing::warn!(from = %path.display(), to = %to.display(), %reason, "the library file was set aside; starting an empty one");
                let library = Self::open_file(&path).map_err(|Unusable(r)| Error::Io { path: path.clone(), message: r })?;
                Ok(Opened { library, set_aside: Some(SetAside { from: path, to, reason }) })
            }
        }
    }

    fn open_file(path: &Path) -> std::result::Result<Library, Unusable> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let db = Connection::open_with_flags(path, flags).map_err(unusable)?;
        // A file that is not a database fails here (or at the first read), not halfway through a load.
        db.pragma_update(None, "journal_mode", "WAL").map_err(unusable)?;
        // In WAL mode NORMAL still never corrupts the file; a crash can lose only the last
        // transaction, which a reload redoes.
        db.pragma_update(None, "synchronous", "NORMAL").map_err(unusable)?;
        db.busy_timeout(std::time::Duration::from_secs(5)).map_err(unusable)?;
        let version: i64 = db.pragma_query_value(None, "user_version", |r| r.get(0)).map_err(unusable)?;
        if version > SCHEMA_VERSION {
            return Err(Unusable(format!("written by a newer Tributary (schema {version}; this one reads up to {SCHEMA_VERSION})")));
        }
        // The schema is read at once (a file that is not a database fails here). A full check
        // reads the whole file (0.6 s for 300,000 items), so it runs after launch
        // (`check_later`); one that found damage leaves a mark, and the file is set aside here.
        db.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0)).map_err(unusable)?;
        let mark = damage_mark(path);
        if mark.exists() {
            let found = std::fs::read_to_string(&mark).unwrap_or_default();
            let _ = std::fs::remove_file(&mark);
            return Err(Unusable(format!("the database is damaged ({})", found.trim())));
        }
        for (step, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            let to = step as i64 + 1;
            db.execute_batch(&format!("BEGIN; {sql}; PRAGMA user_version = {to}; COMMIT;")).map_err(unusable)?;
        }
        clear_stale_incoming(&incoming_dir(path));
        Ok(Library { path: path.to_path_buf(), db: Arc::new(Mutex::new(db)), damage: Arc::default() })
    }

    /// Checks every page of the file after `delay`, on a connection and a thread of its own, so
    /// launch never waits on it. Damage is logged, said by [`Library::damage`] and marked, so the
    /// next start sets the file aside.
    pub fn check_later(&self, delay: std::time::Duration) {
        let (path, damage) = (self.path.clone(), self.damage.clone());
        let spawned = std::thread::Builder::new().name("library-check".into()).spawn(move || {
            std::thread::sleep(delay);
            if let Some(found) = check_file(&path) {
                tracing::error!(path = %path.display(), %found, "the item library is damaged; it will be set aside at the next start");
                let _ = std::fs::write(damage_mark(&path), &found);
                *damage.lock().unwrap_or_else(|e| e.into_inner()) = Some(found);
            }
        });
        if let Err(e) = spawned {
            tracing::warn!(error = %e, "the library check could not start");
        }
    }

    /// What the full check found wrong, if it ran and found anything: a sentence naming the file.
    pub fn damage(&self) -> Option<String> {
        let found = self.damage.lock().unwrap_or_else(|e| e.into_inner()).clone()?;
        Some(format!("The item library {} is damaged ({found}); it will be set aside, and a new one started, when Tributary next starts.", self.path.display()))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Replaces a connection's items with a completed load, in one transaction.
    pub async fn replace(&self, key: &ConnectionKey, loaded: Arc<Loaded>) -> Result<DateTime<Utc>> {
        let (key, path) = (key.clone(), self.path.clone());
        self.run(move |db| {
            let (items, notes) = (&loaded.items, loaded.notes.summary());
            let synced_at = Utc::now();
            let tx = db.transaction()?;
            delete_connection(&tx, &key)?;
            {
                let mut insert = ItemInsert::prepare(&tx)?;
                for (position, it) in items.iter().enumerate() {
                    insert.run(&key, position as i64, it)?;
                }
            }
            adopt_records(&tx, &key, loaded.records.as_ref().map(|r| r.file.as_path()))?;
            let started = loaded.started_at.to_rfc3339();
            tx.execute(
                "INSERT INTO syncs (provider, org, user, account, synced_at, items, notes, checkpoint, full_synced_at, source) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9)",
                params![key.provider.as_str(), key.org_id, key.user_id, key.account, synced_at.to_rfc3339(), items.len() as i64, notes, started, loaded.source],
            )?;
            tx.commit()?;
            // A load is one big transaction: fold it into the file now, so the WAL does not keep
            // a second copy of it (readers in other processes may delay this; that is fine).
            db.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
            Ok(synced_at)
        })
        .await
        .map_err(|e| e.at(&path))
    }

    /// Writes a reload of changes (`loaded.reload`): only the items that changed, went or came,
    /// in one transaction, and the new checkpoint. Without a reload it replaces everything.
    pub async fn apply(&self, key: &ConnectionKey, loaded: Arc<Loaded>) -> Result<DateTime<Utc>> {
        if loaded.reload.is_none() {
            return self.replace(key, loaded).await;
        }
        let (key, path) = (key.clone(), self.path.clone());
        self.run(move |db| {
            let reload = loaded.reload.as_ref().expect("checked");
            let who = params![key.provider.as_str(), key.org_id, key.user_id, key.account];
            let synced_at = Utc::now();
            let tx = db.transaction()?;
            {
                let mut find = tx.prepare_cached(concat!("SELECT rowid FROM items WHERE ", connection_is!(), " AND id = ?5"))?;
                let mut forget_text = tx.prepare_cached("DELETE FROM items_text WHERE rowid = ?1")?;
                let mut forget = tx.prepare_cached("DELETE FROM items WHERE rowid = ?1")?;
                let mut forget_record = tx.prepare_cached(concat!("DELETE FROM records WHERE ", connection_is!(), " AND id = ?5"))?;
                for id in &reload.removed {
                    if let Some(rowid) = find.query_row(params![who[0], who[1], who[2], who[3], id], |r| r.get::<_, i64>(0)).optional()? {
                        forget_text.execute([rowid])?;
                        forget.execute([rowid])?;
                    }
                    forget_record.execute(params![who[0], who[1], who[2], who[3], id])?;
                }
                let mut last: i64 = tx.query_row(concat!("SELECT COALESCE(MAX(position), -1) FROM items WHERE ", connection_is!()), who, |r| r.get(0))?;
                let mut update = tx.prepare_cached("UPDATE items SET json = ?2, name = ?3, kind = ?4, parent = ?5, created = ?6, modified = ?7 WHERE rowid = ?1")?;
                let mut update_text = tx.prepare_cached("UPDATE items_text SET name = ?2, id = ?3, parent = ?4 WHERE rowid = ?1")?;
                let mut insert = ItemInsert::prepare(&tx)?;
                for &n in &reload.changed {
                    let it = &loaded.items[n];
                    match find.query_row(params![who[0], who[1], who[2], who[3], it.id], |r| r.get::<_, i64>(0)).optional()? {
                        Some(rowid) => {
                            let (json, created, modified) = row_values(it);
                            update.execute(params![rowid, json, it.name, it.kind, it.parent_path_or_name, created, modified])?;
                            update_text.execute(params![rowid, it.name, it.id, it.parent_path_or_name])?;
                        }
                        None => {
                            last += 1;
                            insert.run(&key, last, it)?;
                        }
                    }
                }
            }
            // What the reload read again replaces what was kept; the rest stays.
            adopt_records(&tx, &key, loaded.records.as_ref().map(|r| r.file.as_path()))?;
            let notes = loaded.notes.summary();
            let changed = tx.execute(
                concat!("UPDATE syncs SET synced_at = ?5, items = ?6, notes = ?7, checkpoint = ?8 WHERE ", connection_is!()),
                params![who[0], who[1], who[2], who[3], synced_at.to_rfc3339(), loaded.items.len() as i64, notes, loaded.started_at.to_rfc3339()],
            )?;
            if changed == 0 {
                return Err(LibraryError::Unreadable("a reload of changes for a connection with no sync kept".into()));
            }
            tx.commit()?;
            Ok(synced_at)
        })
        .await
        .map_err(|e| e.at(&path))
    }

    /// A connection's last complete load, or `None` before its first.
    pub async fn stored(&self, key: &ConnectionKey) -> Result<Option<Stored>> {
        let (key, path) = (key.clone(), self.path.clone());
        self.run(move |db| {
            type Row = (String, Option<String>, Option<String>, Option<String>, Option<String>);
            let sync: Option<Row> = db
                .query_row(
                    concat!("SELECT synced_at, notes, checkpoint, full_synced_at, source FROM syncs WHERE ", connection_is!()),
                    params![key.provider.as_str(), key.org_id, key.user_id, key.account],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
                )
                .optional()?;
            let Some((synced_at, notes, checkpoint, full_synced_at, source)) = sync else { return Ok(None) };
            let mut query = db.prepare_cached(concat!("SELECT json FROM items WHERE ", connection_is!(), " ORDER BY position"))?;
            let items = query
                .query_map(params![key.provider.as_str(), key.org_id, key.user_id, key.account], |r| r.get::<_, String>(0))?
                .map(|json| serde_json::from_str(&json?).map_err(|e| LibraryError::Unreadable(e.to_string())))
                .collect::<std::result::Result<Vec<IntegrationItem>, LibraryError>>()?;
            let time = |t: &str| DateTime::parse_from_rfc3339(t).map(|t| t.with_timezone(&Utc)).map_err(|e| LibraryError::Unreadable(e.to_string()));
            let synced_at = time(&synced_at)?;
            let checkpoint = checkpoint.as_deref().map(time).transpose()?;
            let full_synced_at = full_synced_at.as_deref().map(time).transpose()?;
            Ok(Some(Stored { items, synced_at, notes, checkpoint, full_synced_at, source }))
        })
        .await
        .map_err(|e| e.at(&path))
    }

    /// Items of every connection whose name, id or parent matches `text` (words, each a prefix),
    /// best first, at most `limit`.
    pub async fn search(&self, text: &str, limit: usize) -> Result<Vec<Found>> {
        let query = fts_words(text);
        if query.is_empty() {
            return Ok(Vec::new());
        }
        let (query, path) = (query.join(" "), self.path.clone());
        self.run(move |db| {
            let mut find = db.prepare_cached(
                concat!("SELECT ", found_columns!(), " FROM items_text
                 JOIN items ON items.rowid = items_text.rowid
                 WHERE items_text MATCH ?1 ORDER BY rank LIMIT ?2"),
            )?;
            let rows = find.query_map(params![query, limit as i64], found_row)?;
            rows.map(|row| row?.map_err(LibraryError::Unreadable)).collect()
        })
        .await
        .map_err(|e| e.at(&path))
    }

    /// A page of rows across connections, searched and sorted in the database, so a view never
    /// holds more items than it shows.
    pub async fn rows(&self, query: RowsQuery) -> Result<Rows> {
        let path = self.path.clone();
        self.run(move |db| {
            let mut filters = Vec::new();
            let mut values: Vec<Box<dyn rusqlite::ToSql>> = Vec::new();
            let words = fts_words(&query.text);
            let text_join = if words.is_empty() {
                ""
            } else {
                let column = match query.field {
                    SearchField::Any => "",
                    SearchField::Name => "name : ",
                    SearchField::Id => "id : ",
                    SearchField::Parent => "parent : ",
                };
                values.push(Box::new(words.iter().map(|w| format!("{column}{w}")).collect::<Vec<_>>().join(" ")));
                filters.push(format!("items_text MATCH ?{}", values.len()));
                "JOIN items_text ON items_text.rowid = items.rowid"
            };
            if !query.connections.is_empty() {
                let mut whose = Vec::new();
                for key in &query.connections {
                    values.push(Box::new(key.provider.as_str().to_string()));
                    values.push(Box::new(key.org_id.clone()));
                    values.push(Box::new(key.user_id.clone()));
                    values.push(Box::new(key.account.clone()));
                    let n = values.len();
                    whose.push(format!("(items.provider = ?{} AND items.org = ?{} AND items.user = ?{} AND items.account = ?{n})", n - 3, n - 2, n - 1));
                }
                filters.push(format!("({})", whose.join(" OR ")));
            }
            let filter = if filters.is_empty() { String::new() } else { format!("WHERE {}", filters.join(" AND ")) };
            let direction = if query.descending { "DESC" } else { "ASC" };
            let column = match query.sort {
                SortColumn::Loaded => None,
                SortColumn::Name => Some("items.name COLLATE NOCASE"),
                SortColumn::Kind => Some("items.kind"),
                SortColumn::Parent => Some("items.parent COLLATE NOCASE"),
                SortColumn::Created => Some("items.created"),
                SortColumn::Modified => Some("items.modified"),
                SortColumn::Provider => Some("items.provider"),
            };
            // Stable: ties keep each connection's load order. Load order itself is the order the
            // items came into the library (a connection's load in its order, a reload's new
            // items after), which is the rowid's: the full-text index hands its matches over in
            // that order, so a search in load order reads its page and stops, however many
            // thousand items match, instead of sorting them all.
            let order = match column {
                Some(c) => format!("{c} {direction}, items.provider, items.org, items.user, items.account, items.position"),
                None if words.is_empty() => format!("items.rowid {direction}"),
                None => format!("items_text.rowid {direction}"),
            };
            // How many match, the cheapest way there is (a typed query waits on it): with no
            // words, each sync's own count of the items it wrote; with words across every
            // connection, the full-text index alone; only words within some connections join.
            let count = if words.is_empty() {
                format!("SELECT COALESCE(SUM(items), 0) FROM syncs {}", filter.replace("items.", "syncs."))
            } else if query.connections.is_empty() {
                format!("SELECT COUNT(*) FROM items_text {filter}")
            } else {
                format!("SELECT COUNT(*) FROM items {text_join} {filter}")
            };
            let total: i64 = db.prepare_cached(&count)?.query_row(rusqlite::params_from_iter(values.iter().map(|v| v.as_ref())), |r| r.get(0))?;
            // The page is bound, not written into the text, so scrolling reuses one statement.
            values.push(Box::new(query.limit.min(MAX_ROWS) as i64));
            values.push(Box::new(query.offset as i64));
            let n = values.len();
            let sql = format!(concat!("SELECT ", found_columns!(), " FROM items {} {} ORDER BY {} LIMIT ?{} OFFSET ?{}"), text_join, filter, order, n - 1, n);
            let mut select = db.prepare_cached(&sql)?;
            let rows = select.query_map(rusqlite::params_from_iter(values.iter().map(|v| v.as_ref())), found_row)?;
            let rows = rows.map(|row| row?.map_err(LibraryError::Unreadable)).collect::<std::result::Result<Vec<Found>, LibraryError>>()?;
            Ok(Rows { total: total as usize, offset: query.offset, rows })
        })
        .await
        .map_err(|e| e.at(&path))
    }

    /// Where a load's provider records go while it runs (see [`Incoming`]).
    pub fn incoming(&self) -> Result<Arc<Incoming>> {
        let load = rand::random::<u64>();
        let file = incoming_dir(&self.path).join(format!("{load:016x}.records"));
        let io = |e: std::io::Error| Error::Io { path: file.clone(), message: e.to_string() };
        std::fs::create_dir_all(incoming_dir(&self.path)).map_err(io)?;
        let out = std::fs::File::create(&file).map_err(io)?;
        Ok(Arc::new(Incoming { out: Mutex::new(std::io::BufWriter::with_capacity(256 * 1024, out)), file }))
    }

    /// An item's provider record (its properties or fields, as JSON), from the connection's
    /// last complete load; `None` when there is none.
    pub async fn record(&self, key: &ConnectionKey, id: &str) -> Result<Option<String>> {
        let (key, id, path) = (key.clone(), id.to_string(), self.path.clone());
        self.run(move |db| {
            let mut find = db.prepare_cached(concat!("SELECT json FROM records WHERE ", connection_is!(), " AND id = ?5"))?;
            Ok(find.query_row(params![key.provider.as_str(), key.org_id, key.user_id, key.account, id], |r| r.get(0)).optional()?)
        })
        .await
        .map_err(|e| e.at(&path))
    }

    /// Removes a connection's items (on disconnect).
    pub async fn forget(&self, key: &ConnectionKey) -> Result<()> {
        let (key, path) = (key.clone(), self.path.clone());
        self.run(move |db| {
            let tx = db.transaction()?;
            delete_connection(&tx, &key)?;
            tx.commit()?;
            Ok(())
        })
        .await
        .map_err(|e| e.at(&path))
    }

    /// Runs `work` on the database off the async runtime (SQLite calls block).
    async fn run<T: Send + 'static>(&self, work: impl FnOnce(&mut Connection) -> std::result::Result<T, LibraryError> + Send + 'static) -> std::result::Result<T, LibraryError> {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || work(&mut db.lock().unwrap_or_else(|e| e.into_inner())))
            .await
            .map_err(|e| LibraryError::Unreadable(format!("a library call failed: {e}")))?
    }
}

/// Writes items as new rows, with their full-text entries (one pair of statements for a whole
/// load).
struct ItemInsert<'t> {
    item: rusqlite::CachedStatement<'t>,
    text: rusqlite::CachedStatement<'t>,
}

impl<'t> ItemInsert<'t> {
    fn prepare(tx: &'t rusqlite::Transaction) -> rusqlite::Result<Self> {
        Ok(ItemInsert {
            item: tx.prepare_cached(
                "INSERT INTO items (provider, org, user, account, position, id, json, name, kind, parent, created, modified)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            )?,
            text: tx.prepare_cached("INSERT INTO items_text (rowid, name, id, parent) VALUES (last_insert_rowid(), ?1, ?2, ?3)")?,
        })
    }

    fn run(&mut self, key: &ConnectionKey, position: i64, it: &IntegrationItem) -> rusqlite::Result<()> {
        let (json, created, modified) = row_values(it);
        self.item.execute(params![key.provider.as_str(), key.org_id, key.user_id, key.account, position, it.id, json, it.name, it.kind, it.parent_path_or_name, created, modified])?;
        self.text.execute(params![it.name, it.id, it.parent_path_or_name])?;
        Ok(())
    }
}

/// An item's JSON and its sortable times, as its row holds them.
fn row_values(it: &IntegrationItem) -> (String, Option<String>, Option<String>) {
    (serde_json::to_string(it).expect("an item serialises"), sortable(it.creation_time), sortable(it.last_modified_time))
}

/// A time as the library sorts it: RFC 3339 with milliseconds, always, so text order is time order.
fn sortable(t: Option<DateTime<Utc>>) -> Option<String> {
    t.map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
}

/// Each word as a quoted prefix: what a person types never reaches FTS5's query syntax.
fn fts_words(text: &str) -> Vec<String> {
    text.split_whitespace().map(|w| format!("\"{}\"*", w.replace('"', "\"\""))).collect()
}

/// What [`found_row`] reads: whose item, the item with its children left out (SQLite empties
/// the list and counts it, so a folder's hundred thousand ids never reach Rust), and the count.
macro_rules! found_columns {
    () => {
        "items.provider, items.org, items.user, items.account, json_set(items.json, '$.children', json('[]')), COALESCE(json_array_length(items.json, '$.children'), 0)"
    };
}
use found_columns;

/// A row of [`found_columns`] as a [`Found`] (an unreadable one says why).
fn found_row(r: &rusqlite::Row) -> rusqlite::Result<std::result::Result<Found, String>> {
    let (provider, org_id, user_id, account_id, json, child_count): (String, String, String, String, String, i64) =
        (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?);
    Ok((|| {
        let provider = provider.parse().map_err(|_| format!("an unknown provider `{provider}`"))?;
        let item = serde_json::from_str(&json).map_err(|e| e.to_string())?;
        Ok(Found { provider, org_id, user_id, account_id, item, child_count: child_count as usize })
    })())
}

fn delete_connection(tx: &rusqlite::Transaction, key: &ConnectionKey) -> rusqlite::Result<()> {
    let who = params![key.provider.as_str(), key.org_id, key.user_id, key.account];
    tx.execute(concat!("DELETE FROM items_text WHERE rowid IN (SELECT rowid FROM items WHERE ", connection_is!(), ")"), who)?;
    tx.execute(concat!("DELETE FROM items WHERE ", connection_is!()), who)?;
    tx.execute(concat!("DELETE FROM syncs WHERE ", connection_is!()), who)?;
    tx.execute(concat!("DELETE FROM records WHERE ", connection_is!()), who)?;
    Ok(())
}

/// Makes the records a load wrote (its `file`) the connection's, replacing those of the same
/// items (a full load's items were just replaced, so its records are all there are; a
/// reload's replace those it read again). A file that cannot be read costs the records, not
/// the load.
fn adopt_records(tx: &rusqlite::Transaction, key: &ConnectionKey, file: Option<&Path>) -> std::result::Result<(), LibraryError> {
    let Some(file) = file else { return Ok(()) };
    let read = std::fs::File::open(file).map(std::io::BufReader::new);
    let mut input = match read {
        Ok(input) => input,
        Err(e) => {
            tracing::warn!(file = %file.display(), error = %e, "a load's provider records could not be read; its items are kept without them");
            return Ok(());
        }
    };
    let mut insert = tx.prepare_cached("INSERT OR REPLACE INTO records (provider, org, user, account, id, json) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?;
    while let Some((id, json)) = read_record(&mut input).map_err(|e| LibraryError::Unreadable(format!("{}: {e}", file.display())))? {
        insert.execute(params![key.provider.as_str(), key.org_id, key.user_id, key.account, id, json])?;
    }
    // Read in: the file's copy is not needed any more (should the transaction fail, the load
    // is not kept, and its records go with it).
    let _ = std::fs::remove_file(file);
    Ok(())
}

/// One `(id, json)` of an incoming file, `None` at its end: each as a little-endian u32 length
/// and its bytes.
fn read_record(input: &mut impl std::io::Read) -> std::io::Result<Option<(String, String)>> {
    let mut field = || -> std::io::Result<Option<String>> {
        let mut len = [0u8; 4];
        match input.read_exact(&mut len) {
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
            other => other?,
        }
        let mut bytes = vec![0; u32::from_le_bytes(len) as usize];
        input.read_exact(&mut bytes)?;
        String::from_utf8(bytes).map(Some).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
    };
    match field()? {
        None => Ok(None),
        Some(id) => Ok(Some((id, field()?.ok_or_else(|| std::io::Error::from(std::io::ErrorKind::UnexpectedEof))?))),
    }
}

/// Where loads in progress write their provider records: beside the library file.
fn incoming_dir(library: &Path) -> PathBuf {
    library.with_file_name("incoming")
}

/// Removes the files of loads that ended with their process (another process's load in
/// progress is far younger).
fn clear_stale_incoming(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let stale = entry.metadata().and_then(|m| m.modified()).is_ok_and(|t| t.elapsed().is_ok_and(|age| age > INCOMING_KEPT));
        if stale {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// A load's provider records on their way into the library: appended to a file of the load's
/// own, page by page as the pages are mapped (a buffered write costs the load next to nothing,
/// and nothing is held for the whole load), and the connection's only once the load is kept,
/// when the keeping transaction reads them in. A load that fails or is cancelled discards them.
pub struct Incoming {
    out: Mutex<std::io::BufWriter<std::fs::File>>,
    file: PathBuf,
}

impl Incoming {
    /// Appends one page's records (blocking: call it off the async runtime).
    pub fn write(&self, records: Vec<ProviderRecord>) -> Result<()> {
        use std::io::Write;
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        let written = records.iter().try_for_each(|r| {
            for field in [&r.id, &r.json] {
                out.write_all(&(field.len() as u32).to_le_bytes())?;
                out.write_all(field.as_bytes())?;
            }
            Ok::<_, std::io::Error>(())
        });
        written.map_err(|e| Error::Io { path: self.file.clone(), message: e.to_string() })
    }

    /// Writes out what is buffered, once the load is complete: the records, for keeping them
    /// with the load (should it fail, the caller discards the file and keeps the load without
    /// them).
    pub fn finish(&self) -> Result<IncomingRecords> {
        use std::io::Write;
        let records = IncomingRecords { file: self.file.clone() };
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        out.flush().map_err(|e| Error::Io { path: self.file.clone(), message: e.to_string() })?;
        Ok(records)
    }

    /// Removes the file, for a load that failed or was cancelled.
    pub fn discard(&self) {
        let _ = std::fs::remove_file(&self.file);
    }

    /// The load's sink for [`LoadOptions::records`](crate::load::LoadOptions::records).
    pub fn sink(self: &Arc<Self>) -> RecordSink {
        let incoming = self.clone();
        RecordSink(Arc::new(move |records| incoming.write(records)))
    }
}

/// Where a check that found damage leaves its finding for the next start.
fn damage_mark(path: &Path) -> PathBuf {
    PathBuf::from(format!("{}.damaged-mark", path.display()))
}

/// Every page of the library file checked (SQLite's `quick_check`); `None` when it is sound.
pub(crate) fn check_file(path: &Path) -> Option<String> {
    let db = match Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX) {
        Ok(db) => db,
        Err(e) => return Some(e.to_string()),
    };
    match db.query_row("PRAGMA quick_check", [], |r| r.get::<_, String>(0)) {
        Ok(ok) if ok == "ok" => None,
        Ok(found) => Some(found),
        Err(e) => Some(e.to_string()),
    }
}

/// Why a file cannot be used as the library.
struct Unusable(String);

fn unusable(e: rusqlite::Error) -> Unusable {
    Unusable(format!("not a readable database ({e})"))
}

/// Moves `path` (and its WAL files) aside as `{name}.{why}-{time}`, returning the new name.
fn set_aside(path: &Path, why: &str) -> Result<PathBuf> {
    let stamp = Utc::now().format("%Y%m%dT%H%M%S");
    let to = path.with_file_name(format!("{}.{why}-{stamp}", path.file_name().and_then(|n| n.to_str()).unwrap_or("library")));
    std::fs::rename(path, &to).map_err(|e| Error::Io { path: path.to_path_buf(), message: format!("could not be set aside ({e})") })?;
    for suffix in ["-wal", "-shm"] {
        let side = PathBuf::from(format!("{}{suffix}", path.display()));
        if side.exists() {
            let _ = std::fs::rename(&side, PathBuf::from(format!("{}{suffix}", to.display())));
        }
    }
    Ok(to)
}

/// A failure inside a library call, named with the file's path at the boundary.
enum LibraryError {
    Sql(rusqlite::Error),
    Unreadable(String),
}

impl From<rusqlite::Error> for LibraryError {
    fn from(e: rusqlite::Error) -> Self {
        LibraryError::Sql(e)
    }
}

impl LibraryError {
    fn at(self, path: &Path) -> Error {
        let message = match self {
            LibraryError::Sql(e) => e.to_string(),
            LibraryError::Unreadable(m) => format!("an unreadable entry: {m}"),
        };
        Error::Library { path: path.to_path_buf(), message }
    }
}

#[cfg(test)]
mod tests;
