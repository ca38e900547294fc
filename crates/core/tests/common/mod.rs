//! Shared by the core's integration tests: a sandbox, settings pointing at it, stores (embedded
//! and a real redis-server), and a "system browser" that approves or denies consent pages.
#![allow(dead_code)]

use std::collections::HashMap;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tributary_core::store::Store;
use tributary_core::{ConnectionKey, Core, FlowKey, ProviderId, Settings};
use tributary_sandbox::consent::{decide_consent, decide_consent_as, ConsentOutcome};
use tributary_sandbox::{Sandbox, SandboxConfig};
use url::Url;


pub async fn sandbox(edit: impl FnOnce(&mut SandboxConfig)) -> Sandbox {
    let mut c = SandboxConfig::default();
    edit(&mut c);
    Sandbox::start(c).await.unwrap()
}

/// Settings pointing every provider at the sandbox, with its registered clients, the loopback
/// listener on a free port.
pub fn settings_for(sb: &Sandbox) -> Settings {
    let mut vars: HashMap<String, String> = sb.env_vars().into_iter().collect();
    vars.insert("TRIBUTARY_REDIRECT_PORT".into(), "0".into());
    // Connections kept in memory, files in a folder of the test's own: a test never writes to
    // the machine's keyring or data folder (the credential-store tests choose it themselves).
    vars.insert("TRIBUTARY_CREDENTIAL_STORE".into(), "session".into());
    vars.insert("TRIBUTARY_DATA_DIR".into(), temp_data_dir().display().to_string());
    let mut s = Settings::from_vars(|k| vars.get(k).cloned()).unwrap();
    s.callback_timeout = Duration::from_secs(20);
    // Most tests complete sign-ins from the callback URL, as the desktop hands over a deep link.
    s.callback_route = tributary_core::CallbackRoute::DeepLink;
    s
}

/// A data folder of the test's own.
pub fn temp_data_dir() -> std::path::PathBuf {
    std::env::temp_dir().join(format!("tributary-core-test-{}-{}", std::process::id(), rand_u64()))
}

/// Quick waits so tests that provoke 429s and 5xx finish fast; no pacing.
pub fn fast_options() -> tributary_core::load::LoadOptions {
    use tributary_core::load::{LoadOptions, RetryPolicy};
    LoadOptions {
        pace: false,
        retry: RetryPolicy {
            transient_backoff: Duration::from_millis(10),
            rate_limit_wait: Some(Duration::from_millis(50)),
            ..RetryPolicy::default()
        },
        ..LoadOptions::default()
    }
}

/// A core on the embedded store with settings for `sb` (edited), connected to `p` through an
/// approved deep-link sign-in.
pub async fn connected_with(sb: &Sandbox, p: ProviderId, edit: impl FnOnce(&mut Settings)) -> (Core, ConnectionKey) {
    let mut settings = settings_for(sb);
    edit(&mut settings);
    let core = Core::with_store(settings, Store::open(None).await.unwrap()).unwrap();
    let key = sign_in_to(&core, &new_key(p), 0).await;
    (core, key)
}

pub async fn connected(sb: &Sandbox, p: ProviderId) -> (Core, ConnectionKey) {
    connected_with(sb, p, |_| {}).await
}

/// Signs `flow` in to the sandbox's account `account` through an approved deep-link sign-in and
/// takes the credentials: the connection it makes.
pub async fn sign_in_to(core: &Core, flow: &FlowKey, account: usize) -> ConnectionKey {
    let request = core.begin_deep_link(flow).await.unwrap();
    let callback = match decide_consent_as(request.url.as_str(), true, account).await.expect("consent page works") {
        ConsentOutcome::Redirect(cb) => cb,
        ConsentOutcome::NoCallback => panic!("no callback"),
    };
    core.complete_deep_link(&callback).await.map_err(tributary_core::oauth::CallbackError::into_error).unwrap();
    take(core, flow).await
}

/// Takes a completed sign-in's credentials: the connection they make.
pub async fn take(core: &Core, flow: &FlowKey) -> ConnectionKey {
    let summary = core.take_credentials(flow).await.unwrap();
    ConnectionKey::new(flow, &summary.account_id).unwrap()
}

/// A fresh (provider, org, user) so tests sharing one Redis never meet.
pub fn new_key(p: ProviderId) -> FlowKey {
    let n: u64 = rand_u64();
    FlowKey::new(p, &format!("org{n}"), &format!("user{n}")).unwrap()
}

