//! Deterministic datasets. Every item is a pure function of (seed, index), so a 100,000-item
//! dataset costs nothing until a page of it is asked for, and tests can regenerate any item to
//! compare against what a loader returned.

// Each provider's dataset lives in its own folder, beside its routes.
pub use crate::providers::airtable::dataset as airtable;
pub use crate::providers::hubspot::dataset as hubspot;
pub(crate) mod names;
pub use crate::providers::notion::dataset as notion;

use chrono::{DateTime, SecondsFormat, TimeZone, Utc};

pub use airtable::AirtableData;
pub use hubspot::HubspotData;
pub use notion::NotionData;

use crate::config::{DatasetSize, ProviderId};

/// All three providers' data for one sandbox.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub hubspot: HubspotData,
    pub airtable: AirtableData,
    pub notion: NotionData,
}

impl Dataset {
    pub fn new(seed: u64, size: DatasetSize) -> Self {
        Dataset {
            hubspot: HubspotData::new(seed, size[ProviderId::Hubspot]),
            airtable: AirtableData::new(seed, size[ProviderId::Airtable]),
            notion: NotionData::new(seed, size[ProviderId::Notion]),
        }
    }
}

/// SplitMix64 over (seed, tag, index): cheap, well mixed, stable across platforms.
pub(crate) fn mix(seed: u64, tag: u64, index: u64) -> u64 {
    let mut z = seed
        .wrapping_add(tag.wrapping_mul(0x9E37_79B9_7F4A_7C15))
        .wrapping_add(index.wrapping_mul(0xBF58_476D_1CE4_E5B9));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

pub(crate) fn pick<'a>(list: &[&'a str], h: u64) -> &'a str {
    list[(h % list.len() as u64) as usize]
}

/// `len` characters of base62 drawn from `h` and its successors (Airtable-style ids).
pub(crate) fn base62(mut h: u64, len: usize) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut out = String::with_capacity(len);
    for i in 0..len {
        if i % 10 == 9 {
            h = mix(h, 7, i as u64);
        }
        out.push(ALPHABET[(h % 62) as usize] as char);
        h /= 62;
    }
    out
}

/// The dataset's time axis: items are created between 2021 and 2025, and edited after creation.
pub(crate) fn created_at(h: u64) -> DateTime<Utc> {
    let start = Utc.with_ymd_and_hms(2021, 1, 4, 8, 0, 0).unwrap().timestamp_millis();
    let span_ms: i64 = 4 * 365 * 24 * 3600 * 1000;
    Utc.timestamp_millis_opt(start + (h % span_ms as u64) as i64).unwrap()
}

pub(crate) fn modified_after(created: DateTime<Utc>, h: u64) -> DateTime<Utc> {
    let max_ms: u64 = 300 * 24 * 3600 * 1000;
    created + chrono::Duration::milliseconds((h % max_ms) as i64)
}

/// RFC 3339 with milliseconds and `Z`, the format all three providers use.
pub fn rfc3339_millis(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mix_is_stable_and_spreads() {
        assert_eq!(mix(1, 2, 3), mix(1, 2, 3));
        assert_ne!(mix(1, 2, 3), mix(1, 2, 4));
        assert_ne!(mix(1, 2, 3), mix(2, 2, 3));
    }

    #[test]
    fn base62_has_requested_length() {
        assert_eq!(base62(12345, 14).len(), 14);
        assert!(base62(u64::MAX, 14).chars().all(|c| c.is_ascii_alphanumeric()));
    }
}
