use super::*;

fn limiter(rules: &[ScopedRule]) -> RateLimiter {
    RateLimiter::new(PerProvider::all(rules.to_vec()))
}

fn per_key(rule: RateRule) -> ScopedRule {
    ScopedRule { rule, scope: Scope::Key, reason: "key" }
}

const P: ProviderId = ProviderId::ALL[0];

#[test]
fn a_window_counts_to_the_limit_per_key() {
    let rl = limiter(&[per_key(RateRule::Window { max: 3, window: Duration::from_secs(10) })]);
    for left in [2, 1, 0] {
        assert_eq!(rl.check(P, 0, "account", None), Verdict::Allowed { remaining: left });
    }
    assert!(matches!(rl.check(P, 0, "account", None), Verdict::Limited { .. }));
    assert!(matches!(rl.check(P, 0, "other", None), Verdict::Allowed { .. }));
}

#[test]
fn a_penalty_holds_after_a_burst() {
    let rl = limiter(&[per_key(RateRule::PerSecondWithPenalty { per_second: 5, penalty: Duration::from_secs(30) })]);
    for _ in 0..5 {
        assert!(matches!(rl.check(P, 0, "appA", None), Verdict::Allowed { .. }));
    }
    assert!(matches!(rl.check(P, 0, "appA", None), Verdict::Limited { .. }));
    assert!(matches!(rl.check(P, 0, "appB", None), Verdict::Allowed { .. }), "limits are per key");
    std::thread::sleep(Duration::from_millis(1100));
    assert!(matches!(rl.check(P, 0, "appA", None), Verdict::Limited { .. }), "the 30 s penalty outlasts the window");
}

#[test]
fn a_bucket_allows_a_burst_then_paces() {
    let rl = limiter(&[per_key(RateRule::Bucket { per_second: 3.0, burst: 2.0 })]);
    assert!(matches!(rl.check(P, 0, "t", None), Verdict::Allowed { .. }));
    assert!(matches!(rl.check(P, 0, "t", None), Verdict::Allowed { .. }));
    match rl.check(P, 0, "t", None) {
        Verdict::Limited { retry_after, .. } => assert!(retry_after <= Duration::from_millis(334)),
        v => panic!("expected a 429, got {v:?}"),
    }
}

#[test]
fn a_fixed_window_budget_is_spent_at_any_pace_and_resets_with_the_window() {
    let rl = limiter(&[per_key(RateRule::FixedWindow { max: 4, window: Duration::from_millis(300) })]);
    for _ in 0..4 {
        assert!(matches!(rl.check(P, 0, "c", None), Verdict::Allowed { .. }), "a burst of the whole budget");
    }
    match rl.check(P, 0, "c", None) {
        Verdict::Limited { retry_after, .. } => assert!(retry_after <= Duration::from_millis(300)),
        v => panic!("expected a 429, got {v:?}"),
    }
    std::thread::sleep(Duration::from_millis(310));
    assert!(matches!(rl.check(P, 0, "c", None), Verdict::Allowed { remaining: 3 }), "a new window, a new budget");
}

#[test]
fn a_shared_limit_counts_every_key_and_names_itself() {
    let rl = limiter(&[
        per_key(RateRule::Window { max: 5, window: Duration::from_secs(10) }),
        ScopedRule { rule: RateRule::Window { max: 6, window: Duration::from_secs(10) }, scope: Scope::Shared, reason: "user" },
    ]);
    for key in ["a", "b", "c", "a", "b", "c"] {
        assert!(matches!(rl.check(P, 0, key, None), Verdict::Allowed { .. }), "{key}");
    }
    assert!(matches!(rl.check(P, 0, "d", None), Verdict::Limited { reason: "user", .. }), "every key counts toward the shared limit");
    assert!(matches!(rl.check(P, 1, "a", None), Verdict::Allowed { .. }), "another account has budgets of its own");
    // A refused request counts against no rule: `d` still has its own five.
    let rl = limiter(&[
        ScopedRule { rule: RateRule::Window { max: 1, window: Duration::from_secs(10) }, scope: Scope::Shared, reason: "user" },
        per_key(RateRule::Window { max: 5, window: Duration::from_secs(10) }),
    ]);
    assert!(matches!(rl.check(P, 0, "d", None), Verdict::Allowed { remaining: 0 }));
    assert!(matches!(rl.check(P, 0, "d", None), Verdict::Limited { reason: "user", .. }));
}

#[test]
fn an_endpoint_with_its_own_limit_counts_against_that_limit_only() {
    let rl = limiter(&[
        per_key(RateRule::Window { max: 2, window: Duration::from_secs(10) }),
        ScopedRule { rule: RateRule::Window { max: 3, window: Duration::from_secs(10) }, scope: Scope::Endpoint("search"), reason: "SECONDLY" },
    ]);
    for _ in 0..3 {
        assert!(matches!(rl.check(P, 0, "a", Some("search")), Verdict::Allowed { .. }));
    }
    assert!(matches!(rl.check(P, 0, "a", Some("search")), Verdict::Limited { reason: "SECONDLY", .. }));
    assert!(matches!(rl.check(P, 0, "a", None), Verdict::Allowed { remaining: 1 }), "searches spent none of the general budget");
    assert!(matches!(rl.check(P, 0, "a", Some("other")), Verdict::Allowed { remaining: 0 }), "an endpoint without rules of its own counts as any request");
}
