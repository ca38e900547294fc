//! Sign-ins end away from the command that started them (a browser calls back minutes later),
//! so their outcome reaches the window as one `sign-in` event: `completed`, after which the UI
//! takes the credentials with the `credentials` command, or `failed` with a `{kind, message}`
//! error. The event names the sign-in and never carries a code, state or token.

use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager, Runtime};
use tributary_core::oauth::CallbackError;
use tributary_core::{CallbackRoute, Error, FlowKey};
use url::Url;

use crate::commands::AppState;
use crate::error::CommandError;

pub const SIGN_IN_EVENT: &str = "sign-in";

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SignInEvent {
    pub provider: Option<String>,
    pub user_id: Option<String>,
    pub org_id: Option<String>,
    pub outcome: Outcome,
    pub error: Option<CommandError>,
}

#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Completed,
    Failed,
    /// A callback was refused (forged, meant for someone else, unreadable, or the store could
    /// not be asked): every sign-in goes on, as it does when the loopback refuses one.
    Refused,
}

/// Tells the window how a sign-in ended.
pub fn announce<R: Runtime>(app: &AppHandle<R>, key: &FlowKey, result: Result<(), Error>) {
    let (outcome, error) = match result {
        Ok(()) => (Outcome::Completed, None),
        Err(e) => {
            tracing::info!(kind = e.kind(), "sign-in failed: {e}");
            (Outcome::Failed, Some(CommandError::from(e)))
        }
    };
    emit(app, Some(key), outcome, error);
}

/// Tells the window a callback was refused while its sign-ins go on. `claimed` is the sign-in
/// the callback names, unverified (`None` when it names none).
fn announce_refused<R: Runtime>(app: &AppHandle<R>, claimed: Option<&FlowKey>, error: Error) {
    tracing::warn!(kind = error.kind(), "sign-in callback refused: {error}");
    emit(app, claimed, Outcome::Refused, Some(CommandError::from(error)));
}

fn emit<R: Runtime>(app: &AppHandle<R>, key: Option<&FlowKey>, outcome: Outcome, error: Option<CommandError>) {
    let event = SignInEvent {
        provider: key.map(|k| k.provider.as_str().to_string()),
        user_id: key.map(|k| k.user_id.clone()),
        org_id: key.map(|k| k.org_id.clone()),
        outcome,
        error,
    };
    if let Err(e) = app.emit(SIGN_IN_EVENT, event) {
        tracing::warn!("could not tell the window how a sign-in ended: {e}");
    }
}

/// Finishes sign-ins whose callbacks the desktop handed over as deep links. Only a genuine
/// callback ends a sign-in (and its timeout); anything else is refused and the sign-ins the
/// window waits for go on. In loopback mode deep links are not callbacks, and are only logged.
pub fn complete_deep_links<R: Runtime>(app: &AppHandle<R>, urls: Vec<Url>) {
    for url in urls {
        let app = app.clone();
        tauri::async_runtime::spawn(async move {
            let state = app.state::<AppState>();
            match state.core.complete_deep_link(&url).await {
                Ok(key) => {
                    state.sign_ins.cancel(&key);
                    announce(&app, &key, Ok(()))
                }
                Err(CallbackError::Failed { key, error }) => {
                    state.sign_ins.cancel(&key);
                    announce(&app, &key, Err(error))
                }
                Err(CallbackError::Refused(error)) if state.core.settings().callback_route == CallbackRoute::Loopback => {
                    tracing::info!("a deep link arrived while sign-ins use the loopback port; ignored: {error}");
                }
                Err(CallbackError::Refused(error)) => announce_refused(&app, FlowKey::claimed_by(&url).as_ref(), error),
            }
        });
    }
}
