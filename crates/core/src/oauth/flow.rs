//! Starting and completing sign-ins. The store holds state and verifier between the two halves,
//! so a sign-in started by one process (the app) can be completed by whichever process receives
//! the callback, and Redis going away mid-flow shows up as a store error the user can retry.

use std::sync::Arc;

use oauth2::basic::BasicClient;
use oauth2::{AuthUrl, ClientId, CsrfToken, PkceCodeChallenge, RedirectUrl, Scope};
use serde::{Deserialize, Serialize};
use url::Url;

use super::callback::CallbackParams;
use super::state::StatePayload;
use super::token::{token_request, Grant, TokenSet};
use crate::config::Settings;
use crate::error::{Error, Result};
use crate::provider::{Pkce, ProviderId};
use crate::secret::PkceVerifier;
use crate::store::{key, KeyKind, Store, StoreError};

/// Who is signing in to what: the seed's (provider, user, org).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FlowKey {
    pub provider: ProviderId,
    pub org_id: String,
    pub user_id: String,
}

impl FlowKey {
    /// Validates ids: non-empty, bounded, and free of `:` and control characters, which would
    /// make two different pairs share a store key.
    pub fn new(provider: ProviderId, org_id: &str, user_id: &str) -> Result<FlowKey> {
        for (what, v) in [("organisation", org_id), ("user", user_id)] {
            if v.trim().is_empty() {
                return Err(Error::InvalidInput(format!("the {what} id is empty")));
            }
            if v.len() > 128 || v.chars().any(|c| c == ':' || c.is_control()) {
                return Err(Error::InvalidInput(format!(
                    "the {what} id must be at most 128 characters, without `:` or control characters"
                )));
            }
        }
        Ok(FlowKey { provider, org_id: org_id.trim().into(), user_id: user_id.trim().into() })
    }

    pub fn store_key(&self, kind: KeyKind) -> String {
        key(kind, self.provider, &self.org_id, &self.user_id)
    }

    /// The sign-in a callback claims to belong to, unverified: enough to show a failed
    /// deep-link callback beside the right provider, never to trust it.
    pub fn claimed_by(callback: &Url) -> Option<FlowKey> {
        let state = CallbackParams::from_url(callback).state?;
        let claimed = StatePayload::decode(&state).ok()?;
        FlowKey::new(claimed.provider, &claimed.org_id, &claimed.user_id).ok()
    }
}

/// Why a callback did not complete a sign-in. Any web page can send a request to the loopback
/// port, and any program can open a deep link, so a callback proves nothing until its state has
/// been matched against the stored one and taken: only then may it end the sign-in.
#[derive(Debug)]
pub enum CallbackError {
    /// Not (provably) the pending sign-in's callback: forged, someone else's, unreadable, stale,
    /// or it arrived while the store could not be asked. The sign-in in progress, if any, is
    /// untouched and goes on waiting for the genuine callback.
    Refused(Error),
    /// The genuine callback ended its sign-in with this error (a denied consent, no code, a
    /// failed token exchange, the store failing after the state was taken).
    Failed { key: FlowKey, error: Error },
}

impl CallbackError {
    pub fn error(&self) -> &Error {
        match self {
            CallbackError::Refused(e) | CallbackError::Failed { error: e, .. } => e,
        }
    }

    pub fn into_error(self) -> Error {
        match self {
            CallbackError::Refused(e) | CallbackError::Failed { error: e, .. } => e,
        }
    }
}

impl std::fmt::Display for CallbackError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.error().fmt(f)
    }
}

/// A started sign-in: the URL to open in the system browser.
#[derive(Debug, Clone)]
pub struct AuthorizeRequest {
    pub key: FlowKey,
    pub url: Url,
    pub redirect_uri: String,
}

/// What the store keeps under the state key.
#[derive(Serialize, Deserialize)]
struct StoredState {
    state: StatePayload,
    redirect_uri: String,
}

pub struct OAuthFlows {
    settings: Arc<Settings>,
    store: Arc<Store>,
    http: reqwest::Client,
}

impl OAuthFlows {
    pub fn new(settings: Arc<Settings>, store: Arc<Store>, http: reqwest::Client) -> Self {
        OAuthFlows { settings, store, http }
    }