fn rand_u64() -> u64 {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    let mut h = RandomState::new().build_hasher();
    h.write_u128(Instant::now().elapsed().as_nanos() ^ (std::process::id() as u128));
    h.finish()
}

/// Which store a test runs against.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum StoreKind {
    Embedded,
    Redis,
}

pub const STORES: [StoreKind; 2] = [StoreKind::Embedded, StoreKind::Redis];

/// A real redis-server for this test process: the one the test command started
/// (`TEST_REDIS_URL`), or one started here on a free loopback port.
pub fn redis_url() -> String {
    static SERVER: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SERVER
        .get_or_init(|| match std::env::var("TEST_REDIS_URL") {
            Ok(url) => url,
            Err(_) => {
                let server = RedisServer::start();
                let url = server.url();
                // Lives as long as the test process.
                std::mem::forget(server);
                url
            }
        })
        .clone()
}

pub async fn open_store(kind: StoreKind) -> Store {
    match kind {
        StoreKind::Embedded => Store::open(None).await.unwrap(),
        StoreKind::Redis => Store::open(Some(&redis_url())).await.unwrap(),
    }
}

pub async fn core(sb: &Sandbox, kind: StoreKind) -> Core {
    Core::with_store(settings_for(sb), open_store(kind).await).unwrap()
}

/// A redis-server child process on a loopback port, stoppable and restartable (for outages).
pub struct RedisServer {
    pub port: u16,
    child: Option<Child>,
}

impl RedisServer {
    pub fn start() -> RedisServer {
        RedisServer::start_on(TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port())
    }

    pub fn start_on(port: u16) -> RedisServer {
        let mut s = RedisServer { port, child: None };
        s.restart();
        s
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    pub fn restart(&mut self) {
        let child = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &self.port.to_string(), "--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server must be installed (the test command installs it)");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Freezes the server (SIGSTOP): connections stay open, commands time out, data is kept.
    pub fn pause(&self) {
        self.signal("-STOP");
    }

    pub fn resume(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, signal: &str) {
        let pid = self.child.as_ref().expect("running").id().to_string();
        let ok = Command::new("kill").args([signal, &pid]).status().map(|s| s.success()).unwrap_or(false);
        assert!(ok, "kill {signal} {pid}");
    }

    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// What the stand-in browser does on the consent page.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Browser {
    Approve,
    Deny,
    /// Opens the page and never answers (the user walked away).
    Ignore,
}

/// Answers the consent page in the background, then follows the redirect to the loopback
/// listener like a browser; returns the callback URL it delivered (if any).
pub fn browse(url: &Url, action: Browser) -> tokio::task::JoinHandle<Option<Url>> {
    let url = url.clone();
    tokio::spawn(async move {
        if action == Browser::Ignore {
            return None;
        }
        match decide_consent(url.as_str(), action == Browser::Approve).await.expect("consent page works") {
            ConsentOutcome::Redirect(cb) => {
                let _ = reqwest::get(cb.clone()).await;
                Some(cb)
            }
            ConsentOutcome::NoCallback => None,
        }
    })
}

/// Starts a deep-link sign-in for `key` and approves it: the callback URL the desktop would hand
/// to the app.
pub async fn approved_deep_link(core: &Core, key: &FlowKey) -> Url {
    let request = core.begin_deep_link(key).await.unwrap();
    consent_redirect(&request.url, true).await.unwrap()
}

/// Runs the consent page and returns the redirect without delivering it (deep links).
pub async fn consent_redirect(url: &Url, approve: bool) -> Option<Url> {
    match decide_consent(url.as_str(), approve).await.expect("consent page works") {
        ConsentOutcome::Redirect(cb) => Some(cb),
        ConsentOutcome::NoCallback => None,
    }
}

pub fn query(url: &Url, name: &str) -> Option<String> {
    url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

/// Replaces one query parameter of a URL.
pub fn with_query(url: &Url, name: &str, value: Option<&str>) -> Url {
    let pairs: Vec<(String, String)> = url.query_pairs().filter(|(k, _)| k != name).map(|(k, v)| (k.into(), v.into())).collect();
    let mut out = url.clone();
    {
        let mut q = out.query_pairs_mut();
        q.clear().extend_pairs(pairs.iter());
        if let Some(v) = value {
            q.append_pair(name, v);
        }
    }
    out
}
