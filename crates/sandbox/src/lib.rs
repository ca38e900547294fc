//! A local sandbox of the providers: their OAuth authorize pages and token
//! endpoints, and the REST endpoints an item loader reads, with each provider's pagination,
//! errors, token rotation and rate limits, plus faults a test can switch on.
//!
//! Each provider listens on its own port, so every path is the provider's real one:
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use tributary_sandbox::{ProviderId, Sandbox, SandboxConfig};
//! let sandbox = Sandbox::start(SandboxConfig::default()).await?;
//! let first = sandbox.endpoints(ProviderId::ALL[0]);
//! println!("authorize at {}, the API at {}", first.authorize_url, first.api_base);
//! # Ok(()) }
//! ```

// Route helpers return an early `Response` as their error, as axum handlers do.
#![allow(clippy::result_large_err)]

mod admin;
pub mod changes;
pub mod config;
pub mod consent;
pub mod dataset;
pub mod faults;
mod grants;
mod http;
mod providers;
mod ratelimit;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use serde::Serialize;
use tokio::net::TcpListener;
use tokio::sync::watch;
use url::Url;

pub use config::{ClientRegistration, DatasetSize, PerProvider, ProviderId, RateLimitRules, RateRule, SandboxConfig, Scope, ScopedRule, DEFAULT_PORTS};
pub use dataset::Dataset;
pub use faults::{ArmedFault, Fault};
pub use grants::s256_challenge;

/// Where a running fake provider can be reached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProviderEndpoints {
    pub provider: ProviderId,
    /// The server root, e.g. `http://127.0.0.1:7401/`.
    pub base_url: Url,
    /// The consent page (the provider's real path, its spec's `authorize_path`).
    pub authorize_url: Url,
    /// The token endpoint (its spec's `token_path`).
    pub token_url: Url,
    /// The REST API root (the provider's real API base, served here).
    pub api_base: Url,
    /// Where grants are revoked, for providers that revoke.
    pub revoke_url: Option<Url>,
    /// Where tokens are introspected, for providers whose token answers do not name the account.
    pub introspect_url: Option<Url>,
}

/// Request counters per provider, for tests and benchmarks.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub api_requests: AtomicU64,
    pub pages_served: AtomicU64,
    pub rate_limited: AtomicU64,
    pub faults_fired: AtomicU64,
    pub token_requests: AtomicU64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// Authenticated-API requests received (data, account and search endpoints).
    pub api_requests: u64,
    /// Successful list/search pages answered.
    pub pages_served: u64,
    /// 429 answers, from the limiter or an injected fault.
    pub rate_limited: u64,
    /// Injected faults that fired.
    pub faults_fired: u64,
    /// Token-endpoint requests (exchanges and refreshes).
    pub token_requests: u64,
}

impl Counters {
    fn snapshot(&self) -> Stats {
        Stats {
            api_requests: self.api_requests.load(Ordering::Relaxed),
            pages_served: self.pages_served.load(Ordering::Relaxed),
            rate_limited: self.rate_limited.load(Ordering::Relaxed),
            faults_fired: self.faults_fired.load(Ordering::Relaxed),
            token_requests: self.token_requests.load(Ordering::Relaxed),
        }
    }
}

/// Everything the provider routes share.
pub(crate) struct SandboxState {
    pub config: SandboxConfig,
    /// Each account's data and changes (`config.accounts` of them), made when first asked for.
    pub accounts: Vec<std::sync::OnceLock<Account>>,
    pub grants: grants::Grants,
    pub faults: faults::FaultBoard,
    pub limiter: ratelimit::RateLimiter,
    pub counters: PerProvider<Counters>,
    /// Each provider's own state (see `FakeSpec::new_state`).
    pub provider_state: PerProvider<Arc<dyn std::any::Any + Send + Sync>>,
    /// Cursors issued by the `loop_pages` fault, each standing for the cursor it repeats.
    pub cursor_aliases: std::sync::Mutex<std::collections::HashMap<String, String>>,
    /// Filled once the listeners are bound (pages that link to the next page need it).
    pub base_urls: std::sync::OnceLock<PerProvider<Url>>,
}

