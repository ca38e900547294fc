//! Client-side pacing, so a load runs just under each provider's documented limit instead of
//! into it (each provider's spec says how much: its `pacing`), and waits as a whole when the
//! provider says to (a 429's Retry-After holds every request of that key, not only the one
//! that was refused).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::provider::Pacing;

/// At most `max` requests in any `window` per key, and, where set, at most `shared.0` in any
/// `shared.1` over all keys together.
pub struct Pacer {
    max: usize,
    window: Duration,
    shared: Option<(usize, Duration)>,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    sent: HashMap<String, VecDeque<Instant>>,
    all: VecDeque<Instant>,
    /// Keys the provider asked to wait, until when.
    held: HashMap<String, Instant>,
}

/// Drops the sends older than `window` and says how long until one more fits under `max`.
fn wait_in(log: &mut VecDeque<Instant>, max: usize, window: Duration, now: Instant) -> Duration {
    while log.front().is_some_and(|t| now.duration_since(*t) >= window) {
        log.pop_front();
    }
    match log.front() {
        Some(oldest) if log.len() >= max => window - now.duration_since(*oldest),
        _ => Duration::ZERO,
    }
}

impl Pacer {
    /// At most `max` requests in any `window`; a `max` of zero counts as one (zero would let
    /// nothing through, ever).
    pub fn new(max: usize, window: Duration) -> Self {
        Pacer { max: max.max(1), window, shared: None, state: Mutex::default() }
    }

    /// The limits a provider's spec keeps to.
    pub fn for_provider(pacing: Pacing) -> Self {
        Pacer { shared: pacing.across_keys.map(|(n, w)| (n.max(1), w)), ..Pacer::new(pacing.requests, pacing.window) }
    }

    /// A pacer that waits only when the provider says to (`hold`): for providers whose budget is
    /// spent at any pace, and with rate limits off (the raw-throughput benchmark).
    pub fn unlimited() -> Self {
        Pacer::new(usize::MAX, Duration::ZERO)
    }

    /// Requests per second this pacer allows per key.
    pub fn rate(&self) -> f64 {
        self.max as f64 / self.window.as_secs_f64()
    }

    /// Holds every request under `key` for `wait` (a provider's Retry-After).
    pub fn hold(&self, key: &str, wait: Duration) {
        let until = Instant::now() + wait;
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let held = state.held.entry(key.to_string()).or_insert(until);
        *held = (*held).max(until);
    }

    /// Waits until a request under `key` may go, and records it.
    pub async fn acquire(&self, key: &str) {
        loop {
            let wait = {
                let now = Instant::now();
                let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
                let held = match state.held.get(key) {
                    Some(until) if *until > now => *until - now,
                    Some(_) => {
                        state.held.remove(key);
                        Duration::ZERO
                    }
                    None => Duration::ZERO,
                };
                let wait = if self.max == usize::MAX {
                    // No limit of its own: only a hold makes a request wait.
                    held
                } else {
                    let State { sent, all, .. } = &mut *state;
                    let log = sent.entry(key.to_string()).or_default();
                    let own = wait_in(log, self.max, self.window, now);
                    let shared = self.shared.map_or(Duration::ZERO, |(n, w)| wait_in(all, n, w, now));
                    let wait = held.max(own).max(shared);
                    if wait.is_zero() {
                        log.push_back(now);
                        if self.shared.is_some() {
                            all.push_back(now);
                        }
                    }
                    wait
                };
                if wait.is_zero() {
                    return;
                }
                wait
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

    #[tokio::test]
    async fn a_shared_limit_paces_all_keys_together() {
        let p = Pacer::for_provider(Pacing { requests: 5, window: Duration::from_millis(200), across_keys: Some((6, Duration::from_millis(200))) });
        let start = Instant::now();
        // Three keys of two requests each fit every key's own limit, but not the shared one.
        for key in ["a", "b", "c", "a", "b", "c", "a"] {
            p.acquire(key).await;
        }
        assert!(start.elapsed() >= Duration::from_millis(200), "{:?}", start.elapsed());
    }

    #[tokio::test]
    async fn a_hold_stops_every_request_of_its_key_until_it_ends() {
        let p = Pacer::new(100, Duration::from_secs(1));
        p.hold("conn", Duration::from_millis(150));
        let start = Instant::now();
        p.acquire("other").await;
        assert!(start.elapsed() < Duration::from_millis(50), "other keys go on");
        p.acquire("conn").await;
        assert!(start.elapsed() >= Duration::from_millis(150), "{:?}", start.elapsed());
    }
}
