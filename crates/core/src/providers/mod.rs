//! The providers, one folder each (`hubspot/`, `airtable/`, `notion/`: the spec as data, the
//! listings and their mapping, the quirks as hooks), registered in [`Spec::spec`]. Everything the
//! generic machinery (sign-in, token calls, the request path, pacing, loading) needs from a
//! provider is a field of its [`ProviderSpec`]; nothing outside these folders matches on a
//! provider. Who the providers are (ids, names) is the shared `tributary-provider-id` crate.

mod airtable;
mod hubspot;
mod notion;

use std::time::Duration;

use futures::future::BoxFuture;
use serde_json::Value;

use crate::error::Result;
pub use crate::oauth::token::Account;
use crate::load::{LoadContext, Since};
pub use crate::load::cursor::{CursorParam, CursorStyle};

pub use tributary_provider_id::{PerProvider, ProviderId, UnknownProvider, NOTION_VERSION, NOTION_VERSIONS};

/// A provider's spec, as a method on its id (the id lives in the shared leaf crate).
pub trait Spec {
    fn spec(self) -> &'static ProviderSpec;
}

impl Spec for ProviderId {
    /// The registry: one line per provider.
    fn spec(self) -> &'static ProviderSpec {
        match self {
            ProviderId::Hubspot => &hubspot::SPEC,
            ProviderId::Airtable => &airtable::SPEC,
            ProviderId::Notion => &notion::SPEC,
        }
    }
}

impl From<UnknownProvider> for crate::Error {
    fn from(e: UnknownProvider) -> Self {
        crate::Error::InvalidInput(e.to_string())
    }
}

/// How the client proves who it is on the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    /// `client_id` and `client_secret` in the body.
    RequestBody,
    /// HTTP Basic when a secret is configured, otherwise `client_id` in the body (a public
    /// client, as a desktop app may be).
    BasicIfSecret,
    /// Always HTTP Basic.
    Basic,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenBody {
    Form,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pkce {
    /// The provider requires S256.
    Required,
    /// The provider verifies S256 when a challenge was sent; we always send one.
    Supported,
    /// Not documented by the provider: sending it would be ignored at best.
    Unsupported,
}

/// How a grant is revoked on disconnect, at the provider's revocation URL (its own setting,
/// `{PROVIDER}_REVOKE_URL`, not assumed under the API base). No token ever goes in a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revocation {
    /// No documented revocation endpoint: disconnecting forgets the tokens.
    None,
    /// RFC 7009: `POST {url}` with a form body of the client's id and secret, the refresh
    /// token and `token_type_hint=refresh_token`.
    PostRefreshTokenForm { url: &'static str },
    /// `POST {url} {"token": access_token}` with Basic client authentication.
    PostToken { url: &'static str },
}

impl Revocation {
    pub fn url(&self) -> Option<&'static str> {
        match self {
            Revocation::None => None,
            Revocation::PostRefreshTokenForm { url } | Revocation::PostToken { url } => Some(url),
        }
    }
}

/// A provider's API version, where the client picks one (`{PROVIDER}_API_VERSION`), so a user
/// can move with the provider's releases without a new build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiVersion {
    /// The version used unless the setting names another: the newest the app is tested with.
    pub default: &'static str,
    /// Every version the app is tested with; another is used as asked, with a warning.
    pub tested: &'static [&'static str],
    /// The header the version is sent in (`None`: it goes in the paths, which the loader builds).
    pub header: Option<&'static str>,
}

/// The most requests this app sends in any window of time, a little under the provider's own
/// limit so that network jitter never pushes a burst over the server's count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pacing {
    pub requests: usize,
    pub window: Duration,
    /// A second limit over every key of the load together (a per-user limit across bases),
    /// where the provider has one.
    pub across_keys: Option<(usize, Duration)>,
    /// Keys with limits of their own instead of `requests` per `window` (HubSpot's searches:
    /// their own few per second, apart from the account's budget): key, requests, window.
    pub own_limits: &'static [(&'static str, usize, Duration)],
}