/// One account of every provider (a portal, a user, a workspace):
/// its own generated data, and the items edited, added and deleted while the sandbox runs.
pub(crate) struct Account {
    /// What its data is generated from.
    pub seed: u64,
    pub dataset: Dataset,
    pub changes: PerProvider<changes::ChangeLog>,
}

impl SandboxState {
    /// Account `n`'s data (the first account's is the configured seed's; each other account's
    /// comes from a seed of its own, so two accounts hold different items). `n` is checked
    /// where it is chosen (the consent page), and clamped here.
    pub fn account(&self, n: usize) -> &Account {
        let n = n.min(self.accounts.len() - 1);
        self.accounts[n].get_or_init(|| {
            let seed = if n == 0 { self.config.seed } else { dataset::mix(self.config.seed, 0xACC0, n as u64) };
            Account { seed, dataset: Dataset::new(seed, self.config.dataset.clone()), changes: PerProvider::default() }
        })
    }

    /// The cursor a request really means: itself, or the one a `loop_pages` alias stands for.
    pub fn resolve_cursor(&self, cursor: &str) -> String {
        let aliases = self.cursor_aliases.lock().unwrap_or_else(|e| e.into_inner());
        aliases.get(cursor).cloned().unwrap_or_else(|| cursor.to_string())
    }

    /// A cursor never issued before that leads back to `cursor`.
    fn alias_cursor(&self, cursor: &str) -> String {
        let target = self.resolve_cursor(cursor);
        let alias = format!("{target}~{}", grants::random_token(12));
        self.cursor_aliases.lock().unwrap_or_else(|e| e.into_inner()).insert(alias.clone(), target);
        alias
    }
}

