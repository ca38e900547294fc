//! Reloading what changed: a provider's `changes` listing reads only the items edited or added
//! since the last sync (and, where the provider reports them, the ones deleted), and they are
//! merged into that sync's items here.
//!
//! ```text
//! last sync (library) --Since{after: checkpoint - overlap, previous items}--> provider.changes
//!   -> changed items (the sink), deleted ids, kinds listed in full
//!   -> merge: previous items, each replaced by its changed copy in place, new ones after,
//!      the deleted (and what hung under them) left out -> link -> the complete list
//!   -> Reload: which items differ from the last sync, which ids went (the library writes those)
//! ```

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::Loaded;
use crate::item::IntegrationItem;

/// How far before the last sync's start a reload asks for changes: clocks differ, providers
/// index edits late (search indexes lag) and some keep edit times to the minute. What the overlap fetches twice is folded into one item per id.
pub const RELOAD_OVERLAP: chrono::Duration = chrono::Duration::minutes(10);

/// What a reload starts from.
#[derive(Debug, Clone)]
pub struct Since {
    /// When the last sync started: anything changed after it (less [`RELOAD_OVERLAP`]) is read.
    pub checkpoint: DateTime<Utc>,
    /// The last sync's complete list.
    pub previous: Arc<Loaded>,
}

impl Since {
    /// The time changes are asked for from.
    pub fn after(&self) -> DateTime<Utc> {
        self.checkpoint - RELOAD_OVERLAP
    }

    /// The ids of the last sync's items of one kind (its tables, say), to look up.
    pub fn ids_of_kind<'a>(&'a self, kind: &'a str) -> std::collections::HashSet<&'a str> {
        self.previous_of_kind(kind).map(|i| i.id.as_str()).collect()
    }

    /// The last sync's items of one kind (its data sources, say).
    pub fn previous_of_kind<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a IntegrationItem> + 'a {
        self.previous.items.iter().filter(move |i| i.kind == kind)
    }
}

/// What a reload changed, for the library (which writes only that) and for a person.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reload {
    /// The checkpoint changes were asked from (see [`Since::after`]).
    pub since: DateTime<Utc>,
    /// Positions (in the new list) of the items that are new or differ from the last sync.
    pub changed: Vec<usize>,
    /// Ids the last sync had and this list has not.
    pub removed: Vec<String>,
    /// Whether the provider reports deletions (where it does not, records deleted since the
    /// last full load are still listed until the next one).
    pub deletions_reported: bool,
}

impl Serialize for Reload {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut out = s.serialize_struct("Reload", 4)?;
        out.serialize_field("since", &self.since)?;
        out.serialize_field("changed", &self.changed.len())?;
        out.serialize_field("removed", &self.removed.len())?;
        out.serialize_field("deletionsReported", &self.deletions_reported)?;
        out.end()
    }
}

/// What a provider's `changes` listing found besides the changed items themselves.
#[derive(Debug, Default)]
pub(crate) struct Found {
    /// Ids the provider says were deleted (archived, trashed).
    pub deleted: HashSet<String>,
    /// Kinds the listing read in full (object-type folders, bases and tables): an item of the
    /// last sync of such a kind that is not listed again is gone.
    pub complete_kinds: Vec<&'static str>,
}

