//! The `state` parameter: a random nonce bound to (provider, org, user), sent base64url-encoded
//! as in the seed so a callback names its own sign-in. The stored copy is what makes it valid.

use base64::Engine;
use rand::RngCore;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::provider::ProviderId;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatePayload {
    pub provider: ProviderId,
    pub org_id: String,
    pub user_id: String,
    /// 256 random bits; the part a forger cannot guess.
    pub nonce: String,
}

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

impl StatePayload {
    pub fn new(provider: ProviderId, org_id: &str, user_id: &str) -> Self {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        StatePayload { provider, org_id: org_id.into(), user_id: user_id.into(), nonce: B64.encode(bytes) }
    }

    pub fn encode(&self) -> String {
        B64.encode(serde_json::to_vec(self).expect("state serialises"))
    }

    pub fn decode(s: &str) -> Result<Self> {
        let bytes = B64.decode(s.trim_end_matches('=')).map_err(|_| Error::StateMismatch)?;
        serde_json::from_slice(&bytes).map_err(|_| Error::StateMismatch)
    }

    /// Compares nonces in time independent of where they differ.
    pub fn same_nonce(&self, other: &StatePayload) -> bool {
        let (a, b) = (self.nonce.as_bytes(), other.nonce.as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

#[cfg(test)]
mod tests;