    /// Creates state and PKCE verifier, stores both with the flow TTL, and builds the provider's
    /// authorize URL. The verifier never appears in any URL; only its S256 challenge does.
    pub async fn begin(&self, key: &FlowKey, redirect_uri: &str) -> Result<AuthorizeRequest> {
        let settings = self.settings.provider(key.provider);
        let spec = settings.spec();
        let client_id = settings.require_client_id()?;
        let redirect_uri = redirect_uri.to_string();
        let state = StatePayload::new(key.provider, &key.org_id, &key.user_id);
        let encoded_state = state.encode();
        let client = BasicClient::new(ClientId::new(client_id.to_string()))
            .set_auth_uri(AuthUrl::from_url(settings.authorize_url.clone()))
            .set_redirect_uri(RedirectUrl::new(redirect_uri.clone()).map_err(|e| Error::Config(format!("redirect URI: {e}")))?);
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client
            .authorize_url(|| CsrfToken::new(encoded_state.clone()))
            .add_scopes(settings.scopes.iter().cloned().map(Scope::new));
        if spec.pkce != Pkce::Unsupported {
            request = request.set_pkce_challenge(challenge);
        }
        for (k, v) in spec.extra_authorize_params {
            request = request.add_extra_param(*k, *v);
        }
        let (url, _) = request.url();

        let stored = serde_json::to_string(&StoredState { state, redirect_uri: redirect_uri.clone() }).expect("state serialises");
        let ttl = self.settings.flow_ttl;
        // A new sign-in replaces any earlier one for the same (provider, org, user).
        self.store.put(&key.store_key(KeyKind::State), &stored, ttl).await?;
        if let Err(e) = self.store.put(&key.store_key(KeyKind::Verifier), verifier.secret(), ttl).await {
            // Half a sign-in is no sign-in: do not leave its state behind.
            let _ = self.store.delete(&key.store_key(KeyKind::State)).await;
            return Err(e.into());
        }
        tracing::info!(provider = key.provider.as_str(), org = %key.org_id, user = %key.user_id, "sign-in started");
        Ok(AuthorizeRequest { key: key.clone(), url, redirect_uri })
    }

    /// Validates a callback and exchanges its code. `expected` is the sign-in the receiver was
    /// started for (the loopback listener knows it); deep links pass `None`. Nothing is stored
    /// unless every check passes, and nothing before the state is taken can end a sign-in.
    pub async fn complete(&self, callback: &Url, expected: Option<&FlowKey>) -> std::result::Result<FlowKey, CallbackError> {
        use CallbackError::Refused;
        let params = CallbackParams::from_url(callback);
        // A state that does not even name a valid sign-in is as forged as a wrong nonce.
        let presented = params
            .state
            .as_deref()
            .and_then(|s| StatePayload::decode(s).ok())
            .ok_or(Refused(Error::StateMismatch))?;
        let key = FlowKey::new(presented.provider, &presented.org_id, &presented.user_id).map_err(|_| Refused(Error::StateMismatch))?;
        if expected.is_some_and(|e| e != &key) {
            // A state minted for someone else: leave their sign-in untouched.
            tracing::warn!(provider = key.provider.as_str(), "callback refused: state belongs to another sign-in");
            return Err(Refused(Error::StateMismatch));
        }
        // A forged nonce must not cost the user their sign-in: compare first, without consuming.
        // A store that cannot be asked refuses the callback too: the browser can send it again.
        let state_key = key.store_key(KeyKind::State);
        let parse = |raw: String| serde_json::from_str::<StoredState>(&raw).map_err(|e| StoreError::Corrupt(e.to_string()));
        let peeked = self.store.get(&state_key).await.and_then(|v| v.map(parse).transpose()).map_err(|e| Refused(e.into()))?;
        let Some(peeked) = peeked else {
            tracing::warn!(provider = key.provider.as_str(), "callback refused: no pending sign-in (expired or used)");
            return Err(Refused(Error::StateExpired));
        };
        if !peeked.state.same_nonce(&presented) {
            tracing::warn!(provider = key.provider.as_str(), "callback refused: forged state");
            return Err(Refused(Error::StateMismatch));
        }
        // Single use: take the state (read and delete atomically); only one caller gets it.
        let taken = self.store.take(&state_key).await.and_then(|v| v.map(parse).transpose()).map_err(|e| Refused(e.into()))?;
        let Some(stored) = taken else {
            tracing::warn!(provider = key.provider.as_str(), "callback refused: the sign-in was completed meanwhile");
            return Err(Refused(Error::StateExpired));
        };
        // From here on this is the sign-in's own callback: whatever happens ends it, and what
        // it left in the store is forgotten.
        let result = self.exchange(&key, params, stored, &presented).await;
        if result.is_err() {
            if let Err(e) = self.store.delete(&key.store_key(KeyKind::Verifier)).await {
                tracing::warn!(error = %e, "could not forget a failed sign-in's verifier; it expires with the flow");
            }
        }
        result.map(|()| key.clone()).map_err(|error| CallbackError::Failed { key, error })
    }

