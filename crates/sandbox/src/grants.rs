//! The authorization server's memory: codes, access tokens, refresh tokens and the grants that
//! tie them together, with each provider's rotation rules.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine;
use rand::distr::{Alphanumeric, SampleString};
use sha2::{Digest, Sha256};

use crate::config::{ProviderId, SandboxConfig};

/// What the consent page approved, waiting to be exchanged.
#[derive(Debug, Clone)]
pub struct PendingCode {
    pub provider: ProviderId,
    pub client_id: String,
    pub redirect_uri: String,
    pub code_challenge: Option<String>,
    pub scopes: Vec<String>,
    /// Which of the provider's accounts the user chose on the consent page.
    pub account: usize,
    issued: Instant,
    /// Set on first exchange; a second exchange revokes what the first one issued (RFC 6749 §4.1.2).
    exchanged_grant: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TokenKind {
    Access,
    Refresh,
}

#[derive(Debug, Clone)]
struct TokenRecord {
    provider: ProviderId,
    kind: TokenKind,
    grant: u64,
    expires_at: Option<Instant>,
    /// Replaced by a refresh (rotating providers) and therefore dead.
    rotated: bool,
}

#[derive(Debug, Clone)]
struct Grant {
    client_id: String,
    scopes: Vec<String>,
    account: usize,
    revoked: bool,
}

/// Tokens handed out by a successful exchange or refresh.
#[derive(Debug, Clone)]
pub struct IssuedTokens {
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub expires_in: Option<u64>,
    pub scopes: Vec<String>,
    /// The account the grant is for (a portal, a workspace, a user).
    pub account: usize,
}

/// A bearer token that passed: what it may do, and in which account.
#[derive(Debug, Clone)]
pub struct Bearer {
    pub scopes: Vec<String>,
    pub account: usize,
}

/// Why a token request was refused. Providers word these differently; the routes translate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GrantError {
    #[error("unknown, used or expired authorization code")]
    BadCode,
    #[error("redirect_uri does not match the one used to authorize")]
    RedirectMismatch,
    #[error("client_id does not match the one used to authorize")]
    ClientMismatch,
    #[error("code_verifier does not match the code_challenge")]
    BadVerifier,
    #[error("code_verifier is required")]
    MissingVerifier,
    #[error("unknown, rotated or revoked refresh token")]
    BadRefreshToken,
}

/// Why a bearer token was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenRejection {
    Missing,
    Unknown,
    Expired { ago: Duration },
    Revoked,
}

pub struct Grants {
    inner: Mutex<GrantsInner>,
    code_ttl: Duration,
    access_ttl: crate::config::PerProvider<Option<Duration>>,
}

#[derive(Default)]
struct GrantsInner {
    codes: HashMap<String, PendingCode>,
    tokens: HashMap<String, TokenRecord>,
    grants: HashMap<u64, Grant>,
    next_grant: u64,
    /// PKCE verifiers presented at the token endpoint.
    verifiers: Vec<(ProviderId, String)>,
}

pub fn random_token(len: usize) -> String {
    Alphanumeric.sample_string(&mut rand::rng(), len)
}

