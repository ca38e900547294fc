//! The commands the web view may call: one line each into the core; none returns a token.

use std::path::PathBuf;
use std::sync::Arc;

use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, Runtime, State};
use tauri_plugin_opener::OpenerExt;
use tributary_core::library::{Rows, StoredLoad};
use tributary_core::load::{Loaded, Progress};
use tributary_core::{ConnectionSummary, Core, Error, OpenBrowser, ProviderInfo, SavedState};

use crate::error::CommandError;
use crate::models::{ConnectionRef, ExportRequest, ItemRequest, LoadRequest, RowsRequest};

type Result<T> = std::result::Result<T, CommandError>;

#[tauri::command]
pub fn list_providers(core: State<'_, Arc<Core>>) -> Vec<ProviderInfo> {
    core.providers()
}

/// Starts a sign-in in the system browser; how it ends arrives as a `sign-in` event.
#[tauri::command]
pub async fn authorize<R: Runtime>(app: AppHandle<R>, core: State<'_, Arc<Core>>, connection: ConnectionRef) -> Result<()> {
    Ok(core.start_sign_in(connection.key()?, browser(&app)).await?)
}

/// Stops waiting for a sign-in; its state is forgotten, so a late callback is refused.
#[tauri::command]
pub async fn cancel_authorize(core: State<'_, Arc<Core>>, connection: ConnectionRef) -> Result<()> {
    Ok(core.cancel_sign_in(&connection.key()?).await?)
}

/// Takes the credentials a completed sign-in stored (once) into the app's connection.
#[tauri::command]
pub async fn credentials(core: State<'_, Arc<Core>>, connection: ConnectionRef) -> Result<ConnectionSummary> {
    Ok(core.take_credentials(&connection.key()?).await?)
}

/// Every account connected for this provider, user and organisation (live, or saved by an
/// earlier run and taken in without asking the provider), each with whether it needs a
/// reconnect; and whether connections are kept.
#[tauri::command]
pub async fn saved_connections(core: State<'_, Arc<Core>>, connection: ConnectionRef) -> Result<SavedState> {
    Ok(core.saved_connections_of(&connection.key()?).await?)
}

/// The connection's last complete load from the library (`{items, syncedAt, notes}`), shown
/// before any network call; `null` before its first load.
#[tauri::command]
pub async fn stored_items(core: State<'_, Arc<Core>>, connection: ConnectionRef) -> Result<Option<StoredLoad>> {
    Ok(core.stored_items(&connection.connection()?).await?)
}

/// A page of the library's rows across connections, searched and sorted in the database
/// (`{total, offset, rows: [{provider, orgId, userId, accountId, item}]}`): the window holds only what it shows.
#[tauri::command]
pub async fn library_rows(core: State<'_, Arc<Core>>, request: RowsRequest) -> Result<Rows> {
    Ok(core.library_rows(request.query()?).await?)
}

#[tauri::command]
pub async fn disconnect(core: State<'_, Arc<Core>>, connection: ConnectionRef) -> Result<bool> {
    Ok(core.disconnect(&connection.connection()?).await?)
}

/// Loads the connection's items (what changed since the last sync, or everything when
/// `full`), or fails saying what could not be loaded; progress goes to the caller's channel.
/// Answers `{items, notes, reload}` (`reload`: `{since, changed, removed}`, null for a full load).
#[tauri::command]
pub async fn load(core: State<'_, Arc<Core>>, request: LoadRequest, on_progress: Channel<Progress>) -> Result<Arc<Loaded>> {
    Ok(core.load_items(&request.connection.connection()?, Arc::new(move |p: &Progress| drop(on_progress.send(p.clone()))), request.full).await?)
}

#[tauri::command]
pub fn cancel_load(core: State<'_, Arc<Core>>, connection: ConnectionRef) -> Result<()> {
    core.cancel_load(&connection.connection()?);
    Ok(())
}

/// Writes the last load to the user's download folder as JSON or CSV; returns the file's path.
#[tauri::command]
pub async fn export_items<R: Runtime>(app: AppHandle<R>, core: State<'_, Arc<Core>>, request: ExportRequest) -> Result<PathBuf> {
    Ok(core.export_last_load(&request.connection.connection()?, request.format, &download_folder(&app)?)?)
}

/// Opens an item of the last load in its provider, in the system browser: only a checked https
/// link on the provider's own site, so neither the web view nor a provider's answer can open
/// anything else.
#[tauri::command]
pub fn open_item<R: Runtime>(app: AppHandle<R>, core: State<'_, Arc<Core>>, request: ItemRequest) -> Result<()> {
    Ok(open_in_browser(&app, &core.item_link(&request.connection.connection()?, &request.item_id)?)?)
}

/// An item's provider record (its properties or fields, as the provider sent them) from the
/// library, without asking the provider; `null` when there is none.
#[tauri::command]
pub async fn item_record(core: State<'_, Arc<Core>>, request: ItemRequest) -> Result<Option<serde_json::Value>> {
    Ok(core.item_record(&request.connection.connection()?, &request.item_id).await?)
}

/// The user's download folder (their home folder where there is none).
fn download_folder<R: Runtime>(app: &AppHandle<R>) -> std::result::Result<PathBuf, Error> {
    app.path().download_dir().or_else(|_| app.path().home_dir()).map_err(|e| Error::Io { path: PathBuf::from("~/Downloads"), message: e.to_string() })
}

/// The user's default browser, never a web view (RFC 8252).
fn open_in_browser<R: Runtime>(app: &AppHandle<R>, url: &str) -> std::result::Result<(), Error> {
    app.opener().open_url(url, None::<&str>).map_err(|e| Error::Browser(e.to_string()))
}

fn browser<R: Runtime>(app: &AppHandle<R>) -> OpenBrowser {
    let app = app.clone();
    Box::new(move |url: &url::Url| open_in_browser(&app, url.as_str()))
}
