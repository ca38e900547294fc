//! The commands the web view may call. Each is a thin call into the core; none returns a token.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, Runtime, State};
use tauri_plugin_opener::OpenerExt;
use tributary_core::export::{write_items, Format};
use tributary_core::error::Operation;
use tributary_core::links::LinkPolicy;
use tributary_core::load::{Cancel, LoadOptions, Loaded, Progress};
use tributary_core::{CallbackRoute, ConnectionSummary, Core, Error, FlowKey, ProviderInfo};
use tributary_sandbox::Sandbox;

use crate::error::CommandError;
use crate::sign_in::announce;

/// The app's one core, what the user may cancel, and the last load per connection (for export
/// and for opening an item in its provider).
pub struct AppState {
    pub core: Core,
    pub(crate) sign_ins: Running,
    loads: Running,
    loaded: Mutex<HashMap<FlowKey, Arc<Loaded>>>,
    /// Serves unconfigured providers while the app runs (sandbox mode).
    _sandbox: Option<Sandbox>,
}

impl AppState {
    pub fn new(core: Core, sandbox: Option<Sandbox>) -> Self {
        AppState { core, sign_ins: Running::default(), loads: Running::default(), loaded: Mutex::default(), _sandbox: sandbox }
    }

    fn loaded(&self) -> MutexGuard<'_, HashMap<FlowKey, Arc<Loaded>>> {
        self.loaded.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn last_load(&self, key: &FlowKey) -> Result<Arc<Loaded>, Error> {
        self.loaded().get(key).cloned().ok_or_else(|| Error::InvalidInput("nothing is loaded for this connection; load first".into()))
    }
}

/// Operations under way per (provider, org, user), so the user can cancel them.
#[derive(Default)]
pub(crate) struct Running(Mutex<HashMap<FlowKey, Cancel>>);

impl Running {
    fn start(&self, key: &FlowKey) -> Cancel {
        let cancel = Cancel::new();
        if let Some(previous) = self.lock().insert(key.clone(), cancel.clone()) {
            previous.cancel();
        }
        cancel
    }
    /// Forgets `cancel`'s entry; false when it is gone already (cancelled, completed, or
    /// replaced by a newer operation, whose entry is left alone).
    fn finish(&self, key: &FlowKey, cancel: &Cancel) -> bool {
        let mut running = self.lock();
        let ours = running.get(key).is_some_and(|c| c.0 == cancel.0);
        if ours {
            running.remove(key);
        }
        ours
    }
    pub(crate) fn cancel(&self, key: &FlowKey) -> bool {
        self.lock().remove(key).map(|c| c.cancel()).is_some()
    }
    fn lock(&self) -> MutexGuard<'_, HashMap<FlowKey, Cancel>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn key(provider: &str, user_id: &str, org_id: &str) -> Result<FlowKey, Error> {
    FlowKey::new(provider.parse()?, org_id, user_id)
}

#[tauri::command]
pub fn list_providers(state: State<'_, AppState>) -> Vec<ProviderInfo> {
    state.core.providers()
}

/// Starts a sign-in in the system browser and returns once the browser is asked to open. How it
/// ends arrives as a `sign-in` event; then the UI calls `credentials`.
#[tauri::command]
pub async fn authorize<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    provider: String,
    user_id: String,
    org_id: String,
) -> Result<(), CommandError> {
    let key = key(&provider, &user_id, &org_id)?;
    state.core.settings().provider(key.provider).require_client_id()?;
    let open = {
        let app = app.clone();
        move |url: &url::Url| open_in_browser(&app, url.as_str())
    };
    match state.core.settings().callback_route {
        CallbackRoute::DeepLink => {
            // The desktop hands the callback to `sign_in::complete_deep_links`, which ends this
            // wait; without one, the sign-in times out like a loopback one.
            let request = state.core.begin_deep_link(&key).await?;
            if let Err(e) = open(&request.url) {
                let _ = state.core.cancel(&key).await;
                return Err(e.into());
            }
            let cancel = state.sign_ins.start(&key);
            let timeout = state.core.settings().callback_timeout;
            tauri::async_runtime::spawn(async move {
                tokio::select! {
                    _ = cancel.0.cancelled() => {}
                    _ = tokio::time::sleep(timeout) => {
                        let state = app.state::<AppState>();
                        if state.sign_ins.finish(&key, &cancel) {
                            let _ = state.core.cancel(&key).await;
                            announce(&app, &key, Err(Error::TimedOut(timeout)));
                        }
                    }
                }
            });
        }
        CallbackRoute::Loopback => {
            let cancel = state.sign_ins.start(&key);
            tauri::async_runtime::spawn(async move {
                let state = app.state::<AppState>();
                let result = state.core.connect_via_loopback(&key, open, cancel.0.cancelled()).await;
                state.sign_ins.finish(&key, &cancel);
                announce(&app, &key, result.map(|_| ()));
            });
        }
    }
    Ok(())
}

