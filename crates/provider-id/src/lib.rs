//! The providers' identity, shared by the core, the sandbox and everything else in the
//! workspace, so that there is one list of providers, one spelling of each, and one Notion API
//! version. What a provider *does* lives in its own folder of the core and of the sandbox; this
//! crate only says who it is.

use std::fmt;
use std::ops::{Index, IndexMut};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// One of the providers the app connects to. Adding one here makes every `PerProvider` and
/// every exhaustive `match` in the workspace say where it still needs a place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProviderId {
    Hubspot,
    Airtable,
    Notion,
}

/// The Notion API versions this workspace speaks, client and sandbox alike, newest first:
/// 2026-03-11 (`in_trash` only, no `archived`) and 2025-09-03 (data sources; `archived` too).
pub const NOTION_VERSIONS: [&str; 2] = ["2026-03-11", "2025-09-03"];

/// The Notion API version used unless `NOTION_API_VERSION` names another.
pub const NOTION_VERSION: &str = NOTION_VERSIONS[0];

impl ProviderId {
    pub const ALL: [ProviderId; 3] = [ProviderId::Hubspot, ProviderId::Airtable, ProviderId::Notion];

    /// Lower-case name used in store keys, commands, URLs of the sandbox and setting prefixes.
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderId::Hubspot => "hubspot",
            ProviderId::Airtable => "airtable",
            ProviderId::Notion => "notion",
        }
    }

    /// The name a person reads.
    pub fn display_name(self) -> &'static str {
        match self {
            ProviderId::Hubspot => "HubSpot",
            ProviderId::Airtable => "Airtable",
            ProviderId::Notion => "Notion",
        }
    }

    /// The name of one of this provider's settings: `setting("CLIENT_ID")` is `HUBSPOT_CLIENT_ID`.
    pub fn setting(self, suffix: &str) -> String {
        format!("{}_{suffix}", self.as_str().to_ascii_uppercase())
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for ProviderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.display_name())
    }
}

/// A name that is no provider's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownProvider(pub String);

impl fmt::Display for UnknownProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let known: Vec<&str> = ProviderId::ALL.iter().map(|p| p.as_str()).collect();
        write!(f, "unknown provider `{}` (expected one of: {})", self.0, known.join(", "))
    }
}

impl std::error::Error for UnknownProvider {}

impl FromStr for ProviderId {
    type Err = UnknownProvider;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ProviderId::ALL.into_iter().find(|p| p.as_str().eq_ignore_ascii_case(s.trim())).ok_or_else(|| UnknownProvider(s.to_string()))
    }
}

/// Exactly one value per provider, indexed by `ProviderId` (never by position or by field
/// name), so a new provider cannot be forgotten.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PerProvider<T>([T; 3]);

impl<T> PerProvider<T> {
    /// Values in the order of [`ProviderId::ALL`] (for constants).
    pub const fn in_order(values: [T; 3]) -> Self {
        PerProvider(values)
    }

    pub fn from_fn(mut f: impl FnMut(ProviderId) -> T) -> Self {
        PerProvider(ProviderId::ALL.map(&mut f))
    }

    pub fn all(value: T) -> Self
    where
        T: Clone,
    {
        PerProvider::from_fn(|_| value.clone())
    }

    pub fn get(&self, provider: ProviderId) -> &T {
        &self.0[provider.index()]
    }

    pub fn get_mut(&mut self, provider: ProviderId) -> &mut T {
        &mut self.0[provider.index()]
    }

    pub fn iter(&self) -> impl Iterator<Item = (ProviderId, &T)> {
        ProviderId::ALL.into_iter().zip(self.0.iter())
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = (ProviderId, &mut T)> {
        ProviderId::ALL.into_iter().zip(self.0.iter_mut())
    }

    pub fn map<U>(&self, mut f: impl FnMut(ProviderId, &T) -> U) -> PerProvider<U> {
        PerProvider::from_fn(|p| f(p, self.get(p)))
    }
}

impl<T> Index<ProviderId> for PerProvider<T> {
    type Output = T;
    fn index(&self, provider: ProviderId) -> &T {
        self.get(provider)
    }
}

impl<T> IndexMut<ProviderId> for PerProvider<T> {
    fn index_mut(&mut self, provider: ProviderId) -> &mut T {
        self.get_mut(provider)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_back_and_settings_are_prefixed() {
        for p in ProviderId::ALL {
            assert_eq!(p.as_str().parse::<ProviderId>().unwrap(), p);
            assert_eq!(p.display_name().parse::<ProviderId>().unwrap(), p, "case-insensitive");
            assert_eq!(serde_json::to_value(p).unwrap(), p.as_str());
        }
        assert_eq!(ProviderId::Hubspot.setting("CLIENT_ID"), "HUBSPOT_CLIENT_ID");
        let err = "salesforce".parse::<ProviderId>().unwrap_err().to_string();
        assert!(err.contains("salesforce") && err.contains("hubspot, airtable, notion"), "{err}");
    }

    #[test]
    fn per_provider_holds_one_value_each_in_the_order_of_all() {
        let mut ports = PerProvider::in_order([7401, 7402, 7403]);
        assert_eq!(ports[ProviderId::Airtable], 7402);
        ports[ProviderId::Notion] = 1;
        let pairs: Vec<(ProviderId, u16)> = ports.iter().map(|(p, v)| (p, *v)).collect();
        assert_eq!(pairs, [(ProviderId::Hubspot, 7401), (ProviderId::Airtable, 7402), (ProviderId::Notion, 1)]);
        assert_eq!(PerProvider::from_fn(ProviderId::as_str).map(|_, s| s.len())[ProviderId::Hubspot], 7);
    }
}
