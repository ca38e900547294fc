//! Secrets that cannot leak by accident: `Debug` and `Display` print `[redacted]`, and the value
//! is only reachable through `expose()`, which is easy to search for. Each kind of secret is its
//! own type, so a token call knows from its grant's types what it must scrub from an answer,
//! and an access token can never be passed where a refresh token is meant.

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! secret {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn new(value: impl Into<String>) -> Self {
                $name(value.into())
            }

            /// The secret itself. Call only where it leaves for the provider or the store.
            pub fn expose(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("[redacted]")
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("[redacted]")
            }
        }
    )*};
}

secret! {
    /// A bearer token for the provider's API.
    AccessToken,
    /// What gets a new access token; lost, it costs the user a sign-in.
    RefreshToken,
    /// The one-time authorization code a callback carries.
    AuthCode,
    /// The PKCE verifier a sign-in keeps until the code exchange.
    PkceVerifier,
    /// The app's client secret, where the provider issues one.
    ClientSecret,
    /// A long-lived token made in the provider (a private-app token, a personal access token, an
    /// internal-integration token), used instead of a sign-in.
    PersonalToken,
}

impl From<PersonalToken> for AccessToken {
    /// A personal token is used as the connection's (never refreshed) access token.
    fn from(token: PersonalToken) -> Self {
        AccessToken(token.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints_its_value() {
        let s = AccessToken::new("hunter2");
        assert_eq!(format!("{s} {s:?} {:?}", Some(&s)), "[redacted] [redacted] Some([redacted])");
        assert_eq!(s.expose(), "hunter2");
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"hunter2\"", "serialises for the store only");
        assert_eq!(format!("{:?}", RefreshToken::new("r")), "[redacted]");
    }
}
