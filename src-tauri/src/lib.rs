//! The desktop shell: a window hosting the React UI. It stays thin: commands delegate to
//! `tributary-core`, which knows nothing about windows.

/// Builds the app on any runtime, so tests can pass `tauri::test::mock_builder()`.
pub fn run_app<R: tauri::Runtime>(builder: tauri::Builder<R>) -> tauri::App<R> {
    builder
        .build(tauri::generate_context!("../tauri.conf.json"))
        .expect("the Tauri application builds")
}

/// Starts the desktop app and blocks until its last window closes.
pub fn run() {
    run_app(tauri::Builder::default()).run(|_app, _event| {});
}
