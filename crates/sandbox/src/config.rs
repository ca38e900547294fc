//! What a sandbox serves: its clients, datasets, token lifetimes and rate-limit rules.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;


pub use tributary_provider_id::{PerProvider, ProviderId};

use crate::providers::spec;

/// An OAuth client the fake provider knows, as if registered in its developer console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientRegistration {
    pub client_id: String,
    /// `None` makes a public client (where the provider allows it; a desktop app cannot keep a
    /// secret).
    pub client_secret: Option<String>,
    /// Registered redirect URIs, matched exactly. Empty accepts any loopback `http://localhost`,
    /// `http://127.0.0.1` or `http://[::1]` URI and any custom (non-http) scheme, which is what a
    /// desktop app registers; the token call must still repeat the authorize call's URI exactly.
    pub redirect_uris: Vec<String>,
}

/// How many items each provider's dataset holds (each provider's dataset says how it splits
/// them). Generation is deterministic for a given seed.
pub type DatasetSize = PerProvider<usize>;

pub use crate::ratelimit::{RateLimitRules, RateRule, Scope, ScopedRule};

/// Everything a sandbox needs to start.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Address every provider listens on; the sandbox is meant for loopback.
    pub host: IpAddr,
    /// Port per provider; 0 picks a free one (what tests do).
    pub ports: PerProvider<u16>,
    pub seed: u64,
    pub dataset: DatasetSize,
    /// How many accounts each provider has for the user (portals, users, workspaces),
    /// each with data of its own; the consent page lets the user pick one. The first is the
    /// default, and the one the personal tokens belong to.
    pub accounts: usize,
    pub clients: PerProvider<ClientRegistration>,
    /// Long-lived tokens the sandbox accepts without OAuth (a private-app token, a personal
    /// access token, an internal-integration token).
    pub personal_tokens: PerProvider<String>,
    /// Access-token lifetime; `None` never expires.
    pub access_token_ttl: PerProvider<Option<Duration>>,
    /// How long an authorization code can be exchanged.
    pub code_ttl: Duration,
    /// How long a listing cursor that expires server-side stays valid.
    pub offset_ttl: Duration,
    /// Enforce the documented rate limits.
    pub rate_limits: bool,
    pub rate_limit_rules: RateLimitRules,
    /// Seconds sent in `Retry-After` when a 429 is injected.
    pub retry_after_secs: u64,
    /// The account's web domain, where a provider reports one (e.g. an EU data centre's);
    /// `None`: the provider's usual one.
    pub ui_domain: Option<String>,
    /// Also serve the endpoints providers still answer but are switching off (each provider's
    /// folder says which), to test a client that still uses them.
    pub legacy_endpoints: bool,
    /// Paths answered with a bare 404, as by a server that lacks them.
    pub missing_endpoints: Vec<String>,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            ports: PerProvider::all(0),
            seed: 42,
            dataset: PerProvider::all(60),
            accounts: 2,
            // Every client is registered as in its provider's console (public where the
            // provider allows a client without a secret).
            clients: PerProvider::from_fn(|p| ClientRegistration {
                client_id: format!("sandbox-{}-client", p.as_str()),
                client_secret: spec(p).client_has_secret.then(|| format!("sandbox-{}-secret", p.as_str())),
                redirect_uris: vec![],
            }),
            personal_tokens: PerProvider::from_fn(|p| spec(p).personal_token.to_string()),
            access_token_ttl: PerProvider::from_fn(|p| spec(p).access_token_ttl),
            code_ttl: Duration::from_secs(600),
            offset_ttl: Duration::from_secs(300),
            rate_limits: false,
            rate_limit_rules: PerProvider::from_fn(|p| spec(p).rate_rules.to_vec()),
            retry_after_secs: 1,
            ui_domain: None,
            legacy_endpoints: false,
            missing_endpoints: Vec::new(),
        }
    }
}

/// The fixed ports the sandbox binary uses by default, so a user's `.env` can point at it.
pub const DEFAULT_PORTS: PerProvider<u16> = PerProvider::in_order([7401, 7402, 7403]);
