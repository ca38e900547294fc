//! A live connection: its tokens, refreshed ahead of expiry and after a 401, one refresh at a
//! time. Rotated tokens replace the old ones before the new access token is handed out, so a
//! rotating provider's refresh token is never lost or presented twice.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;

use crate::config::ProviderSettings;
use crate::error::{Error, Result};
use crate::oauth::token::{token_request, Grant, TokenFailure, TokenSet};
use crate::oauth::FlowKey;
use crate::provider::{ProviderId, Revocation};
use crate::saved::SavedConnections;
use crate::secret::{AccessToken, ClientSecret};

/// A connection: one account of a provider, within the seed's (organisation, user). Two portals
/// or two workspaces of one provider are two connections side by side. A sign-in in progress is
/// keyed by its [`FlowKey`] alone (the seed's store keys); the account is known once the token
/// exchange names it. `account` is the provider's id for it (a portal id, a workspace id, a
/// user id), empty for a connection whose provider named none (a long-lived token,
/// or one saved before accounts were told apart).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ConnectionKey {
    pub provider: ProviderId,
    pub org_id: String,
    pub user_id: String,
    pub account: String,
}

impl ConnectionKey {
    /// The connection of `flow`'s sign-in to `account`, checked as the ids are: bounded, and
    /// free of `:` and control characters (it is part of credential-store entry names).
    pub fn new(flow: &FlowKey, account: &str) -> Result<ConnectionKey> {
        if account.len() > 128 || account.chars().any(|c| c == ':' || c.is_control()) {
            return Err(Error::InvalidInput(format!(
                "the {} account id must be at most 128 characters, without `:` or control characters",
                flow.provider.display_name()
            )));
        }
        Ok(ConnectionKey { provider: flow.provider, org_id: flow.org_id.clone(), user_id: flow.user_id.clone(), account: account.into() })
    }

    /// The connection a token set is for: its account's id, or the unnamed one.
    pub fn of_tokens(flow: &FlowKey, tokens: &TokenSet) -> Result<ConnectionKey> {
        ConnectionKey::new(flow, tokens.account.as_ref().map_or("", |a| a.id.as_str()))
    }

    /// The sign-in key of this connection's (provider, organisation, user).
    pub fn flow(&self) -> FlowKey {
        FlowKey { provider: self.provider, org_id: self.org_id.clone(), user_id: self.user_id.clone() }
    }
}

/// What the UI may know about a connection: no token, ever.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConnectionSummary {
    pub provider: ProviderId,
    /// The account's name, as the window shows it.
    pub account: Option<String>,
    /// The account's id (the connection's [`ConnectionKey::account`]).
    #[serde(rename = "accountId")]
    pub account_id: String,
    pub expires_at: Option<DateTime<Utc>>,
    pub scopes: Vec<String>,
}

impl ConnectionSummary {
    /// What may be shown of a token set: never the tokens themselves.
    pub fn of(provider: ProviderId, tokens: &TokenSet) -> Self {
        let (account, account_id) = match &tokens.account {
            Some(a) => (Some(a.name.clone()).filter(|n| !n.is_empty()), a.id.clone()),
            None => (None, String::new()),
        };
        ConnectionSummary { provider, account, account_id, expires_at: tokens.expires_at, scopes: tokens.scopes.clone() }
    }
}

pub struct Connection {
    pub key: ConnectionKey,
    settings: ProviderSettings,
    http: reqwest::Client,
    /// Held across a refresh, so concurrent callers wait for one refresh instead of racing.
    tokens: Mutex<TokenSet>,
    /// Where refreshed tokens are saved before they are used, for a connection that survives
    /// restarts (`None`: one made from a long-lived token, kept in memory only).
    saved: Option<Arc<SavedConnections>>,
}

impl Connection {
    pub fn new(key: ConnectionKey, settings: ProviderSettings, http: reqwest::Client, tokens: TokenSet) -> Self {
        Connection { key, settings, http, tokens: Mutex::new(tokens), saved: None }
    }

    /// A connection whose refreshed tokens are saved to `saved` before they are used.
    pub fn saved_in(mut self, saved: Arc<SavedConnections>) -> Self {
        self.saved = Some(saved);
        self
    }

    pub fn provider(&self) -> ProviderId {
        self.key.provider
    }

    pub fn settings(&self) -> &ProviderSettings {
        &self.settings
    }

    /// The tokens as they are now (rotated ones included), for handing back to the store.
    pub(crate) async fn tokens(&self) -> TokenSet {
        self.tokens.lock().await.clone()
    }

    pub async fn summary(&self) -> ConnectionSummary {
        ConnectionSummary::of(self.key.provider, &*self.tokens.lock().await)
    }

    /// A usable access token, refreshed first if it is due (providers ask clients to refresh
    /// from `expires_in` rather than wait for a 401).
    pub async fn access_token(&self) -> Result<AccessToken> {
        let mut tokens = self.tokens.lock().await;
        if tokens.needs_refresh(Utc::now()) {
            self.refresh_locked(&mut tokens).await?;
        }
        Ok(tokens.access_token.clone())
    }