/// RFC 7636 S256: BASE64URL(SHA256(verifier)) without padding.
pub fn s256_challenge(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

fn valid_verifier_syntax(v: &str) -> bool {
    (43..=128).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
}

impl Grants {
    pub fn new(config: &SandboxConfig) -> Self {
        let grants = Grants {
            inner: Mutex::new(GrantsInner::default()),
            code_ttl: config.code_ttl,
            access_ttl: config.access_token_ttl.clone(),
        };
        for p in ProviderId::ALL {
            let scopes = crate::providers::all_scopes(p).iter().map(|s| s.to_string()).collect();
            grants.insert_personal_token(p, config.personal_tokens.get(p), scopes);
        }
        grants
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, GrantsInner> {
        // A panic in one request handler must not take the whole fake down.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Every code and token issued for `provider` and every verifier presented, so tests can
    /// check that none of them reaches a place it must not (a web view, a log, an error).
    pub fn secrets(&self, provider: ProviderId) -> Vec<String> {
        let inner = self.lock();
        let codes = inner.codes.iter().filter(|(_, c)| c.provider == provider).map(|(k, _)| k.clone());
        let tokens = inner.tokens.iter().filter(|(_, t)| t.provider == provider).map(|(k, _)| k.clone());
        let verifiers = inner.verifiers.iter().filter(|(p, _)| *p == provider).map(|(_, v)| v.clone());
        codes.chain(tokens).chain(verifiers).collect()
    }

    fn insert_personal_token(&self, provider: ProviderId, token: &str, scopes: Vec<String>) {
        let mut inner = self.lock();
        // A long-lived token is made in one account: the first.
        let grant = inner.new_grant("personal".into(), scopes, 0);
        inner.tokens.insert(
            token.to_string(),
            TokenRecord { provider, kind: TokenKind::Access, grant, expires_at: None, rotated: false },
        );
    }

    pub fn issue_code(
        &self,
        provider: ProviderId,
        client_id: &str,
        redirect_uri: &str,
        code_challenge: Option<String>,
        scopes: Vec<String>,
        account: usize,
    ) -> String {
        let code = format!("{}-{}", provider.as_str(), random_token(40));
        self.lock().codes.insert(
            code.clone(),
            PendingCode {
                provider,
                client_id: client_id.into(),
                redirect_uri: redirect_uri.into(),
                code_challenge,
                scopes,
                account,
                issued: Instant::now(),
                exchanged_grant: None,
            },
        );
        code
    }

    /// Exchanges a code once. `verifier_required` is the provider's rule (PKCE required); elsewhere the verifier is
    /// checked only when the authorize request carried a challenge.
    pub fn exchange_code(
        &self,
        provider: ProviderId,
        code: &str,
        client_id: &str,
        redirect_uri: Option<&str>,
        verifier: Option<&str>,
        verifier_required: bool,
    ) -> Result<IssuedTokens, GrantError> {
        let mut inner = self.lock();
        if let Some(v) = verifier {
            inner.verifiers.push((provider, v.to_string()));
        }
        let pending = inner.codes.get(code).filter(|c| c.provider == provider).cloned().ok_or(GrantError::BadCode)?;
        if let Some(grant) = pending.exchanged_grant {
            // Replay: refuse, and kill what the first exchange issued.
            if let Some(g) = inner.grants.get_mut(&grant) {
                g.revoked = true;
            }
            return Err(GrantError::BadCode);
        }
        if pending.issued.elapsed() > self.code_ttl {
            inner.codes.remove(code);
            return Err(GrantError::BadCode);
        }
        if pending.client_id != client_id {
            return Err(GrantError::ClientMismatch);
        }
        if redirect_uri != Some(pending.redirect_uri.as_str()) {
            return Err(GrantError::RedirectMismatch);
        }
        match (&pending.code_challenge, verifier) {
            (Some(challenge), Some(v)) => {
                if !valid_verifier_syntax(v) || &s256_challenge(v) != challenge {
                    return Err(GrantError::BadVerifier);
                }
            }
            (Some(_), None) => return Err(GrantError::MissingVerifier),
            (None, _) if verifier_required => return Err(GrantError::MissingVerifier),
            (None, _) => {}
        }
        let grant = inner.new_grant(client_id.into(), pending.scopes.clone(), pending.account);
        if let Some(c) = inner.codes.get_mut(code) {
            c.exchanged_grant = Some(grant);
        }
        Ok(inner.mint(provider, grant, true, self.access_ttl.get(provider)))
    }

    /// Refreshes with the provider's semantics (its spec's `rotates_refresh_token`): the refresh
    /// token is kept, or both tokens rotate and the old pair dies at once. Presenting a rotated
    /// refresh token revokes the whole grant.
    pub fn refresh(&self, provider: ProviderId, refresh_token: &str, client_id: &str) -> Result<IssuedTokens, GrantError> {
        let mut inner = self.lock();
        let record = inner
            .tokens
            .get(refresh_token)
            .filter(|t| t.provider == provider && t.kind == TokenKind::Refresh)
            .cloned()
            .ok_or(GrantError::BadRefreshToken)?;
        let grant = inner.grants.get(&record.grant).cloned().ok_or(GrantError::BadRefreshToken)?;
        if grant.revoked {
            return Err(GrantError::BadRefreshToken);
        }
        if grant.client_id != client_id {
            return Err(GrantError::ClientMismatch);
        }
        if record.rotated {
            if let Some(g) = inner.grants.get_mut(&record.grant) {
                g.revoked = true;
            }
            return Err(GrantError::BadRefreshToken);
        }
        let rotates = crate::providers::spec(provider).rotates_refresh_token;
        if rotates {
            for t in inner.tokens.values_mut().filter(|t| t.grant == record.grant) {
                t.rotated = true;
            }
        }
        let mut issued = inner.mint(provider, record.grant, rotates, self.access_ttl.get(provider));
        if !rotates {
            issued.refresh_token = Some(refresh_token.to_string());
        }
        Ok(issued)
    }

    /// Checks a bearer token and returns its scopes and account.
    pub fn authenticate(&self, provider: ProviderId, token: Option<&str>) -> Result<Bearer, TokenRejection> {
        let token = token.ok_or(TokenRejection::Missing)?;
        let inner = self.lock();
        let record = inner
            .tokens
            .get(token)
            .filter(|t| t.provider == provider && t.kind == TokenKind::Access)
            .ok_or(TokenRejection::Unknown)?;
        let grant = inner.grants.get(&record.grant).ok_or(TokenRejection::Unknown)?;
        if grant.revoked || record.rotated {
            return Err(TokenRejection::Revoked);
        }
        if let Some(exp) = record.expires_at {
            let now = Instant::now();
            if now >= exp {
                return Err(TokenRejection::Expired { ago: now - exp });
            }
        }
        Ok(Bearer { scopes: grant.scopes.clone(), account: grant.account })
    }

    /// What an introspection endpoint says of a live token (access or refresh, unexpired, its
    /// grant not revoked), or `None` for any other.
    pub fn introspect(&self, provider: ProviderId, token: &str) -> Option<TokenFacts> {
        let inner = self.lock();
        let record = inner.tokens.get(token).filter(|t| t.provider == provider)?;
        let grant = inner.grants.get(&record.grant)?;
        let now = Instant::now();
        if grant.revoked || record.rotated || record.expires_at.is_some_and(|exp| now >= exp) {
            return None;
        }
        Some(TokenFacts {
            refresh: record.kind == TokenKind::Refresh,
            client_id: grant.client_id.clone(),
            scopes: grant.scopes.clone(),
            account: grant.account,
            expires_in: record.expires_at.map(|exp| exp.saturating_duration_since(now).as_secs()),
        })
    }

    /// Seconds left on an access token, for token-info endpoints.
    pub fn expires_in(&self, token: &str) -> Option<u64> {
        let inner = self.lock();
        let exp = inner.tokens.get(token)?.expires_at?;
        Some(exp.saturating_duration_since(Instant::now()).as_secs())
    }

    /// Revokes the grant behind a token (access or refresh). Returns whether it was known.
    pub fn revoke(&self, provider: ProviderId, token: &str) -> bool {
        let mut inner = self.lock();
        let Some(grant) = inner.tokens.get(token).filter(|t| t.provider == provider).map(|t| t.grant) else {
            return false;
        };
        if let Some(g) = inner.grants.get_mut(&grant) {
            g.revoked = true;
        }
        true
    }

    /// Revokes every grant of a provider, as when the user uninstalls the app in the provider's UI.
    pub fn revoke_all(&self, provider: ProviderId) {
        let mut inner = self.lock();
        let ids: Vec<u64> = inner.tokens.values().filter(|t| t.provider == provider).map(|t| t.grant).collect();
        for id in ids {
            if let Some(g) = inner.grants.get_mut(&id) {
                g.revoked = true;
            }
        }
    }

    /// Makes every expiring access token of a provider expire now (refresh tokens stay valid).
    pub fn expire_access_tokens(&self, provider: ProviderId) {
        let now = Instant::now();
        for t in self.lock().tokens.values_mut() {
            if t.provider == provider && t.kind == TokenKind::Access && t.expires_at.is_some() {
                t.expires_at = Some(now);
            }
        }
    }
}

/// A live token, as an introspection endpoint describes it.
#[derive(Debug, Clone)]
pub struct TokenFacts {
    pub refresh: bool,
    pub client_id: String,
    pub scopes: Vec<String>,
    pub account: usize,
    pub expires_in: Option<u64>,
}

impl GrantsInner {
    fn new_grant(&mut self, client_id: String, scopes: Vec<String>, account: usize) -> u64 {
        self.next_grant += 1;
        self.grants.insert(self.next_grant, Grant { client_id, scopes, account, revoked: false });
        self.next_grant
    }

    fn mint(&mut self, provider: ProviderId, grant: u64, with_refresh: bool, ttl: &Option<Duration>) -> IssuedTokens {
        let prefix = crate::providers::spec(provider).token_prefix;
        let access = format!("{prefix}{}", random_token(48));
        self.tokens.insert(
            access.clone(),
            TokenRecord {
                provider,
                kind: TokenKind::Access,
                grant,
                expires_at: ttl.map(|d| Instant::now() + d),
                rotated: false,
            },
        );
        let refresh = with_refresh.then(|| {
            let r = format!("{prefix}r{}", random_token(48));
            self.tokens.insert(
                r.clone(),
                TokenRecord { provider, kind: TokenKind::Refresh, grant, expires_at: None, rotated: false },
            );
            r
        });
        let (scopes, account) = self.grants.get(&grant).map(|g| (g.scopes.clone(), g.account)).unwrap_or_default();
        IssuedTokens { access_token: access, refresh_token: refresh, expires_in: ttl.map(|d| d.as_secs()), scopes, account }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s256_matches_rfc7636_appendix_b() {
        assert_eq!(
            s256_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }
}
