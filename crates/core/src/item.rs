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
    /// The provider's parent: an item of the same load, or one outside it (a page shared without
    /// the page it sits in); `None` at the top.
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

/// Parses the providers' timestamps (`2024-01-02T03:04:05.678Z`) without chrono's general
/// parser, which costs more than the rest of an item's mapping; anything else goes to chrono.
pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    fast_utc(s).or_else(|| s.parse::<DateTime<Utc>>().ok())
}

fn fast_utc(s: &str) -> Option<DateTime<Utc>> {
    let b = s.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' || *b.last()? != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |acc, c| c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0')))
    };
    let nanos = match &b[19..b.len() - 1] {
        [] => 0,
        [b'.', frac @ ..] if (1..=9).contains(&frac.len()) => {
            let digits = num(20..b.len() - 1)?;
            digits * 10u32.pow(9 - frac.len() as u32)
        }
        _ => return None,
    };
    let date = chrono::NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)?;
    let time = chrono::NaiveTime::from_hms_nano_opt(num(11..13)?, num(14..16)?, num(17..19)?, nanos)?;
    Some(DateTime::from_naive_utc_and_offset(date.and_time(time), Utc))
}

#[cfg(test)]
mod time_tests {
    use super::*;

    #[test]
    fn fast_path_agrees_with_chrono() {
        for s in ["2024-01-02T03:04:05.678Z", "2021-12-31T23:59:59Z", "2025-11-20T17:00:00.000Z", "2024-02-29T00:00:00.1Z"] {
            assert_eq!(fast_utc(s), s.parse::<DateTime<Utc>>().ok(), "{s}");
        }
        assert_eq!(parse_time("2024-01-02T03:04:05+02:00"), "2024-01-02T01:04:05Z".parse().ok(), "offsets go to chrono");
        assert_eq!(parse_time("2024-13-02T03:04:05Z"), None);
        assert_eq!(parse_time("yesterday"), None);
    }
}
