//! Redis through a connection manager that reconnects by itself; every command has a timeout, so
//! a Redis that went away gives a clear error instead of a hang.

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::AsyncCommands;

use super::StoreError;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(2);

/// Connects on first use, and again after a failed attempt, so an app started while Redis is
/// down opens anyway and works once Redis is back; the user meets the error when they act.
pub struct RedisStore {
    client: redis::Client,
    conn: tokio::sync::OnceCell<ConnectionManager>,
}

fn unavailable(e: redis::RedisError) -> StoreError {
    // The error text names the failure (refused, timed out), never a value.
    StoreError::Unavailable(e.to_string())
}

impl RedisStore {
    /// Checks the URL and tries to connect; an unreachable server is logged, not fatal.
    pub async fn open(url: &str) -> Result<RedisStore, StoreError> {
        let client = redis::Client::open(url).map_err(|e| StoreError::Unavailable(format!("bad REDIS_URL: {e}")))?;
        let store = RedisStore { client, conn: tokio::sync::OnceCell::new() };
        if let Err(e) = store.connection().await {
            tracing::warn!(error = %e, "Redis is unreachable for now; will connect on first use");
        }
        Ok(store)
    }

    async fn connection(&self) -> Result<ConnectionManager, StoreError> {
        let conn = self
            .conn
            .get_or_try_init(|| async {
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(CONNECT_TIMEOUT))
                    .set_response_timeout(Some(RESPONSE_TIMEOUT))
                    .set_number_of_retries(1);
                tokio::time::timeout(CONNECT_TIMEOUT * 2, ConnectionManager::new_with_config(self.client.clone(), config))
                    .await
                    .map_err(|_| StoreError::Unavailable("connecting to Redis timed out".into()))?
                    .map_err(unavailable)
            })
            .await?;
        Ok(conn.clone())
    }

    pub async fn put(&self, key: &str, value: &str, ttl: Duration) -> Result<(), StoreError> {
        let mut c = self.connection().await?;
        // PSETEX: millisecond TTLs, so short test TTLs behave like the real 10 minutes.
        c.pset_ex::<_, _, ()>(key, value, ttl.as_millis().max(1) as u64).await.map_err(unavailable)
    }

    pub async fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        let mut c = self.connection().await?;
        c.get(key).await.map_err(unavailable)
    }

    /// GETDEL (Redis 6.2+): atomic, so a state or credential is handed out once.
    pub async fn take(&self, key: &str) -> Result<Option<String>, StoreError> {
        let mut c = self.connection().await?;
        c.get_del(key).await.map_err(unavailable)
    }

    pub async fn delete(&self, key: &str) -> Result<(), StoreError> {
        let mut c = self.connection().await?;
        c.del::<_, ()>(key).await.map_err(unavailable)
    }
}
