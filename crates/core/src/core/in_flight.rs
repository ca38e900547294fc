//! Operations under way per connection (sign-ins, loads), so the user can cancel them and a new
//! one replaces an old one cleanly.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Mutex, MutexGuard};

use crate::load::Cancel;

/// Operations under way, by what they are for (a sign-in's key, a connection's key).
pub(crate) struct InFlight<K>(Mutex<HashMap<K, Cancel>>);

impl<K> Default for InFlight<K> {
    fn default() -> Self {
        InFlight(Mutex::default())
    }
}

impl<K: Eq + Hash + Clone> InFlight<K> {
    /// Registers a new operation for `key`, cancelling the one it replaces.
    pub fn start(&self, key: &K) -> Cancel {
        let cancel = Cancel::new();
        if let Some(previous) = self.lock().insert(key.clone(), cancel.clone()) {
            previous.cancel();
        }
        cancel
    }

    /// Forgets `cancel`'s entry; false when it is gone already (cancelled, completed, or
    /// replaced by a newer operation, whose entry is left alone).
    pub fn finish(&self, key: &K, cancel: &Cancel) -> bool {
        let mut running = self.lock();
        let ours = running.get(key).is_some_and(|c| c.0 == cancel.0);
        if ours {
            running.remove(key);
        }
        ours
    }

    /// Cancels the operation for `key`; false when none was under way.
    pub fn cancel(&self, key: &K) -> bool {
        self.lock().remove(key).map(|c| c.cancel()).is_some()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<K, Cancel>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}