/// A running sandbox. Dropping it stops the servers.
pub struct Sandbox {
    state: Arc<SandboxState>,
    endpoints: PerProvider<ProviderEndpoints>,
    shutdown: watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Sandbox {
    /// Binds one listener per provider and starts serving.
    pub async fn start(config: SandboxConfig) -> std::io::Result<Sandbox> {
        let mut listeners = Vec::new();
        for p in ProviderId::ALL {
            let listener = TcpListener::bind(SocketAddr::new(config.host, *config.ports.get(p))).await?;
            listeners.push((p, listener));
        }
        let state = Arc::new(SandboxState {
            accounts: (0..config.accounts.max(1)).map(|_| Default::default()).collect(),
            grants: grants::Grants::new(&config),
            faults: Default::default(),
            limiter: ratelimit::RateLimiter::new(config.rate_limit_rules.clone()),
            counters: PerProvider::default(),
            provider_state: PerProvider::from_fn(|p| (providers::spec(p).new_state)()),
            cursor_aliases: Default::default(),
            base_urls: Default::default(),
            config,
        });
        let (shutdown, _) = watch::channel(false);
        let mut bases: PerProvider<Option<Url>> = PerProvider::default();
        let mut tasks = Vec::new();
        for (p, listener) in listeners {
            let addr = listener.local_addr()?;
            let base = Url::parse(&format!("http://{addr}/")).expect("socket address forms a URL");
            bases[p] = Some(base);
            let app = providers::router(p, state.clone()).merge(admin::router(p, state.clone()));
            let mut stop = shutdown.subscribe();
            tasks.push(tokio::spawn(async move {
                let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
                    let _ = stop.wait_for(|s| *s).await;
                });
                if let Err(e) = serve.await {
                    tracing::error!(provider = %p, error = %e, "sandbox server stopped");
                }
            }));
        }
        let base_urls = bases.map(|_, b| b.clone().expect("every provider has a listener"));
        let _ = state.base_urls.set(base_urls.clone());
        let endpoints = PerProvider::from_fn(|p| endpoints(p, &base_urls[p]));
        Ok(Sandbox { state, endpoints, shutdown, tasks })
    }

    pub fn endpoints(&self, provider: ProviderId) -> &ProviderEndpoints {
        self.endpoints.get(provider)
    }

    pub fn config(&self) -> &SandboxConfig {
        &self.state.config
    }

    /// The data the sandbox serves in its first account (the default on the consent page, and
    /// the personal tokens' account), for comparing a load against.
    pub fn dataset(&self) -> &Dataset {
        self.account_dataset(0)
    }

    /// The data of account `n` (see [`SandboxConfig::accounts`]).
    pub fn account_dataset(&self, n: usize) -> &Dataset {
        &self.state.account(n).dataset
    }

    pub fn arm_fault(&self, provider: ProviderId, fault: ArmedFault) {
        self.state.faults.arm(provider, fault);
    }

    pub fn clear_faults(&self, provider: ProviderId) {
        self.state.faults.clear(provider);
    }

    /// Revokes every token of a provider at once (the user removed the app in the provider's UI).
    pub fn revoke_all_tokens(&self, provider: ProviderId) {
        self.state.grants.revoke_all(provider);
    }

    /// Edits, deletes and adds items of a provider now, as its users would between two loads;
    /// returns which (see [`changes`]).
    pub fn change(&self, provider: ProviderId, change: changes::Change) -> changes::Changed {
        (providers::spec(provider).change)(self.state.account(0), change)
    }

    /// Makes every expiring access token of a provider expire now.
    pub fn expire_access_tokens(&self, provider: ProviderId) {
        self.state.grants.expire_access_tokens(provider);
    }

    /// The settings that point Tributary (the app or the CLI) at this sandbox, with its clients:
    /// `{PROVIDER}_AUTHORIZE_URL`, `_TOKEN_URL`, `_API_BASE`, `_CLIENT_ID`, `_CLIENT_SECRET`.
    pub fn env_vars(&self) -> Vec<(String, String)> {
        let mut vars = Vec::new();
        for p in ProviderId::ALL {
            let e = self.endpoints(p);
            let client = self.config().clients.get(p);
            vars.push((p.setting("AUTHORIZE_URL"), e.authorize_url.to_string()));
            vars.push((p.setting("TOKEN_URL"), e.token_url.to_string()));
            vars.push((p.setting("API_BASE"), e.api_base.to_string()));
            if let Some(revoke) = &e.revoke_url {
                vars.push((p.setting("REVOKE_URL"), revoke.to_string()));
            }
            if let Some(introspect) = &e.introspect_url {
                vars.push((p.setting("INTROSPECT_URL"), introspect.to_string()));
            }
            vars.push((p.setting("CLIENT_ID"), client.client_id.clone()));
            if let Some(secret) = &client.client_secret {
                vars.push((p.setting("CLIENT_SECRET"), secret.clone()));
            }
        }
        vars
    }

    /// [`Self::env_vars`] as `.env` lines, with comments naming each provider's personal token
    /// and dataset size.
    pub fn dotenv(&self) -> String {
        let mut out: String = self.env_vars().iter().map(|(k, v)| format!("{k}={v}\n")).collect();
        for p in ProviderId::ALL {
            out += &format!("# {}={} (personal token, for token-based access)\n", p.setting("TOKEN"), self.config().personal_tokens.get(p));
            out += &format!("# {} items: {}\n", p.as_str().to_ascii_uppercase(), self.config().dataset.get(p));
        }
        out
    }

    /// Every code and token this fake issued and every PKCE verifier it was shown.
    pub fn secrets(&self, provider: ProviderId) -> Vec<String> {
        self.state.grants.secrets(provider)
    }

    pub fn stats(&self, provider: ProviderId) -> Stats {
        self.state.counters.get(provider).snapshot()
    }

    /// Stops the servers and waits for them to finish.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        for t in self.tasks.drain(..) {
            let _ = t.await;
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}

fn endpoints(provider: ProviderId, base: &Url) -> ProviderEndpoints {
    let join = |path: &str| base.join(path).expect("static path joins");
    let spec = providers::spec(provider);
    ProviderEndpoints {
        provider,
        base_url: base.clone(),
        authorize_url: join(spec.authorize_path),
        token_url: join(spec.token_path),
        api_base: base.clone(),
        revoke_url: spec.revoke_path.map(join),
        introspect_url: spec.introspect_path.map(join),
    }
}
