//! The app when it cannot start: the window opens anyway and `list_providers`, the first thing
//! the UI asks, answers with what is wrong, as `{kind, message}`. No other command exists, so
//! nothing can run on half a configuration.

use tauri::{Builder, Runtime, State};
use tributary_core::{Error, ProviderInfo};

use crate::error::CommandError;
use crate::logging;

struct StartupFailure(CommandError);

pub(crate) fn builder<R: Runtime>(builder: Builder<R>, error: Error) -> Builder<R> {
    builder
        .manage(StartupFailure(CommandError::from(error)))
        .setup(|app| {
            logging::init(app.handle());
            let failure: State<'_, StartupFailure> = tauri::Manager::state(app);
            tracing::error!(kind = failure.0.kind, "cannot start: {}", failure.0.message);
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![list_providers])
}

#[tauri::command]
fn list_providers(failure: State<'_, StartupFailure>) -> Result<Vec<ProviderInfo>, CommandError> {
    Err(failure.0.clone())
}
