//! Fault injection and rate limits, as a client sees them.

mod common;

use std::time::{Duration, Instant};

use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use tributary_sandbox::{ArmedFault, Fault, ProviderId};

fn list_path(sb: &tributary_sandbox::Sandbox, p: ProviderId) -> String {
    match p {
        ProviderId::Hubspot => "crm/objects/2026-09/contacts?limit=5".into(),
        ProviderId::Airtable => {
            let d = &sb.dataset().airtable;
            format!("v0/{}/{}?pageSize=5", d.base(0).id, d.table(0, 0).id)
        }
        ProviderId::Notion => unreachable!("Notion searches with POST"),
    }
}

/// Fetches the first page and returns (status, headers, body text).
async fn first_page(sb: &tributary_sandbox::Sandbox, p: ProviderId) -> reqwest::Response {
    let token = personal_token(sb, p);
    match p {
        ProviderId::Notion => notion_search(sb, &token, json!({ "page_size": 5 })).await,
        _ => get(sb, p, &list_path(sb, p), &token).await,
    }
}

#[tokio::test]
async fn server_errors_come_in_each_providers_shape_then_stop() {
    let sb = start(50).await;
    for p in ProviderId::ALL {
        sb.arm_fault(p, ArmedFault::new(Fault::ServerError { status: 503 }).times(2));
        for _ in 0..2 {
            let resp = first_page(&sb, p).await;
            assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE, "{p}");
            let body: Value = resp.json().await.unwrap();
            match p {
                ProviderId::Hubspot => assert_eq!(body["status"], "error"),
                ProviderId::Airtable => assert_eq!(body["error"]["type"], "SERVER_ERROR"),
                ProviderId::Notion => assert_eq!(body["code"], "service_unavailable"),
            }
        }
        assert_eq!(first_page(&sb, p).await.status(), StatusCode::OK, "{p}: the fault is spent");
        assert_eq!(sb.stats(p).faults_fired, 2);
    }
    sb.arm_fault(ProviderId::Notion, ArmedFault::new(Fault::ServerError { status: 529 }));
    let body: Value = first_page(&sb, ProviderId::Notion).await.json().await.unwrap();
    assert_eq!(body["code"], "service_overload");
}

#[tokio::test]
async fn malformed_json_and_truncated_bodies_fail_to_parse() {
    let sb = start(50).await;
    for p in ProviderId::ALL {
        sb.arm_fault(p, ArmedFault::new(Fault::MalformedJson));
        let resp = first_page(&sb, p).await;
        assert_eq!(resp.status(), StatusCode::OK);
        assert!(resp.json::<Value>().await.is_err(), "{p}: malformed body is not JSON");

        sb.arm_fault(p, ArmedFault::new(Fault::TruncatedBody));
        let resp = first_page(&sb, p).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let promised: usize = resp.headers()["content-length"].to_str().unwrap().parse().unwrap();
        assert!(promised > 0);
        assert!(resp.bytes().await.is_err(), "{p}: the body stops short of its Content-Length");
    }
}

#[tokio::test]
async fn a_repeated_cursor_is_served_on_request() {
    let sb = start(300).await;
    let token = personal_token(&sb, ProviderId::Notion);
    let first: Value = notion_search(&sb, &token, json!({ "page_size": 10 })).await.json().await.unwrap();
    let cursor = first["next_cursor"].as_str().unwrap().to_string();
    sb.arm_fault(ProviderId::Notion, ArmedFault::new(Fault::RepeatCursor));
    let second: Value = notion_search(&sb, &token, json!({ "page_size": 10, "start_cursor": cursor })).await.json().await.unwrap();
    assert_eq!(second["next_cursor"], cursor.as_str());

    let token = personal_token(&sb, ProviderId::Hubspot);
    let first: Value = get(&sb, ProviderId::Hubspot, "crm/objects/2026-09/contacts?limit=10", &token).await.json().await.unwrap();
    let after = first["paging"]["next"]["after"].as_str().unwrap().to_string();
    sb.arm_fault(ProviderId::Hubspot, ArmedFault::new(Fault::RepeatCursor));
    let second: Value = get(&sb, ProviderId::Hubspot, &format!("crm/objects/2026-09/contacts?limit=10&after={after}"), &token).await.json().await.unwrap();
    assert_eq!(second["paging"]["next"]["after"], after.as_str());
}

