//! Request limits of the kinds providers document, enforced per the key each provider counts by
//! (an account, a base, a connection) and, where a provider has one, a second limit shared by
//! every key of the same user or workspace. Which rules a provider follows is data in its spec.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::config::{PerProvider, ProviderId};

/// A documented request limit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RateRule {
    /// At most `max` requests in any rolling `window` per key.
    Window { max: usize, window: Duration },
    /// A budget of `max` requests per fixed `window`, spendable at any pace; the count starts
    /// again when the window resets (a refusal's Retry-After is the time to that reset).
    FixedWindow { max: usize, window: Duration },
    /// At most `per_second` requests per second per key; past it, every request is refused for
    /// `penalty`.
    PerSecondWithPenalty { per_second: usize, penalty: Duration },
    /// A token bucket per key: `per_second` on average, bursts of up to `burst`.
    Bucket { per_second: f64, burst: f64 },
}

/// What a limit counts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The request's own key (the account, base or connection the provider names).
    Key,
    /// Everything behind the same user or workspace (the request's account), across keys.
    Shared,
    /// The request's own key, for requests to one endpoint only (a CRM's search): such
    /// requests count against these rules and no others.
    Endpoint(&'static str),
}

/// A limit, what it counts by, and what the provider calls it when it refuses a request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScopedRule {
    pub rule: RateRule,
    pub scope: Scope,
    pub reason: &'static str,
}

/// Each provider's rules (its spec's, unless a test or the command line changed them).
pub type RateLimitRules = PerProvider<Vec<ScopedRule>>;

/// What the limiter decided for one request.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Allowed; `remaining` is what the first rule has left for this key.
    Allowed { remaining: usize },
    /// Refused by the rule called `reason`; `retry_after` is when a retry would be accepted.
    Limited { retry_after: Duration, reason: &'static str },
}

/// What one key has used of one rule.
enum Usage {
    Window(VecDeque<Instant>),
    Fixed { started: Instant, used: usize },
    Penalty { recent: VecDeque<Instant>, until: Option<Instant> },
    Bucket { tokens: f64, at: Instant },
}

impl Usage {
    fn new(rule: RateRule, now: Instant) -> Self {
        match rule {
            RateRule::Window { .. } => Usage::Window(VecDeque::new()),
            RateRule::FixedWindow { .. } => Usage::Fixed { started: now, used: 0 },
            RateRule::PerSecondWithPenalty { .. } => Usage::Penalty { recent: VecDeque::new(), until: None },
            RateRule::Bucket { burst, .. } => Usage::Bucket { tokens: burst, at: now },
        }
    }

    /// Whether one more request fits: what would be left, or how long until one fits. Only a
    /// penalty rule changes on a refusal (it starts its lock-out).
    fn room(&mut self, rule: RateRule, now: Instant) -> Result<usize, Duration> {
        let forget_older_than = |log: &mut VecDeque<Instant>, age: Duration| {
            while log.front().is_some_and(|t| now.duration_since(*t) >= age) {
                log.pop_front();
            }
        };
        match (rule, self) {
            (RateRule::Window { max, window }, Usage::Window(log)) => {
                forget_older_than(log, window);
                match log.front() {
                    Some(oldest) if log.len() >= max => Err(window.saturating_sub(now.duration_since(*oldest))),
                    _ => Ok(max - log.len() - 1),
                }
            }
            (RateRule::FixedWindow { max, window }, Usage::Fixed { started, used }) => {
                if now.duration_since(*started) >= window {
                    // Windows follow one another from the first request.
                    let elapsed = now.duration_since(*started).as_nanos() / window.as_nanos().max(1);
                    *started += window * elapsed as u32;
                    *used = 0;
                }
                if *used >= max {
                    Err(window.saturating_sub(now.duration_since(*started)))
                } else {
                    Ok(max - *used - 1)
                }
            }
            (RateRule::PerSecondWithPenalty { per_second, penalty }, Usage::Penalty { recent, until }) => {
                if let Some(end) = *until {
                    if now < end {
                        return Err(end - now);
                    }
                    *until = None;
                }
                forget_older_than(recent, Duration::from_secs(1));
                if recent.len() >= per_second {
                    *until = Some(now + penalty);
                    return Err(penalty);
                }
                Ok(per_second - recent.len() - 1)
            }
            (RateRule::Bucket { per_second, burst }, Usage::Bucket { tokens, at }) => {
                *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * per_second).min(burst);
                *at = now;
                if *tokens < 1.0 {
                    Err(Duration::from_secs_f64((1.0 - *tokens) / per_second))
                } else {
                    Ok((*tokens - 1.0) as usize)
                }
            }
            // The rules cannot change while the sandbox runs, so usage always matches its rule.
            _ => Ok(0),
        }
    }

    /// Counts a request that every rule let through.
    fn record(&mut self, now: Instant) {
        match self {
            Usage::Window(log) | Usage::Penalty { recent: log, .. } => log.push_back(now),
            Usage::Fixed { used, .. } => *used += 1,
            Usage::Bucket { tokens, .. } => *tokens -= 1.0,
        }
    }
}

pub struct RateLimiter {
    rules: RateLimitRules,
    /// By provider, rule position and key (`""` for a shared rule).
    usage: Mutex<HashMap<(ProviderId, usize, String), Usage>>,
}

impl RateLimiter {
    pub fn new(rules: RateLimitRules) -> Self {
        RateLimiter { rules, usage: Mutex::default() }
    }

    pub fn rules(&self) -> &RateLimitRules {
        &self.rules
    }

    /// Counts one request of `provider` in `account` under `key` against every rule of the
    /// provider that applies to it (a request to an `endpoint` with rules of its own counts
    /// against those only): it is let through, and counted by each, only when every rule has
    /// room for it. Two accounts never share a budget.
    pub fn check(&self, provider: ProviderId, account: usize, key: &str, endpoint: Option<&str>) -> Verdict {
        let now = Instant::now();
        let own_rules = endpoint.is_some_and(|e| self.rules[provider].iter().any(|r| matches!(r.scope, Scope::Endpoint(x) if x == e)));
        let applies = |r: &&ScopedRule| match r.scope {
            Scope::Endpoint(e) => endpoint == Some(e),
            Scope::Key | Scope::Shared => !own_rules,
        };
        let rules: Vec<(usize, &ScopedRule)> = self.rules[provider].iter().enumerate().filter(|(_, r)| applies(r)).collect();
        let mut usage = self.usage.lock().unwrap_or_else(|e| e.into_inner());
        let slot = |i: usize, r: &ScopedRule| (provider, i, if r.scope == Scope::Shared { format!("{account}") } else { format!("{account}/{key}") });
        let mut remaining = None;
        for &(i, r) in &rules {
            let used = usage.entry(slot(i, r)).or_insert_with(|| Usage::new(r.rule, now));
            match used.room(r.rule, now) {
                Ok(left) => {
                    remaining.get_or_insert(left);
                }
                Err(retry_after) => return Verdict::Limited { retry_after, reason: r.reason },
            }
        }
        for &(i, r) in &rules {
            if let Some(used) = usage.get_mut(&slot(i, r)) {
                used.record(now);
            }
        }
        Verdict::Allowed { remaining: remaining.unwrap_or(usize::MAX) }
    }
}

#[cfg(test)]
mod tests;
