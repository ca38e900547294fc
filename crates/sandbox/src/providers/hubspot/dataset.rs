//! HubSpot CRM objects: contacts, companies and deals with sequential numeric ids, as HubSpot
//! assigns them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::dataset::names::*;
use crate::dataset::{created_at, mix, modified_after, pick, rfc3339_millis};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ObjectType {
    Contacts,
    Companies,
    Deals,
}

impl ObjectType {
    pub const ALL: [ObjectType; 3] = [ObjectType::Contacts, ObjectType::Companies, ObjectType::Deals];

    /// Accepts the plural name or HubSpot's object type id (`0-1`, `0-2`, `0-3`).
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "contacts" | "contact" | "0-1" => Some(ObjectType::Contacts),
            "companies" | "company" | "0-2" => Some(ObjectType::Companies),
            "deals" | "deal" | "0-3" => Some(ObjectType::Deals),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ObjectType::Contacts => "contacts",
            ObjectType::Companies => "companies",
            ObjectType::Deals => "deals",
        }
    }

    pub fn type_id(self) -> &'static str {
        match self {
            ObjectType::Contacts => "0-1",
            ObjectType::Companies => "0-2",
            ObjectType::Deals => "0-3",
        }
    }

    /// The scope a token needs to read this object type.
    pub fn read_scope(self) -> &'static str {
        match self {
            ObjectType::Contacts => "crm.objects.contacts.read",
            ObjectType::Companies => "crm.objects.companies.read",
            ObjectType::Deals => "crm.objects.deals.read",
        }
    }

    /// Properties returned when a request names none (HubSpot's defaults).
    pub fn default_properties(self) -> &'static [&'static str] {
        match self {
            ObjectType::Contacts => &["firstname", "lastname", "email"],
            ObjectType::Companies => &["name", "domain"],
            ObjectType::Deals => &["dealname", "amount", "dealstage", "pipeline", "closedate"],
        }
    }

    /// Properties HubSpot always adds to a record, requested or not.
    pub fn always_properties(self) -> &'static [&'static str] {
        match self {
            ObjectType::Contacts => &["createdate", "lastmodifieddate", "hs_object_id"],
            _ => &["createdate", "hs_lastmodifieddate", "hs_object_id"],
        }
    }

    /// The property a record is named by (a contact is named by its first name, too).
    pub fn name_property(self) -> &'static str {
        match self {
            ObjectType::Contacts => "firstname",
            ObjectType::Companies => "name",
            ObjectType::Deals => "dealname",
        }
    }

    fn first_id(self) -> u64 {
        match self {
            ObjectType::Contacts => 10_000_001,
            ObjectType::Companies => 20_000_001,
            ObjectType::Deals => 30_000_001,
        }
    }

    fn tag(self) -> u64 {
        match self {
            ObjectType::Contacts => 101,
            ObjectType::Companies => 102,
            ObjectType::Deals => 103,
        }
    }
}

/// One CRM record with every property it has (absent ones are `None`, which HubSpot sends as null).
#[derive(Debug, Clone, PartialEq)]
pub struct CrmObject {
    pub object_type: ObjectType,
    pub id: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub properties: Vec<(&'static str, Option<String>)>,
}

impl CrmObject {
    pub fn property(&self, name: &str) -> Option<&str> {
        self.properties.iter().find(|(k, _)| *k == name).and_then(|(_, v)| v.as_deref())
    }

    /// Sets a property it has.
    pub fn set(&mut self, name: &str, value: String) {
        if let Some((_, v)) = self.properties.iter_mut().find(|(k, _)| *k == name) {
            *v = Some(value);
        }
    }
}

#[derive(Debug, Clone)]
pub struct HubspotData {
    seed: u64,
    counts: [usize; 3],
    /// The portal (account) id used in record URLs.
    pub portal_id: u64,
}

impl HubspotData {
    pub fn new(seed: u64, items: usize) -> Self {
        let contacts = items / 2;
        let companies = items / 4;
        let deals = items - contacts - companies;
        HubspotData { seed, counts: [contacts, companies, deals], portal_id: 40_000_000 + mix(seed, 1, 0) % 9_000_000 }
    }

    pub fn count(&self, t: ObjectType) -> usize {
        self.counts[t as usize]
    }

