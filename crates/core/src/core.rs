//! `Core`: the one object the desktop shell and the CLI hold. Every user action is one method.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use url::Url;

use crate::config::{ProviderStatus, Settings};
use crate::connection::{Connection, ConnectionSummary};
use crate::error::{Error, Result};
use crate::load::{Cancel, LoadOptions, Loaded, ProgressFn};
use crate::config::CallbackRoute;
use crate::oauth::loopback::LoopbackLimits;
use crate::oauth::{AuthorizeRequest, CallbackError, FlowKey, LoopbackListener, OAuthFlows, TokenSet};
use crate::secret::Secret;
use crate::provider::ProviderId;
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
    http: reqwest::Client,
    flows: OAuthFlows,
    connections: Mutex<HashMap<FlowKey, Arc<Connection>>>,
}

/// The one HTTP client: no redirects on token or API calls (a redirected token request invites
/// SSRF), bounded waits (`timeout` for a whole request, `TRIBUTARY_HTTP_TIMEOUT`).
pub fn http_client(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(timeout.min(Duration::from_secs(10)))
        .timeout(timeout)
        .user_agent(concat!("Tributary/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("the HTTP client builds")
}

impl Core {
    /// Opens the configured store (Redis or embedded) and builds the core.
    pub async fn new(settings: Settings) -> Result<Core> {
        let store = Store::open(settings.redis_url.as_deref()).await?;
        Ok(Core::with_store(settings, store))
    }

    pub fn with_store(settings: Settings, store: Store) -> Core {
        let settings = Arc::new(settings);
        let store = Arc::new(store);
        let http = http_client(settings.http_timeout);
        let flows = OAuthFlows::new(settings.clone(), store.clone(), http.clone());
        Core { settings, store, http, flows, connections: Mutex::new(HashMap::new()) }
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
        let expected = Url::parse(&self.settings.deep_link_redirect_uri()).expect("valid scheme");
        if url.scheme() != expected.scheme() || url.path() != expected.path() {
            return Err(CallbackError::Refused(Error::BadCallback(format!("not a sign-in callback: {}:{}", url.scheme(), url.path()))));
        }
        self.flows.complete(url, None).await
    }

    /// Completes a sign-in from any callback URL (what a loopback listener or deep link got).
    pub async fn complete_callback(&self, url: &Url, expected: Option<&FlowKey>) -> std::result::Result<FlowKey, CallbackError> {
        self.flows.complete(url, expected).await
    }

    pub async fn cancel(&self, key: &FlowKey) -> Result<()> {
        self.flows.cancel(key).await
    }

    /// Takes the freshly stored credentials (once) into a live connection and returns its summary.
    pub async fn take_credentials(&self, key: &FlowKey) -> Result<ConnectionSummary> {
        let tokens = self.flows.take_credentials(key).await?;
        Ok(self.adopt(key, tokens).await)
    }

    /// Puts a connection's credentials as they are now (rotated tokens included) back in the
    /// store, where `take_credentials` finds them: a load that took a sign-in's credentials and
    /// then failed must not cost the user that sign-in.
    pub async fn return_credentials(&self, key: &FlowKey) -> Result<()> {
        let tokens = self.connection(key)?.tokens().await;
        self.flows.put_credentials(key, &tokens).await?;
        tracing::info!(provider = key.provider.as_str(), "credentials returned to the store");
        Ok(())
    }

    /// The summary of credentials a completed sign-in stored, leaving them for `take_credentials`
    /// (another process may take them, from Redis, within the flow's TTL).
    pub async fn stored_credentials(&self, key: &FlowKey) -> Result<ConnectionSummary> {
        Ok(ConnectionSummary::of(key.provider, &self.flows.peek_credentials(key).await?))
    }

    /// A connection from a long-lived token made in the provider (a HubSpot private-app token,
    /// an Airtable personal access token, a Notion internal-integration token), for machines
    /// with no browser. It is never refreshed: when the provider refuses it, a load says so.
    pub async fn connect_with_token(&self, key: &FlowKey, token: Secret) -> Result<ConnectionSummary> {
        if token.expose().trim().is_empty() || token.expose().chars().any(char::is_whitespace) {
            return Err(Error::InvalidInput(format!("the {} token is empty or contains spaces", key.provider.display_name())));
        }
        let tokens = TokenSet { access_token: token, refresh_token: None, expires_at: None, refresh_at: None, scopes: Vec::new(), account: None };
        Ok(self.adopt(key, tokens).await)
    }

    async fn adopt(&self, key: &FlowKey, tokens: TokenSet) -> ConnectionSummary {
        let settings = self.settings.provider(key.provider).clone();
        let connection = Arc::new(Connection::new(key.clone(), settings, self.http.clone(), tokens));
        let summary = connection.summary().await;
        self.lock().insert(key.clone(), connection);
        summary
    }

    pub fn connection(&self, key: &FlowKey) -> Result<Arc<Connection>> {
        self.lock().get(key).cloned().ok_or(Error::NotConnected { provider: key.provider })
    }

    /// Loads every item of a connection (see [`crate::load`]).
    pub async fn load(
        &self,
        key: &FlowKey,
        options: LoadOptions,
        progress: Option<ProgressFn>,
        cancel: Cancel,
    ) -> Result<Loaded> {
        let connection = self.connection(key)?;
        crate::load::load(connection, self.http.clone(), options, progress, cancel).await
    }

    /// Forgets the connection and revokes its grant where the provider offers revocation.
    /// Returns whether the provider confirmed a revocation.
    pub async fn disconnect(&self, key: &FlowKey) -> Result<bool> {
        let connection = self.lock().remove(key).ok_or(Error::NotConnected { provider: key.provider })?;
        match connection.revoke().await {
            Ok(revoked) => Ok(revoked),
            Err(e) => {
                tracing::warn!(provider = key.provider.as_str(), error = %e, "revocation failed; the connection is forgotten anyway");
                Ok(false)
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<FlowKey, Arc<Connection>>> {
        self.connections.lock().unwrap_or_else(|e| e.into_inner())
    }
}