#[tokio::test]
async fn an_airtable_offset_can_be_expired_mid_listing() {
    let sb = start(300).await;
    let token = personal_token(&sb, ProviderId::Airtable);
    let path = list_path(&sb, ProviderId::Airtable);
    let first: Value = get(&sb, ProviderId::Airtable, &path, &token).await.json().await.unwrap();
    let offset = first["offset"].as_str().unwrap().to_string();
    sb.arm_fault(ProviderId::Airtable, ArmedFault::new(Fault::ExpiredOffset));
    // A first page (no offset) is untouched by the armed fault.
    assert_eq!(get(&sb, ProviderId::Airtable, &path, &token).await.status(), StatusCode::OK);
    let resp = get(&sb, ProviderId::Airtable, &format!("{path}&offset={offset}"), &token).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn revoked_and_expired_tokens_mid_load() {
    let sb = start(100).await;
    for p in ProviderId::ALL {
        let tokens = connect(&sb, p).await;
        let access = tokens["access_token"].as_str().unwrap();
        sb.arm_fault(p, ArmedFault::new(Fault::RevokeTokens).after(1));
        assert_eq!(probe(&sb, p, access).await, StatusCode::OK);
        assert_eq!(probe(&sb, p, access).await, StatusCode::UNAUTHORIZED, "{p}");
        let refreshed = refresh(&sb, p, tokens["refresh_token"].as_str().unwrap()).await;
        assert_eq!(refreshed.status(), StatusCode::BAD_REQUEST, "{p}: a revoked grant cannot refresh");
        assert_eq!(probe(&sb, p, &personal_token(&sb, p)).await, StatusCode::UNAUTHORIZED, "{p}: everything is revoked");
    }
    let sb = start(100).await;
    let tokens = connect(&sb, ProviderId::Airtable).await;
    sb.arm_fault(ProviderId::Airtable, ArmedFault::new(Fault::ExpireAccessTokens));
    assert_eq!(probe(&sb, ProviderId::Airtable, tokens["access_token"].as_str().unwrap()).await, StatusCode::UNAUTHORIZED);
    let fresh: Value = refresh(&sb, ProviderId::Airtable, tokens["refresh_token"].as_str().unwrap()).await.json().await.unwrap();
    assert_eq!(probe(&sb, ProviderId::Airtable, fresh["access_token"].as_str().unwrap()).await, StatusCode::OK);
}

#[tokio::test]
async fn a_429_burst_in_each_providers_shape() {
    let sb = start(50).await;
    for p in ProviderId::ALL {
        sb.arm_fault(p, ArmedFault::new(Fault::RateLimited).times(3));
        for _ in 0..3 {
            let resp = first_page(&sb, p).await;
            assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS, "{p}");
            let retry_after = resp.headers().get("retry-after").map(|v| v.to_str().unwrap().to_string());
            let body: Value = resp.json().await.unwrap();
            match p {
                ProviderId::Hubspot => {
                    assert_eq!(body["errorType"], "RATE_LIMIT");
                    assert_eq!(body["policyName"], "TEN_SECONDLY_ROLLING");
                    assert_eq!(retry_after, None);
                }
                ProviderId::Airtable => {
                    assert_eq!(body["errors"][0]["error"], "RATE_LIMIT_REACHED");
                    assert_eq!(retry_after, None);
                }
                ProviderId::Notion => {
                    assert_eq!(body["code"], "rate_limited");
                    assert_eq!(retry_after.as_deref(), Some("1"));
                }
            }
        }
        assert_eq!(first_page(&sb, p).await.status(), StatusCode::OK);
        assert_eq!(sb.stats(p).rate_limited, 3);
    }
}

