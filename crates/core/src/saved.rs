//! Connections that survive a restart.
//!
//! A connection's tokens go to the operating system's credential store (macOS Keychain, Windows
//! Credential Manager, the Secret Service on Linux) through the `keyring` crate, one entry per
//! connection and token: `{namespace}:{provider}:{org}:{user}:{account}:refresh` and `…:access`
//! under the app's id (without `{account}:` for a connection whose provider named no account),
//! the namespace being the data folder's own (two profiles never share entries).
//! What may be shown of it (provider, organisation, user, account, scopes, whether a reconnect
//! is needed) goes to one small file per connection in the app's data folder, so the app lists
//! its connections at launch without asking any provider, and two processes saving different
//! connections never overwrite each other. No secret is ever written to a file of ours.
//!
//! Where there is no credential store (a headless machine without a Secret Service), the
//! connections are kept for this process only: said once in the log and by [`SavedConnections::
//! persistent`], never written anywhere in plain text.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use base64::Engine;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::config::APP_ID;
use crate::error::{Error, Result};
use crate::connection::ConnectionKey;
use crate::oauth::token::Account;
use crate::oauth::{FlowKey, TokenSet};
use crate::provider::ProviderId;
use crate::secret::{AccessToken, RefreshToken};

/// The most a credential-store entry may hold on every platform (Windows' limit).
const MAX_ENTRY_BYTES: usize = 2_560;

/// A saved connection as it may be shown: no token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SavedConnection {
    pub provider: ProviderId,
    pub org_id: String,
    pub user_id: String,
    /// The account's name, as shown.
    pub account: Option<String>,
    /// The account's id (empty: the provider named none, or it was saved before accounts were
    /// told apart).
    #[serde(default)]
    pub account_id: String,
    pub scopes: Vec<String>,
    pub saved_at: DateTime<Utc>,
    /// The provider refused the saved grant: the user must connect again.
    pub reconnect_needed: bool,
}

impl SavedConnection {
    pub fn key(&self) -> Result<ConnectionKey> {
        ConnectionKey::new(&FlowKey::new(self.provider, &self.org_id, &self.user_id)?, &self.account_id)
    }
}

/// The access token with its times, as one entry.
#[derive(Serialize, Deserialize)]
struct AccessEntry {
    token: AccessToken,
    expires_at: Option<DateTime<Utc>>,
    refresh_at: Option<DateTime<Utc>>,
}

/// Where the tokens are kept.
enum Vault {
    /// The operating system's credential store.
    Os,
    /// This process's memory only: there is no credential store to use.
    Session(Mutex<HashMap<String, String>>),
}

pub struct SavedConnections {
    /// The folder of the per-connection files.
    dir: PathBuf,
    /// Prefixes this folder's credential-store entries (see [`namespace`]).
    namespace: String,
    vault: Arc<Vault>,
}

impl SavedConnections {
    /// The saved connections in `data_dir`, with tokens in the OS credential store when one
    /// answers (checked once, here), else for this session only.
    pub fn open(data_dir: &Path) -> SavedConnections {
        let vault = match probe_os_store() {
            Ok(()) => Vault::Os,
            Err(why) => {
                // Said to the user where it matters (the window's note, `accounts`), not on every run.
                tracing::info!(reason = %why, "no credential store: connections are kept for this session only");
                Vault::Session(Mutex::default())
            }
        };
        let dir = data_dir.join("connections");
        SavedConnections { namespace: namespace(&dir), dir, vault: Arc::new(vault) }
    }

    /// Connections kept for this process only, whatever the machine has (tests of the other parts).
    pub fn session_only(data_dir: &Path) -> SavedConnections {
        let dir = data_dir.join("connections");
        SavedConnections { namespace: namespace(&dir), dir, vault: Arc::new(Vault::Session(Mutex::default())) }
    }

    /// The credential-store entry of one token (`access` or `refresh`) of one connection:
    /// `{namespace}:{provider}:{org}:{user}:{account}:{token}` under the app's id (no
    /// `{account}:` for the unnamed account, as entries were named before accounts).
    pub fn entry_name(&self, key: &ConnectionKey, token: &str) -> String {
        let account = if key.account.is_empty() { String::new() } else { format!("{}:", key.account) };
        format!("{}:{}:{}:{}:{account}{token}", self.namespace, key.provider.as_str(), key.org_id, key.user_id)
    }

    /// Whether connections survive a restart (there is a credential store).
    pub fn persistent(&self) -> bool {
        matches!(*self.vault, Vault::Os)
    }

