//! Airtable bases, their tables (with a schema and a primary field) and the tables' records.
//! Records carry only `createdTime`; one table in three has a field of type `lastModifiedTime`,
//! the only place Airtable keeps a modification time. Large datasets have more than ten bases,
//! so the per-user limit across bases matters as well as each base's own.

use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

use crate::dataset::names::*;
use crate::dataset::{base62, created_at, mix, modified_after, pick, rfc3339_millis};

pub const TABLES_PER_BASE: usize = 3;
pub const MAX_BASES: usize = 24;
/// Items per base, roughly: 60,000 items make twelve bases.
const ITEMS_PER_BASE: usize = 5_000;

/// The name of the `lastModifiedTime` field, in the tables that have one.
pub const MODIFIED_FIELD: &str = "Last modified";

#[derive(Debug, Clone, PartialEq)]
pub struct Base {
    pub index: usize,
    pub id: String,
    pub name: String,
    pub permission_level: &'static str,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub base_index: usize,
    pub index: usize,
    pub id: String,
    pub name: String,
    pub primary_field_id: String,
    pub fields: Vec<Field>,
    pub view_id: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub id: String,
    pub name: &'static str,
    pub kind: &'static str,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub id: String,
    pub created_time: DateTime<Utc>,
    /// The value of the table's `lastModifiedTime` field, in tables that have one (and not in
    /// every record: one in fifty has none).
    pub modified_time: Option<DateTime<Utc>>,
    /// Field name to value; empty fields are left out, as Airtable does.
    pub fields: Map<String, Value>,
}

impl Record {
    /// The primary field's value, if the record has one.
    pub fn primary_value(&self) -> Option<&str> {
        self.fields.get("Name").and_then(Value::as_str)
    }
}

#[derive(Debug, Clone)]
pub struct AirtableData {
    seed: u64,
    bases: usize,
    /// Records per table, indexed by `base * TABLES_PER_BASE + table`.
    records: Vec<usize>,
}

impl AirtableData {
    /// How many bases a dataset of `items` has.
    pub fn bases_for(items: usize) -> usize {
        (items / ITEMS_PER_BASE + 1).clamp(1, MAX_BASES)
    }

    pub fn new(seed: u64, items: usize) -> Self {
        let bases = Self::bases_for(items);
        let tables = bases * TABLES_PER_BASE;
        let record_total = items.saturating_sub(bases + tables);
        let records = (0..tables)
            .map(|t| record_total / tables + usize::from(t < record_total % tables))
            .collect();
        AirtableData { seed, bases, records }
    }

    pub fn base_count(&self) -> usize {
        self.bases
    }

    pub fn total(&self) -> usize {
        self.bases * (1 + TABLES_PER_BASE) + self.records.iter().sum::<usize>()
    }

    pub fn record_count(&self, base: usize, table: usize) -> usize {
        self.records[base * TABLES_PER_BASE + table]
    }

    pub fn base(&self, b: usize) -> Base {
        let h = mix(self.seed, 201, b as u64);
        let levels = ["create", "edit", "comment", "read"];
        Base {
            index: b,
            id: format!("app{}", base62(h, 14)),
            name: BASE_NAMES[(b + (h % 3) as usize) % BASE_NAMES.len()].to_string(),
            permission_level: levels[(h >> 8) as usize % levels.len()],
        }
    }

    pub fn base_index(&self, id: &str) -> Option<usize> {
        (0..self.bases).find(|&b| self.base(b).id == id)
    }

    pub fn table(&self, b: usize, t: usize) -> Table {
        let key = (b * TABLES_PER_BASE + t) as u64;
        let h = |k: u64| mix(self.seed, 210 + k, key);
        let field = |k: u64, name, kind| Field { id: format!("fld{}", base62(h(k), 14)), name, kind };
        let mut fields = vec![
            field(10, "Name", "singleLineText"),
            field(11, "Status", "singleSelect"),
            field(12, "Notes", "multilineText"),
            field(13, "Due", "date"),
        ];
        if Self::has_modified_field(t) {
            fields.push(field(14, MODIFIED_FIELD, "lastModifiedTime"));
        }
        Table {
            base_index: b,
            index: t,
            id: format!("tbl{}", base62(h(0), 14)),
            name: TABLE_NAMES[(b * 5 + t * 3 + (h(1) % 2) as usize) % TABLE_NAMES.len()].to_string(),
            primary_field_id: fields[0].id.clone(),
            fields,
            view_id: format!("viw{}", base62(h(2), 14)),
        }
    }

