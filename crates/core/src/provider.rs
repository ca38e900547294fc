//! The three providers as data: URLs, client authentication, token body format, PKCE, extra
//! authorize parameters, headers and token rules. Code elsewhere reads these instead of matching
//! on the provider, except where data cannot say it (mapping JSON to items). Who the providers
//! are (ids, names) is the shared `tributary-provider-id` crate.

pub use tributary_provider_id::{PerProvider, ProviderId, UnknownProvider, NOTION_VERSION};

/// A provider's spec, as a method on its id (the id lives in the shared leaf crate).
pub trait Spec {
    fn spec(self) -> &'static ProviderSpec;
}

impl Spec for ProviderId {
    fn spec(self) -> &'static ProviderSpec {
        match self {
            ProviderId::Hubspot => &HUBSPOT,
            ProviderId::Airtable => &AIRTABLE,
            ProviderId::Notion => &NOTION,
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
    /// `client_id` and `client_secret` in the body (HubSpot).
    RequestBody,
    /// HTTP Basic when a secret is configured, otherwise `client_id` in the body (Airtable).
    BasicIfSecret,
    /// Always HTTP Basic (Notion).
    Basic,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenBody {
    Form,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pkce {
    /// The provider requires S256 (Airtable).
    Required,
    /// The provider verifies S256 when a challenge was sent (HubSpot); we always send one.
    Supported,
    /// Not documented by the provider: sending it would be ignored at best (Notion).
    Unsupported,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revocation {
    /// No documented revocation endpoint: disconnecting forgets the tokens.
    None,
    /// `DELETE {api_base}oauth/v1/refresh-tokens/{refresh_token}` (HubSpot).
    DeleteRefreshToken,
    /// `POST {api_base}v1/oauth/revoke {"token"}` with Basic auth (Notion).
    PostRevoke,
}

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
    /// Headers every API and token call carries.
    pub headers: &'static [(&'static str, &'static str)],
    /// Refresh replaces both tokens and kills the old pair (Airtable, Notion).
    pub rotates_refresh_token: bool,
    /// Lifetime to assume when the token response has no `expires_in` (None: does not expire).
    pub default_expires_in: Option<u64>,
    pub revocation: Revocation,
    /// The domains of the provider's own web app: an item's link is opened only when it is an
    /// https address on one of these (or a subdomain), or on the configured API base's origin.
    pub web_domains: &'static [&'static str],
}

pub static HUBSPOT: ProviderSpec = ProviderSpec {
    id: ProviderId::Hubspot,
    authorize_url: "https://app.hubspot.com/oauth/authorize",
    token_url: "https://api.hubapi.com/oauth/v1/token",
    api_base: "https://api.hubapi.com/",
    default_scopes: &["oauth", "crm.objects.contacts.read", "crm.objects.companies.read", "crm.objects.deals.read"],
    client_auth: ClientAuth::RequestBody,
    token_body: TokenBody::Form,
    pkce: Pkce::Supported,
    extra_authorize_params: &[],
    headers: &[],
    rotates_refresh_token: false,
    default_expires_in: Some(1800),
    revocation: Revocation::DeleteRefreshToken,
    web_domains: &["hubspot.com"],
};

pub static AIRTABLE: ProviderSpec = ProviderSpec {
    id: ProviderId::Airtable,
    authorize_url: "https://airtable.com/oauth2/v1/authorize",
    token_url: "https://airtable.com/oauth2/v1/token",
    api_base: "https://api.airtable.com/",
    default_scopes: &["data.records:read", "schema.bases:read"],
    client_auth: ClientAuth::BasicIfSecret,
    token_body: TokenBody::Form,
    pkce: Pkce::Required,
    extra_authorize_params: &[],
    headers: &[],
    rotates_refresh_token: true,
    default_expires_in: Some(3600),
    revocation: Revocation::None,
    web_domains: &["airtable.com"],
};

pub static NOTION: ProviderSpec = ProviderSpec {
    id: ProviderId::Notion,
    authorize_url: "https://api.notion.com/v1/oauth/authorize",
    token_url: "https://api.notion.com/v1/oauth/token",
    api_base: "https://api.notion.com/",
    default_scopes: &[],
    client_auth: ClientAuth::Basic,
    token_body: TokenBody::Json,
    pkce: Pkce::Unsupported,
    extra_authorize_params: &[("owner", "user")],
    headers: &[("Notion-Version", NOTION_VERSION)],
    rotates_refresh_token: true,
    default_expires_in: None,
    revocation: Revocation::PostRevoke,
    web_domains: &["notion.so", "notion.site", "notion.com"],
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_provider_has_its_spec() {
        for p in ProviderId::ALL {
            assert_eq!(p.spec().id, p);
        }
    }
}
