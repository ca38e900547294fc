//! Faults a test can switch on: each armed fault waits `after` requests, then fires on the next
//! `times` requests that it applies to.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::config::Provider;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fault {
    /// Answer with this 5xx status in the provider's error shape (Notion also has 529).
    ServerError { status: u16 },
    /// Delay the response.
    Slow { millis: u64 },
    /// 200 with a body that is not JSON.
    MalformedJson,
    /// Promise the full body in Content-Length, send half, close the connection.
    TruncatedBody,
    /// Answer a request that carried a cursor with that same cursor as the next one.
    RepeatCursor,
    /// Airtable: answer a request that carried an offset with 422 LIST_RECORDS_ITERATOR_NOT_AVAILABLE.
    ExpiredOffset,
    /// Answer 429 in the provider's shape, as if the limit had been hit.
    RateLimited,
    /// Revoke every token of the provider before answering (the user removed the app).
    RevokeTokens,
    /// Expire every access token of the provider before answering (refresh tokens stay valid).
    ExpireAccessTokens,
}

impl Fault {
    /// Cursor faults only make sense on a request that carries a cursor.
    fn applies(&self, has_cursor: bool) -> bool {
        match self {
            Fault::RepeatCursor | Fault::ExpiredOffset => has_cursor,
            _ => true,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArmedFault {
    #[serde(flatten)]
    pub fault: Fault,
    /// How many API requests pass untouched before the fault starts firing.
    #[serde(default)]
    pub after: u32,
    /// How many requests it fires on.
    #[serde(default = "one")]
    pub times: u32,
}

fn one() -> u32 {
    1
}

impl ArmedFault {
    pub fn new(fault: Fault) -> Self {
        ArmedFault { fault, after: 0, times: 1 }
    }
    pub fn after(mut self, requests: u32) -> Self {
        self.after = requests;
        self
    }
    pub fn times(mut self, n: u32) -> Self {
        self.times = n;
        self
    }

    /// Parses the CLI form `kind[:times[:after]]`, e.g. `server_error=503:3:10`, `rate_limited:5`.
    pub fn parse_cli(s: &str) -> Result<ArmedFault, String> {
        let mut parts = s.split(':');
        let head = parts.next().unwrap_or_default();
        let (kind, arg) = head.split_once('=').map_or((head, None), |(k, a)| (k, Some(a)));
        let num = |v: Option<&str>, what: &str| -> Result<Option<u64>, String> {
            v.map(|x| x.parse::<u64>().map_err(|_| format!("{what} must be a number in `{s}`"))).transpose()
        };
        let fault = match kind {
            "server_error" | "5xx" => Fault::ServerError { status: num(arg, "status")?.unwrap_or(503) as u16 },
            "slow" => Fault::Slow { millis: num(arg, "millis")?.unwrap_or(2000) },
            "malformed_json" => Fault::MalformedJson,
            "truncated_body" => Fault::TruncatedBody,
            "repeat_cursor" => Fault::RepeatCursor,
            "expired_offset" => Fault::ExpiredOffset,
            "rate_limited" | "429" => Fault::RateLimited,
            "revoke_tokens" => Fault::RevokeTokens,
            "expire_access_tokens" => Fault::ExpireAccessTokens,
            other => return Err(format!("unknown fault `{other}`")),
        };
        let times = num(parts.next(), "times")?.unwrap_or(1) as u32;
        let after = num(parts.next(), "after")?.unwrap_or(0) as u32;
        Ok(ArmedFault { fault, after, times })
    }
}

#[derive(Default)]
pub struct FaultBoard {
    armed: Mutex<HashMap<Provider, Vec<ArmedFault>>>,
}

impl FaultBoard {
    pub fn arm(&self, provider: Provider, fault: ArmedFault) {
        if fault.times > 0 {
            self.lock().entry(provider).or_default().push(fault);
        }
    }

    pub fn clear(&self, provider: Provider) {
        self.lock().remove(&provider);
    }

    pub fn armed(&self, provider: Provider) -> Vec<ArmedFault> {
        self.lock().get(&provider).cloned().unwrap_or_default()
    }

    /// Called once per API request: counts the request against every waiting fault and returns
    /// the first one due (at most one fault per request).
    pub fn take(&self, provider: Provider, has_cursor: bool) -> Option<Fault> {
        let mut armed = self.lock();
        let list = armed.get_mut(&provider)?;
        let mut fired = None;
        for f in list.iter_mut() {
            if f.after > 0 {
                f.after -= 1;
            } else if fired.is_none() && f.fault.applies(has_cursor) {
                f.times -= 1;
                fired = Some(f.fault.clone());
            }
        }
        list.retain(|f| f.times > 0);
        fired
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Provider, Vec<ArmedFault>>> {
        self.armed.lock().unwrap_or_else(|e| e.into_inner())
    }
}

pub(crate) fn slow_delay(fault: &Fault) -> Option<Duration> {
    match fault {
        Fault::Slow { millis } => Some(Duration::from_millis(*millis)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn after_and_times_count_requests() {
        let board = FaultBoard::default();
        board.arm(Provider::Notion, ArmedFault::new(Fault::ServerError { status: 503 }).after(2).times(2));
        let fired: Vec<bool> = (0..6).map(|_| board.take(Provider::Notion, false).is_some()).collect();
        assert_eq!(fired, [false, false, true, true, false, false]);
    }

    #[test]
    fn cursor_faults_wait_for_a_cursor() {
        let board = FaultBoard::default();
        board.arm(Provider::Airtable, ArmedFault::new(Fault::ExpiredOffset));
        assert_eq!(board.take(Provider::Airtable, false), None);
        assert_eq!(board.take(Provider::Airtable, true), Some(Fault::ExpiredOffset));
        assert_eq!(board.take(Provider::Airtable, true), None);
    }

    #[test]
    fn cli_form_parses() {
        let f = ArmedFault::parse_cli("server_error=502:3:10").unwrap();
        assert_eq!(f, ArmedFault { fault: Fault::ServerError { status: 502 }, times: 3, after: 10 });
        assert!(ArmedFault::parse_cli("nonsense").is_err());
    }

    #[test]
    fn json_form_parses() {
        let f: ArmedFault = serde_json::from_str(r#"{"kind":"slow","millis":50,"times":2}"#).unwrap();
        assert_eq!(f, ArmedFault { fault: Fault::Slow { millis: 50 }, times: 2, after: 0 });
    }
}
