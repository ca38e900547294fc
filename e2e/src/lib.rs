//! Harness for end-to-end tests: starts `tauri-driver` (which starts WebKitWebDriver), opens a
//! WebDriver session on the real app binary, and stops both afterwards.
//!
//! Needs a display (the test command starts Xvfb), `tauri-driver` and `WebKitWebDriver` on PATH
//! (or `TAURI_DRIVER`), and the app built (`TRIBUTARY_APP`, default `target/debug/tributary`).
//! Missing prerequisites fail the test with what to install: they are never skipped.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use tokio::process::{Child, Command};

pub use fantoccini;

/// The workspace root (this crate lives in `e2e/`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("e2e sits in the workspace").to_path_buf()
}

pub fn app_binary() -> PathBuf {
    std::env::var_os("TRIBUTARY_APP")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target/debug/tributary"))
}

/// Where tests leave screenshots for people to look at.
pub fn artifacts_dir() -> PathBuf {
    let dir = workspace_root().join("e2e/artifacts");
    std::fs::create_dir_all(&dir).expect("artifacts dir");
    dir
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

fn require(cond: bool, what: &str) {
    assert!(cond, "end-to-end prerequisite missing: {what}. Run the README's test command, which installs and starts everything.");
}

/// One app at a time: a second instance would be a second window (and, with the single-instance
/// plugin, would hand its arguments to the first). Tests run on a current-thread runtime, so the
/// guard held across awaits blocks only other tests, which is the point.
static ONE_APP_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// A running app under WebDriver. Dropping it ends the session's processes.
pub struct AppSession {
    pub client: Client,
    driver: Child,
    _turn: std::sync::MutexGuard<'static, ()>,
}

impl AppSession {
    /// Launches the app with extra environment variables and waits for its WebDriver session.
    #[allow(clippy::await_holding_lock)]
    pub async fn launch(env: &[(&str, &str)]) -> AppSession {
        let turn = ONE_APP_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
        require(std::env::var_os("DISPLAY").is_some(), "DISPLAY (an X server such as Xvfb)");
        let app = app_binary();
        require(app.exists(), &format!("the app binary at {}", app.display()));
        let driver_bin = std::env::var("TAURI_DRIVER").unwrap_or_else(|_| "tauri-driver".into());
        let port = free_port();
        let native_port = free_port();
        let mut cmd = Command::new(&driver_bin);
        cmd.args(["--port", &port.to_string(), "--native-port", &native_port.to_string()])
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            // Its own process group: WebKitWebDriver and the app are its children, and all of
            // them must go when the test ends, passed or failed.
            .process_group(0)
            .kill_on_drop(true);
        let driver = cmd.spawn().unwrap_or_else(|e| panic!("cannot start {driver_bin}: {e}; install it with `cargo install tauri-driver --version 2.1.0 --locked`"));

        let caps: serde_json::Map<String, serde_json::Value> = serde_json::from_value(serde_json::json!({
            "tauri:options": { "application": app.to_string_lossy() }
        }))
        .unwrap();
        let url = format!("http://127.0.0.1:{port}");
        // The driver needs a moment to listen; a session that cannot start must not hang the run.
        let deadline = Instant::now() + Duration::from_secs(60);
        let client = loop {
            let mut builder = ClientBuilder::new(HttpConnector::new());
            builder.capabilities(caps.clone());
            match tokio::time::timeout(Duration::from_secs(30), builder.connect(&url)).await {
                Ok(Ok(c)) => break c,
                Ok(Err(e)) if Instant::now() < deadline => {
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
                Ok(Err(e)) => panic!("no WebDriver session with the app: {e}"),
                Err(_) => panic!("WebDriver session creation timed out (is DISPLAY valid?)"),
            }
        };
        AppSession { client, driver, _turn: turn }
    }

    /// Waits for an element by `data-testid`.
    pub async fn by_test_id(&self, id: &str) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css(&format!("[data-testid=\"{id}\"]")))
            .await
            .unwrap_or_else(|e| panic!("element [data-testid={id}] did not appear: {e}"))
    }

    /// Saves a PNG screenshot of the window under `e2e/artifacts/`.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.client.screenshot().await.expect("screenshot");
        let path = artifacts_dir().join(name);
        std::fs::write(&path, png).expect("write screenshot");
        path
    }

    /// Ends the session and stops the app and the driver.
    pub async fn close(self) {
        let _ = self.client.clone().close().await;
        // Drop stops the processes.
    }
}

impl Drop for AppSession {
    fn drop(&mut self) {
        if let Some(pid) = self.driver.id() {
            let _ = std::process::Command::new("kill").args(["-TERM", "--", &format!("-{pid}")]).status();
        }
    }
}
