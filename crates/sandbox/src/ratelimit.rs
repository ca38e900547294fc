//! Request limits of the kinds providers document, enforced per the key each provider counts by
//! (an account, a base, a connection). Which rule a provider follows is data in its spec.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::config::{PerProvider, ProviderId};

/// A documented request limit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RateRule {
    /// At most `max` requests in any rolling `window` per key.
    Window { max: usize, window: Duration },
    /// At most `per_second` requests per second per key; past it, every request is refused for
    /// `penalty`.
    PerSecondWithPenalty { per_second: usize, penalty: Duration },
    /// A token bucket per key: `per_second` on average, bursts of up to `burst`.
    Bucket { per_second: f64, burst: f64 },
}

/// Each provider's rule (its spec's, unless a test or the command line changed it).
pub type RateLimitRules = PerProvider<RateRule>;

/// What the limiter decided for one request.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Allowed { remaining: usize },
    /// Refused; `retry_after` is when a retry would be accepted.
    Limited { retry_after: Duration },
}

/// What one key has used of its rule.
enum Usage {
    Window(VecDeque<Instant>),
    Penalty { recent: VecDeque<Instant>, until: Option<Instant> },
    Bucket { tokens: f64, at: Instant },
}

pub struct RateLimiter {
    rules: RateLimitRules,
    usage: Mutex<HashMap<(ProviderId, String), Usage>>,
}

impl RateLimiter {
    pub fn new(rules: RateLimitRules) -> Self {
        RateLimiter { rules, usage: Mutex::default() }
    }

    pub fn rules(&self) -> &RateLimitRules {
        &self.rules
    }

    /// Counts one request of `provider` under `key` against the provider's rule.
    pub fn check(&self, provider: ProviderId, key: &str) -> Verdict {
        let now = Instant::now();
        let rule = self.rules[provider];
        let mut usage = self.usage.lock().unwrap_or_else(|e| e.into_inner());
        let entry = usage.entry((provider, key.to_string())).or_insert_with(|| match rule {
            RateRule::Window { .. } => Usage::Window(VecDeque::new()),
            RateRule::PerSecondWithPenalty { .. } => Usage::Penalty { recent: VecDeque::new(), until: None },
            RateRule::Bucket { burst, .. } => Usage::Bucket { tokens: burst, at: now },
        });
        let forget_older_than = |log: &mut VecDeque<Instant>, age: Duration| {
            while log.front().is_some_and(|t| now.duration_since(*t) >= age) {
                log.pop_front();
            }
        };
        match (rule, entry) {
            (RateRule::Window { max, window }, Usage::Window(log)) => {
                forget_older_than(log, window);
                if log.len() >= max {
                    let oldest = *log.front().expect("a full window holds requests");
                    return Verdict::Limited { retry_after: window.saturating_sub(now.duration_since(oldest)) };
                }
                log.push_back(now);
                Verdict::Allowed { remaining: max - log.len() }
            }
            (RateRule::PerSecondWithPenalty { per_second, penalty }, Usage::Penalty { recent, until }) => {
                if let Some(end) = *until {
                    if now < end {
                        return Verdict::Limited { retry_after: end - now };
                    }
                    *until = None;
                }
                forget_older_than(recent, Duration::from_secs(1));
                if recent.len() >= per_second {
                    *until = Some(now + penalty);
                    return Verdict::Limited { retry_after: penalty };
                }
                recent.push_back(now);
                Verdict::Allowed { remaining: per_second - recent.len() }
            }
            (RateRule::Bucket { per_second, burst }, Usage::Bucket { tokens, at }) => {
                *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * per_second).min(burst);
                *at = now;
                if *tokens < 1.0 {
                    return Verdict::Limited { retry_after: Duration::from_secs_f64((1.0 - *tokens) / per_second) };
                }
                *tokens -= 1.0;
                Verdict::Allowed { remaining: *tokens as usize }
            }
            // The rule cannot change while the sandbox runs, so its usage always matches it.
            _ => Verdict::Allowed { remaining: 0 },
        }
    }
}

#[cfg(test)]
mod tests;
