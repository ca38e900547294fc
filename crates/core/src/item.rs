//! IntegrationItem: the one shape every provider's data is mapped to (the seed's 14 fields).

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct IntegrationItem {
    pub id: String,
    /// What the item is in its provider, e.g. `contact`, `base`, `table`, `record`, `page`, `data_source`.
    #[serde(rename = "type")]
    pub kind: Cow<'static, str>,
    /// Whether the item holds other items (a base, a table, a data source, an object-type folder).
    pub directory: bool,
    pub parent_path_or_name: Option<String>,
    /// Id of an item of the same load, or `None`.
    pub parent_id: Option<String>,
    pub name: String,
    pub creation_time: Option<DateTime<Utc>>,
    pub last_modified_time: Option<DateTime<Utc>>,
    pub url: Option<String>,
    /// Ids of child items of the same load.
    pub children: Vec<String>,
    pub mime_type: Option<String>,
    pub delta: Option<String>,
    pub drive_id: Option<String>,
    pub visibility: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_the_seed_field_names_with_rfc3339_times() {
        let item = IntegrationItem {
            id: "1".into(),
            kind: "contact".into(),
            name: "Ada".into(),
            creation_time: Some("2024-01-02T03:04:05Z".parse().unwrap()),
            visibility: true,
            ..Default::default()
        };
        let v = serde_json::to_value(&item).unwrap();
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys.len(), 14);
        assert_eq!(v["type"], "contact");
        assert_eq!(v["creation_time"], "2024-01-02T03:04:05Z");
    }
}
