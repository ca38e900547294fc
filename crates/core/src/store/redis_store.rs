//! Redis through a connection manager that reconnects by itself; every command has a timeout, so
//! a Redis that went away gives a clear error instead of a hang.

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::AsyncCommands;

use super::StoreError;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Clone)]
pub struct RedisStore {
    conn: ConnectionManager,
}

fn unavailable(e: redis::RedisError) -> StoreError {
    // The error text names the failure (refused, timed out), never a value.
    StoreError::Unavailable(e.to_string())
}

impl RedisStore {
    pub async fn connect(url: &str) -> Result<RedisStore, StoreError> {
        let client = redis::Client::open(url).map_err(|e| StoreError::Unavailable(format!("bad REDIS_URL: {e}")))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            .set_response_timeout(Some(RESPONSE_TIMEOUT))
            .set_number_of_retries(1);
        let conn = tokio::time::timeout(CONNECT_TIMEOUT * 2, ConnectionManager::new_with_config(client, config))
            .await
            .map_err(|_| StoreError::Unavailable("connecting to Redis timed out".into()))?
            .map_err(unavailable)?;
        Ok(RedisStore { conn })
    }

    pub async fn put(&self, key: &str, value: &str, ttl: Duration) -> Result<(), StoreError> {
        let mut c = self.conn.clone();
        // PSETEX: millisecond TTLs, so short test TTLs behave like the real 10 minutes.
        c.pset_ex::<_, _, ()>(key, value, ttl.as_millis().max(1) as u64).await.map_err(unavailable)
    }

    pub async fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        let mut c = self.conn.clone();
        c.get(key).await.map_err(unavailable)
    }

    /// GETDEL (Redis 6.2+): atomic, so a state or credential is handed out once.
    pub async fn take(&self, key: &str) -> Result<Option<String>, StoreError> {
        let mut c = self.conn.clone();
        c.get_del(key).await.map_err(unavailable)
    }

    pub async fn delete(&self, key: &str) -> Result<(), StoreError> {
        let mut c = self.conn.clone();
        c.del::<_, ()>(key).await.map_err(unavailable)
    }
}