#[tokio::test]
async fn slow_responses_are_slow() {
    let sb = start(20).await;
    sb.arm_fault(ProviderId::Hubspot, ArmedFault::new(Fault::Slow { millis: 300 }));
    let t = Instant::now();
    assert_eq!(first_page(&sb, ProviderId::Hubspot).await.status(), StatusCode::OK);
    assert!(t.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn faults_can_be_armed_over_http() {
    let sb = start(20).await;
    let base = sb.endpoints(ProviderId::Notion).base_url.clone();
    let resp = client()
        .post(base.join("_sandbox/faults").unwrap())
        .json(&json!({ "kind": "server_error", "status": 502, "after": 1 }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    assert_eq!(first_page(&sb, ProviderId::Notion).await.status(), StatusCode::OK);
    assert_eq!(first_page(&sb, ProviderId::Notion).await.status(), StatusCode::BAD_GATEWAY);
    let stats: Value = client().get(base.join("_sandbox/stats").unwrap()).send().await.unwrap().json().await.unwrap();
    assert_eq!(stats["stats"]["faults_fired"], 1);
    assert_eq!(stats["stats"]["pages_served"], 1);
}

#[tokio::test]
async fn documented_rate_limits_are_enforced() {
    let sb = start_with(|c| {
        c.rate_limits = true;
        c.dataset = tributary_sandbox::PerProvider::all(100);
    })
    .await;
    // HubSpot: 110 per rolling 10 s for the account, with its headers.
    let token = personal_token(&sb, ProviderId::Hubspot);
    for i in 0..110 {
        let resp = get(&sb, ProviderId::Hubspot, "crm/objects/2026-09/contacts?limit=1", &token).await;
        assert_eq!(resp.status(), StatusCode::OK, "request {i}");
        assert_eq!(resp.headers()["X-HubSpot-RateLimit-Remaining"], (109 - i).to_string().as_str());
    }
    let resp = get(&sb, ProviderId::Hubspot, "crm/objects/2026-09/contacts?limit=1", &token).await;
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(resp.json::<Value>().await.unwrap()["policyName"], "TEN_SECONDLY_ROLLING");

    // Airtable: 5 per second per base, then a lock-out.
    let token = personal_token(&sb, ProviderId::Airtable);
    let path = list_path(&sb, ProviderId::Airtable);
    for _ in 0..5 {
        assert_eq!(get(&sb, ProviderId::Airtable, &path, &token).await.status(), StatusCode::OK);
    }
    assert_eq!(get(&sb, ProviderId::Airtable, &path, &token).await.status(), StatusCode::TOO_MANY_REQUESTS);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(get(&sb, ProviderId::Airtable, &path, &token).await.status(), StatusCode::TOO_MANY_REQUESTS, "30 s lock-out");

    // Notion: a budget per connection per 60-second window, spendable in one burst.
    let token = personal_token(&sb, ProviderId::Notion);
    for i in 0..180 {
        assert_eq!(notion_search(&sb, &token, json!({ "page_size": 1 })).await.status(), StatusCode::OK, "request {i}");
    }
    let resp = notion_search(&sb, &token, json!({ "page_size": 1 })).await;
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = resp.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "the time to the window's reset: {wait}");
    assert_eq!(resp.json::<Value>().await.unwrap()["additional_data"]["rate_limit_reason"], "connection_rate_limit");
}

#[tokio::test]
async fn a_budget_resets_with_its_window_and_shared_limits_count_every_key() {
    use tributary_sandbox::{RateRule, Scope, ScopedRule};
    let window = Duration::from_secs(2);
    let sb = start_with(|c| {
        c.rate_limits = true;
        c.dataset = tributary_sandbox::PerProvider::all(60_000);
        c.rate_limit_rules[ProviderId::Notion] = vec![
            ScopedRule { rule: RateRule::FixedWindow { max: 3, window }, scope: Scope::Key, reason: "connection_rate_limit" },
            ScopedRule { rule: RateRule::FixedWindow { max: 5, window }, scope: Scope::Shared, reason: "workspace_rate_limit" },
        ];
    })
    .await;
    // Notion: one connection spends its budget; a second one meets the workspace's limit.
    let first = personal_token(&sb, ProviderId::Notion);
    let second = connect(&sb, ProviderId::Notion).await["access_token"].as_str().unwrap().to_string();
    let reason = |resp: reqwest::Response| async move {
        assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
        resp.json::<Value>().await.unwrap()["additional_data"]["rate_limit_reason"].as_str().unwrap().to_string()
    };
    for _ in 0..3 {
        assert_eq!(notion_search(&sb, &first, json!({ "page_size": 1 })).await.status(), StatusCode::OK);
    }
    assert_eq!(reason(notion_search(&sb, &first, json!({ "page_size": 1 })).await).await, "connection_rate_limit");
    for _ in 0..2 {
        assert_eq!(notion_search(&sb, &second, json!({ "page_size": 1 })).await.status(), StatusCode::OK);
    }
    assert_eq!(reason(notion_search(&sb, &second, json!({ "page_size": 1 })).await).await, "workspace_rate_limit");
    tokio::time::sleep(window).await;
    assert_eq!(notion_search(&sb, &first, json!({ "page_size": 1 })).await.status(), StatusCode::OK, "a new window");

    // Airtable: 5 per second per base, and 50 per second per user across all of them: eleven
    // bases at their own limit are more than the user's.
    let data = &sb.dataset().airtable;
    assert!(data.base_count() >= 11, "{}", data.base_count());
    let token = personal_token(&sb, ProviderId::Airtable);
    let mut statuses = Vec::new();
    for b in 0..11 {
        let path = format!("v0/{}/{}?pageSize=1", data.base(b).id, data.table(b, 0).id);
        for _ in 0..5 {
            statuses.push(get(&sb, ProviderId::Airtable, &path, &token).await.status());
        }
    }
    let refused = statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!(refused, 5, "the 51st request and after, though each base is within its own limit");
}
