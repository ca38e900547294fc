//! Changes made to a provider's data while the sandbox runs, so a test (or a person trying the
//! app) can edit, add and delete items between two loads and see what a reload picks up.
//!
//! The datasets are pure functions of their position, so changes are an overlay on top of
//! them, per provider: for a listing (a CRM object type, a table, a workspace's one
//! list of items) and a position in it, when it was last touched and how. Added items take the
//! positions after the generated ones. Every change is stamped with the sandbox's clock, which
//! is later than every generated time ([`GENERATED_BEFORE`]), so "changed since" is answered
//! from the overlay alone whenever the checkpoint is after that.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use chrono::{DateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

/// Every generated item's creation and modification times are before this.
pub fn generated_before() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
}

/// What a test asks to change: how many items to edit, delete and add.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    #[serde(default)]
    pub edit: usize,
    #[serde(default)]
    pub delete: usize,
    #[serde(default)]
    pub add: usize,
}

/// What a change did, as the provider names its items.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Changed {
    pub edited: Vec<ChangedItem>,
    pub deleted: Vec<ChangedItem>,
    pub added: Vec<ChangedItem>,
}

/// One changed item: the listing it is in (`contacts`, a base and table id, `pages`) and its id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangedItem {
    pub listing: String,
    pub id: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TouchKind {
    /// Edited (its name gains " (edited)") or, past the generated positions, added.
    Edited,
    /// Deleted: archived, trashed or gone, as the provider has it.
    Deleted,
}

/// The last change to one item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Touch {
    pub at: DateTime<Utc>,
    pub kind: TouchKind,
    /// Added while the sandbox ran (so it was also created at `at`).
    pub added: bool,
}

impl Touch {
    pub fn deleted(&self) -> bool {
        self.kind == TouchKind::Deleted
    }
}

/// One provider's changes.
#[derive(Default)]
pub struct ChangeLog(Mutex<Log>);

#[derive(Default)]
struct Log {
    touched: HashMap<String, BTreeMap<usize, Touch>>,
    added: HashMap<String, usize>,
}

impl ChangeLog {
    fn log(&self) -> std::sync::MutexGuard<'_, Log> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The last change to the item at `position` of `listing`, if any.
    pub fn touch(&self, listing: &str, position: usize) -> Option<Touch> {
        self.log().touched.get(listing).and_then(|t| t.get(&position)).copied()
    }

    /// Every changed position of `listing`, in order.
    pub fn touched(&self, listing: &str) -> Vec<(usize, Touch)> {
        self.log().touched.get(listing).map(|t| t.iter().map(|(p, t)| (*p, *t)).collect()).unwrap_or_default()
    }

    /// How many items `listing` has: the generated ones and those added since.
    pub fn count(&self, listing: &str, generated: usize) -> usize {
        generated + self.log().added.get(listing).copied().unwrap_or(0)
    }

    /// Marks the item at `position` edited (or deleted) now. Deleting a deleted item, or
    /// editing one, changes nothing.
    pub fn mark(&self, listing: &str, position: usize, kind: TouchKind) -> bool {
        let mut log = self.log();
        let touched = log.touched.entry(listing.to_string()).or_default();
        let added = touched.get(&position).is_some_and(|t| t.added);
        if touched.get(&position).is_some_and(Touch::deleted) {
            return false;
        }
        touched.insert(position, Touch { at: Utc::now(), kind, added });
        true
    }

    /// Edits (or deletes) `n` items of `listing`'s `count` now, spread over it (see [`spread`]),
    /// never one already changed nor one `also_skip` rejects; returns their positions.
    pub fn change_some(&self, listing: &str, count: usize, n: usize, salt: usize, kind: TouchKind, also_skip: impl Fn(usize) -> bool) -> Vec<usize> {
        let touched: std::collections::HashSet<usize> = self.touched(listing).into_iter().map(|(p, _)| p).collect();
        let picked = spread(count, n, salt, |p| touched.contains(&p) || also_skip(p));
        for &p in &picked {
            self.mark(listing, p, kind);
        }
        picked
    }

    /// Adds an item at the end of `listing` (which has `generated` items of its own), returning
    /// its position.
    pub fn add(&self, listing: &str, generated: usize) -> usize {
        let mut log = self.log();
        let added = log.added.entry(listing.to_string()).or_default();
        let position = generated + *added;
        *added += 1;
        log.touched.entry(listing.to_string()).or_default().insert(position, Touch { at: Utc::now(), kind: TouchKind::Edited, added: true });
        position
    }
}

/// Positions to change, spread over `count` items and never the same twice in one call:
/// `n` of them, skipping those `skip` rejects.
pub fn spread(count: usize, n: usize, salt: usize, skip: impl Fn(usize) -> bool) -> Vec<usize> {
    let mut picked = Vec::new();
    if count == 0 {
        return picked;
    }
    // A stride coprime with most counts walks the whole range before repeating; whatever it
    // missed, a plain scan finds.
    let stride = 7_919 + 2 * salt;
    let mut position = (salt * 31 + 3) % count;
    let mut chosen = std::collections::HashSet::new();
    let walk = (0..count).map(|_| {
        let p = position;
        position = (position + stride) % count;
        p
    });
    for p in walk.chain(0..count) {
        if picked.len() == n {
            break;
        }
        if !skip(p) && chosen.insert(p) {
            picked.push(p);
        }
    }
    picked
}

/// The suffix an edit adds to an item's name, so a reload can be seen to pick it up.
pub const EDITED: &str = " (edited)";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_adds_and_counts() {
        let log = ChangeLog::default();
        assert!(log.mark("a", 3, TouchKind::Edited));
        assert!(log.mark("a", 3, TouchKind::Deleted));
        assert!(!log.mark("a", 3, TouchKind::Edited), "a deleted item stays deleted");
        assert_eq!(log.add("a", 10), 10);
        assert_eq!(log.add("a", 10), 11);
        assert_eq!(log.count("a", 10), 12);
        assert_eq!(log.count("b", 10), 10);
        let touched = log.touched("a");
        assert_eq!(touched.iter().map(|(p, _)| *p).collect::<Vec<_>>(), [3, 10, 11]);
        assert!(touched[0].1.deleted() && touched[1].1.added);
        assert!(touched.iter().all(|(_, t)| t.at > generated_before()));
    }

    #[test]
    fn spread_picks_distinct_positions_and_skips() {
        let picked = spread(100, 10, 1, |p| p % 2 == 0);
        assert_eq!(picked.len(), 10);
        assert!(picked.iter().all(|p| p % 2 == 1 && *p < 100));
        let mut unique = picked.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 10);
        assert_eq!(spread(3, 10, 0, |_| false).len(), 3, "never more than there are");
    }
}
