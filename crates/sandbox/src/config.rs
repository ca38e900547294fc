//! What a sandbox serves: its clients, datasets, token lifetimes and rate-limit rules.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;


pub use tributary_provider_id::{PerProvider, ProviderId};

/// An OAuth client the fake provider knows, as if registered in its developer console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientRegistration {
    pub client_id: String,
    /// `None` makes a public client (Airtable allows this; a desktop app cannot keep a secret).
    pub client_secret: Option<String>,
    /// Registered redirect URIs, matched exactly. Empty accepts any loopback `http://localhost`,
    /// `http://127.0.0.1` or `http://[::1]` URI and any custom (non-http) scheme, which is what a
    /// desktop app registers; the token call must still repeat the authorize call's URI exactly.
    pub redirect_uris: Vec<String>,
}

/// How many items each provider's dataset holds. Generation is deterministic for a given seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DatasetSize {
    /// Contacts, companies and deals together (split 2:1:1).
    pub hubspot_items: usize,
    /// Bases, tables and records together (3 tables per base, up to 10 bases).
    pub airtable_items: usize,
    /// Pages and data sources together (about one data source per 20 items).
    pub notion_items: usize,
}

impl DatasetSize {
    pub fn uniform(items: usize) -> Self {
        DatasetSize { hubspot_items: items, airtable_items: items, notion_items: items }
    }

    pub fn get(&self, provider: ProviderId) -> usize {
        match provider {
            ProviderId::Hubspot => self.hubspot_items,
            ProviderId::Airtable => self.airtable_items,
            ProviderId::Notion => self.notion_items,
        }
    }
}

/// The providers' documented request limits. `SandboxConfig::rate_limits` switches them on.
#[derive(Debug, Clone, PartialEq)]
pub struct RateLimitRules {
    /// HubSpot: requests per rolling window per installed account (110 per 10 s).
    pub hubspot_max: usize,
    pub hubspot_window: Duration,
    /// Airtable: requests per second per base (5), and how long a client that exceeds it is
    /// refused afterwards (30 s).
    pub airtable_per_second: usize,
    pub airtable_penalty: Duration,
    /// Notion: average requests per second per connection (3) and the burst allowed above it.
    pub notion_per_second: f64,
    pub notion_burst: f64,
}

impl Default for RateLimitRules {
    fn default() -> Self {
        RateLimitRules {
            hubspot_max: 110,
            hubspot_window: Duration::from_secs(10),
            airtable_per_second: 5,
            airtable_penalty: Duration::from_secs(30),
            notion_per_second: 3.0,
            notion_burst: 6.0,
        }
    }
}

/// Everything a sandbox needs to start.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Address every provider listens on; the sandbox is meant for loopback.
    pub host: IpAddr,
    /// Port per provider; 0 picks a free one (what tests do).
    pub ports: PerProvider<u16>,
    pub seed: u64,
    pub dataset: DatasetSize,
    pub clients: PerProvider<ClientRegistration>,
    /// Long-lived tokens the sandbox accepts without OAuth, like a HubSpot private-app token,
    /// an Airtable personal access token or a Notion internal-integration token.
    pub personal_tokens: PerProvider<String>,
    /// Access-token lifetime; `None` never expires (Notion documents no expiry).
    pub access_token_ttl: PerProvider<Option<Duration>>,
    /// How long an authorization code can be exchanged.
    pub code_ttl: Duration,
    /// How long an Airtable list `offset` stays valid before answering 422.
    pub airtable_offset_ttl: Duration,
    /// Enforce the documented rate limits.
    pub rate_limits: bool,
    pub rate_limit_rules: RateLimitRules,
    /// Seconds sent in Notion's `Retry-After` when a 429 burst is injected.
    pub notion_retry_after_secs: u64,
    /// HubSpot `uiDomain` (`app.hubspot.com`, or `app-eu1.hubspot.com` for EU accounts).
    pub hubspot_ui_domain: String,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            ports: PerProvider::all(0),
            seed: 42,
            dataset: DatasetSize::uniform(60),
            // Every client is registered as in its provider's console; Airtable's is public (no
            // secret), as a desktop app's may be.
            clients: PerProvider::from_fn(|p| ClientRegistration {
                client_id: format!("sandbox-{}-client", p.as_str()),
                client_secret: (p != ProviderId::Airtable).then(|| format!("sandbox-{}-secret", p.as_str())),
                redirect_uris: vec![],
            }),
            personal_tokens: PerProvider::from_fn(|p| {
                match p {
                    ProviderId::Hubspot => "pat-na1-sandbox-hubspot-private-app",
                    ProviderId::Airtable => "patSandboxAirtable.personal-access-token",
                    ProviderId::Notion => "ntn_sandbox_notion_internal_integration",
                }
                .to_string()
            }),
            // HubSpot's access tokens last 30 minutes, Airtable's an hour, Notion's do not expire.
            access_token_ttl: PerProvider::in_order([Some(Duration::from_secs(1800)), Some(Duration::from_secs(3600)), None]),
            code_ttl: Duration::from_secs(600),
            airtable_offset_ttl: Duration::from_secs(300),
            rate_limits: false,
            rate_limit_rules: RateLimitRules::default(),
            notion_retry_after_secs: 1,
            hubspot_ui_domain: "app.hubspot.com".into(),
        }
    }
}

/// The fixed ports the sandbox binary uses by default, so a user's `.env` can point at it.
pub const DEFAULT_PORTS: PerProvider<u16> = PerProvider::in_order([7401, 7402, 7403]);