    /// Saves a connection's tokens (the refresh token first: it is the one that must never be
    /// lost), then what may be shown of it.
    pub async fn save(&self, key: &ConnectionKey, tokens: &TokenSet) -> Result<()> {
        let access = serde_json::to_string(&AccessEntry {
            token: tokens.access_token.clone(),
            expires_at: tokens.expires_at,
            refresh_at: tokens.refresh_at,
        })
        .map_err(|e| Error::Internal(format!("the access token could not be written out: {e}")))?;
        let refresh = tokens.refresh_token.as_ref().map(|t| t.expose().to_string());
        let (access_name, refresh_name) = (self.entry_name(key, "access"), self.entry_name(key, "refresh"));
        let vault = self.vault.clone();
        blocking(move || {
            match refresh {
                Some(refresh) => vault.set(&refresh_name, &refresh)?,
                None => vault.delete(&refresh_name)?,
            }
            vault.set(&access_name, &access)
        })
        .await?;
        self.write_info(&SavedConnection {
            provider: key.provider,
            org_id: key.org_id.clone(),
            user_id: key.user_id.clone(),
            account: tokens.account.as_ref().map(|a| a.name.clone()),
            account_id: key.account.clone(),
            scopes: tokens.scopes.clone(),
            saved_at: Utc::now(),
            reconnect_needed: false,
        })
    }

    /// The saved tokens of a connection, or `None` when it has none (or needs a reconnect).
    pub async fn load(&self, key: &ConnectionKey) -> Result<Option<TokenSet>> {
        let Some(info) = self.info(key)? else { return Ok(None) };
        if info.reconnect_needed {
            return Ok(None);
        }
        let (access_name, refresh_name) = (self.entry_name(key, "access"), self.entry_name(key, "refresh"));
        let vault = self.vault.clone();
        let (access, refresh) = blocking(move || Ok((vault.get(&access_name)?, vault.get(&refresh_name)?))).await?;
        let Some(access) = access else {
            // The file outlived its tokens (removed in the credential store's own app, say).
            tracing::warn!(provider = key.provider.as_str(), "a saved connection has no tokens in the credential store");
            return Ok(None);
        };
        let access: AccessEntry = serde_json::from_str(&access)
            .map_err(|_| Error::CredentialStore(format!("the saved {} access token is unreadable", key.provider)))?;
        Ok(Some(TokenSet {
            access_token: access.token,
            refresh_token: refresh.map(RefreshToken::new),
            expires_at: access.expires_at,
            refresh_at: access.refresh_at,
            scopes: info.scopes,
            account: info.account.map(|name| Account { id: info.account_id, name }),
        }))
    }

    /// Every saved connection, as it may be shown. Files that cannot be read are skipped (and
    /// logged), so one damaged file never hides the others.
    pub fn list(&self) -> Vec<SavedConnection> {
        let Ok(dir) = std::fs::read_dir(&self.dir) else { return Vec::new() };
        let mut all: Vec<SavedConnection> = dir
            .filter_map(|e| e.ok())
            .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
            .filter_map(|e| match std::fs::read(e.path()).ok().and_then(|b| serde_json::from_slice(&b).ok()) {
                Some(info) => Some(info),
                None => {
                    tracing::warn!(file = %e.path().display(), "an unreadable saved connection was skipped");
                    None
                }
            })
            .collect();
        all.sort_by(|a, b| (a.provider, &a.org_id, &a.user_id, &a.account_id).cmp(&(b.provider, &b.org_id, &b.user_id, &b.account_id)));
        all
    }

    /// What may be shown of one saved connection.
    pub fn info(&self, key: &ConnectionKey) -> Result<Option<SavedConnection>> {
        let path = self.info_path(key);
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| Error::Io { path, message: format!("not a saved connection ({e})") }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::Io { path, message: e.to_string() }),
        }
    }

    /// Marks a saved connection as needing a new sign-in (its grant was refused); its tokens
    /// are dropped, what may be shown of it stays.
    pub async fn mark_reconnect_needed(&self, key: &ConnectionKey) -> Result<()> {
        let Some(mut info) = self.info(key)? else { return Ok(()) };
        info.reconnect_needed = true;
        self.delete_tokens(key).await?;
        self.write_info(&info)
    }

    /// Removes a connection's tokens from the credential store and its file.
    pub async fn forget(&self, key: &ConnectionKey) -> Result<()> {
        self.delete_tokens(key).await?;
        let path = self.info_path(key);
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(Error::Io { path, message: e.to_string() }),
        }
    }

    async fn delete_tokens(&self, key: &ConnectionKey) -> Result<()> {
        let names = [self.entry_name(key, "access"), self.entry_name(key, "refresh")];
        let vault = self.vault.clone();
        blocking(move || names.iter().try_for_each(|n| vault.delete(n))).await
    }

    fn info_path(&self, key: &ConnectionKey) -> PathBuf {
        // Ids may hold characters no file name can: they go in base64url (the unnamed account's
        // file is named as before accounts).
        let account = if key.account.is_empty() { String::new() } else { format!(":{}", key.account) };
        let pair = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{}:{}{account}", key.org_id, key.user_id));
        self.dir.join(format!("{}-{pair}.json", key.provider.as_str()))
    }

    fn write_info(&self, info: &SavedConnection) -> Result<()> {
        let key = info.key()?;
        let path = self.info_path(&key);
        std::fs::create_dir_all(&self.dir).map_err(|e| Error::Io { path: self.dir.clone(), message: e.to_string() })?;
        let json = serde_json::to_vec_pretty(info).map_err(|e| Error::Internal(e.to_string()))?;
        crate::export::AtomicFile::create(&path)?.write(|mut f| std::io::Write::write_all(&mut f, &json))
    }
}

