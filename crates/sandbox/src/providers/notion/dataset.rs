//! Notion pages and data sources as the API returns them (Notion-Version 2026-03-11, or
//! 2025-09-03 with its `archived` field too).
//!
//! Items are numbered in search order (most recently edited first). Pages sit at the workspace
//! root, under earlier pages, or as rows of the data source just before them; each data source
//! belongs to a database (a container search does not return) whose parent is an earlier page
//! or the workspace. As Notion documents, search is not exhaustive: some rows are missing from
//! its index and come only from their data source's query. A few pages hang under a parent the
//! connection was not given (a page that is not shared, a block).

use chrono::{DateTime, TimeZone, Utc};
use serde_json::{json, Value};

use crate::dataset::names::*;
use crate::dataset::{mix, pick, rfc3339_millis};

/// The API versions whose shapes the sandbox serves: the ones the app speaks, from the shared
/// crate (the newest, `NOTION_VERSION`, first).
pub use tributary_provider_id::{NOTION_VERSION, NOTION_VERSIONS};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotionKind {
    Page,
    DataSource,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotionParent {
    Workspace,
    Page { page_id: String },
    DataSource { data_source_id: String, database_id: String },
    Database { database_id: String },
    Block { block_id: String },
}

impl NotionParent {
    pub fn to_json(&self) -> Value {
        match self {
            NotionParent::Workspace => json!({ "type": "workspace", "workspace": true }),
            NotionParent::Page { page_id } => json!({ "type": "page_id", "page_id": page_id }),
            NotionParent::DataSource { data_source_id, database_id } => json!({
                "type": "data_source_id", "data_source_id": data_source_id, "database_id": database_id,
            }),
            NotionParent::Database { database_id } => json!({ "type": "database_id", "database_id": database_id }),
            NotionParent::Block { block_id } => json!({ "type": "block_id", "block_id": block_id }),
        }
    }
}

/// One search result, in a form tests can compare with.
#[derive(Debug, Clone, PartialEq)]
pub struct NotionItem {
    pub index: usize,
    pub kind: NotionKind,
    pub id: String,
    /// Plain-text title; empty for an untitled page.
    pub title: String,
    pub parent: NotionParent,
    /// For a data source: its database's parent.
    pub database_parent: Option<NotionParent>,
    pub created_time: DateTime<Utc>,
    pub last_edited_time: DateTime<Utc>,
    pub url: String,
}

#[derive(Debug, Clone)]
pub struct NotionData {
    seed: u64,
    items: usize,
    pub workspace_id: String,
    pub workspace_name: String,
    pub bot_id: String,
    pub user_id: String,
}

impl NotionData {
    pub fn new(seed: u64, items: usize) -> Self {
        NotionData {
            seed,
            items,
            workspace_id: uuid(mix(seed, 301, 0), mix(seed, 302, 0)),
            workspace_name: format!("{}'s Workspace", pick(FIRST_NAMES, mix(seed, 303, 0))),
            bot_id: uuid(mix(seed, 304, 0), mix(seed, 305, 0)),
            user_id: uuid(mix(seed, 306, 0), mix(seed, 307, 0)),
        }
    }

    pub fn total(&self) -> usize {
        self.items
    }

    /// One item in a hundred is a data source; its rows are among the pages just after it.
    pub fn kind(&self, k: usize) -> NotionKind {
        if k % DATA_SOURCE_EVERY == 5 {
            NotionKind::DataSource
        } else {
            NotionKind::Page
        }
    }

    fn h(&self, tag: u64, k: usize) -> u64 {
        mix(self.seed, 300 + tag, k as u64)
    }

    /// A dashed UUID whose last group encodes `k`, so a cursor (the next result's id) can be
    /// decoded without a lookup table.
    pub fn id(&self, k: usize) -> String {
        let mask = self.h(1, 0) & 0xFFFF_FFFF_FFFF;
        let hi = self.h(2, k);
        let low = (k as u64 ^ mask) & 0xFFFF_FFFF_FFFF;
        format!(
            "{:08x}-{:04x}-4{:03x}-{:x}{:03x}-{:012x}",
            hi >> 32,
            (hi >> 16) & 0xFFFF,
            hi & 0xFFF,
            8 + (hi >> 60) % 4,
            (hi >> 40) & 0xFFF,
            low
        )
    }

    /// The position of the item with this id, accepting ids with or without dashes.
    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.position(id).filter(|&k| k < self.items)
    }

    /// The position an id stands for, generated or not (items added while the sandbox runs
    /// come after the generated ones).
    pub fn position(&self, id: &str) -> Option<usize> {
        let plain: String = id.chars().filter(|c| *c != '-').collect();
        if plain.len() != 32 || !plain.is_ascii() {
            return None;
        }
        let low = u64::from_str_radix(&plain[20..], 16).ok()?;
        let mask = self.h(1, 0) & 0xFFFF_FFFF_FFFF;
        let k = (low ^ mask) as usize;
        (self.id(k).replace('-', "") == plain.to_ascii_lowercase()).then_some(k)
    }

    fn database_id(&self, k: usize) -> String {
        uuid(self.h(3, k), self.h(4, k))
    }

    fn last_data_source_before(&self, k: usize) -> Option<usize> {
        (k > 5).then(|| 5 + DATA_SOURCE_EVERY * ((k - 6) / DATA_SOURCE_EVERY))
    }

    pub fn parent(&self, k: usize) -> NotionParent {
        match self.kind(k) {
            NotionKind::DataSource => NotionParent::Database { database_id: self.database_id(k) },
            NotionKind::Page => {
                let h = self.h(5, k);
                if k < 3 || k.is_multiple_of(97) {
                    return NotionParent::Workspace;
                }
                // Parents the connection cannot see: a page not shared with it, a block.
                match k % 89 {
                    13 => return NotionParent::Page { page_id: uuid(self.h(15, k), self.h(16, k)) },
                    44 => return NotionParent::Block { block_id: uuid(self.h(17, k), self.h(18, k)) },
                    _ => {}
                }
                if let Some(ds) = self.last_data_source_before(k).filter(|_| h.is_multiple_of(3)) {
                    return NotionParent::DataSource { data_source_id: self.id(ds), database_id: self.database_id(ds) };
                }
                // Another earlier page (rows belong to the data source just before them only).
                let p = (h >> 8) as usize % k;
                let p = if self.kind(p) == NotionKind::DataSource { p - 1 } else { p };
                NotionParent::Page { page_id: self.id(p) }
            }
        }
    }

    /// The rows of the data source at `ds`, in order (each data source's rows are among the
    /// pages up to the next data source).
    pub fn rows(&self, ds: usize) -> impl Iterator<Item = usize> + '_ {
        self.rows_within(ds, self.items)
    }

    /// The rows of the data source at `ds` among the first `count` items.
    pub fn rows_within(&self, ds: usize, count: usize) -> impl Iterator<Item = usize> + '_ {
        let end = (ds + DATA_SOURCE_EVERY).min(count);
        (ds + 1..end).filter(move |&k| matches!(self.parent(k), NotionParent::DataSource { .. }))
    }

    /// Whether search returns this item: about one row in five is missing from its index.
    pub fn in_search(&self, k: usize) -> bool {
        !(matches!(self.parent(k), NotionParent::DataSource { .. }) && self.h(14, k).is_multiple_of(5))
    }

    fn database_parent(&self, k: usize) -> NotionParent {
        let p = (self.h(6, k) % k.max(1) as u64) as usize;
        match (k, self.kind(p)) {
            (0, _) | (_, NotionKind::DataSource) => NotionParent::Workspace,
            (_, NotionKind::Page) => NotionParent::Page { page_id: self.id(p) },
        }
    }

    /// Title runs: some titles are split into two rich-text runs, some pages are untitled.
    fn title_runs(&self, k: usize) -> Vec<(String, bool)> {
        let h = self.h(7, k);
        match self.kind(k) {
            NotionKind::DataSource => vec![(pick(DATABASE_NAMES, h).to_string(), false)],
            NotionKind::Page if k % 53 == 7 => vec![],
            NotionKind::Page => {
                let topic = pick(TOPICS, h);
                let qualifier = pick(QUALIFIERS, h >> 16);
                if h.is_multiple_of(4) {
                    vec![(format!("{topic} "), false), (qualifier.to_string(), true)]
                } else {
                    vec![(format!("{topic} {qualifier}"), false)]
                }
            }
        }
    }

    fn times(&self, k: usize) -> (DateTime<Utc>, DateTime<Utc>) {
        // Strictly decreasing edit times in search order; creation up to ~400 days earlier.
        let newest = Utc.with_ymd_and_hms(2025, 11, 20, 17, 0, 0).unwrap();
        let step = chrono::Duration::minutes(37);
        let jitter = chrono::Duration::seconds((self.h(8, k) % (36 * 60)) as i64);
        let edited = newest - step * (k as i32) - jitter;
        let age = chrono::Duration::seconds((self.h(9, k) % (400 * 86_400)) as i64);
        let created = edited - age;
        (trim_millis(created), trim_millis(edited))
    }

    fn title_property_name(&self, data_source: usize) -> &'static str {
        pick(TITLE_PROPERTY_NAMES, self.h(10, data_source))
    }

    pub fn item(&self, k: usize) -> NotionItem {
        let (created_time, last_edited_time) = self.times(k);
        let title: String = self.title_runs(k).into_iter().map(|(t, _)| t).collect();
        let id = self.id(k);
        let kind = self.kind(k);
        let slug: String = title
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join("-");
        let plain_id = id.replace('-', "");
        let url = match (kind, slug.is_empty()) {
            (NotionKind::DataSource, _) | (_, true) => format!("https://www.notion.so/{plain_id}"),
            _ => format!("https://www.notion.so/{slug}-{plain_id}"),
        };
        NotionItem {
            index: k,
            kind,
            id,
            title,
            parent: self.parent(k),
            database_parent: (kind == NotionKind::DataSource).then(|| self.database_parent(k)),
            created_time,
            last_edited_time,
            url,
        }
    }

    /// The item exactly as the API returns it under `version` (2026-03-11 has no `archived`).
    pub fn item_json(&self, k: usize, version: &str) -> Value {
        let mut value = self.item_json_2025(k);
        if version != "2025-09-03" {
            if let Some(fields) = value.as_object_mut() {
                fields.remove("archived");
            }
        }
        value
    }

    /// The item as Notion-Version 2025-09-03 returns it.
    fn item_json_2025(&self, k: usize) -> Value {
        let item = self.item(k);
        let rich_title: Vec<Value> = self.title_runs(k).iter().map(|(t, bold)| rich_text(t, *bold)).collect();
        let user = json!({ "object": "user", "id": self.user_id });
        let icon = match self.h(11, k) % 3 {
            0 => Value::Null,
            _ => json!({ "type": "emoji", "emoji": pick(EMOJI, self.h(12, k)) }),
        };
        match item.kind {
            NotionKind::DataSource => {
                let title_name = self.title_property_name(k);
                json!({
                    "object": "data_source",
                    "id": item.id,
                    "created_time": rfc3339_millis(item.created_time),
                    "last_edited_time": rfc3339_millis(item.last_edited_time),
                    "created_by": user,
                    "last_edited_by": user,
                    "title": rich_title,
                    "description": [],
                    "icon": icon,
                    "cover": null,
                    "parent": item.parent.to_json(),
                    "database_parent": item.database_parent.as_ref().map(NotionParent::to_json),
                    "is_inline": k.is_multiple_of(2),
                    "archived": false,
                    "in_trash": false,
                    "properties": {
                        title_name: { "id": "title", "name": title_name, "type": "title", "title": {} },
                        "Status": { "id": "s%3Ab%5D", "name": "Status", "type": "status", "status": { "options": [] } },
                    },
                    "url": item.url,
                    "public_url": null,
                })
            }
            NotionKind::Page => {
                let title_value = json!({ "id": "title", "type": "title", "title": rich_title });
                let properties = match &item.parent {
                    NotionParent::DataSource { data_source_id, .. } => {
                        let ds = self.index_of(data_source_id).unwrap_or(0);
                        let status = pick(STATUSES, self.h(13, k));
                        json!({
                            self.title_property_name(ds): title_value,
                            "Status": { "id": "s%3Ab%5D", "type": "status", "status": { "name": status, "color": "default" } },
                        })
                    }
                    _ => json!({ "title": title_value }),
                };
                json!({
                    "object": "page",
                    "id": item.id,
                    "created_time": rfc3339_millis(item.created_time),
                    "last_edited_time": rfc3339_millis(item.last_edited_time),
                    "created_by": user,
                    "last_edited_by": user,
                    "cover": null,
                    "icon": icon,
                    "parent": item.parent.to_json(),
                    "archived": false,
                    "in_trash": false,
                    "is_locked": false,
                    "properties": properties,
                    "url": item.url,
                    "public_url": null,
                })
            }
        }
    }
}

