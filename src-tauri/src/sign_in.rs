//! Sign-ins end away from the command that started them (a browser calls back minutes later),
//! so the core tells how each ended, and this turns it into one `sign-in` event for the window:
//! `completed` (then the UI takes the credentials with the `credentials` command), `failed`, or
//! `refused` (a callback that ended nothing). The event never carries a code, state or token.

use std::sync::Arc;

use tauri::{AppHandle, Emitter, Runtime};
use tributary_core::Core;

use crate::models::SignInNotice;

pub const SIGN_IN_EVENT: &str = "sign-in";

/// Forwards the core's sign-in outcomes to the window.
pub fn forward_to_window<R: Runtime>(core: &Core, app: AppHandle<R>) {
    core.on_sign_in(Arc::new(move |event| {
        if let Err(e) = app.emit(SIGN_IN_EVENT, SignInNotice::from(event)) {
            tracing::warn!("could not tell the window how a sign-in ended: {e}");
        }
    }));
}

/// Hands deep links the desktop delivered to the core, which completes, refuses or ignores them.
pub fn complete_deep_links(core: &Arc<Core>, urls: Vec<url::Url>) {
    for url in urls {
        let core = core.clone();
        tauri::async_runtime::spawn(async move { core.handle_deep_link(&url).await });
    }
}