    /// Called after the provider answered 401 to `rejected`: refreshes once, unless another
    /// caller already did (then the newer token is returned). Without a refresh token the
    /// connection is over.
    pub async fn refresh_after_unauthorized(&self, rejected: &AccessToken) -> Result<AccessToken> {
        let mut tokens = self.tokens.lock().await;
        if &tokens.access_token != rejected {
            return Ok(tokens.access_token.clone());
        }
        if tokens.refresh_token.is_none() {
            return Err(Error::ReconnectNeeded { provider: self.key.provider });
        }
        self.refresh_locked(&mut tokens).await?;
        Ok(tokens.access_token.clone())
    }

    /// Forces a refresh now (tests and the "refresh" command use it).
    pub async fn refresh(&self) -> Result<()> {
        let mut tokens = self.tokens.lock().await;
        self.refresh_locked(&mut tokens).await
    }

    async fn refresh_locked(&self, tokens: &mut TokenSet) -> Result<()> {
        let provider = self.key.provider;
        let refresh = tokens.refresh_token.clone().ok_or(Error::ReconnectNeeded { provider })?;
        match token_request(&self.http, &self.settings, Grant::Refresh(&refresh)).await {
            Ok(mut fresh) => {
                // A provider that keeps its refresh token may omit it; rotating providers send a new one.
                if fresh.refresh_token.is_none() {
                    fresh.refresh_token = Some(refresh);
                }
                if fresh.account.is_none() {
                    fresh.account = tokens.account.take();
                }
                if fresh.scopes.is_empty() {
                    fresh.scopes = std::mem::take(&mut tokens.scopes);
                }
                // Saved before it is used: a rotating provider has just killed the old pair, so
                // a crash after this point must find the new one. If the credential store fails
                // now, the new pair is still used (the old one is dead either way) and the
                // failure is logged: the connection then lasts for this session.
                if let Some(saved) = &self.saved {
                    if let Err(e) = saved.save(&self.key, &fresh).await {
                        tracing::error!(provider = provider.as_str(), error = %e, "refreshed tokens could not be saved; the connection lasts for this session");
                    }
                }
                *tokens = fresh;
                tracing::info!(provider = provider.as_str(), "access token refreshed");
                Ok(())
            }
            Err(TokenFailure::GrantRejected(e)) => {
                tracing::warn!(provider = provider.as_str(), error = %e, "refresh refused; reconnect needed");
                if let Some(saved) = &self.saved {
                    if let Err(e) = saved.mark_reconnect_needed(&self.key).await {
                        tracing::warn!(provider = provider.as_str(), error = %e, "could not mark the saved connection");
                    }
                }
                Err(Error::ReconnectNeeded { provider })
            }
            Err(TokenFailure::Other(e)) => Err(e),
        }
    }

    /// Revokes the grant where the provider offers it (its spec says how, its settings where).
    /// Errors are returned for logging; the caller forgets the connection either way.
    pub async fn revoke(&self) -> Result<bool> {
        let tokens = self.tokens.lock().await;
        let provider = self.key.provider;
        let Some(url) = self.settings.revoke_url.clone() else { return Ok(false) };
        // Requests are named without the token, even where the path carries it.
        let (request, secret, sent) = match self.settings.spec().revocation {
            Revocation::None => return Ok(false),
            Revocation::PostRefreshTokenForm { .. } => {
                let Some(rt) = &tokens.refresh_token else { return Ok(false) };
                let request = format!("POST {}", url.path());
                let mut form = vec![("client_id", self.settings.require_client_id()?), ("token", rt.expose()), ("token_type_hint", "refresh_token")];
                form.extend(self.settings.client_secret.as_ref().map(|s| ("client_secret", s.expose())));
                (request, rt.expose(), self.http.post(url).form(&form).send().await)
            }
            Revocation::PostToken { .. } => {
                let request = format!("POST {}", url.path());
                let mut req = self
                    .http
                    .post(url)
                    .basic_auth(self.settings.require_client_id()?, self.settings.client_secret.as_ref().map(ClientSecret::expose))
                    .json(&serde_json::json!({ "token": tokens.access_token.expose() }));
                for (k, v) in self.settings.headers() {
                    req = req.header(k, v);
                }
                (request, tokens.access_token.expose(), req.send().await)
            }
        };
        let response = sent.map_err(|e| Error::Network { provider, request: request.clone(), message: crate::error::transport_message(e, &[secret]) })?;
        let status = response.status();
        if status.is_success() {
            return Ok(true);
        }
        // What the provider said, in whichever of the usual fields it says it.
        let body: Option<serde_json::Value> = response.json().await.ok();
        let said = ["/error_description", "/message", "/error"].iter().find_map(|p| body.as_ref()?.pointer(p)?.as_str().map(String::from));
        let message = crate::error::scrub(&said.unwrap_or_else(|| "the revocation was refused".into()), &[secret]);
        Err(Error::TokenRequest { provider, request, status: Some(status.as_u16()), message })
    }
}