    pub fn total(&self) -> usize {
        self.counts.iter().sum()
    }

    /// Position of the record with this id in its type's listing, if it exists.
    pub fn index_of(&self, t: ObjectType, id: &str) -> Option<usize> {
        self.position(t, id).filter(|&i| i < self.count(t))
    }

    /// The position an id stands for (records added while the sandbox runs come after the
    /// generated ones).
    pub fn position(&self, t: ObjectType, id: &str) -> Option<usize> {
        let n: u64 = id.parse().ok()?;
        Some(n.checked_sub(t.first_id())? as usize)
    }

    /// The id of the record at `position`.
    pub fn id(&self, t: ObjectType, position: usize) -> String {
        (t.first_id() + position as u64).to_string()
    }

    pub fn object(&self, t: ObjectType, i: usize) -> CrmObject {
        let h = |k: u64| mix(self.seed, t.tag() * 1000 + k, i as u64);
        let id = (t.first_id() + i as u64).to_string();
        let created = created_at(h(0));
        let updated = modified_after(created, h(1));
        let created_s = rfc3339_millis(created);
        let updated_s = rfc3339_millis(updated);
        let mut properties: Vec<(&'static str, Option<String>)> = Vec::with_capacity(8);
        match t {
            ObjectType::Contacts => {
                let first = pick(FIRST_NAMES, h(2));
                let last = pick(LAST_NAMES, h(3));
                let company = pick(COMPANY_PREFIXES, h(4)).to_lowercase();
                let email = format!("{}.{}{}@{}.example", ascii(first), ascii(last), i, company);
                // Some contacts only have an email, as when a form captured nothing else.
                let nameless = h(5) % 13 == 0;
                properties.push(("firstname", (!nameless).then(|| first.to_string())));
                properties.push(("lastname", (!nameless).then(|| last.to_string())));
                properties.push(("email", Some(email)));
                properties.push(("lastmodifieddate", Some(updated_s)));
            }
            ObjectType::Companies => {
                let prefix = pick(COMPANY_PREFIXES, h(2));
                let suffix = pick(COMPANY_SUFFIXES, h(3));
                let domain = format!("{}-{}{}.example", prefix.to_lowercase(), suffix.to_lowercase(), i);
                let unnamed = h(5) % 17 == 0;
                properties.push(("name", (!unnamed).then(|| format!("{prefix} {suffix}"))));
                properties.push(("domain", Some(domain)));
                properties.push(("hs_lastmodifieddate", Some(updated_s)));
            }
            ObjectType::Deals => {
                let kind = pick(DEAL_KINDS, h(2));
                let company = pick(COMPANY_PREFIXES, h(3));
                let amount = 500 + h(4) % 95_000;
                let close = modified_after(created, h(6));
                properties.push(("dealname", Some(format!("{company} — {kind}"))));
                properties.push(("amount", Some(amount.to_string())));
                properties.push(("dealstage", Some(pick(DEAL_STAGES, h(5)).to_string())));
                properties.push(("pipeline", Some("default".to_string())));
                properties.push(("closedate", Some(rfc3339_millis(close))));
                properties.push(("hs_lastmodifieddate", Some(updated_s)));
            }
        }
        properties.push(("createdate", Some(created_s)));
        properties.push(("hs_object_id", Some(id.clone())));
        CrmObject { object_type: t, id, created_at: created, updated_at: updated, properties }
    }
}

fn ascii(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            'é' | 'è' => Some('e'),
            'ø' => Some('o'),
            'ö' | 'ó' => Some('o'),
            'ü' | 'ú' => Some('u'),
            'á' => Some('a'),
            'í' => Some('i'),
            c if c.is_ascii_alphanumeric() => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_counts_split() {
        let d = HubspotData::new(7, 1000);
        assert_eq!(d.total(), 1000);
        for t in ObjectType::ALL {
            let last = d.count(t) - 1;
            let o = d.object(t, last);
            assert_eq!(d.index_of(t, &o.id), Some(last));
            assert_eq!(d.index_of(t, &(o.id.parse::<u64>().unwrap() + 1).to_string()), None);
            assert!(o.updated_at >= o.created_at);
        }
    }
}
