//! One error type for the core, with matchable variants. Messages are written for the person
//! using the app and never contain a token, code, verifier or secret.

use std::time::Duration;

use crate::provider::ProviderId;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{provider} is not configured: set {missing} in {}", crate::config::where_settings_go())]
    NotConfigured { provider: ProviderId, missing: String },

    #[error("{0}")]
    InvalidInput(String),

    #[error("access to {provider} was denied in the browser{}", description.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    AccessDenied { provider: ProviderId, description: Option<String> },

    #[error("the sign-in callback does not belong to this sign-in (its state is forged or was issued for another user or organisation); nothing was stored")]
    StateMismatch,

    #[error("this sign-in has expired or was already completed; start it again")]
    StateExpired,

    #[error("the sign-in callback carried no authorization code")]
    MissingCode,

    #[error("the sign-in callback could not be read: {0}")]
    BadCallback(String),

    #[error("the sign-in was cancelled")]
    Cancelled,

    #[error("no answer from the browser within {} s; start the sign-in again", .0.as_secs())]
    TimedOut(Duration),

    #[error("not connected to {provider}; connect first")]
    NotConnected { provider: ProviderId },

    #[error("{provider} no longer accepts this connection (access revoked or expired); reconnect")]
    ReconnectNeeded { provider: ProviderId },

    #[error("{provider} refused the token request (HTTP {status}): {message}")]
    TokenRequest { provider: ProviderId, status: u16, message: String },

    #[error("could not reach {provider}: {message}")]
    Network { provider: ProviderId, message: String },

    #[error("{provider} sent a response that could not be read: {message}")]
    BadResponse { provider: ProviderId, message: String },

    #[error("{provider} answered HTTP {status}: {message}")]
    Provider { provider: ProviderId, status: u16, message: String },

    #[error("{provider} kept refusing with 429 (rate limited) after {attempts} attempts")]
    RateLimited { provider: ProviderId, attempts: u32 },

    #[error("{provider} returned the same page cursor twice while listing {listing}; the listing cannot be completed")]
    RepeatedCursor { provider: ProviderId, listing: String },

    #[error("{provider}: {listing} has more than {pages} pages, the most one load reads")]
    PageCapReached { provider: ProviderId, listing: String, pages: usize },

    #[error("{provider}: the load stopped after {loaded} items while reading {listing}, so nothing is shown as complete. Cause: {cause}")]
    LoadIncomplete { provider: ProviderId, listing: String, loaded: usize, cause: Box<Error> },

    #[error("the callback listener could not start on port {port}: {message}")]
    Listener { port: u16, message: String },

    #[error(transparent)]
    Store(#[from] StoreError),

    #[error("configuration error: {0}")]
    Config(String),
}

impl Error {
    /// A stable name for the variant, used by the desktop shell's `{kind, message}` JSON.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::NotConfigured { .. } => "NotConfigured",
            Error::InvalidInput(_) => "InvalidInput",
            Error::AccessDenied { .. } => "AccessDenied",
            Error::StateMismatch => "StateMismatch",
            Error::StateExpired => "StateExpired",
            Error::MissingCode => "MissingCode",
            Error::BadCallback(_) => "BadCallback",
            Error::Cancelled => "Cancelled",
            Error::TimedOut(_) => "TimedOut",
            Error::NotConnected { .. } => "NotConnected",
            Error::ReconnectNeeded { .. } => "ReconnectNeeded",
            Error::TokenRequest { .. } => "TokenRequest",
            Error::Network { .. } => "Network",
            Error::BadResponse { .. } => "BadResponse",
            Error::Listener { .. } => "Listener",
            Error::Provider { .. } => "Provider",
            Error::RateLimited { .. } => "RateLimited",
            Error::RepeatedCursor { .. } => "RepeatedCursor",
            Error::PageCapReached { .. } => "PageCapReached",
            Error::LoadIncomplete { .. } => "LoadIncomplete",
            Error::Store(StoreError::Unavailable(_)) => "StoreUnavailable",
            Error::Store(StoreError::Corrupt(_)) => "StoreCorrupt",
            Error::Config(_) => "Config",
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Removes every occurrence of the given secrets from a message that came from outside (a
/// provider's error body), and bounds its length.
pub(crate) fn scrub(message: &str, secrets: &[&str]) -> String {
    let mut out = message.to_string();
    for s in secrets.iter().filter(|s| s.len() >= 6) {
        out = out.replace(s, "[redacted]");
    }
    if out.chars().count() > 300 {
        out = out.chars().take(300).collect::<String>() + "…";
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrub_removes_secrets_and_bounds_length() {
        assert_eq!(scrub("bad token abcdef123", &["abcdef123"]), "bad token [redacted]");
        assert_eq!(scrub(&"x".repeat(500), &[]).chars().count(), 301);
    }

    #[test]
    fn messages_read_well() {
        let e = Error::AccessDenied { provider: ProviderId::Notion, description: None };
        assert_eq!(e.to_string(), "access to Notion was denied in the browser");
        assert_eq!(e.kind(), "AccessDenied");
        let e = Error::NotConfigured { provider: ProviderId::Hubspot, missing: "HUBSPOT_CLIENT_ID".into() };
        assert!(e.to_string().contains("HUBSPOT_CLIENT_ID"));
    }
}
