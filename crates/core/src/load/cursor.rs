//! How a provider pages a listing, as data: where a page keeps the next cursor (and whether more
//! follow), how the cursor goes back, and the page-size parameter with its maximum. In the
//! spirit of a provider catalogue's pagination block: a new provider states its style instead
//! of writing its own paging code.
//!
//! The cursor is read in one pass over the page that keeps nothing but the values it is asked
//! for (every other value is skipped unparsed), so the next request can leave before the page
//! is mapped.

use std::borrow::Cow;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::Value;
use url::Url;

/// Where the cursor goes on the next request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CursorParam {
    /// A query parameter of that name.
    Query(&'static str),
    /// A field of that name in the JSON body.
    Body(&'static str),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CursorStyle {
    /// The path of object keys to the next page's cursor; absent or `null` on the last page.
    pub next: &'static [&'static str],
    /// The path to a boolean saying whether more pages follow, where a provider says so apart
    /// from the cursor (then a missing cursor while it says `true` is an error).
    pub has_more: Option<&'static [&'static str]>,
    pub send: CursorParam,
    /// The page-size parameter (sent like the cursor) and the largest page it allows.
    pub page_size: Option<(&'static str, u32)>,
}

impl CursorStyle {
    /// Puts the page size and (after the first page) the cursor on a request.
    pub fn apply(&self, url: &mut Url, body: &mut Option<Value>, cursor: Option<&str>) {
        let mut put = |name: &str, value: Value| match self.send {
            CursorParam::Query(_) => {
                let text = value.as_str().map_or_else(|| value.to_string(), String::from);
                url.query_pairs_mut().append_pair(name, &text);
            }
            CursorParam::Body(_) => {
                if let Value::Object(fields) = body.get_or_insert_with(|| Value::Object(Default::default())) {
                    fields.insert(name.to_string(), value);
                }
            }
        };
        if let Some((name, max)) = self.page_size {
            put(name, Value::from(max));
        }
        if let Some(c) = cursor {
            let name = match self.send {
                CursorParam::Query(n) | CursorParam::Body(n) => n,
            };
            put(name, Value::from(c));
        }
    }

    /// The next page's cursor, `None` on the last page; an error (for the caller to name) when
    /// the page is not JSON or says more follow without saying where.
    pub fn next_cursor(&self, page: &[u8]) -> Result<Option<String>, CursorError> {
        let mut paths: Vec<&[&str]> = vec![self.next];
        paths.extend(self.has_more);
        let found = extract(page, &paths).map_err(CursorError::Json)?;
        let next = match &found[0] {
            Some(Found::Text(c)) if !c.is_empty() => Some(c.clone()),
            _ => None,
        };
        match (self.has_more.map(|_| &found[1]), next) {
            (None, next) => Ok(next),
            (Some(Some(Found::Bool(true))), Some(c)) => Ok(Some(c)),
            (Some(Some(Found::Bool(true))), None) => Err(CursorError::Missing(format!("the page says more follow but has no {}", self.next.join(".")))),
            (Some(_), _) => Ok(None),
        }
    }
}

/// Why a page's cursor could not be read.
#[derive(Debug)]
pub enum CursorError {
    /// The page is not JSON.
    Json(serde_json::Error),
    /// Well-formed, but more pages are announced without a cursor to them.
    Missing(String),
}

impl CursorError {
    pub(crate) fn into_error(self, provider: crate::provider::ProviderId) -> crate::Error {
        match self {
            CursorError::Json(e) => super::shape_error(provider, e),
            CursorError::Missing(message) => crate::Error::UnexpectedShape { provider, request: None, message },
        }
    }
}

/// A scalar found at one of the paths asked for.
#[derive(Debug, Clone, PartialEq)]
enum Found {
    Text(String),
    Bool(bool),
    Other,
}

/// Reads the values at `paths` (each a path of object keys) in one pass.
fn extract(body: &[u8], paths: &[&[&str]]) -> Result<Vec<Option<Found>>, serde_json::Error> {
    let mut found = vec![None; paths.len()];
    let targets: Vec<(usize, &[&str])> = paths.iter().copied().enumerate().collect();
    let mut de = serde_json::Deserializer::from_slice(body);
    Seek { targets: &targets, depth: 0, found: &mut found }.deserialize(&mut de)?;
    de.end()?;
    Ok(found)
}

/// Looks for the targets whose path continues below the current depth.
struct Seek<'t, 'p, 'f> {
    targets: &'t [(usize, &'p [&'p str])],
    depth: usize,
    found: &'f mut Vec<Option<Found>>,
}

impl<'de> DeserializeSeed<'de> for Seek<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Seek<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<(), M::Error> {
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            let below: Vec<(usize, &[&str])> =
                self.targets.iter().filter(|(_, p)| p.get(self.depth) == Some(&key.as_ref())).copied().collect();
            if below.is_empty() {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            match below.iter().find(|(_, p)| p.len() == self.depth + 1) {
                // The path ends at this key: its value is the one asked for.
                Some((i, _)) => self.found[*i] = Some(map.next_value::<Scalar>()?.0),
                None => map.next_value_seed(Seek { targets: &below, depth: self.depth + 1, found: &mut *self.found })?,
            }
        }
        Ok(())
    }

    // Anything but an object holds none of the paths.
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
}

/// The value at the end of a path: a string or a boolean; anything else is skipped.
struct Scalar(Found);

impl<'de> serde::Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Scalar;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a cursor or a flag")
            }
            fn visit_str<E>(self, s: &str) -> Result<Scalar, E> {
                Ok(Scalar(Found::Text(s.to_string())))
            }
            fn visit_bool<E>(self, b: bool) -> Result<Scalar, E> {
                Ok(Scalar(Found::Bool(b)))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Scalar, E> {
                Ok(Scalar(Found::Other))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Scalar, E> {
                Ok(Scalar(Found::Other))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Scalar, E> {
                Ok(Scalar(Found::Other))
            }
            fn visit_unit<E>(self) -> Result<Scalar, E> {
                Ok(Scalar(Found::Other))
            }
            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Scalar, M::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Scalar(Found::Other))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Scalar, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Scalar(Found::Other))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests;