    /// Whether a table (by its place in its base) has a `lastModifiedTime` field.
    pub fn has_modified_field(t: usize) -> bool {
        t % 3 == 1
    }

    /// Finds a table by id or by name, as the records endpoint accepts either.
    pub fn table_index(&self, b: usize, id_or_name: &str) -> Option<usize> {
        (0..TABLES_PER_BASE).find(|&t| {
            let table = self.table(b, t);
            table.id == id_or_name || table.name == id_or_name
        })
    }

    pub fn record(&self, b: usize, t: usize, r: usize) -> Record {
        let key = ((b * TABLES_PER_BASE + t) as u64) << 32 | r as u64;
        let h = |k: u64| mix(self.seed, 230 + k, key);
        let created = created_at(h(0));
        let mut fields = Map::new();
        // One record in 97 has an empty primary field: loaders must still name it.
        if h(1) % 97 != 0 {
            let name = match t % 3 {
                0 => format!("{} {}", pick(TOPICS, h(2)), pick(QUALIFIERS, h(3))),
                1 => format!("{} {}", pick(FIRST_NAMES, h(2)), pick(LAST_NAMES, h(3))),
                _ => format!("{} {}", pick(COMPANY_PREFIXES, h(2)), pick(COMPANY_SUFFIXES, h(3))),
            };
            fields.insert("Name".into(), json!(name));
        }
        fields.insert("Status".into(), json!(pick(STATUSES, h(4))));
        if h(5) % 3 != 0 {
            fields.insert("Notes".into(), json!(format!("Follow up on {}.", pick(TOPICS, h(6)).to_lowercase())));
        }
        fields.insert("Due".into(), json!(modified_after(created, h(7)).format("%Y-%m-%d").to_string()));
        let modified_time = (Self::has_modified_field(t) && h(9) % 50 != 0).then(|| modified_after(created, h(10)));
        if let Some(m) = modified_time {
            fields.insert(MODIFIED_FIELD.into(), json!(rfc3339_millis(m)));
        }
        Record { id: format!("rec{}", base62(h(8), 14)), created_time: created, modified_time, fields }
    }

    pub fn base_json(&self, b: usize) -> Value {
        let base = self.base(b);
        json!({ "id": base.id, "name": base.name, "permissionLevel": base.permission_level })
    }

    pub fn table_json(&self, b: usize, t: usize) -> Value {
        let table = self.table(b, t);
        let fields: Vec<Value> = table
            .fields
            .iter()
            .map(|f| {
                let mut v = json!({ "id": f.id, "name": f.name, "type": f.kind });
                if f.kind == "singleSelect" {
                    v["options"] = json!({ "choices": STATUSES.iter().map(|s| json!({ "name": s })).collect::<Vec<_>>() });
                }
                if f.kind == "lastModifiedTime" {
                    v["options"] = json!({
                        "isValid": true,
                        "referencedFieldIds": [],
                        "result": { "type": "dateTime", "options": { "dateFormat": { "name": "iso" }, "timeFormat": { "name": "24hour" }, "timeZone": "utc" } },
                    });
                }
                v
            })
            .collect();
        json!({
            "id": table.id,
            "name": table.name,
            "primaryFieldId": table.primary_field_id,
            "fields": fields,
            "views": [{ "id": table.view_id, "name": "Grid view", "type": "grid" }],
        })
    }

    pub fn record_json(&self, b: usize, t: usize, r: usize) -> Value {
        let rec = self.record(b, t, r);
        json!({ "id": rec.id, "createdTime": rfc3339_millis(rec.created_time), "fields": rec.fields })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_add_up() {
        for n in [0, 5, 60, 2500, 100_000] {
            let d = AirtableData::new(1, n);
            if n >= 12 {
                assert_eq!(d.total(), n, "n={n}");
            }
        }
        assert_eq!(AirtableData::new(1, 100_000).base_count(), 21, "more than ten bases: the per-user limit binds");
        assert_eq!(AirtableData::new(1, 60_000).base_count(), 13);
        assert_eq!(AirtableData::new(1, 2_500).base_count(), 1);
    }

    #[test]
    fn lookups_by_id_and_name() {
        let d = AirtableData::new(3, 100);
        let t = d.table(0, 2);
        assert_eq!(d.base_index(&d.base(0).id), Some(0));
        assert_eq!(d.table_index(0, &t.id), Some(2));
        assert_eq!(d.table_index(0, &t.name).map(|i| d.table(0, i).name), Some(t.name));
    }
}