/// Stops waiting for a sign-in; its state is forgotten, so a late callback is refused.
#[tauri::command]
pub async fn cancel_authorize<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    provider: String,
    user_id: String,
    org_id: String,
) -> Result<(), CommandError> {
    let key = key(&provider, &user_id, &org_id)?;
    let waiting = state.sign_ins.cancel(&key);
    // A loopback sign-in's task forgets the flow and announces the cancellation itself.
    if !waiting || state.core.settings().callback_route == CallbackRoute::DeepLink {
        state.core.cancel(&key).await?;
        announce(&app, &key, Err(Error::Cancelled(Operation::SignIn)));
    }
    Ok(())
}

/// Takes the credentials a completed sign-in stored (once) into the app's connection.
#[tauri::command]
pub async fn credentials(state: State<'_, AppState>, provider: String, user_id: String, org_id: String) -> Result<ConnectionSummary, CommandError> {
    let key = key(&provider, &user_id, &org_id)?;
    Ok(state.core.take_credentials(&key).await?)
}

#[tauri::command]
pub async fn disconnect(state: State<'_, AppState>, provider: String, user_id: String, org_id: String) -> Result<bool, CommandError> {
    let key = key(&provider, &user_id, &org_id)?;
    state.loaded().remove(&key);
    Ok(state.core.disconnect(&key).await?)
}

/// Loads every item of a connection, or fails saying what could not be loaded. Progress goes
/// to the caller's channel. The answer is `{items, notes}`: notes count what was left out.
#[tauri::command]
pub async fn load(
    state: State<'_, AppState>,
    provider: String,
    user_id: String,
    org_id: String,
    on_progress: Channel<Progress>,
) -> Result<Arc<Loaded>, CommandError> {
    let key = key(&provider, &user_id, &org_id)?;
    let cancel = state.loads.start(&key);
    let progress = Arc::new(move |p: &Progress| {
        let _ = on_progress.send(p.clone());
    });
    let result = state.core.load(&key, LoadOptions::default(), Some(progress), cancel.clone()).await;
    state.loads.finish(&key, &cancel);
    let items = Arc::new(result?);
    state.loaded().insert(key, items.clone());
    Ok(items)
}

#[tauri::command]
pub fn cancel_load(state: State<'_, AppState>, provider: String, user_id: String, org_id: String) -> Result<(), CommandError> {
    state.loads.cancel(&key(&provider, &user_id, &org_id)?);
    Ok(())
}

/// Writes the last load to the user's download folder as JSON or CSV; returns the file's path.
#[tauri::command]
pub async fn export_items<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    provider: String,
    user_id: String,
    org_id: String,
    format: Format,
) -> Result<PathBuf, CommandError> {
    let key = key(&provider, &user_id, &org_id)?;
    let items = state.last_load(&key)?;
    let folder = app.path().download_dir().or_else(|_| app.path().home_dir()).map_err(|e| Error::Config(format!("no download folder: {e}")))?;
    let safe = |s: &str| s.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect::<String>();
    let name = format!(
        "tributary-{}-{}-{}-{}.{}",
        key.provider.as_str(),
        safe(&key.org_id),
        safe(&key.user_id),
        chrono::Utc::now().format("%Y%m%d-%H%M%S"),
        format.extension()
    );
    let path = folder.join(name);
    let write = |path: &PathBuf| -> std::io::Result<()> {
        std::fs::create_dir_all(&folder)?;
        write_items(&items.items, format, std::fs::File::create(path)?)
    };
    write(&path).map_err(|e| Error::Config(format!("could not write {}: {e}", path.display())))?;
    Ok(path)
}

/// Opens a loaded item in its provider, in the system browser. Only links of the last load are
/// opened, and only https addresses on the provider's own site: the web view cannot open
/// arbitrary addresses, and neither can a provider's answer.
#[tauri::command]
pub fn open_item<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    provider: String,
    user_id: String,
    org_id: String,
    item_id: String,
) -> Result<(), CommandError> {
    let key = key(&provider, &user_id, &org_id)?;
    let items = state.last_load(&key)?;
    let url = items
        .items
        .iter()
        .find(|i| i.id == item_id)
        .and_then(|i| i.url.clone())
        .ok_or_else(|| Error::InvalidInput(format!("no loaded item `{item_id}` with a link")))?;
    let url = LinkPolicy::for_provider(state.core.settings().provider(key.provider))
        .check(&url)
        .ok_or(Error::UnsafeLink { provider: key.provider, item: item_id })?;
    Ok(open_in_browser(&app, &url)?)
}

/// The user's default browser, never a web view (RFC 8252).
fn open_in_browser<R: Runtime>(app: &AppHandle<R>, url: &str) -> Result<(), Error> {
    app.opener().open_url(url, None::<&str>).map_err(|e| Error::Config(format!("could not open the system browser: {e}")))
}