/// The data folder's own name for its entries: random, made once. Two data folders (two
/// profiles, a test beside the user's app) never share or overwrite each other's tokens, even
/// for the same provider, organisation and user.
fn namespace(dir: &Path) -> String {
    let file = dir.join("namespace");
    if let Ok(ns) = std::fs::read_to_string(&file) {
        let ns = ns.trim().to_string();
        if !ns.is_empty() && ns.chars().all(|c| c.is_ascii_hexdigit()) {
            return ns;
        }
    }
    let ns = format!("{:016x}", rand::random::<u64>());
    // Written once; if it cannot be, the entries of this run are still its own.
    if std::fs::create_dir_all(dir).and_then(|()| std::fs::write(&file, &ns)).is_err() {
        tracing::warn!(file = %file.display(), "the saved connections' namespace could not be written");
    }
    ns
}

impl Vault {
    fn set(&self, name: &str, value: &str) -> Result<()> {
        if value.len() > MAX_ENTRY_BYTES {
            return Err(Error::CredentialStore(format!("a token of {} bytes is more than a credential-store entry holds", value.len())));
        }
        match self {
            Vault::Os => os_entry(name)?.set_password(value).map_err(store_error),
            Vault::Session(map) => {
                map.lock().unwrap_or_else(|e| e.into_inner()).insert(name.into(), value.into());
                Ok(())
            }
        }
    }

    fn get(&self, name: &str) -> Result<Option<String>> {
        match self {
            Vault::Os => match os_entry(name)?.get_password() {
                Ok(v) => Ok(Some(v)),
                Err(keyring::v1::Error::NoEntry) => Ok(None),
                Err(e) => Err(store_error(e)),
            },
            Vault::Session(map) => Ok(map.lock().unwrap_or_else(|e| e.into_inner()).get(name).cloned()),
        }
    }

    fn delete(&self, name: &str) -> Result<()> {
        match self {
            Vault::Os => match os_entry(name)?.delete_credential() {
                Ok(()) | Err(keyring::v1::Error::NoEntry) => Ok(()),
                Err(e) => Err(store_error(e)),
            },
            Vault::Session(map) => {
                map.lock().unwrap_or_else(|e| e.into_inner()).remove(name);
                Ok(())
            }
        }
    }
}

fn os_entry(name: &str) -> Result<keyring::v1::Entry> {
    keyring::v1::Entry::new(APP_ID, name).map_err(store_error)
}

/// A credential-store failure in words, never with the value (the crate's errors carry none).
fn store_error(e: keyring::v1::Error) -> Error {
    Error::CredentialStore(e.to_string())
}

/// Whether the OS credential store answers: it is set up, and an entry can be written, read and
/// removed (a D-Bus session without a Secret Service, or a locked one, can answer a lookup with
/// "no entry" and still refuse every write: that fails here, not halfway through a sign-in).
fn probe_os_store() -> std::result::Result<(), String> {
    keyring::v1::Entry::store_status().as_ref().map_err(|e| e.to_string())?;
    // A name of its own: two processes starting at once must not read or remove each other's probe.
    let probe = keyring::v1::Entry::new(APP_ID, &format!("probe-{:016x}", rand::random::<u64>())).map_err(|e| e.to_string())?;
    probe.set_password("probe").map_err(|e| e.to_string())?;
    let read = probe.get_password().map_err(|e| e.to_string());
    match probe.delete_credential() {
        Ok(()) | Err(keyring::v1::Error::NoEntry) => {}
        Err(e) => return Err(e.to_string()),
    }
    (read? == "probe").then_some(()).ok_or_else(|| "the store gave back another value than it was given".to_string())
}

/// Runs a credential-store call off the async runtime (the stores answer synchronously, some
/// over D-Bus).
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(work).await.map_err(|e| Error::Internal(format!("a credential-store call failed: {e}")))?
}

#[cfg(test)]
mod tests;
