//! `Core`: the one object the desktop shell and the CLI hold. Every user action is one method:
//! connections and sign-ins here, the sign-in lifecycle in [`sign_in`], loads and what is done
//! with them in [`loads`].

mod in_flight;
mod loads;
mod sign_in;

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

pub use sign_in::{OpenBrowser, SignInEvent, SignInListener, SignInOutcome};

use serde::Serialize;
use url::Url;

use crate::config::{CredentialStoreChoice, ProviderStatus, Settings};
use crate::connection::{Connection, ConnectionKey, ConnectionSummary};
use crate::error::{Error, Result};
use crate::load::{Cancel, LoadOptions, Loaded, ProgressFn};
use crate::config::CallbackRoute;
use crate::oauth::loopback::LoopbackLimits;
use crate::oauth::{AuthorizeRequest, CallbackError, FlowKey, LoopbackListener, OAuthFlows, TokenSet};
use crate::secret::PersonalToken;
use crate::provider::ProviderId;
use crate::library::{Library, Opened};
use crate::saved::{SavedConnection, SavedConnections};
use crate::store::Store;

/// A provider as the UI lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProviderInfo {
    pub id: ProviderId,
    pub name: &'static str,
    pub status: ProviderStatus,
}

pub struct Core {
    settings: Arc<Settings>,
    store: Arc<Store>,
    /// Connections that survive a restart (tokens in the OS credential store).
    saved: Arc<SavedConnections>,
    /// Every connection's last complete load (`None`: the data folder cannot hold one; items
    /// then last for the session).
    library: Option<Library>,
    /// What the window says once about the library: a file set aside, or no library at all.
    library_notice: Option<String>,
    http: reqwest::Client,
    flows: OAuthFlows,
    connections: Mutex<HashMap<ConnectionKey, Held>>,
    sign_ins: in_flight::InFlight<FlowKey>,
    loads: in_flight::InFlight<ConnectionKey>,
    last_loads: Mutex<HashMap<ConnectionKey, Arc<Loaded>>>,
    sign_in_listener: OnceLock<SignInListener>,
    /// Serves unconfigured providers while the core lives (sandbox mode).
    #[cfg(feature = "sandbox")]
    _sandbox: Option<tributary_sandbox::Sandbox>,
}

/// A live connection, and whether its credentials were borrowed from the store: those go back
/// when a load fails, so a failed attempt never costs the sign-in.
struct Held {
    connection: Arc<Connection>,
    borrowed: bool,
}

/// A provider's connections for one organisation and user, as the window finds them at launch
/// (see [`Core::saved_connections_of`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SavedState {
    /// Every account connected, live or saved, in the order of their ids.
    pub accounts: Vec<AccountState>,
    /// Connections survive a restart (there is a credential store).
    pub kept: bool,
    /// What to say once about the item library (a file set aside, or none at all).
    pub library_notice: Option<String>,
}

/// One account's connection as the window shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountState {
    /// The account's id (empty: the provider named none).
    pub account_id: String,
    /// Its name, as shown.
    pub account: Option<String>,
    /// The live connection; `None` when the saved one needs a reconnect.
    pub summary: Option<ConnectionSummary>,
    pub reconnect_needed: bool,
}

/// Where [`Core::connect_for_load`] found its connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialSource {
    /// A long-lived token made in the provider.
    Token,
    /// Credentials a sign-in (in this process or another, through Redis) left in the store.
    Stored,
    /// A connection saved by an earlier run (or another process), from the credential store.
    Saved,
    /// A sign-in run just now.
    SignedIn,
}

/// How long after start the library file is checked in full (see `Library::check_later`).
const LIBRARY_CHECK_DELAY: Duration = Duration::from_secs(5);

