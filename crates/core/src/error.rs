//! One error type for the core, with matchable variants. Messages are written for the person
//! using the app and never contain a token, code, verifier or secret.

use std::time::Duration;

use crate::provider::ProviderId;
use crate::store::StoreError;

/// What the user cancelled, so the message says which.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    SignIn,
    Load,
}

#[derive(Debug, thiserror::Error, strum::IntoStaticStr, strum::VariantNames)]
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

    #[error("{}", match .0 { Operation::SignIn => "the sign-in was cancelled", Operation::Load => "the load was cancelled; nothing was loaded" })]
    Cancelled(Operation),

    #[error("no answer from the browser within {} s; start the sign-in again", .0.as_secs())]
    TimedOut(Duration),

    #[error("not connected to {provider}; connect first")]
    NotConnected { provider: ProviderId },

    #[error("{provider} no longer accepts this connection (access revoked or expired); reconnect")]
    ReconnectNeeded { provider: ProviderId },

    /// Any failure of a call to the token endpoint (or its revocation endpoint): a refusal
    /// (`status`), or no usable answer at all (a reset, a stall, HTML or a token-less 200:
    /// `status` is `None`).
    #[error("{}", match status {
        Some(status) => format!("{provider} answered {} to {request}{}", status_text(*status), tail(message)),
        None => format!("the {provider} token request failed ({request}): {message}"),
    })]
    TokenRequest { provider: ProviderId, request: String, status: Option<u16>, message: String },

    #[error("could not reach {provider} ({request}): {message}")]
    Network { provider: ProviderId, request: String, message: String },

    /// A body that could not be read at all (not JSON, cut off mid-way).
    #[error("{provider} sent a response that could not be read{}: {message}", request.as_deref().map(|r| format!(" (to {r})")).unwrap_or_default())]
    BadResponse { provider: ProviderId, request: Option<String>, message: String },

    /// Well-formed JSON without what the provider documents (a field missing or of another type).
    #[error("{provider} answered{} with JSON of an unexpected shape: {message}", request.as_deref().map(|r| format!(" {r}")).unwrap_or_default())]
    UnexpectedShape { provider: ProviderId, request: Option<String>, message: String },

    /// An unsuccessful answer: "{provider} answered 404 Not Found to GET /some/path: its words".
    #[error("{provider} answered {} to {request}{}", status_text(*status), tail(message))]
    Provider { provider: ProviderId, request: String, status: u16, message: String },

    #[error("{provider} kept refusing {request} with 429 (rate limited) after {attempts} attempts")]
    RateLimited { provider: ProviderId, request: String, attempts: u32 },

    #[error("{provider} answered {request} with HTTP {status} and asked to wait {} s before retrying, longer than the {} s a load waits; try again later", asked.as_secs(), cap.as_secs())]
    RetryAfterTooLong { provider: ProviderId, request: String, status: u16, asked: Duration, cap: Duration },

    #[error("{provider} sent more than {} MiB for {request}, the most one page may be; the rest was not read", limit / (1024 * 1024))]
    ResponseTooLarge { provider: ProviderId, request: String, limit: usize },

    #[error("{provider} sent page {page} of {listing} again (a repeated cursor, or the same items under a new one); the listing cannot be completed")]
    RepeatedCursor { provider: ProviderId, listing: String, page: usize },

    #[error("{provider}: {listing} has more than {pages} pages, the most one load reads")]
    PageCapReached { provider: ProviderId, listing: String, pages: usize },

    #[error("{provider}: the load stopped after {loaded} items while reading {listing}, so nothing is shown as complete. Cause: {cause}")]
    LoadIncomplete { provider: ProviderId, listing: String, loaded: usize, cause: Box<Error> },

    #[error("refused to open the link of {item}: it is not an https address on {provider}'s own site")]
    UnsafeLink { provider: ProviderId, item: String },

    #[error("the callback listener could not start on port {port}: {message}")]
    Listener { port: u16, message: String },

    #[error(transparent)]
    Store(#[from] StoreError),

    /// The local library of items (its SQLite file) could not be read or written.
    #[error("the item library {} failed: {message}", path.display())]
    Library { path: std::path::PathBuf, message: String },

    /// The operating system's credential store (Keychain, Credential Manager, Secret Service)
    /// refused or could not be reached.
    #[error("the system's credential store failed: {0}")]
    CredentialStore(String),

    #[error("configuration error: {0}")]
    Config(String),

    /// A file of ours that could not be read or written (an export, the CLI's output).
    #[error("could not write {}: {message}", path.display())]
    Io { path: std::path::PathBuf, message: String },

    /// The system browser (or file opener) could not be started.
    #[error("could not open the system browser: {0}")]
    Browser(String),

    /// A fault of this app, not of the user's input or a provider (a mapping job that died).
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// A stable name for the variant, used by the desktop shell's `{kind, message}` JSON:
    /// the variant's own name (derived, so a new variant cannot be forgotten), except that a
    /// store error says which (`StoreUnavailable`, `StoreCorrupt`).
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Store(StoreError::Unavailable(_)) => "StoreUnavailable",
            Error::Store(StoreError::Corrupt(_)) => "StoreCorrupt",
            other => other.into(),
        }
    }

    /// Names the request an unreadable answer came from, where the error does not yet.
    pub(crate) fn in_request(self, named: &str) -> Error {
        match self {
            Error::BadResponse { provider, request: None, message } => Error::BadResponse { provider, request: Some(named.into()), message },
            Error::UnexpectedShape { provider, request: None, message } => Error::UnexpectedShape { provider, request: Some(named.into()), message },
            other => other,
        }
    }

    /// Every kind [`Error::kind`] can answer.
    pub fn kinds() -> Vec<&'static str> {
        use strum::VariantNames;
        Error::VARIANTS.iter().copied().filter(|v| *v != "Store").chain(["StoreUnavailable", "StoreCorrupt"]).collect()
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A status as a person reads it: `404 Not Found`, `529 (overloaded)`.
pub fn status_text(status: u16) -> String {
    match reqwest::StatusCode::from_u16(status).ok().and_then(|s| s.canonical_reason()) {
        Some(reason) => format!("{status} {reason}"),
        None if status == 529 => "529 (overloaded)".into(),
        None => format!("HTTP {status}"),
    }
}

/// What the provider said, after a colon, or nothing when it said nothing.
fn tail(message: &str) -> String {
    if message.is_empty() {
        String::new()
    } else {
        format!(": {message}")
    }
}

/// A request as errors name it: method and path, never the query (cursors) or a host.
pub(crate) fn request_name(method: &reqwest::Method, url: &url::Url) -> String {
    format!("{method} {}", url.path())
}

/// A transport error with its causes ("error sending request" alone says nothing: the chain
/// says "timed out" or "connection refused"), without the URL, scrubbed of `secrets`.
pub(crate) fn transport_message(e: reqwest::Error, secrets: &[&str]) -> String {
    use std::error::Error as _;
    let timed_out = e.is_timeout();
    let e = e.without_url();
    let mut message = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message = format!("{message}: {text}");
        }
        source = cause.source();
    }
    if timed_out && !message.contains("timed out") {
        message = format!("timed out ({message})");
    }
    scrub(&message, secrets)
}

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
mod tests;
