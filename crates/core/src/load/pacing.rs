//! Client-side pacing, so a load runs just under each provider's documented limit instead of
//! into it (each provider's spec says how much: its `pacing`), and waits as a whole when the
//! provider says to (a 429's Retry-After holds every request of that key, not only the one
//! that was refused).
//!
//! The provider counts a request when it arrives, which is some time after it was sent and
//! before its answer comes back; on a busy machine or network, requests sent evenly can arrive
//! bunched. So a request counts against the window from the moment it is sent until its answer
//! is in, and from then on for a whole window: at most `max` requests are in flight or were
//! answered within the last `window`. Then no `max + 1` requests can ever arrive within one
//! window, whatever the delays, and the cost is one round trip per window.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::provider::Pacing;

/// How often a request waiting for an answer to free a place looks again (only when `max`
/// requests are in flight at once, which the loaders' concurrency rarely allows).
const POLL: Duration = Duration::from_millis(5);

/// At most `max` requests in flight or answered in any `window` per key, and, where set, at
/// most `shared.0` in any `shared.1` over all keys together.
pub struct Pacer {
    max: usize,
    window: Duration,
    shared: Option<(usize, Duration)>,
    /// Keys paced by their own limit instead of `max` per `window` (and not by `shared`).
    own_limits: &'static [(&'static str, usize, Duration)],
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    sent: HashMap<String, Log>,
    all: Log,
    /// Keys the provider asked to wait, until when.
    held: HashMap<String, Instant>,
}

/// One limit's requests: those in flight, and when the answered ones were answered.
#[derive(Default)]
struct Log {
    in_flight: usize,
    answered: VecDeque<Instant>,
}

impl Log {
    /// How long until one more request fits under `max` in `window` (zero: now).
    fn wait(&mut self, max: usize, window: Duration, now: Instant) -> Duration {
        while self.answered.front().is_some_and(|t| now.duration_since(*t) >= window) {
            self.answered.pop_front();
        }
        if self.in_flight + self.answered.len() < max {
            return Duration::ZERO;
        }
        match self.answered.front() {
            Some(oldest) => (window - now.duration_since(*oldest)).max(Duration::from_millis(1)),
            // Every place is taken by a request in flight: one answer will free one.
            None => POLL,
        }
    }

    fn answer(&mut self, now: Instant) {
        self.in_flight = self.in_flight.saturating_sub(1);
        self.answered.push_back(now);
    }
}

/// A request's place in its windows, from its sending until its answer: dropped when the
/// answer is in (or the request failed), which starts its time in the window.
pub struct Permit<'a> {
    pacer: &'a Pacer,
    key: Option<String>,
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        let Some(key) = self.key.take() else { return };
        let now = Instant::now();
        let mut state = self.pacer.state.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(log) = state.sent.get_mut(&key) {
            log.answer(now);
        }
        if self.pacer.shared.is_some() && self.pacer.own_limit(&key).is_none() {
            state.all.answer(now);
        }
    }
}

impl Pacer {
    /// At most `max` requests in any `window`; a `max` of zero counts as one (zero would let
    /// nothing through, ever).
    pub fn new(max: usize, window: Duration) -> Self {
        Pacer { max: max.max(1), window, shared: None, own_limits: &[], state: Mutex::default() }
    }

    /// The limits a provider's spec keeps to. The limit across keys (the user's) counts one
    /// request as answered at the start: the connection's sign-in may have just spent it (its
    /// who-am-I), and the load must not be the request too many.
    pub fn for_provider(pacing: Pacing) -> Self {
        let pacer = Pacer { shared: pacing.across_keys.map(|(n, w)| (n.max(1), w)), own_limits: pacing.own_limits, ..Pacer::new(pacing.requests, pacing.window) };
        if pacer.shared.is_some() {
            pacer.state.lock().unwrap_or_else(|e| e.into_inner()).all.answered.push_back(Instant::now());
        }
        pacer
    }

