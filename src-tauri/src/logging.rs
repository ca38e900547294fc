//! Logs go to `tributary.log` in the platform's log folder (Linux `~/.local/share/<id>/logs`,
//! macOS `~/Library/Logs/<id>`, Windows `%LOCALAPPDATA%\<id>\logs`) and to stderr, filtered by
//! `RUST_LOG`. The core logs no secret: tokens, codes and verifiers live in redacted types (`AccessToken`, `AuthCode`, ...) whose
//! Debug and Display print `[redacted]`, and a test reads this file after a full sign-in.
//! A log past 10 MiB is moved aside to `tributary.log.1` at launch, so the folder never grows
//! past two logs' worth.

use std::fs::OpenOptions;
use std::path::Path;
use std::sync::Mutex;

use tauri::{AppHandle, Manager, Runtime};
use tracing_subscriber::fmt::writer::MakeWriterExt;
use tracing_subscriber::EnvFilter;

pub const LOG_FILE: &str = "tributary.log";
const ROTATE_AT_BYTES: u64 = 10 * 1024 * 1024;

pub fn init<R: Runtime>(app: &AppHandle<R>) {
    let filter = || EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let file = app.path().app_log_dir().ok().and_then(|dir| {
        std::fs::create_dir_all(&dir).ok()?;
        let path = dir.join(LOG_FILE);
        rotate_if_larger_than(&path, ROTATE_AT_BYTES);
        OpenOptions::new().create(true).append(true).open(path).ok()
    });
    let builder = tracing_subscriber::fmt().with_env_filter(filter()).with_ansi(false);
    // `try_init`: tests build several apps in one process; the first subscriber stays.
    let _ = match file {
        Some(file) => builder.with_writer(Mutex::new(file).and(std::io::stderr)).try_init(),
        None => builder.with_writer(std::io::stderr).try_init(),
    };
}

/// Moves `path` to `<path>.1` (replacing the previous one) when it is larger than `limit`.
fn rotate_if_larger_than(path: &Path, limit: u64) {
    if std::fs::metadata(path).is_ok_and(|m| m.len() > limit) {
        let mut aside = path.as_os_str().to_owned();
        aside.push(".1");
        // Best effort: a log that cannot be moved is appended to as before.
        let _ = std::fs::rename(path, aside);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_large_log_is_moved_aside_and_a_small_one_kept() {
        let dir = std::env::temp_dir().join(format!("tributary-log-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let log = dir.join(LOG_FILE);
        std::fs::write(&log, "0123456789").unwrap();
        rotate_if_larger_than(&log, 10);
        assert_eq!(std::fs::read_to_string(&log).unwrap(), "0123456789", "at the limit: kept");
        std::fs::write(dir.join("tributary.log.1"), "older").unwrap();
        std::fs::write(&log, "0123456789A").unwrap();
        rotate_if_larger_than(&log, 10);
        assert!(!log.exists());
        assert_eq!(std::fs::read_to_string(dir.join("tributary.log.1")).unwrap(), "0123456789A", "replaces the older one");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