/// The last sync's items with the changes applied: each changed item in its old place, new ones
/// after, removed ones (and everything under them that was not listed again) left out. The
/// result still needs `link` (children are cleared for it).
pub(crate) fn merge(previous: &[IntegrationItem], fresh: Vec<IntegrationItem>, found: &Found) -> Vec<IntegrationItem> {
    // Owned ids: the changed items move into the result below (there are few of them).
    let fresh_at: HashMap<String, usize> = fresh.iter().enumerate().map(|(i, it)| (it.id.clone(), i)).collect();
    let mut removed: HashSet<&str> = found.deleted.iter().map(String::as_str).filter(|id| !fresh_at.contains_key(*id)).collect();
    removed.extend(previous.iter().filter(|p| found.complete_kinds.contains(&p.kind.as_ref()) && !fresh_at.contains_key(p.id.as_str())).map(|p| p.id.as_str()));
    // What hung under a removed item goes with it, unless it was listed again (moved).
    let mut under: HashMap<&str, Vec<&str>> = HashMap::new();
    for p in previous {
        if let Some(parent) = p.parent_id.as_deref() {
            under.entry(parent).or_default().push(p.id.as_str());
        }
    }
    let mut stack: Vec<&str> = removed.iter().copied().collect();
    while let Some(id) = stack.pop() {
        for child in under.get(id).into_iter().flatten() {
            if !fresh_at.contains_key(*child) && removed.insert(child) {
                stack.push(child);
            }
        }
    }
    // A parent that changed may have a new name: its unchanged children take it again in `link`.
    let previous_name: HashMap<&str, &str> = previous
        .iter()
        .filter(|p| fresh_at.get(p.id.as_str()).is_some_and(|&f| fresh[f].name != p.name))
        .map(|p| (p.id.as_str(), p.name.as_str()))
        .collect();

    let mut fresh: Vec<Option<IntegrationItem>> = fresh.into_iter().map(Some).collect();
    let mut merged = Vec::with_capacity(previous.len() + fresh.len());
    for p in previous {
        if removed.contains(p.id.as_str()) {
            continue;
        }
        let mut item = match fresh_at.get(p.id.as_str()) {
            Some(&f) => match fresh[f].take() {
                Some(item) => item,
                None => continue, // listed twice in the last sync; `link` kept one copy already
            },
            None => p.clone(),
        };
        if let Some(parent) = item.parent_id.as_deref() {
            if previous_name.get(parent).is_some_and(|old| item.parent_path_or_name.as_deref() == Some(*old)) {
                item.parent_path_or_name = None;
            }
        }
        item.children.clear();
        merged.push(item);
    }
    merged.extend(fresh.into_iter().flatten().map(|mut item| {
        item.children.clear();
        item
    }));
    merged
}

/// Which items of `now` are new or differ from `previous`, and which of `previous` are gone.
pub(crate) fn difference(previous: &[IntegrationItem], now: &[IntegrationItem]) -> (Vec<usize>, Vec<String>) {
    let before: HashMap<&str, &IntegrationItem> = previous.iter().map(|i| (i.id.as_str(), i)).collect();
    let changed = now.iter().enumerate().filter(|(_, i)| before.get(i.id.as_str()).is_none_or(|b| *b != *i)).map(|(n, _)| n).collect();
    let kept: HashSet<&str> = now.iter().map(|i| i.id.as_str()).collect();
    let removed = previous.iter().filter(|i| !kept.contains(i.id.as_str())).map(|i| i.id.clone()).collect();
    (changed, removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: &str, parent: Option<&str>, kind: &'static str) -> IntegrationItem {
        IntegrationItem { id: id.into(), name: format!("n{id}"), parent_id: parent.map(String::from), kind: kind.into(), ..Default::default() }
    }

    #[test]
    fn changes_replace_in_place_new_items_follow_and_removals_take_their_children() {
        let previous = vec![item("base", None, "base"), item("t1", Some("base"), "table"), item("r1", Some("t1"), "record"), item("r2", Some("t1"), "record"), item("t2", Some("base"), "table"), item("r3", Some("t2"), "record")];
        let mut r2 = item("r2", Some("t1"), "record");
        r2.name = "edited".into();
        let fresh = vec![item("base", None, "base"), item("t1", Some("base"), "table"), r2, item("r4", Some("t1"), "record")];
        let found = Found { deleted: ["r1".to_string()].into(), complete_kinds: vec!["base", "table"] };
        let merged = merge(&previous, fresh, &found);
        let ids: Vec<&str> = merged.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, ["base", "t1", "r2", "r4"], "r1 deleted; t2 not listed again, so it and r3 are gone");
        assert_eq!(merged[2].name, "edited");
        let (changed, removed) = difference(&previous, &merged);
        assert_eq!(changed, [2, 3]);
        assert_eq!(removed, ["r1", "t2", "r3"]);
    }

    #[test]
    fn a_renamed_parent_is_named_again_by_its_unchanged_children() {
        let mut child = item("c", Some("p"), "page");
        child.parent_path_or_name = Some("np".into());
        let previous = vec![item("p", None, "page"), child];
        let mut renamed = item("p", None, "page");
        renamed.name = "New name".into();
        let merged = merge(&previous, vec![renamed], &Found::default());
        assert_eq!(merged[1].parent_path_or_name, None, "link fills it with the new name");
    }
}
