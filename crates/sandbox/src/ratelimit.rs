//! The providers' documented request limits, enforced per the key each provider counts by.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::config::RateLimitRules;

/// What the limiter decided for one request.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Allowed { remaining: usize },
    /// Refused; `retry_after` is when a retry would be accepted.
    Limited { retry_after: Duration },
}

pub struct RateLimiter {
    rules: RateLimitRules,
    hubspot: Mutex<HashMap<String, VecDeque<Instant>>>,
    airtable: Mutex<HashMap<String, AirtableWindow>>,
    notion: Mutex<HashMap<String, Bucket>>,
}

#[derive(Default)]
struct AirtableWindow {
    recent: VecDeque<Instant>,
    penalty_until: Option<Instant>,
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

impl RateLimiter {
    pub fn new(rules: RateLimitRules) -> Self {
        RateLimiter { rules, hubspot: Default::default(), airtable: Default::default(), notion: Default::default() }
    }

    pub fn rules(&self) -> &RateLimitRules {
        &self.rules
    }

    /// HubSpot: a rolling window per installed account (`key` is the portal).
    pub fn hubspot(&self, key: &str) -> Verdict {
        let now = Instant::now();
        let window = self.rules.hubspot_window;
        let mut map = self.hubspot.lock().unwrap_or_else(|e| e.into_inner());
        let log = map.entry(key.to_string()).or_default();
        while log.front().is_some_and(|t| now.duration_since(*t) >= window) {
            log.pop_front();
        }
        if log.len() >= self.rules.hubspot_max {
            let oldest = *log.front().unwrap();
            return Verdict::Limited { retry_after: window.saturating_sub(now.duration_since(oldest)) };
        }
        log.push_back(now);
        Verdict::Allowed { remaining: self.rules.hubspot_max - log.len() }
    }

    /// Airtable: N requests per second per base; exceeding it locks the client out for the penalty.
    pub fn airtable(&self, base: &str) -> Verdict {
        let now = Instant::now();
        let mut map = self.airtable.lock().unwrap_or_else(|e| e.into_inner());
        let w = map.entry(base.to_string()).or_default();
        if let Some(until) = w.penalty_until {
            if now < until {
                return Verdict::Limited { retry_after: until - now };
            }
            w.penalty_until = None;
        }
        while w.recent.front().is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(1)) {
            w.recent.pop_front();
        }
        if w.recent.len() >= self.rules.airtable_per_second {
            w.penalty_until = Some(now + self.rules.airtable_penalty);
            return Verdict::Limited { retry_after: self.rules.airtable_penalty };
        }
        w.recent.push_back(now);
        Verdict::Allowed { remaining: self.rules.airtable_per_second - w.recent.len() }
    }

    /// Notion: a token bucket per connection, refilled at the average rate, holding a small burst.
    pub fn notion(&self, token: &str) -> Verdict {
        let now = Instant::now();
        let (rate, burst) = (self.rules.notion_per_second, self.rules.notion_burst);
        let mut map = self.notion.lock().unwrap_or_else(|e| e.into_inner());
        let b = map.entry(token.to_string()).or_insert(Bucket { tokens: burst, at: now });
        b.tokens = (b.tokens + now.duration_since(b.at).as_secs_f64() * rate).min(burst);
        b.at = now;
        if b.tokens < 1.0 {
            return Verdict::Limited { retry_after: Duration::from_secs_f64((1.0 - b.tokens) / rate) };
        }
        b.tokens -= 1.0;
        Verdict::Allowed { remaining: b.tokens as usize }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hubspot_window_counts_to_the_limit() {
        let rl = RateLimiter::new(RateLimitRules { hubspot_max: 3, ..Default::default() });
        for left in [2, 1, 0] {
            assert_eq!(rl.hubspot("p"), Verdict::Allowed { remaining: left });
        }
        assert!(matches!(rl.hubspot("p"), Verdict::Limited { .. }));
        assert!(matches!(rl.hubspot("other"), Verdict::Allowed { .. }));
    }

    #[test]
    fn airtable_penalty_holds_after_a_burst() {
        let rl = RateLimiter::new(RateLimitRules { airtable_penalty: Duration::from_secs(30), ..Default::default() });
        for _ in 0..5 {
            assert!(matches!(rl.airtable("appA"), Verdict::Allowed { .. }));
        }
        assert!(matches!(rl.airtable("appA"), Verdict::Limited { .. }));
        assert!(matches!(rl.airtable("appB"), Verdict::Allowed { .. }), "limits are per base");
        std::thread::sleep(Duration::from_millis(1100));
        assert!(matches!(rl.airtable("appA"), Verdict::Limited { .. }), "the 30 s penalty outlasts the window");
    }

    #[test]
    fn notion_bucket_allows_a_burst_then_paces() {
        let rl = RateLimiter::new(RateLimitRules { notion_burst: 2.0, ..Default::default() });
        assert!(matches!(rl.notion("t"), Verdict::Allowed { .. }));
        assert!(matches!(rl.notion("t"), Verdict::Allowed { .. }));
        match rl.notion("t") {
            Verdict::Limited { retry_after } => assert!(retry_after <= Duration::from_millis(334)),
            v => panic!("expected a 429, got {v:?}"),
        }
    }
}
