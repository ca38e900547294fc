//! The desktop shell: a window hosting the React UI. It stays thin: commands delegate to
//! `tributary-core`, which knows nothing about windows.

pub mod commands;
pub mod error;

use tributary_core::{Core, Settings};

/// Builds the app on any runtime, so tests can pass `tauri::test::mock_builder()`. Fails with a
/// message for the user when the settings are wrong or the configured Redis cannot be reached.
pub fn run_app<R: tauri::Runtime>(builder: tauri::Builder<R>) -> Result<tauri::App<R>, String> {
    let settings = Settings::from_env().map_err(|e| e.to_string())?;
    let core = tauri::async_runtime::block_on(Core::new(settings)).map_err(|e| e.to_string())?;
    builder
        .plugin(tauri_plugin_opener::init())
        .manage(commands::AppState::new(core))
        .invoke_handler(tauri::generate_handler![
            commands::list_providers,
            commands::authorize,
            commands::cancel_authorize,
            commands::disconnect,
            commands::load,
            commands::cancel_load,
        ])
        .build(tauri::generate_context!("../tauri.conf.json"))
        .map_err(|e| format!("the window could not be created: {e}"))
}

/// Starts the desktop app and blocks until its last window closes.
pub fn run() {
    match run_app(tauri::Builder::default()) {
        Ok(app) => app.run(|_app, _event| {}),
        Err(message) => {
            eprintln!("Tributary cannot start: {message}");
            std::process::exit(1);
        }
    }
}
