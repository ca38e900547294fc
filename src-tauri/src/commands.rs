//! The commands the web view may call. Each is a thin call into the core; none returns a token.

use std::collections::HashMap;
use std::sync::Mutex;

use tauri::{AppHandle, Runtime, State};
use tauri_plugin_opener::OpenerExt;
use tributary_core::load::{Cancel, LoadOptions};
use tributary_core::{ConnectionSummary, Core, Error, FlowKey, IntegrationItem, ProviderInfo};

use crate::error::CommandError;

/// The app's one core, and the sign-ins and loads the user may cancel.
pub struct AppState {
    pub core: Core,
    sign_ins: Running,
    loads: Running,
}

/// Operations under way per (provider, org, user), so the user can cancel them.
#[derive(Default)]
struct Running(Mutex<HashMap<FlowKey, Cancel>>);

impl Running {
    fn start(&self, key: &FlowKey) -> Cancel {
        let cancel = Cancel::new();
        self.lock().insert(key.clone(), cancel.clone());
        cancel
    }
    fn finish(&self, key: &FlowKey) {
        self.lock().remove(key);
    }
    fn cancel(&self, key: &FlowKey) {
        if let Some(c) = self.lock().get(key) {
            c.cancel();
        }
    }
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<FlowKey, Cancel>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl AppState {
    pub fn new(core: Core) -> Self {
        AppState { core, sign_ins: Running::default(), loads: Running::default() }
    }
}

fn key(provider: &str, user_id: &str, org_id: &str) -> Result<FlowKey, Error> {
    FlowKey::new(provider.parse()?, org_id, user_id)
}

#[tauri::command]
pub fn list_providers(state: State<'_, AppState>) -> Vec<ProviderInfo> {
    state.core.providers()
}

/// Signs in through the system browser and the loopback listener, then takes the fresh
/// credentials into a connection. Returns its summary.
#[tauri::command]
pub async fn authorize<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    provider: String,
    user_id: String,
    org_id: String,
) -> Result<ConnectionSummary, CommandError> {
    let key = key(&provider, &user_id, &org_id)?;
    let cancel = state.sign_ins.start(&key);
    let open = |url: &url::Url| {
        app.opener()
            .open_url(url.as_str(), None::<&str>)
            .map_err(|e| Error::Config(format!("could not open the system browser: {e}")))
    };
    let result = state.core.connect_via_loopback(&key, open, cancel.0.cancelled()).await;
    state.sign_ins.finish(&key);
    result?;
    Ok(state.core.take_credentials(&key).await?)
}

#[tauri::command]
pub fn cancel_authorize(state: State<'_, AppState>, provider: String, user_id: String, org_id: String) -> Result<(), CommandError> {
    state.sign_ins.cancel(&key(&provider, &user_id, &org_id)?);
    Ok(())
}

#[tauri::command]
pub async fn disconnect(state: State<'_, AppState>, provider: String, user_id: String, org_id: String) -> Result<bool, CommandError> {
    let key = key(&provider, &user_id, &org_id)?;
    Ok(state.core.disconnect(&key).await?)
}

/// Loads every item of a connection, or fails saying what could not be loaded.
#[tauri::command]
pub async fn load(
    state: State<'_, AppState>,
    provider: String,
    user_id: String,
    org_id: String,
) -> Result<Vec<IntegrationItem>, CommandError> {
    let key = key(&provider, &user_id, &org_id)?;
    let cancel = state.loads.start(&key);
    let result = state.core.load(&key, LoadOptions::default(), None, cancel).await;
    state.loads.finish(&key);
    Ok(result?)
}

#[tauri::command]
pub fn cancel_load(state: State<'_, AppState>, provider: String, user_id: String, org_id: String) -> Result<(), CommandError> {
    state.loads.cancel(&key(&provider, &user_id, &org_id)?);
    Ok(())
}