    fn own_limit(&self, key: &str) -> Option<(usize, Duration)> {
        self.own_limits.iter().find(|(k, ..)| *k == key).map(|(_, n, w)| ((*n).max(1), *w))
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

    /// Waits until a request under `key` may go, and takes its place: keep the permit until
    /// the answer is in.
    pub async fn acquire(&self, key: &str) -> Permit<'_> {
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
                if self.max == usize::MAX {
                    // No limit of its own: only a hold makes a request wait.
                    if held.is_zero() {
                        return Permit { pacer: self, key: None };
                    }
                    held
                } else {
                    let State { sent, all, .. } = &mut *state;
                    let log = sent.entry(key.to_string()).or_default();
                    let own_limit = self.own_limit(key);
                    let (max, window) = own_limit.unwrap_or((self.max, self.window));
                    let own = log.wait(max, window, now);
                    let shared = match self.shared {
                        Some((n, w)) if own_limit.is_none() => Some(all.wait(n, w, now)),
                        _ => None,
                    };
                    let wait = held.max(own).max(shared.unwrap_or_default());
                    if wait.is_zero() {
                        log.in_flight += 1;
                        if shared.is_some() {
                            all.in_flight += 1;
                        }
                        return Permit { pacer: self, key: Some(key.to_string()) };
                    }
                    wait
                }
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
            let _answered = p.acquire("k").await;
        }
        // 7 requests at 3 per 200 ms need two full windows.
        assert!(start.elapsed() >= Duration::from_millis(400), "{:?}", start.elapsed());
        let other = Instant::now();
        let _ = p.acquire("other").await;
        assert!(other.elapsed() < Duration::from_millis(50), "keys are independent");
    }

    #[tokio::test]
    async fn a_limit_of_zero_lets_one_through_instead_of_panicking() {
        let p = Pacer::new(0, Duration::from_millis(20));
        for _ in 0..3 {
            let _ = p.acquire("k").await;
        }
    }

    #[tokio::test]
    async fn a_shared_limit_paces_all_keys_together() {
        let p = Pacer::for_provider(Pacing { requests: 5, window: Duration::from_millis(200), across_keys: Some((6, Duration::from_millis(200))), own_limits: &[] });
        let start = Instant::now();
        // Three keys of two requests each fit every key's own limit, but not the shared one.
        for key in ["a", "b", "c", "a", "b", "c", "a"] {
            let _ = p.acquire(key).await;
        }
        assert!(start.elapsed() >= Duration::from_millis(200), "{:?}", start.elapsed());
    }

    #[tokio::test]
    async fn the_users_first_window_keeps_a_place_for_the_sign_ins_own_request() {
        let p = Pacer::for_provider(Pacing { requests: 5, window: Duration::from_millis(200), across_keys: Some((3, Duration::from_millis(200))), own_limits: &[] });
        let start = Instant::now();
        for key in ["a", "b"] {
            let _ = p.acquire(key).await;
        }
        assert!(start.elapsed() < Duration::from_millis(100), "two go at once");
        let _ = p.acquire("c").await;
        assert!(start.elapsed() >= Duration::from_millis(190), "the third is the user's fourth: {:?}", start.elapsed());
    }

    #[tokio::test]
    async fn a_request_counts_from_its_sending_until_a_window_after_its_answer() {
        let p = Pacer::new(1, Duration::from_millis(100));
        let start = Instant::now();
        let slow = p.acquire("k").await;
        let waiting = async {
            let _next = p.acquire("k").await;
            start.elapsed()
        };
        let answer_late = async {
            tokio::time::sleep(Duration::from_millis(150)).await;
            drop(slow);
        };
        let (waited, ()) = tokio::join!(waiting, answer_late);
        // The first request was answered at 150 ms: it may have reached the provider just
        // then, so the next one waits a whole window from there.
        assert!(waited >= Duration::from_millis(250), "{waited:?}");
    }

    #[tokio::test]
    async fn a_key_with_its_own_limit_is_paced_by_it_alone() {
        static SEARCH: [(&str, usize, Duration); 1] = [("search", 2, Duration::from_millis(200))];
        let p = Pacer::for_provider(Pacing { requests: 100, window: Duration::from_secs(10), across_keys: None, own_limits: &SEARCH });
        let start = Instant::now();
        for _ in 0..3 {
            let _ = p.acquire("search").await;
        }
        assert!(start.elapsed() >= Duration::from_millis(200), "{:?}", start.elapsed());
        let other = Instant::now();
        for _ in 0..5 {
            let _ = p.acquire("account").await;
        }
        assert!(other.elapsed() < Duration::from_millis(50), "the general budget is its own");
    }

    #[tokio::test]
    async fn a_hold_stops_every_request_of_its_key_until_it_ends() {
        let p = Pacer::new(100, Duration::from_secs(1));
        p.hold("conn", Duration::from_millis(150));
        let start = Instant::now();
        let _ = p.acquire("other").await;
        assert!(start.elapsed() < Duration::from_millis(50), "other keys go on");
        let _ = p.acquire("conn").await;
        assert!(start.elapsed() >= Duration::from_millis(150), "{:?}", start.elapsed());
    }
}