/// What an unsuccessful answer means beyond its status, where a provider says more.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quirk {
    /// The listing's cursor has expired server-side: restart that listing.
    ListingExpired,
}

/// A provider's reload of what changed since a sync (see [`ProviderSpec::changes`]).
pub(crate) type ChangesFn = for<'a> fn(&'a LoadContext, &'a Since) -> BoxFuture<'a, Result<()>>;

#[derive(Debug)]
pub struct ProviderSpec {
    pub id: ProviderId,
    pub authorize_url: &'static str,
    pub token_url: &'static str,
    pub api_base: &'static str,
    pub default_scopes: &'static [&'static str],
    pub client_auth: ClientAuth,
    pub token_body: TokenBody,
    pub pkce: Pkce,
    /// Beyond what every authorize URL carries (client_id, redirect_uri, response_type=code,
    /// scope, state and the PKCE challenge).
    pub extra_authorize_params: &'static [(&'static str, &'static str)],
    /// Headers every API and token call carries (besides the API version's, see `api_version`).
    pub headers: &'static [(&'static str, &'static str)],
    /// The API version the client chooses, where it chooses one.
    pub api_version: Option<ApiVersion>,
    /// Refresh replaces both tokens and kills the old pair.
    pub rotates_refresh_token: bool,
    /// Lifetime to assume when the token response has no `expires_in` (None: does not expire).
    pub default_expires_in: Option<u64>,
    pub revocation: Revocation,
    /// Where a token is introspected (RFC 7662: a form POST with the client's id and secret),
    /// to name the account when the token answer does not (its own setting,
    /// `{PROVIDER}_INTROSPECT_URL`).
    pub introspection: Option<&'static str>,
    /// The domains of the provider's own web app: an item's link is opened only when it is an
    /// https address on one of these (or a subdomain), or on the configured API base's origin.
    pub web_domains: &'static [&'static str],
    /// Where an API error body keeps its human message (JSON pointers, first match wins).
    pub error_paths: &'static [&'static str],
    /// Where a 429's body names the limit it hit (JSON pointers), for the log.
    pub rate_limit_reason: &'static [&'static str],
    /// How its listings page.
    pub cursor: CursorStyle,
    /// Client-side pacing of every request of one load; `None` where the provider's budget is
    /// not announced and may be spent at any pace (a 429's Retry-After then holds the key until
    /// the budget is back).
    pub pacing: Option<Pacing>,
    /// How long to wait after a 429 that carries no usable `Retry-After`.
    pub rate_limit_wait: Duration,
    /// Token-endpoint error codes that mean the grant is gone (reconnect), besides a 401.
    pub grant_rejected_codes: &'static [&'static str],
    /// The account or workspace a token response names, for the connection's summary.
    pub token_account: fn(&Value) -> Option<Account>,
    /// A path under the API base that names the token's account (read with `token_account`),
    /// for providers whose token answers name none and that have no introspection.
    pub whoami: Option<&'static str>,
    /// What an unsuccessful API answer means beyond its status.
    pub classify: fn(status: u16, body: Option<&Value>) -> Option<Quirk>,
    /// Reads every item the connection can see into the load's sink.
    pub(crate) load: for<'a> fn(&'a LoadContext) -> BoxFuture<'a, Result<()>>,
    /// Reads only what changed since the last sync into the sink (with deletions through
    /// `LoadContext::deleted`), where the provider can list changes (see `load::reload`).
    pub(crate) changes: Option<ChangesFn>,
    /// Whether a reload of changes learns of deletions (otherwise only a full load does).
    pub reports_deletions: bool,
}

/// For providers whose errors say nothing beyond their status.
pub(crate) fn no_quirks(_status: u16, _body: Option<&Value>) -> Option<Quirk> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_provider_is_registered_under_its_own_id() {
        for p in ProviderId::ALL {
            assert_eq!(p.spec().id, p);
            assert!(!p.spec().web_domains.is_empty());
            if let Some(pacing) = p.spec().pacing {
                assert!(pacing.requests > 0 && pacing.across_keys.is_none_or(|(n, _)| n >= pacing.requests));
            }
        }
    }
}
