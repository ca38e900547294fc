use super::*;

fn limiter(rule: RateRule) -> RateLimiter {
    RateLimiter::new(PerProvider::all(rule))
}

const P: ProviderId = ProviderId::ALL[0];

#[test]
fn a_window_counts_to_the_limit_per_key() {
    let rl = limiter(RateRule::Window { max: 3, window: Duration::from_secs(10) });
    for left in [2, 1, 0] {
        assert_eq!(rl.check(P, "account"), Verdict::Allowed { remaining: left });
    }
    assert!(matches!(rl.check(P, "account"), Verdict::Limited { .. }));
    assert!(matches!(rl.check(P, "other"), Verdict::Allowed { .. }));
}

#[test]
fn a_penalty_holds_after_a_burst() {
    let rl = limiter(RateRule::PerSecondWithPenalty { per_second: 5, penalty: Duration::from_secs(30) });
    for _ in 0..5 {
        assert!(matches!(rl.check(P, "appA"), Verdict::Allowed { .. }));
    }
    assert!(matches!(rl.check(P, "appA"), Verdict::Limited { .. }));
    assert!(matches!(rl.check(P, "appB"), Verdict::Allowed { .. }), "limits are per key");
    std::thread::sleep(Duration::from_millis(1100));
    assert!(matches!(rl.check(P, "appA"), Verdict::Limited { .. }), "the 30 s penalty outlasts the window");
}

#[test]
fn a_bucket_allows_a_burst_then_paces() {
    let rl = limiter(RateRule::Bucket { per_second: 3.0, burst: 2.0 });
    assert!(matches!(rl.check(P, "t"), Verdict::Allowed { .. }));
    assert!(matches!(rl.check(P, "t"), Verdict::Allowed { .. }));
    match rl.check(P, "t") {
        Verdict::Limited { retry_after } => assert!(retry_after <= Duration::from_millis(334)),
        v => panic!("expected a 429, got {v:?}"),
    }
}