    /// The second half of a genuine callback: the provider's answer, the verifier, the code
    /// exchange, the credentials stored.
    async fn exchange(&self, key: &FlowKey, params: CallbackParams, stored: StoredState, presented: &StatePayload) -> Result<()> {
        let verifier = self.store.take(&key.store_key(KeyKind::Verifier)).await?;
        if !stored.state.same_nonce(presented) {
            return Err(Error::StateMismatch);
        }
        if let Some(error) = params.error {
            return Err(match error.as_str() {
                "access_denied" => Error::AccessDenied { provider: key.provider, description: params.error_description },
                other => Error::BadCallback(format!(
                    "{} answered `{other}`{}",
                    key.provider,
                    params.error_description.map(|d| format!(": {d}")).unwrap_or_default()
                )),
            });
        }
        let code = params.code.ok_or(Error::MissingCode)?;
        let settings = self.settings.provider(key.provider);
        let verifier = match (settings.spec().pkce, verifier) {
            (Pkce::Unsupported, _) => None,
            (_, Some(v)) => Some(PkceVerifier::new(v)),
            (_, None) => return Err(Error::StateExpired),
        };
        let grant = Grant::AuthorizationCode { code: &code, redirect_uri: &stored.redirect_uri, verifier: verifier.as_ref() };
        let mut tokens = token_request(&self.http, settings, grant).await?;
        super::token::name_account(&self.http, settings, &mut tokens).await;
        self.put_credentials(key, &tokens).await?;
        tracing::info!(provider = key.provider.as_str(), org = %key.org_id, user = %key.user_id, "sign-in completed; credentials stored");
        Ok(())
    }

    /// Leaves credentials for whoever takes them next, for the flow's TTL.
    pub async fn put_credentials(&self, key: &FlowKey, tokens: &TokenSet) -> Result<()> {
        let json = serde_json::to_string(tokens).expect("tokens serialise");
        Ok(self.store.put(&key.store_key(KeyKind::Credentials), &json, self.settings.flow_ttl).await?)
    }

    /// Returns the freshly issued credentials once and deletes them, as the seed's endpoint did.
    pub async fn take_credentials(&self, key: &FlowKey) -> Result<TokenSet> {
        let raw = self.store.take(&key.store_key(KeyKind::Credentials)).await?;
        parse_credentials(key, raw)
    }

    /// The stored credentials, left in place for whoever takes them.
    pub async fn peek_credentials(&self, key: &FlowKey) -> Result<TokenSet> {
        let raw = self.store.get(&key.store_key(KeyKind::Credentials)).await?;
        parse_credentials(key, raw)
    }

    /// Forgets a pending sign-in, so a late callback for it is refused.
    pub async fn cancel(&self, key: &FlowKey) -> Result<()> {
        self.store.delete(&key.store_key(KeyKind::State)).await?;
        self.store.delete(&key.store_key(KeyKind::Verifier)).await?;
        tracing::info!(provider = key.provider.as_str(), org = %key.org_id, user = %key.user_id, "sign-in cancelled");
        Ok(())
    }
}

fn parse_credentials(key: &FlowKey, raw: Option<String>) -> Result<TokenSet> {
    let raw = raw.ok_or(Error::NotConnected { provider: key.provider })?;
    serde_json::from_str(&raw).map_err(|e| Error::Store(StoreError::Corrupt(e.to_string())))
}

#[cfg(test)]
mod tests;
