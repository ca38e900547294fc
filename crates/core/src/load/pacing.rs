//! Client-side pacing, so a load runs just under each provider's documented limit instead of
//! into it (each provider's spec says how much: its `pacing`).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::provider::Pacing;

/// At most `max` requests in any `window` per key.
pub struct Pacer {
    max: usize,
    window: Duration,
    sent: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl Pacer {
    /// At most `max` requests in any `window`; a `max` of zero counts as one (zero would let
    /// nothing through, ever).
    pub fn new(max: usize, window: Duration) -> Self {
        Pacer { max: max.max(1), window, sent: Mutex::new(HashMap::new()) }
    }

    /// The limit a provider's spec keeps to.
    pub fn for_provider(pacing: Pacing) -> Self {
        Pacer::new(pacing.requests, pacing.window)
    }

    /// A pacer that never waits (rate limits off, as in the raw-throughput benchmark).
    pub fn unlimited() -> Self {
        Pacer::new(usize::MAX, Duration::ZERO)
    }

    /// Requests per second this pacer allows per key.
    pub fn rate(&self) -> f64 {
        self.max as f64 / self.window.as_secs_f64()
    }

    /// Waits until a request under `key` may go, and records it.
    pub async fn acquire(&self, key: &str) {
        if self.max == usize::MAX {
            return;
        }
        loop {
            let wait = {
                let now = Instant::now();
                let mut sent = self.sent.lock().unwrap_or_else(|e| e.into_inner());
                let log = sent.entry(key.to_string()).or_default();
                while log.front().is_some_and(|t| now.duration_since(*t) >= self.window) {
                    log.pop_front();
                }
                if log.len() < self.max {
                    log.push_back(now);
                    return;
                }
                self.window - now.duration_since(*log.front().expect("full log"))
            };
            tokio::time::sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn never_exceeds_max_in_a_window() {
        let p = Pacer::new(3, Duration::from_millis(200));
        let start = Instant::now();
        for _ in 0..7 {
            p.acquire("k").await;
        }
        // 7 requests at 3 per 200 ms need two full windows.
        assert!(start.elapsed() >= Duration::from_millis(400), "{:?}", start.elapsed());
        let other = Instant::now();
        p.acquire("other").await;
        assert!(other.elapsed() < Duration::from_millis(50), "keys are independent");
    }

    #[tokio::test]
    async fn a_limit_of_zero_lets_one_through_instead_of_panicking() {
        let p = Pacer::new(0, Duration::from_millis(20));
        for _ in 0..3 {
            p.acquire("k").await;
        }
    }
}
