//! Loading as the user lives it: one load per connection at a time (a new one replaces the
//! old), cancellable, and the last complete load kept for export and for opening an item in its
//! provider. A load that fails or is cancelled leaves the last good one in place.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::Core;
use crate::error::{Error, Result};
use crate::export::{write_items, AtomicFile, Format};
use crate::library::{Found, Rows, RowsQuery, StoredLoad};
use crate::links::LinkPolicy;
use crate::load::{LoadOptions, Loaded, ProgressFn, Since};
use crate::connection::ConnectionKey;

impl Core {
    /// Loads a connection's items (see [`crate::load`]): what changed since its last sync, or
    /// everything when `full` (or when there is no last sync, or the provider cannot list
    /// changes). Cancellable with [`Core::cancel_load`]; the result becomes the connection's
    /// last load and goes into the library.
    pub async fn load_items(&self, key: &ConnectionKey, progress: ProgressFn, full: bool) -> Result<Arc<Loaded>> {
        let cancel = self.loads.start(key);
        let since = if full { Ok(None) } else { self.reload_point(key).await };
        let result = match since {
            Ok(since) => self.load(key, LoadOptions { since, ..LoadOptions::default() }, Some(progress), cancel.clone()).await,
            Err(e) => Err(e),
        };
        self.loads.finish(key, &cancel);
        let loaded = Arc::new(result?);
        self.last_loads().insert(key.clone(), loaded.clone());
        self.keep(key, &loaded).await;
        Ok(loaded)
    }

    /// Where a reload of changes starts: the connection's last sync (this session's, or the
    /// library's), or `None` when it has none to start from.
    pub async fn reload_point(&self, key: &ConnectionKey) -> Result<Option<Since>> {
        if self.resume(key).await?.is_none() {
            return Ok(None);
        }
        let held = self.last_loads().get(key).cloned();
        let previous = match held {
            Some(loaded) => Some(loaded),
            None => self.stored_items(key).await?.map(|s| s.loaded),
        };
        // A last load from before reloads existed has no checkpoint, and one from another
        // server is not this one's: either needs a full load.
        let source = self.source(key);
        Ok(previous
            .filter(|p| p.started_at > chrono::DateTime::UNIX_EPOCH && p.source == source)
            .map(|previous| Since { checkpoint: previous.started_at, previous }))
    }

    /// Puts a complete load in the library: a full load replaces the connection's items, a
    /// reload writes what it changed. A library that fails costs the next launch its items,
    /// not this load: it is logged.
    pub async fn keep(&self, key: &ConnectionKey, loaded: &Arc<Loaded>) {
        if let Some(library) = &self.library {
            if let Err(e) = library.apply(key, loaded.clone()).await {
                tracing::error!(provider = key.provider.as_str(), error = %e, "the load could not be kept in the library");
            }
        }
    }

    /// The connection's last complete load from the library (a previous run's, or this one's),
    /// without asking the provider; it becomes the connection's last load, for export and links.
    pub async fn stored_items(&self, key: &ConnectionKey) -> Result<Option<StoredLoad>> {
        let Some(library) = &self.library else { return Ok(None) };
        let Some(stored) = library.stored(key).await? else { return Ok(None) };
        let stored = StoredLoad::new(stored);
        self.last_loads().entry(key.clone()).or_insert_with(|| stored.loaded.clone());
        Ok(Some(stored))
    }

    /// Items of every connection whose name, id or parent matches `text`, from the library.
    pub async fn search_library(&self, text: &str, limit: usize) -> Result<Vec<Found>> {
        match &self.library {
            Some(library) => library.search(text, limit).await,
            None => Ok(Vec::new()),
        }
    }

    /// A page of library rows across connections, searched and sorted in the database (see
    /// [`crate::library::Library::rows`]); nothing without a library.
    pub async fn library_rows(&self, query: RowsQuery) -> Result<Rows> {
        match &self.library {
            Some(library) => library.rows(query).await,
            None => Ok(Rows { total: 0, offset: query.offset, rows: Vec::new() }),
        }
    }

    /// An item's provider record (its properties or fields, as the provider sent them) from the
    /// library, without asking the provider; `None` when the library has none for it.
    pub async fn item_record(&self, key: &ConnectionKey, item_id: &str) -> Result<Option<serde_json::Value>> {
        let Some(library) = &self.library else { return Ok(None) };
        let Some(json) = library.record(key, item_id).await? else { return Ok(None) };
        serde_json::from_str(&json)
            .map(Some)
            .map_err(|e| Error::Io { path: library.path().to_path_buf(), message: format!("an unreadable provider record for `{item_id}` ({e})") })
    }

    /// Cancels the connection's load in progress, if any.
    pub fn cancel_load(&self, key: &ConnectionKey) {
        self.loads.cancel(key);
    }

    /// The connection's last complete load.
    pub fn last_load(&self, key: &ConnectionKey) -> Result<Arc<Loaded>> {
        self.last_loads().get(key).cloned().ok_or_else(|| Error::InvalidInput("nothing is loaded for this connection; load first".into()))
    }

    /// Writes the last load into `folder` as `tributary-{provider}-{org}-{user}-{time}.{ext}`
    /// (`-{account}` after the user for a named account), atomically (never half a file);
    /// returns the file's path.
    pub fn export_last_load(&self, key: &ConnectionKey, format: Format, folder: &Path) -> Result<PathBuf> {
        let loaded = self.last_load(key)?;
        let safe = |s: &str| s.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect::<String>();
        let account = if key.account.is_empty() { String::new() } else { format!("-{}", safe(&key.account)) };
        let name = format!(
            "tributary-{}-{}-{}{account}-{}.{}",
            key.provider.as_str(),
            safe(&key.org_id),
            safe(&key.user_id),
            chrono::Utc::now().format("%Y%m%d-%H%M%S"),
            format.extension()
        );
        let path = folder.join(name);
        std::fs::create_dir_all(folder).map_err(|e| Error::Io { path: folder.to_path_buf(), message: e.to_string() })?;
        AtomicFile::create(&path)?.write(|file| write_items(&loaded.items, format, file))?;
        Ok(path)
    }

    /// The link of an item of the last load, checked again before anything opens it: only
    /// https addresses on the provider's own site (or the configured API base's origin).
    pub fn item_link(&self, key: &ConnectionKey, item_id: &str) -> Result<String> {
        let loaded = self.last_load(key)?;
        let url = loaded
            .items
            .iter()
            .find(|i| i.id == item_id)
            .and_then(|i| i.url.clone())
            .ok_or_else(|| Error::InvalidInput(format!("no loaded item `{item_id}` with a link")))?;
        LinkPolicy::for_provider(self.settings.provider(key.provider))
            .check(&url)
            .ok_or(Error::UnsafeLink { provider: key.provider, item: item_id.to_string() })
    }
}