/// How often an item is a data source.
const DATA_SOURCE_EVERY: usize = 100;

fn rich_text(text: &str, bold: bool) -> Value {
    json!({
        "type": "text",
        "text": { "content": text, "link": null },
        "annotations": { "bold": bold, "italic": false, "strikethrough": false, "underline": false, "code": false, "color": "default" },
        "plain_text": text,
        "href": null,
    })
}

fn uuid(a: u64, b: u64) -> String {
    format!(
        "{:08x}-{:04x}-4{:03x}-{:x}{:03x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xFFFF,
        a & 0xFFF,
        8 + (b >> 60) % 4,
        (b >> 48) & 0xFFF,
        b & 0xFFFF_FFFF_FFFF
    )
}

fn trim_millis(t: DateTime<Utc>) -> DateTime<Utc> {
    // Notion reports edit times to the minute in practice, with `.000Z` milliseconds.
    Utc.timestamp_opt(t.timestamp() - t.timestamp() % 60, 0).unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_decode_and_parents_point_backwards() {
        let d = NotionData::new(9, 500);
        for k in 0..500 {
            let item = d.item(k);
            assert_eq!(d.index_of(&item.id), Some(k));
            assert_eq!(d.index_of(&item.id.replace('-', "")), Some(k));
            match &item.parent {
                // An unshared parent is no item of the dataset; any other comes earlier.
                NotionParent::Page { page_id } if k % 89 == 13 => assert_eq!(d.index_of(page_id), None),
                NotionParent::Page { page_id } => assert!(d.index_of(page_id).unwrap() < k),
                NotionParent::DataSource { data_source_id, .. } => {
                    let p = d.index_of(data_source_id).unwrap();
                    assert!(p < k && d.kind(p) == NotionKind::DataSource);
                }
                _ => {}
            }
            if k > 0 {
                assert!(d.item(k - 1).last_edited_time > item.last_edited_time);
            }
        }
        // Every row is listed by its data source, and only there.
        let rows: usize = (0..500).filter(|&k| d.kind(k) == NotionKind::DataSource).map(|ds| d.rows(ds).count()).sum();
        let expected = (0..500).filter(|&k| matches!(d.parent(k), NotionParent::DataSource { .. })).count();
        assert_eq!(rows, expected);
        assert!(rows > 20 && (0..500).any(|k| !d.in_search(k)));
        assert_eq!(d.index_of("00000000-0000-4000-8000-000000000000"), None);
    }
}
