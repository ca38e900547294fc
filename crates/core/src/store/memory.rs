//! The embedded store: a map with per-key expiry, for running without Redis.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Default)]
pub struct MemoryStore {
    entries: Mutex<HashMap<String, (String, Instant)>>,
}

impl MemoryStore {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (String, Instant)>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn put(&self, key: &str, value: &str, ttl: Duration) {
        let now = Instant::now();
        let mut map = self.lock();
        // Sweep expired entries on write so an idle app does not accumulate them.
        map.retain(|_, (_, exp)| *exp > now);
        map.insert(key.to_string(), (value.to_string(), now + ttl));
    }

    pub fn get(&self, key: &str) -> Option<String> {
        let mut map = self.lock();
        match map.get(key) {
            Some((v, exp)) if *exp > Instant::now() => Some(v.clone()),
            Some(_) => {
                map.remove(key);
                None
            }
            None => None,
        }
    }

    pub fn take(&self, key: &str) -> Option<String> {
        let (v, exp) = self.lock().remove(key)?;
        (exp > Instant::now()).then_some(v)
    }
}
