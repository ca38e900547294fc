//! The desktop shell: a window hosting the React UI. It stays thin: commands delegate to
//! `tributary-core`, which knows nothing about windows.
//!
//! ```text
//! webview --invoke--> commands --> Core (sign-in, load, export) --> providers / sandbox
//!    ^                  |  progress over a Channel, to the one caller
//!    +---- "sign-in" event (completed | failed) <-- loopback task or deep-link handler
//! ```

pub mod commands;
pub mod error;
mod logging;
pub mod sign_in;

use tauri::Manager;
use tauri_plugin_deep_link::DeepLinkExt;
use tributary_core::{Core, Settings};

/// Builds the app from the environment and `.env` on any runtime.
pub fn run_app<R: tauri::Runtime>(builder: tauri::Builder<R>) -> Result<tauri::App<R>, String> {
    let settings = Settings::from_env().map_err(|e| e.to_string())?;
    run_app_with(builder, settings)
}

/// Builds the app with the given settings, so tests can pass `tauri::test::mock_builder()` and
/// their own settings. Unconfigured providers are served by the built-in sandbox unless
/// `TRIBUTARY_SANDBOX=off`. Fails with a message for the user when the settings are wrong or the
/// configured Redis cannot be reached.
pub fn run_app_with<R: tauri::Runtime>(builder: tauri::Builder<R>, mut settings: Settings) -> Result<tauri::App<R>, String> {
    let context = tauri::generate_context!("tauri.conf.json");
    check_deep_link_scheme(&settings, context.config())?;
    let (core, sandbox) = tauri::async_runtime::block_on(async {
        let sandbox = tributary_core::sandbox_mode::serve_unconfigured(&mut settings)
            .await
            .map_err(|e| format!("the built-in sandbox could not start: {e}"))?;
        let core = Core::new(settings).await.map_err(|e| e.to_string())?;
        Ok::<_, String>((core, sandbox))
    })?;
    builder
        .plugin(tauri_plugin_deep_link::init())
        .plugin(tauri_plugin_opener::init())
        .manage(commands::AppState::new(core, sandbox))
        .setup(|app| {
            logging::init(app.handle());
            let handle = app.handle().clone();
            app.deep_link().on_open_url(move |event| sign_in::complete_deep_links(&handle, event.urls()));
            // Launched by a deep link with no instance running: handle it now.
            if let Ok(Some(urls)) = app.deep_link().get_current() {
                sign_in::complete_deep_links(app.handle(), urls);
            }
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::list_providers,
            commands::authorize,
            commands::cancel_authorize,
            commands::credentials,
            commands::disconnect,
            commands::load,
            commands::cancel_load,
            commands::export_items,
            commands::open_item,
        ])
        .build(context)
        .map_err(|e| format!("the window could not be created: {e}"))
}

/// The desktop hands the app only the schemes its bundle registers (`plugins.deep-link` in
/// tauri.conf.json); a different configured scheme would send callbacks nowhere.
fn check_deep_link_scheme(settings: &Settings, config: &tauri::Config) -> Result<(), String> {
    let registered: Vec<String> = config
        .plugins
        .0
        .get("deep-link")
        .and_then(|c| c.pointer("/desktop/schemes"))
        .and_then(|s| serde_json::from_value(s.clone()).ok())
        .unwrap_or_default();
    if registered.contains(&settings.deep_link_scheme) {
        Ok(())
    } else {
        Err(format!(
            "TRIBUTARY_DEEP_LINK_SCHEME is `{}`, but this build registers {registered:?}; unset it or rebuild with that scheme",
            settings.deep_link_scheme
        ))
    }
}

/// Starts the desktop app and blocks until its last window closes.
pub fn run() {
    // Registered first, and only here (tests build several apps in one process): a second
    // launch, such as a deep link opened by the desktop, hands its URL to the running instance
    // and exits. The plugin's deep-link feature forwards the URL to the deep-link plugin.
    let builder = tauri::Builder::default().plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
        if let Some(window) = app.get_webview_window("main") {
            let _ = window.unminimize();
            let _ = window.set_focus();
        }
    }));
    match run_app(builder) {
        Ok(app) => app.run(|_app, _event| {}),
        Err(message) => {
            eprintln!("Tributary cannot start: {message}");
            std::process::exit(1);
        }
    }
}
