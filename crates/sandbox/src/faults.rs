//! Faults a test can switch on: each armed fault waits `after` requests, then fires on the next
//! `times` requests that it applies to.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::config::ProviderId;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fault {
    /// Answer with this 5xx status (or 529, overloaded) in the provider's error shape.
    ServerError { status: u16 },
    /// Delay the response.
    Slow { millis: u64 },
    /// 200 with a body that is not JSON.
    MalformedJson,
    /// Promise the full body in Content-Length, send half, close the connection.
    TruncatedBody,
    /// Answer a request that carried a cursor with that same cursor as the next one.
    RepeatCursor,
    /// Answer a request that carried a cursor as the provider does when that cursor expired
    /// (for providers whose cursors expire server-side).
    ExpiredOffset,
    /// Answer 429 in the provider's shape, as if the limit had been hit.
    RateLimited,
    /// Revoke every token of the provider before answering (the user removed the app).
    RevokeTokens,
    /// Expire every access token of the provider before answering (refresh tokens stay valid).
    ExpireAccessTokens,
    /// Answer a request that carried a cursor with the same page again, under a cursor never
    /// issued before (a provider looping under fresh cursors: no cursor ever repeats).
    LoopPages,
    /// Answer with `status` (200: the page it would have sent; 429: the provider's rate-limit
    /// answer; 5xx: its server error) carrying the header `Retry-After: {value}` verbatim.
    RetryAfter { status: u16, value: String },
    /// A 200 whose body is `bytes` long (the page, padded with spaces), announced in
    /// Content-Length or streamed without one.
    OversizedBody { bytes: u64, content_length: bool },
    /// Token endpoint: a 200 JSON answer without an access token.
    NoAccessToken,
    /// A 200 whose content is hostile: every `url` a `javascript:` address, `uiDomain` a
    /// look-alike host, every rich-text `title` led by a run that is not rich text, and the
    /// first result of the page listed twice.
    HostileContent,
}

/// Which requests a fault is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultTarget {
    /// The provider's API (every data request).
    #[default]
    Api,
    /// The provider's token endpoint (code exchange and refresh).
    Token,
}

impl Fault {
    /// Cursor faults only make sense on a request that carries a cursor.
    fn applies(&self, has_cursor: bool) -> bool {
        match self {
            Fault::RepeatCursor | Fault::ExpiredOffset | Fault::LoopPages => has_cursor,
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
    /// API requests (default) or token requests.
    #[serde(default)]
    pub on: FaultTarget,
    /// Only requests whose path contains this (e.g. `deals`); every request when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

fn one() -> u32 {
    1
}

impl ArmedFault {
    pub fn new(fault: Fault) -> Self {
        ArmedFault { fault, after: 0, times: 1, on: FaultTarget::Api, path: None }
    }
    /// Fires only on requests whose path contains `part`.
    pub fn on_path(mut self, part: &str) -> Self {
        self.path = Some(part.to_string());
        self
    }
    /// Fires on token requests instead of API requests.
    pub fn on_token(mut self) -> Self {
        self.on = FaultTarget::Token;
        self
    }
    pub fn after(mut self, requests: u32) -> Self {
        self.after = requests;
        self
    }
    pub fn times(mut self, n: u32) -> Self {
        self.times = n;
        self
    }

    /// Parses the CLI form `[token.]kind[=arg][:times[:after]]`, e.g. `server_error=503:3:10`,
    /// `rate_limited:5`, `retry_after=429/3600`, `token.malformed_json`.
    pub fn parse_cli(s: &str) -> Result<ArmedFault, String> {
        let (on, rest) = match s.strip_prefix("token.") {
            Some(rest) => (FaultTarget::Token, rest),
            None => (FaultTarget::Api, s),
        };
        let mut parts = rest.split(':');
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
            "loop_pages" => Fault::LoopPages,
            "retry_after" => {
                let (status, value) = arg.and_then(|a| a.split_once('/')).ok_or_else(|| format!("retry_after wants STATUS/VALUE in `{s}`"))?;
                Fault::RetryAfter { status: num(Some(status), "status")?.unwrap_or(429) as u16, value: value.to_string() }
            }
            "oversized_body" => Fault::OversizedBody { bytes: num(arg, "bytes")?.unwrap_or(64 << 20), content_length: true },
            "no_access_token" => Fault::NoAccessToken,
            "hostile_content" => Fault::HostileContent,
            other => return Err(format!("unknown fault `{other}`")),
        };
        let times = num(parts.next(), "times")?.unwrap_or(1) as u32;
        let after = num(parts.next(), "after")?.unwrap_or(0) as u32;
        Ok(ArmedFault { fault, after, times, on, path: None })
    }
}

#[derive(Default)]
pub struct FaultBoard {
    armed: Mutex<HashMap<ProviderId, Vec<ArmedFault>>>,
}

impl FaultBoard {
    pub fn arm(&self, provider: ProviderId, fault: ArmedFault) {
        if fault.times > 0 {
            self.lock().entry(provider).or_default().push(fault);
        }
    }

    pub fn clear(&self, provider: ProviderId) {
        self.lock().remove(&provider);
    }

    pub fn armed(&self, provider: ProviderId) -> Vec<ArmedFault> {
        self.lock().get(&provider).cloned().unwrap_or_default()
    }

    /// Called once per API request: counts the request against every waiting fault and returns
    /// the first one due (at most one fault per request).
    pub fn take(&self, provider: ProviderId, path: &str, has_cursor: bool) -> Option<Fault> {
        self.take_for(provider, FaultTarget::Api, path, has_cursor)
    }

    /// The same, for a request to the token endpoint.
    pub fn take_token(&self, provider: ProviderId) -> Option<Fault> {
        self.take_for(provider, FaultTarget::Token, "", false)
    }

    fn take_for(&self, provider: ProviderId, on: FaultTarget, path: &str, has_cursor: bool) -> Option<Fault> {
        let mut armed = self.lock();
        let list = armed.get_mut(&provider)?;
        let mut fired = None;
        let applies = |f: &ArmedFault| f.on == on && f.path.as_deref().is_none_or(|p| path.contains(p));
        for f in list.iter_mut().filter(|f| applies(f)) {
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

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<ProviderId, Vec<ArmedFault>>> {
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
mod tests;
