//! Logs go to `tributary.log` in the platform's log folder (Linux `~/.local/share/<id>/logs`,
//! macOS `~/Library/Logs/<id>`, Windows `%LOCALAPPDATA%\<id>\logs`) and to stderr, filtered by
//! `RUST_LOG`. The core logs no secret: tokens, codes and verifiers live in `Secret`s whose
//! Debug and Display print `[redacted]`, and a test reads this file after a full sign-in.

use std::fs::OpenOptions;
use std::sync::Mutex;

use tauri::{AppHandle, Manager, Runtime};
use tracing_subscriber::fmt::writer::MakeWriterExt;
use tracing_subscriber::EnvFilter;

pub const LOG_FILE: &str = "tributary.log";

pub fn init<R: Runtime>(app: &AppHandle<R>) {
    let filter = || EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let file = app.path().app_log_dir().ok().and_then(|dir| {
        std::fs::create_dir_all(&dir).ok()?;
        OpenOptions::new().create(true).append(true).open(dir.join(LOG_FILE)).ok()
    });
    let builder = tracing_subscriber::fmt().with_env_filter(filter()).with_ansi(false);
    // `try_init`: tests build several apps in one process; the first subscriber stays.
    let _ = match file {
        Some(file) => builder.with_writer(Mutex::new(file).and(std::io::stderr)).try_init(),
        None => builder.with_writer(std::io::stderr).try_init(),
    };
}