/// The one HTTP client: no redirects on token or API calls (a redirected token request invites
/// SSRF), bounded waits (`timeout` for a whole request, `TRIBUTARY_HTTP_TIMEOUT`).
pub fn http_client(timeout: Duration) -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(timeout.min(Duration::from_secs(10)))
        .timeout(timeout)
        .user_agent(concat!("Tributary/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| Error::Internal(format!("the HTTP client could not be set up: {e}")))
}

impl Core {
    /// Opens the configured store (Redis or embedded) and builds the core.
    pub async fn new(settings: Settings) -> Result<Core> {
        let store = Store::open(settings.redis_url.as_deref()).await?;
        Core::with_store(settings, store)
    }

    /// The desktop app's core: unconfigured providers are served by the built-in sandbox
    /// (unless `TRIBUTARY_SANDBOX=off`), which lives as long as the core.
    #[cfg(feature = "sandbox")]
    pub async fn start(mut settings: Settings) -> Result<Arc<Core>> {
        let sandbox = crate::sandbox_mode::serve_unconfigured(&mut settings)
            .await
            .map_err(|e| Error::Config(format!("the built-in sandbox could not start: {e}")))?;
        let mut core = Core::new(settings).await?;
        core._sandbox = sandbox;
        Ok(Arc::new(core))
    }

    pub fn with_store(settings: Settings, store: Store) -> Result<Core> {
        let settings = Arc::new(settings);
        let store = Arc::new(store);
        let http = http_client(settings.http_timeout)?;
        let flows = OAuthFlows::new(settings.clone(), store.clone(), http.clone());
        let saved = Arc::new(match settings.credential_store {
            CredentialStoreChoice::System => SavedConnections::open(&settings.data_dir),
            CredentialStoreChoice::Session => SavedConnections::session_only(&settings.data_dir),
        });
        let (library, library_notice) = match Library::open(&settings.data_dir) {
            Ok(Opened { library, set_aside: None }) => (Some(library), None),
            Ok(Opened { library, set_aside: Some(aside) }) => {
                let notice = format!("The item library {} could not be used ({}); it was moved to {} and a new one started.", aside.from.display(), aside.reason, aside.to.display());
                (Some(library), Some(notice))
            }
            Err(e) => {
                tracing::warn!(error = %e, "no item library: loaded items last for the session");
                (None, Some(format!("Loaded items are kept for this session only: {e}")))
            }
        };
        // Every page of the file is checked once the window is up, not before it.
        if let Some(library) = &library {
            library.check_later(LIBRARY_CHECK_DELAY);
        }
        Ok(Core {
            settings,
            store,
            saved,
            library,
            library_notice,
            http,
            flows,
            connections: Mutex::default(),
            sign_ins: Default::default(),
            loads: Default::default(),
            last_loads: Mutex::default(),
            sign_in_listener: OnceLock::new(),
            #[cfg(feature = "sandbox")]
            _sandbox: None,
        })
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The store holding sign-ins in progress (Redis or embedded).
    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn providers(&self) -> Vec<ProviderInfo> {
        ProviderId::ALL
            .into_iter()
            .map(|id| ProviderInfo { id, name: id.display_name(), status: self.settings.provider(id).status() })
            .collect()
    }

    /// Starts a sign-in whose callback comes back through the deep-link scheme.
    pub async fn begin_deep_link(&self, key: &FlowKey) -> Result<AuthorizeRequest> {
        self.flows.begin(key, &self.settings.deep_link_redirect_uri()).await
    }

    /// The whole loopback sign-in: listen first (so the browser never finds the port closed),
    /// start the flow, open the browser, wait for the callback, exchange the code. On timeout
    /// or cancel the pending flow is forgotten, so a late callback is refused.
    pub async fn connect_via_loopback<O>(&self, key: &FlowKey, open_browser: O, cancelled: impl Future<Output = ()>) -> Result<FlowKey>
    where
        O: FnOnce(&Url) -> Result<()>,
    {
        self.settings.provider(key.provider).require_client_id()?;
        let limits = LoopbackLimits { completion: self.settings.sign_in_completion_limit(), ..LoopbackLimits::default() };
        let listener = LoopbackListener::bind_with(self.settings.redirect_port, limits).await?;
        let redirect_uri = format!("http://localhost:{}/callback", listener.port());
        let request = self.flows.begin(key, &redirect_uri).await?;
        if let Err(e) = open_browser(&request.url) {
            let _ = self.flows.cancel(key).await;
            return Err(e);
        }
        let flows = &self.flows;
        let result = listener
            .serve_one(self.settings.callback_timeout, cancelled, |url| async move { flows.complete(&url, Some(key)).await })
            .await;
        if result.is_err() {
            // However it ended, nothing of it stays in the store (a genuine callback already
            // took the state; a timeout or cancel leaves state and verifier to forget).
            if let Err(e) = self.flows.cancel(key).await {
                tracing::warn!(error = %e, "could not forget the abandoned sign-in; it expires with the flow");
            }
        }
        result
    }

    /// Completes a sign-in from a deep-link URL handed over by the desktop. In loopback mode a
    /// deep link is not a sign-in callback at all, and is refused without looking at it.
    pub async fn complete_deep_link(&self, url: &Url) -> std::result::Result<FlowKey, CallbackError> {
        if self.settings.callback_route != CallbackRoute::DeepLink {
            return Err(CallbackError::Refused(Error::BadCallback(
                "sign-ins come back through the loopback port, so a deep link is not a sign-in callback".into(),
            )));
        }
        let Ok(expected) = Url::parse(&self.settings.deep_link_redirect_uri()) else {
            return Err(CallbackError::Refused(Error::Config(format!("the deep-link scheme `{}` does not form a URL", self.settings.deep_link_scheme))));
        };
        if url.scheme() != expected.scheme() || url.path() != expected.path() {
            return Err(CallbackError::Refused(Error::BadCallback(format!("not a sign-in callback: {}:{}", url.scheme(), url.path()))));
        }
        self.flows.complete(url, None).await
    }

    /// Completes a sign-in from any callback URL (what a loopback listener or deep link got).
    pub async fn complete_callback(&self, url: &Url, expected: Option<&FlowKey>) -> std::result::Result<FlowKey, CallbackError> {
        self.flows.complete(url, expected).await
    }

    /// Takes the freshly stored credentials (once) into a live connection to the account the
    /// sign-in named (a new one beside the others, or the same account's again), saves it so
    /// it survives a restart, and returns its summary.
    pub async fn take_credentials(&self, flow: &FlowKey) -> Result<ConnectionSummary> {
        let (key, tokens) = self.take_signed_in(flow).await?;
        Ok(self.adopt(&key, tokens, false).await)
    }

    /// The credentials a completed sign-in left in the store, taken (once) and saved under the
    /// account they are for.
    async fn take_signed_in(&self, flow: &FlowKey) -> Result<(ConnectionKey, TokenSet)> {
        let tokens = self.flows.take_credentials(flow).await?;
        let key = ConnectionKey::of_tokens(flow, &tokens);
        match key {
            Ok(key) => {
                self.save(&key, &tokens).await?;
                Ok((key, tokens))
            }
            Err(e) => {
                let _ = self.flows.put_credentials(flow, &tokens).await;
                Err(e)
            }
        }
    }

    /// Saves a new connection's tokens to the credential store. Should the store fail, the
    /// credentials go back to the sign-in store, so the user can try again without signing in.
    async fn save(&self, key: &ConnectionKey, tokens: &TokenSet) -> Result<()> {
        if let Err(e) = self.saved.save(key, tokens).await {
            let _ = self.flows.put_credentials(&key.flow(), tokens).await;
            return Err(e);
        }
        Ok(())
    }

    /// The connections saved by earlier runs and other processes, as they may be shown, without
    /// asking any provider.
    pub fn saved_connections(&self) -> Vec<SavedConnection> {
        self.saved.list()
    }

    /// The credential-store entries a connection's tokens live in, for tools and tests.
    pub fn credential_entries(&self, key: &ConnectionKey) -> [String; 2] {
        [self.saved.entry_name(key, "access"), self.saved.entry_name(key, "refresh")]
    }

    /// Whether connections survive a restart (there is a credential store); when not, they are
    /// kept for this session only.
    pub fn keeps_connections(&self) -> bool {
        self.saved.persistent()
    }

    /// What the window shows for a provider, organisation and user before any sign-in: every
    /// account connected, live or saved (taken in without asking the provider), whether a
    /// saved one needs a reconnect, and whether connections survive a restart at all.
    pub async fn saved_connections_of(&self, flow: &FlowKey) -> Result<SavedState> {
        let mut accounts = Vec::new();
        for key in self.connections_of(flow) {
            let info = self.saved.info(&key)?;
            let summary = self.resume(&key).await?;
            accounts.push(AccountState {
                account: summary.as_ref().and_then(|s| s.account.clone()).or_else(|| info.as_ref().and_then(|i| i.account.clone())),
                account_id: key.account,
                reconnect_needed: info.is_some_and(|i| i.reconnect_needed),
                summary,
            });
        }
        Ok(SavedState {
            accounts,
            kept: self.keeps_connections(),
            library_notice: self.library_notice.clone().or_else(|| self.library.as_ref().and_then(Library::damage)),
        })
    }

    /// The connections of a provider, organisation and user: live in this process or saved
    /// (by this run, an earlier one or another process), in the order of their account ids.
    pub fn connections_of(&self, flow: &FlowKey) -> Vec<ConnectionKey> {
        let saved = self.saved.list().into_iter().filter_map(|s| s.key().ok());
        let live: Vec<ConnectionKey> = self.lock().keys().cloned().collect();
        let mut keys: Vec<ConnectionKey> = saved.chain(live).filter(|k| k.flow() == *flow).collect();
        keys.sort();
        keys.dedup();
        keys
    }

    /// The connection of `key`, live in this process or saved by an earlier run (then taken in,
    /// without asking the provider: the first request refreshes as needed). `None` when there
    /// is neither, or the saved one needs a reconnect.
    pub async fn resume(&self, key: &ConnectionKey) -> Result<Option<ConnectionSummary>> {
        if let Ok(connection) = self.connection(key) {
            return Ok(Some(connection.summary().await));
        }
        match self.saved.load(key).await? {
            Some(tokens) => Ok(Some(self.adopt(key, tokens, false).await)),
            None => Ok(None),
        }
    }

    /// A connection for a one-off load (the CLI's order): a long-lived `token` if there is
    /// one; else the credentials a sign-in left in the store (in this process, or another one
    /// through Redis); else the saved connection of `account` (or the only one saved); else a
    /// sign-in now, run by `sign_in`. Credentials that came from the store go back to it if the
    /// load fails (see [`Core::load`]). With more than one account saved and none named, it
    /// says which there are.
    pub async fn connect_for_load<F, Fut>(
        &self,
        flow: &FlowKey,
        account: Option<&str>,
        token: Option<PersonalToken>,
        sign_in: F,
    ) -> Result<(ConnectionKey, ConnectionSummary, CredentialSource)>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<()>>,
    {
        if let Some(token) = token {
            let key = ConnectionKey::new(flow, account.unwrap_or_default())?;
            return Ok((key.clone(), self.connect_with_token(&key, token).await?, CredentialSource::Token));
        }
        let source = match self.take_signed_in(flow).await {
            Ok((key, tokens)) => return Ok((key.clone(), self.adopt(&key, tokens, true).await, CredentialSource::Stored)),
            Err(Error::NotConnected { .. }) => CredentialSource::SignedIn,
            Err(e) => return Err(e),
        };
        if let Some(key) = self.connection_named(flow, account)? {
            if let Some(summary) = self.resume(&key).await? {
                return Ok((key, summary, CredentialSource::Saved));
            }
        }
        sign_in().await?;
        let (key, tokens) = self.take_signed_in(flow).await?;
        Ok((key.clone(), self.adopt(&key, tokens, true).await, source))
    }

    /// The connection of `account` among `flow`'s (an account's id, or the only one there is
    /// when none is named); `None` when there is none. With more than one and none named, it
    /// says which there are.
    pub fn connection_named(&self, flow: &FlowKey, account: Option<&str>) -> Result<Option<ConnectionKey>> {
        let keys = self.connections_of(flow);
        match account {
            Some(id) => Ok(keys.into_iter().find(|k| k.account == id)),
            None if keys.len() > 1 => {
                let ids: Vec<&str> = keys.iter().map(|k| if k.account.is_empty() { "(unnamed)" } else { k.account.as_str() }).collect();
                Err(Error::InvalidInput(format!(
                    "{} {} accounts are connected for this user and organisation ({}): name the one to use",
                    keys.len(),
                    flow.provider.display_name(),
                    ids.join(", ")
                )))
            }
            None => Ok(keys.into_iter().next()),
        }
    }

    /// Puts a borrowed connection's credentials as they are now (rotated tokens included) back
    /// in the store, where the next attempt finds them.
    async fn give_back_credentials(&self, key: &ConnectionKey, connection: &Connection) {
        match self.flows.put_credentials(&key.flow(), &connection.tokens().await).await {
            Ok(()) => tracing::info!(provider = key.provider.as_str(), "credentials returned to the store after a failed load"),
            Err(e) => tracing::warn!(provider = key.provider.as_str(), error = %e, "could not return the credentials to the store"),
        }
    }

    /// The summary of credentials a completed sign-in stored, leaving them for `take_credentials`
    /// (another process may take them, from Redis, within the flow's TTL).
    pub async fn stored_credentials(&self, key: &FlowKey) -> Result<ConnectionSummary> {
        Ok(ConnectionSummary::of(key.provider, &self.flows.peek_credentials(key).await?))
    }

    /// A connection from a long-lived token made in the provider (a private-app token, a
    /// personal access token, an internal-integration token), for machines
    /// with no browser. It is never refreshed: when the provider refuses it, a load says so.
    pub async fn connect_with_token(&self, key: &ConnectionKey, token: PersonalToken) -> Result<ConnectionSummary> {
        if token.expose().trim().is_empty() || token.expose().chars().any(char::is_whitespace) {
            return Err(Error::InvalidInput(format!("the {} token is empty or contains spaces", key.provider.display_name())));
        }
        let tokens = TokenSet { access_token: token.into(), refresh_token: None, expires_at: None, refresh_at: None, scopes: Vec::new(), account: None };
        Ok(self.adopt(key, tokens, false).await)
    }

    /// Takes tokens into a live connection whose refreshes are saved to the credential store
    /// before they are used (a long-lived token has none).
    async fn adopt(&self, key: &ConnectionKey, tokens: TokenSet, borrowed: bool) -> ConnectionSummary {
        let settings = self.settings.provider(key.provider).clone();
        let connection = Connection::new(key.clone(), settings, self.http.clone(), tokens).saved_in(self.saved.clone());
        let connection = Arc::new(connection);
        let summary = connection.summary().await;
        self.lock().insert(key.clone(), Held { connection, borrowed });
        summary
    }

    pub fn connection(&self, key: &ConnectionKey) -> Result<Arc<Connection>> {
        self.lock().get(key).map(|h| h.connection.clone()).ok_or(Error::NotConnected { provider: key.provider })
    }

    /// Loads every item of a connection (see [`crate::load`]). When the connection's
    /// credentials were borrowed from the store and the load does not complete, they go back
    /// (unless the grant is gone), so the next attempt needs no new sign-in.
    pub async fn load(
        &self,
        key: &ConnectionKey,
        mut options: LoadOptions,
        progress: Option<ProgressFn>,
        cancel: Cancel,
    ) -> Result<Loaded> {
        // One saved by an earlier run (or another process) is taken in first.
        self.resume(key).await?;
        let (connection, borrowed) = self
            .lock()
            .get(key)
            .map(|h| (h.connection.clone(), h.borrowed))
            .ok_or(Error::NotConnected { provider: key.provider })?;
        // The provider records go to the library's incoming file page by page as the load runs
        // (a load of containers alone has none to keep).
        let incoming = match &self.library {
            Some(library) if options.records.is_none() && !options.containers_only => match library.incoming() {
                Ok(incoming) => Some(incoming),
                Err(e) => {
                    tracing::warn!(error = %e, "the provider records of this load cannot be kept; its items are");
                    None
                }
            },
            _ => None,
        };
        if let Some(incoming) = &incoming {
            options.records = Some(incoming.sink());
        }
        let mut result = crate::load::load(connection.clone(), self.http.clone(), options, progress, cancel).await;
        if borrowed && result.as_ref().is_err_and(|e| !matches!(e, Error::ReconnectNeeded { .. })) {
            self.give_back_credentials(key, &connection).await;
        }
        if let Ok(loaded) = &mut result {
            loaded.source = self.source(key);
        }
        if let Some(incoming) = incoming {
            match &mut result {
                Ok(loaded) => match incoming.finish() {
                    Ok(records) => loaded.records = Some(Arc::new(records)),
                    Err(e) => {
                        tracing::warn!(error = %e, "the provider records of this load could not be written; its items are kept without them");
                        incoming.discard();
                    }
                },
                Err(_) => incoming.discard(),
            }
        }
        result
    }

    /// Where a connection's items come from: its API base and its account. Another server (a
    /// sandbox of another size, a proxy) needs a full load, not a reload on top of the last one.
    pub(crate) fn source(&self, key: &ConnectionKey) -> String {
        format!("{} {}", self.settings.provider(key.provider).api_base, key.account)
    }

    /// Forgets the connection (its last load, its saved tokens and file) and revokes its grant
    /// where the provider offers revocation. Returns whether the provider confirmed a revocation.
    pub async fn disconnect(&self, key: &ConnectionKey) -> Result<bool> {
        self.last_loads().remove(key);
        if let Some(library) = &self.library {
            library.forget(key).await?;
        }
        let was_saved = self.saved.info(key)?.is_some();
        // One saved by an earlier run is taken in, so its grant can be revoked.
        self.resume(key).await?;
        self.saved.forget(key).await?;
        let held = self.lock().remove(key);
        let Some(Held { connection, .. }) = held else {
            return if was_saved { Ok(false) } else { Err(Error::NotConnected { provider: key.provider }) };
        };
        match connection.revoke().await {
            Ok(revoked) => Ok(revoked),
            Err(e) => {
                tracing::warn!(provider = key.provider.as_str(), error = %e, "revocation failed; the connection is forgotten anyway");
                Ok(false)
            }
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<ConnectionKey, Held>> {
        self.connections.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn last_loads(&self) -> MutexGuard<'_, HashMap<ConnectionKey, Arc<Loaded>>> {
        self.last_loads.lock().unwrap_or_else(|e| e.into_inner())
    }
}
