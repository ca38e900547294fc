//! Short-lived key/value storage for sign-ins: OAuth state, PKCE verifiers and freshly issued
//! credentials, each with a TTL. Redis when `REDIS_URL` is set, an embedded store otherwise;
//! both honour the same contract (the same tests run against both).

mod memory;
mod redis_store;

use std::time::Duration;

pub use memory::MemoryStore;
pub use redis_store::RedisStore;

use crate::provider::ProviderId;

#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// The store cannot be reached (Redis down, refused, timed out). Retry once it is back.
    #[error("the credential store is unreachable ({0}); check that Redis is running, then try again")]
    Unavailable(String),
    /// A value is not what this app wrote.
    #[error("the credential store holds an unreadable value: {0}")]
    Corrupt(String),
}

/// What a stored value is, as in the seed's key names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    State,
    Verifier,
    Credentials,
}

/// `{provider}_{state|verifier|credentials}:{org}:{user}`, the seed's key layout.
pub fn key(kind: KeyKind, provider: ProviderId, org_id: &str, user_id: &str) -> String {
    let kind = match kind {
        KeyKind::State => "state",
        KeyKind::Verifier => "verifier",
        KeyKind::Credentials => "credentials",
    };
    format!("{}_{kind}:{org_id}:{user_id}", provider.as_str())
}

pub enum Store {
    Memory(MemoryStore),
    Redis(RedisStore),
}

impl Store {
    /// Redis at `url`, or the embedded store when `url` is `None`. A malformed URL is an error;
    /// an unreachable server is not (yet): each operation reports it until Redis answers.
    pub async fn open(redis_url: Option<&str>) -> Result<Store, StoreError> {
        match redis_url {
            Some(url) => Ok(Store::Redis(RedisStore::open(url).await?)),
            None => Ok(Store::Memory(MemoryStore::default())),
        }
    }

    /// Stores `value` under `key` for `ttl`, replacing what was there.
    pub async fn put(&self, key: &str, value: &str, ttl: Duration) -> Result<(), StoreError> {
        match self {
            Store::Memory(s) => {
                s.put(key, value, ttl);
                Ok(())
            }
            Store::Redis(s) => s.put(key, value, ttl).await,
        }
    }

    pub async fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        match self {
            Store::Memory(s) => Ok(s.get(key)),
            Store::Redis(s) => s.get(key).await,
        }
    }

    /// Returns the value and deletes it in one step, so two callers can never both get it.
    pub async fn take(&self, key: &str) -> Result<Option<String>, StoreError> {
        match self {
            Store::Memory(s) => Ok(s.take(key)),
            Store::Redis(s) => s.take(key).await,
        }
    }

    pub async fn delete(&self, key: &str) -> Result<(), StoreError> {
        match self {
            Store::Memory(s) => {
                s.take(key);
                Ok(())
            }
            Store::Redis(s) => s.delete(key).await,
        }
    }
}

#[cfg(test)]
mod tests;
