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
    /// The session's own data folder (removed with it).
    _data: TempFile,
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
        // No settings file of the machine's user: a test passes its own (XDG_CONFIG_HOME) or none.
        let no_settings = std::env::temp_dir().join("tributary-e2e-no-settings");
        std::fs::create_dir_all(&no_settings).unwrap();
        // Nor the machine's data folder: each session has its own unless the test names one.
        let data = TempFile(std::env::temp_dir().join(format!("tributary-e2e-session-data-{}-{port}", std::process::id())));
        cmd.args(["--port", &port.to_string(), "--native-port", &native_port.to_string()])
            .env("XDG_CONFIG_HOME", &no_settings)
            .env("XDG_DATA_HOME", &data.0)
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
        AppSession { client, driver, _data: data, _turn: turn }
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

    /// Waits until an element's `textContent` satisfies `done`, failing fast on `fail_on` (an
    /// error alert's test id). Returns the text.
    pub async fn wait_for_text(&self, id: &str, done: impl Fn(&str) -> bool, fail_on: &str) -> String {
        let element = self.by_test_id(id).await;
        let mut text = String::new();
        for _ in 0..150 {
            text = element.prop("textContent").await.unwrap().unwrap_or_default();
            if done(&text) {
                return text;
            }
            if let Ok(alert) = self.client.find(Locator::Css(&format!("[data-testid=\"{fail_on}\"]"))).await {
                panic!("[{id}] is `{text}` and the window shows an error: {}", alert.text().await.unwrap());
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("[data-testid={id}] never got there; it reads `{text}`");
    }

    /// From now on, keeps a copy of everything the Rust side delivers to the page: command
    /// results and errors, events and channel messages all arrive through one callback table.
    pub async fn record_ipc(&self) {
        self.client
            .execute(
                "const table = window.__TAURI_INTERNALS__.callbacks;
                 const get = table.get.bind(table);
                 window.__ipcSeen = [];
                 table.get = (id) => {
                   const callback = get(id);
                   return callback && ((data) => {
                     try { window.__ipcSeen.push(JSON.stringify(data)); } catch (e) { window.__ipcSeen.push(String(data)); }
                     return callback(data);
                   });
                 };",
                vec![],
            )
            .await
            .expect("install the IPC recorder");
    }

    /// Everything recorded since [`Self::record_ipc`], one JSON text per delivery.
    pub async fn ipc_seen(&self) -> Vec<String> {
        let seen = self.client.execute("return window.__ipcSeen || []", vec![]).await.expect("read the IPC record");
        serde_json::from_value(seen).expect("strings")
    }

    /// Every item the JSON view shows, parsed: the view keeps only the items in sight in the
    /// page, so this scrolls it from top to bottom, a panel at a time, reading each item's block.
    pub async fn json_view_items(&self) -> Vec<serde_json::Value> {
        // The blocks come back as one JSON text: WebKitWebDriver has been seen failing to
        // serialise a large array of strings ("Could not parse script result"), and a single
        // string is the simplest thing it returns. One retry covers a transient failure.
        let script = "const done = arguments[0];
             const panel = document.querySelector('[data-testid=\"data-output\"]');
             const seen = new Map();
             panel.scrollTop = 0;
             function collect() {
               for (const el of panel.querySelectorAll('[data-testid=\"json-item\"]')) seen.set(el.dataset.itemId, el.textContent);
               if (panel.scrollTop + panel.clientHeight >= panel.scrollHeight - 1) return done(JSON.stringify([...seen.values()]));
               panel.scrollTop += panel.clientHeight;
               requestAnimationFrame(() => requestAnimationFrame(collect));
             }
             requestAnimationFrame(collect);";
        let mut result = self.client.execute_async(script, vec![]).await;
        if result.is_err() {
            result = self.client.execute_async(script, vec![]).await;
        }
        let text = result.expect("read the JSON view");
        let blocks: Vec<String> = serde_json::from_str(text.as_str().expect("a JSON text")).expect("strings");
        blocks
            .iter()
            .map(|b| serde_json::from_str(b.trim_end().trim_end_matches(',')).unwrap_or_else(|e| panic!("a JSON view block is not JSON ({e}): {b}")))
            .collect()
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

/// What a sandbox serves, as the app should show it: every item's id, and its name where the
/// dataset states it outright (HubSpot folders and deals, Airtable bases, tables and records,
/// titled Notion pages and data sources).
pub fn expected_items(data: &tributary_sandbox::Dataset, provider: tributary_sandbox::ProviderId) -> Vec<(String, Option<String>)> {
    use tributary_sandbox::dataset::hubspot::ObjectType;
    use tributary_sandbox::ProviderId;
    let mut out = Vec::new();
    match provider {
        ProviderId::Hubspot => {
            for (t, kind, folder) in [(ObjectType::Contacts, "contact", "Contacts"), (ObjectType::Companies, "company", "Companies"), (ObjectType::Deals, "deal", "Deals")] {
                out.push((format!("hubspot:{}", t.as_str()), Some(folder.to_string())));
                for i in 0..data.hubspot.count(t) {
                    let o = data.hubspot.object(t, i);
                    let name = (t == ObjectType::Deals).then(|| o.property("dealname").map(str::to_string)).flatten();
                    out.push((format!("{kind}:{}", o.id), name));
                }
            }
        }
        ProviderId::Airtable => {
            let a = &data.airtable;
            for b in 0..a.base_count() {
                let base = a.base(b);
                out.push((base.id, Some(base.name)));
                for t in 0..3 {
                    let table = a.table(b, t);
                    out.push((table.id, Some(table.name)));
                    for r in 0..a.record_count(b, t) {
                        let rec = a.record(b, t, r);
                        let name = rec.primary_value().unwrap_or(&rec.id).to_string();
                        out.push((rec.id, Some(name)));
                    }
                }
            }
        }
        ProviderId::Notion => {
            for k in 0..data.notion.total() {
                let item = data.notion.item(k);
                out.push((item.id, Some(item.title).filter(|t| !t.is_empty())));
            }
        }
    }
    out
}

/// What the "system browser" does with the consent page the app opens.
#[derive(Debug, Clone, Copy)]
pub enum Browser {
    /// Approves and follows the redirect to the app's loopback listener.
    Approve,
    /// Denies (Airtable and Notion call back with `error=access_denied`; HubSpot does not).
    Deny,
    /// Approves and hands the deep-link callback to the app by launching it again with the URL,
    /// as the desktop does with a custom scheme.
    ApproveViaDeepLink,
    /// Opens the page and leaves it: the user walked away.
    Ignore,
    /// First hands the app a stray deep link that names no sign-in (as any program could),
    /// waits, then approves and delivers the genuine callback as `ApproveViaDeepLink` does.
    StrayDeepLinkThenApprove,
}

/// Writes a `BROWSER` program for xdg-open; removed when the returned guard drops.
pub fn browser_program(browser: Browser) -> TempFile {
    let sandbox = workspace_root().join("target/debug/tributary-sandbox");
    require(sandbox.exists(), "the sandbox binary (built by the workspace test run)");
    let sandbox = sandbox.display();
    let script = match browser {
        Browser::Approve => format!("#!/bin/sh\nexec '{sandbox}' approve \"$1\"\n"),
        Browser::Deny => format!("#!/bin/sh\nexec '{sandbox}' deny \"$1\"\n"),
        Browser::Ignore => "#!/bin/sh\nexit 0\n".to_string(),
        Browser::ApproveViaDeepLink => format!(
            "#!/bin/sh\nset -e\ncallback=$('{sandbox}' approve --print-only \"$1\")\nexec '{}' \"$callback\"\n",
            app_binary().display()
        ),
        Browser::StrayDeepLinkThenApprove => format!(
            "#!/bin/sh\nset -e\n'{app}' 'dev.tributary.app:/oauth/callback?error=access_denied'\nsleep 3\n\
             callback=$('{sandbox}' approve --print-only \"$1\")\nexec '{app}' \"$callback\"\n",
            app = app_binary().display()
        ),
    };
    executable(&script)
}

/// A `BROWSER` program that approves the consent page for the account whose number (0 is the
/// first) `choice` holds when the app opens it, so a test can sign in to one account, then
/// another.
pub fn browser_choosing_account(choice: &Path) -> TempFile {
    let sandbox = workspace_root().join("target/debug/tributary-sandbox");
    require(sandbox.exists(), "the sandbox binary (built by the workspace test run)");
    executable(&format!("#!/bin/sh\nSANDBOX_ACCOUNT=$(cat '{}' 2>/dev/null || echo 0) exec '{}' approve \"$1\"\n", choice.display(), sandbox.display()))
}

/// A shell script as an executable temporary file.
fn executable(script: &str) -> TempFile {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!("tributary-e2e-browser-{}-{n}", std::process::id()));
    std::fs::write(&path, script).expect("write the browser program");
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755)).expect("make it executable");
    TempFile(path)
}

/// A file or folder removed on drop.
pub struct TempFile(pub PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0).or_else(|_| std::fs::remove_dir_all(&self.0));
    }
}
