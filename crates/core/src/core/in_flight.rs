//! Operations under way per connection (sign-ins, loads), so the user can cancel them and a new
//! one replaces an old one cleanly.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use crate::load::Cancel;
use crate::oauth::FlowKey;

#[derive(Default)]
pub(crate) struct InFlight(Mutex<HashMap<FlowKey, Cancel>>);

impl InFlight {
    /// Registers a new operation for `key`, cancelling the one it replaces.
    pub fn start(&self, key: &FlowKey) -> Cancel {
        let cancel = Cancel::new();
        if let Some(previous) = self.lock().insert(key.clone(), cancel.clone()) {
            previous.cancel();
        }
        cancel
    }

    /// Forgets `cancel`'s entry; false when it is gone already (cancelled, completed, or
    /// replaced by a newer operation, whose entry is left alone).
    pub fn finish(&self, key: &FlowKey, cancel: &Cancel) -> bool {
        let mut running = self.lock();
        let ours = running.get(key).is_some_and(|c| c.0 == cancel.0);
        if ours {
            running.remove(key);
        }
        ours
    }

    /// Cancels the operation for `key`; false when none was under way.
    pub fn cancel(&self, key: &FlowKey) -> bool {
        self.lock().remove(key).map(|c| c.cancel()).is_some()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<FlowKey, Cancel>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}
