//! Which item links the app will hand to the system opener. Links come from the providers (a
//! page's own `url`, an account's web domain), so a hostile or broken answer could carry a
//! `javascript:`, `file:` or look-alike address. Only https addresses on the provider's own web
//! domains are kept, or addresses on the configured API base's origin (so a sandbox or a proxy
//! the user points the app at can serve its own pages).

use std::sync::Arc;

use url::{Host, Url};

use crate::config::ProviderSettings;

/// `base` (an API root ending in `/`) with `segments` appended, each percent-encoded as one path
/// segment, so no id can climb out of its place in the path or add a query.
pub fn with_segments(base: &Url, segments: &[&str]) -> Url {
    let mut url = base.clone();
    if let Ok(mut path) = url.path_segments_mut() {
        path.pop_if_empty().extend(segments);
    }
    url
}

/// What a path segment must have percent-encoded (the WHATWG URL standard's path-segment set):
/// an id from a provider can hold `/`, `?`, `#` or a space and must stay one segment.
const SEGMENT: &percent_encoding::AsciiSet =
    &percent_encoding::CONTROLS.add(b' ').add(b'"').add(b'#').add(b'<').add(b'>').add(b'`').add(b'?').add(b'{').add(b'}').add(b'/').add(b'%');

/// `s` as one percent-encoded path segment, for links built from ids (borrowed when nothing
/// needs encoding, as with the usual ids).
pub fn segment(s: &str) -> percent_encoding::PercentEncode<'_> {
    percent_encoding::utf8_percent_encode(s, SEGMENT)
}

/// The links one provider's items may carry.
#[derive(Debug, Clone)]
pub struct LinkPolicy(Arc<Policy>);

#[derive(Debug)]
struct Policy {
    domains: &'static [&'static str],
    api_base: Url,
}

impl LinkPolicy {
    pub fn for_provider(settings: &ProviderSettings) -> Self {
        LinkPolicy(Arc::new(Policy { domains: settings.spec().web_domains, api_base: settings.api_base.clone() }))
    }

    /// The link in its normalised form when it may be opened, `None` when it may not.
    pub fn check(&self, raw: &str) -> Option<String> {
        let url = Url::parse(raw).ok()?;
        self.allows(&url).then(|| url.into())
    }

    pub fn allows(&self, url: &Url) -> bool {
        if !url.username().is_empty() || url.password().is_some() {
            return false;
        }
        // The API base's origin, compared part by part (`Url::origin` allocates, and a page-based
        // load checks every item's link).
        let api = &self.0.api_base;
        if url.scheme() == api.scheme() && url.host() == api.host() && url.port_or_known_default() == api.port_or_known_default() {
            return true;
        }
        let Some(Host::Domain(host)) = url.host() else { return false };
        let host = host.trim_end_matches('.');
        url.scheme() == "https"
            && self.0.domains.iter().any(|d| {
                host.eq_ignore_ascii_case(d)
                    || host.len() > d.len() + 1
                        && host[host.len() - d.len()..].eq_ignore_ascii_case(d)
                        && host.as_bytes()[host.len() - d.len() - 1] == b'.'
            })
    }
}

#[cfg(test)]
mod tests;
