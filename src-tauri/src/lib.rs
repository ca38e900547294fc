//! The desktop shell: a window hosting the React UI. It stays thin: commands delegate to
//! `tributary-core`, which knows nothing about windows.
//!
//! ```text
//! webview --invoke--> commands --> Core (sign-in, load, export) --> providers / sandbox
//!    ^                  |  progress over a Channel, to the one caller
//!    +---- "sign-in" event (completed | failed) <-- loopback task or deep-link handler
//! ```

include!("command_list.rs");

/// Every command the web view may call.
pub const COMMANDS: &[&str] = with_commands!(command_names);

// The handler for exactly those commands.
macro_rules! command_handler {
    ($($command:ident),*) => {
        tauri::generate_handler![$(commands::$command),*]
    };
}

pub mod commands;
pub mod error;
mod logging;
pub mod models;
pub mod sign_in;
mod startup_failure;

use std::sync::Arc;

use tauri::Manager;
use tauri_plugin_deep_link::DeepLinkExt;
use tributary_core::{Core, Error, Settings};

/// Builds the app from the environment and the settings files on any runtime.
pub fn run_app<R: tauri::Runtime>(builder: tauri::Builder<R>) -> Result<tauri::App<R>, String> {
    launch(builder, Settings::from_env())
}

/// Builds the app with the given settings, so tests can pass `tauri::test::mock_builder()` and
/// their own settings. Unconfigured providers are served by the built-in sandbox unless
/// `TRIBUTARY_SANDBOX=off`.
pub fn run_app_with<R: tauri::Runtime>(builder: tauri::Builder<R>, settings: Settings) -> Result<tauri::App<R>, String> {
    launch(builder, Ok(settings))
}

/// Settings the app cannot start with (a bad value, a scheme the build does not register, a
/// sandbox that cannot listen) still open the window, which says what is wrong: an app started
/// from the desktop menu has no terminal to print to. Only a window that cannot be created at
/// all is an `Err`.
fn launch<R: tauri::Runtime>(builder: tauri::Builder<R>, settings: Result<Settings, Error>) -> Result<tauri::App<R>, String> {
    let context = tauri::generate_context!("tauri.conf.json");
    let started = settings.and_then(|settings| {
        check_deep_link_scheme(&settings, context.config())?;
        tauri::async_runtime::block_on(Core::start(settings))
    });
    let builder = match started {
        Ok(state) => ready(builder, state),
        Err(e) => {
            eprintln!("Tributary cannot start: {e}");
            startup_failure::builder(builder, e)
        }
    };
    let app = builder.build(context).map_err(|e| format!("the window could not be created: {e}"))?;
    // Sign-in outcomes reach the window from the moment the app exists (before any setup hook
    // or deep link can start one).
    if let Some(core) = app.try_state::<Arc<Core>>() {
        sign_in::forward_to_window(&core, app.handle().clone());
        // Launched by a deep link with no instance running: handle it now that it can be told.
        if let Ok(Some(urls)) = app.deep_link().get_current() {
            sign_in::complete_deep_links(&core, urls);
        }
    }
    Ok(app)
}

fn ready<R: tauri::Runtime>(builder: tauri::Builder<R>, core: Arc<Core>) -> tauri::Builder<R> {
    builder
        .plugin(tauri_plugin_deep_link::init())
        .plugin(tauri_plugin_opener::init())
        .manage(core.clone())
        .setup(move |app| {
            logging::init(app.handle());
            app.deep_link().on_open_url(move |event| sign_in::complete_deep_links(&core, event.urls()));
            Ok(())
        })
        .invoke_handler(with_commands!(command_handler))
}

/// The desktop hands the app only the schemes its bundle registers (`plugins.deep-link` in
/// tauri.conf.json); a different configured scheme would send callbacks nowhere.
fn check_deep_link_scheme(settings: &Settings, config: &tauri::Config) -> Result<(), Error> {
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
        Err(Error::Config(format!(
            "TRIBUTARY_DEEP_LINK_SCHEME is `{}`, but this build registers {registered:?}; unset it or rebuild with that scheme",
            settings.deep_link_scheme
        )))
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
