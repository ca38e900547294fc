//! The fake authorization servers: consent, code exchange, PKCE, refresh and rotation rules.

mod common;

use std::time::Duration;

use common::*;
use reqwest::StatusCode;
use serde_json::Value;
use tributary_sandbox::consent::{decide_consent, ConsentError, ConsentOutcome};
use tributary_sandbox::{ProviderId, Sandbox};

#[tokio::test]
async fn every_provider_completes_a_flow_and_the_token_works() {
    let sb = start(30).await;
    for p in ProviderId::ALL {
        let tokens = connect(&sb, p).await;
        let access = tokens["access_token"].as_str().unwrap();
        assert_eq!(probe(&sb, p, access).await, StatusCode::OK, "{p}");
        assert!(tokens["refresh_token"].is_string(), "{p}");
        match p {
            ProviderId::Hubspot => {
                assert_eq!(tokens["expires_in"], 1800);
                // The 2026-03 answer is RFC 6749's; introspection names the portal and scopes.
                assert!(tokens.get("hub_id").is_none());
                let facts = hubspot_form(&sb, "oauth/2026-03/token/introspect", &[("token", access)]).await;
                assert_eq!(facts["hub_id"], sb.dataset().hubspot.portal_id);
                assert!(facts["scopes"].as_array().unwrap().iter().any(|s| s == "crm.objects.deals.read"));
            }
            ProviderId::Airtable => {
                assert_eq!(tokens["expires_in"], 3600);
                assert_eq!(tokens["scope"], "data.records:read schema.bases:read");
                assert!(tokens["refresh_expires_in"].is_u64());
            }
            ProviderId::Notion => {
                assert!(tokens.get("expires_in").is_none());
                assert_eq!(tokens["workspace_name"], sb.dataset().notion.workspace_name.as_str());
                assert_eq!(tokens["owner"]["type"], "user");
                assert!(tokens["bot_id"].is_string() && tokens["workspace_id"].is_string());
            }
        }
    }
}

#[tokio::test]
async fn a_wrong_verifier_is_refused() {
    let sb = start(10).await;
    for p in [ProviderId::Hubspot, ProviderId::Airtable] {
        let code = approve(&sb, p).await;
        let wrong = "x".repeat(43);
        let resp = token_call(
            &sb,
            p,
            &[("grant_type", "authorization_code"), ("code", &code), ("redirect_uri", REDIRECT), ("code_verifier", &wrong)],
        )
        .await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{p}");
        let body: Value = resp.json().await.unwrap();
        match p {
            ProviderId::Hubspot => assert_eq!(body["status"], "BAD_AUTH_CODE"),
            _ => assert_eq!(body["error"], "invalid_grant"),
        }
        // Without any verifier it is refused too.
        let resp = token_call(&sb, p, &[("grant_type", "authorization_code"), ("code", &code), ("redirect_uri", REDIRECT)]).await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{p}");
    }
}

#[tokio::test]
async fn airtable_requires_s256_pkce_at_authorize() {
    let sb = start(10).await;
    let mut url = authorize_url(&sb, ProviderId::Airtable, "s");
    let kept: Vec<(String, String)> =
        url.query_pairs().filter(|(k, _)| !k.starts_with("code_challenge")).map(|(k, v)| (k.into(), v.into())).collect();
    url.query_pairs_mut().clear().extend_pairs(kept.iter());
    match decide_consent(url.as_str(), true).await {
        Err(ConsentError::Refused { status: 400, message }) => assert!(message.contains("code_challenge"), "{message}"),
        other => panic!("expected refusal, got {other:?}"),
    }
    let plain = authorize_url(&sb, ProviderId::Airtable, "s").as_str().replace("S256", "plain");
    assert!(matches!(decide_consent(&plain, true).await, Err(ConsentError::Refused { .. })));
}

#[tokio::test]
async fn a_code_works_once_and_a_replay_revokes_its_tokens() {
    let sb = start(10).await;
    for p in ProviderId::ALL {
        let code = approve(&sb, p).await;
        let first: Value = exchange(&sb, p, &code).await.json().await.unwrap();
        let access = first["access_token"].as_str().unwrap().to_string();
        assert_eq!(probe(&sb, p, &access).await, StatusCode::OK);
        let replay = exchange(&sb, p, &code).await;
        assert_eq!(replay.status(), StatusCode::BAD_REQUEST, "{p}");
        assert_eq!(probe(&sb, p, &access).await, StatusCode::UNAUTHORIZED, "{p}: replay revokes the first tokens");
    }
}

#[tokio::test]
async fn codes_expire() {
    let sb = start_with(|c| c.code_ttl = Duration::from_millis(200)).await;
    let code = approve(&sb, ProviderId::Notion).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    let resp = exchange(&sb, ProviderId::Notion, &code).await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["code"], "invalid_grant");
}

#[tokio::test]
async fn the_redirect_uri_must_match_exactly() {
    let sb = start(10).await;
    for p in ProviderId::ALL {
        let code = approve(&sb, p).await;
        let other = format!("{REDIRECT}/");
        let resp = token_call(
            &sb,
            p,
            &[("grant_type", "authorization_code"), ("code", &code), ("redirect_uri", &other), ("code_verifier", VERIFIER)],
        )
        .await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{p}");
    }
    // An unregistered, non-loopback redirect never gets a consent page.
    let url = authorize_url(&sb, ProviderId::Notion, "s").as_str().replace("localhost", "evil.example");
    assert!(matches!(decide_consent(&url, true).await, Err(ConsentError::Refused { status: 400, .. })));
}

#[tokio::test]
async fn client_authentication_follows_each_provider() {
    let sb = start(10).await;
    let http = client();
    // HubSpot: a wrong secret in the body.
    let code = approve(&sb, ProviderId::Hubspot).await;
    let resp = http
        .post(sb.endpoints(ProviderId::Hubspot).token_url.clone())
        .form(&[("grant_type", "authorization_code"), ("code", &code), ("redirect_uri", REDIRECT), ("client_id", "sandbox-hubspot-client"), ("client_secret", "nope")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert_eq!(resp.json::<Value>().await.unwrap()["status"], "BAD_CLIENT_SECRET");
    // Notion: no Basic auth.
    let code = approve(&sb, ProviderId::Notion).await;
    let resp = http
        .post(sb.endpoints(ProviderId::Notion).token_url.clone())
        .json(&serde_json::json!({"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn airtable_with_a_secret_requires_basic_auth() {
    let sb = start_with(|c| c.clients[ProviderId::Airtable].client_secret = Some("shh".into())).await;
    let code = approve(&sb, ProviderId::Airtable).await;
    let resp = client()
        .post(sb.endpoints(ProviderId::Airtable).token_url.clone())
        .form(&[("grant_type", "authorization_code"), ("code", &code), ("redirect_uri", REDIRECT), ("code_verifier", VERIFIER), ("client_id", "sandbox-airtable-client")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(resp.json::<Value>().await.unwrap()["error"], "invalid_client");
    // The helper uses Basic when a secret is configured: the same code still works.
    assert_eq!(exchange(&sb, ProviderId::Airtable, &code).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn hubspot_refresh_keeps_the_refresh_token() {
    let sb = start(10).await;
    let first = connect(&sb, ProviderId::Hubspot).await;
    let rt = first["refresh_token"].as_str().unwrap();
    let second: Value = refresh(&sb, ProviderId::Hubspot, rt).await.json().await.unwrap();
    assert_eq!(second["refresh_token"], rt);
    assert_ne!(second["access_token"], first["access_token"]);
    assert_eq!(probe(&sb, ProviderId::Hubspot, second["access_token"].as_str().unwrap()).await, StatusCode::OK);
    // The same refresh token works again.
    assert_eq!(refresh(&sb, ProviderId::Hubspot, rt).await.status(), StatusCode::OK);
    let bad = refresh(&sb, ProviderId::Hubspot, "not-a-token").await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert_eq!(bad.json::<Value>().await.unwrap()["status"], "BAD_REFRESH_TOKEN");
}

#[tokio::test]
async fn airtable_and_notion_rotate_and_the_old_pair_dies_at_once() {
    let sb = start(10).await;
    for p in [ProviderId::Airtable, ProviderId::Notion] {
        let first = connect(&sb, p).await;
        let (old_access, old_refresh) = (first["access_token"].as_str().unwrap(), first["refresh_token"].as_str().unwrap());
        let resp = refresh(&sb, p, old_refresh).await;
        assert_eq!(resp.status(), StatusCode::OK, "{p}");
        let second: Value = resp.json().await.unwrap();
        let (new_access, new_refresh) = (second["access_token"].as_str().unwrap(), second["refresh_token"].as_str().unwrap());
        assert_ne!(new_refresh, old_refresh);
        assert_eq!(probe(&sb, p, old_access).await, StatusCode::UNAUTHORIZED, "{p}: old access token is dead");
        assert_eq!(probe(&sb, p, new_access).await, StatusCode::OK, "{p}");
        // Presenting the rotated refresh token is refused, and revokes the grant (Airtable's rule).
        assert_eq!(refresh(&sb, p, old_refresh).await.status(), StatusCode::BAD_REQUEST, "{p}");
        assert_eq!(probe(&sb, p, new_access).await, StatusCode::UNAUTHORIZED, "{p}: reuse revoked the grant");
        assert_eq!(refresh(&sb, p, new_refresh).await.status(), StatusCode::BAD_REQUEST, "{p}");
    }
}

#[tokio::test]
async fn access_tokens_expire_and_refresh_recovers() {
    let sb = start_with(|c| {
        c.access_token_ttl[ProviderId::Hubspot] = Some(Duration::from_millis(300));
        c.access_token_ttl[ProviderId::Airtable] = Some(Duration::from_millis(300));
    })
    .await;
    for p in [ProviderId::Hubspot, ProviderId::Airtable] {
        let tokens = connect(&sb, p).await;
        tokio::time::sleep(Duration::from_millis(400)).await;
        let resp = get(&sb, p, if p == ProviderId::Hubspot { "crm/objects/2026-09/deals" } else { "v0/meta/bases" }, tokens["access_token"].as_str().unwrap()).await;
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "{p}");
        let body: Value = resp.json().await.unwrap();
        match p {
            ProviderId::Hubspot => assert_eq!(body["category"], "EXPIRED_AUTHENTICATION"),
            _ => assert_eq!(body["error"]["type"], "AUTHENTICATION_REQUIRED"),
        }
        let fresh: Value = refresh(&sb, p, tokens["refresh_token"].as_str().unwrap()).await.json().await.unwrap();
        assert_eq!(probe(&sb, p, fresh["access_token"].as_str().unwrap()).await, StatusCode::OK);
    }
}

#[tokio::test]
async fn a_denial_redirects_with_access_denied_except_on_hubspot() {
    let sb = start(10).await;
    for p in ProviderId::ALL {
        let outcome = decide_consent(authorize_url(&sb, p, "st-9").as_str(), false).await.unwrap();
        match (p, outcome) {
            (ProviderId::Hubspot, ConsentOutcome::NoCallback) => {}
            (ProviderId::Airtable | ProviderId::Notion, ConsentOutcome::Redirect(cb)) => {
                assert_eq!(query(&cb, "error").as_deref(), Some("access_denied"));
                assert_eq!(query(&cb, "state").as_deref(), Some("st-9"));
                assert_eq!(query(&cb, "code"), None);
            }
            (p, o) => panic!("{p}: unexpected {o:?}"),
        }
    }
}

#[tokio::test]
async fn a_custom_scheme_redirect_is_accepted_for_deep_links() {
    let sb = start(10).await;
    let url = authorize_url(&sb, ProviderId::Notion, "dl").as_str().replace(
        &url::form_urlencoded::byte_serialize(REDIRECT.as_bytes()).collect::<String>(),
        "dev.tributary.app%3A%2Foauth%2Fnotion",
    );
    match decide_consent(&url, true).await.unwrap() {
        ConsentOutcome::Redirect(cb) => {
            assert_eq!(cb.scheme(), "dev.tributary.app");
            assert!(query(&cb, "code").is_some());
        }
        o => panic!("unexpected {o:?}"),
    }
}

#[tokio::test]
async fn revocation_endpoints_work() {
    let sb = start(10).await;
    let hs = connect(&sb, ProviderId::Hubspot).await;
    let rt = hs["refresh_token"].as_str().unwrap();
    let at = hs["access_token"].as_str().unwrap();
    assert_eq!(hubspot_form(&sb, "oauth/2026-03/token/introspect", &[("token", at)]).await["active"], true);
    let introspected = hubspot_form(&sb, "oauth/2026-03/token/introspect", &[("token", rt), ("token_type_hint", "refresh_token")]).await;
    assert_eq!(introspected["token_type"], "refresh_token");
    assert_eq!(introspected["hub_id"], sb.dataset().hubspot.portal_id);
    let url = sb.endpoints(ProviderId::Hubspot).revoke_url.clone().unwrap();
    assert_eq!(url.path(), "/oauth/2026-03/token/revoke", "no token in the path");
    let c = &sb.config().clients[ProviderId::Hubspot];
    let form = [("client_id", c.client_id.as_str()), ("client_secret", c.client_secret.as_deref().unwrap()), ("token", rt), ("token_type_hint", "refresh_token")];
    assert_eq!(client().post(url).form(&form).send().await.unwrap().status(), StatusCode::OK);
    let refused: Value = refresh(&sb, ProviderId::Hubspot, rt).await.json().await.unwrap();
    assert_eq!((refused["error"].as_str(), refused["status"].as_str()), (Some("invalid_grant"), Some("BAD_REFRESH_TOKEN")), "{refused}");
    assert_eq!(hubspot_form(&sb, "oauth/2026-03/token/introspect", &[("token", at)]).await["active"], false);

    let nt = connect(&sb, ProviderId::Notion).await;
    let access = nt["access_token"].as_str().unwrap();
    let c = &sb.config().clients[ProviderId::Notion];
    let base = sb.endpoints(ProviderId::Notion).api_base.clone();
    let introspect = |t: String| {
        let req = client().post(base.join("v1/oauth/introspect").unwrap()).basic_auth(&c.client_id, c.client_secret.as_deref());
        async move { req.json(&serde_json::json!({ "token": t })).send().await.unwrap().json::<Value>().await.unwrap() }
    };
    assert_eq!(introspect(access.to_string()).await["active"], true);
    let resp = client()
        .post(base.join("v1/oauth/revoke").unwrap())
        .basic_auth(&c.client_id, c.client_secret.as_deref())
        .json(&serde_json::json!({ "token": access }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(introspect(access.to_string()).await["active"], false);
    assert_eq!(probe(&sb, ProviderId::Notion, access).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn personal_tokens_work_without_oauth() {
    let sb = start(10).await;
    for p in ProviderId::ALL {
        assert_eq!(probe(&sb, p, &personal_token(&sb, p)).await, StatusCode::OK, "{p}");
        assert_eq!(probe(&sb, p, "made-up").await, StatusCode::UNAUTHORIZED, "{p}");
    }
}

/// A form POST to one of HubSpot's current OAuth endpoints, with the client's credentials.
async fn hubspot_form(sb: &Sandbox, path: &str, fields: &[(&str, &str)]) -> Value {
    let c = &sb.config().clients[ProviderId::Hubspot];
    let mut form = vec![("client_id", c.client_id.as_str()), ("client_secret", c.client_secret.as_deref().unwrap())];
    form.extend_from_slice(fields);
    let url = sb.endpoints(ProviderId::Hubspot).api_base.join(path).unwrap();
    client().post(url).form(&form).send().await.unwrap().json().await.unwrap()
}

#[tokio::test]
async fn hubspot_serves_the_2026_03_oauth_endpoints_and_the_legacy_ones_only_behind_the_switch() {
    let sb = start(10).await;
    assert_eq!(sb.endpoints(ProviderId::Hubspot).token_url.path(), "/oauth/2026-03/token");
    let tokens = connect(&sb, ProviderId::Hubspot).await;
    let rt = tokens["refresh_token"].as_str().unwrap();
    let base = sb.endpoints(ProviderId::Hubspot).api_base.clone();
    let legacy = client().post(base.join("oauth/v1/token").unwrap()).form(&[("grant_type", "refresh_token"), ("refresh_token", rt)]);
    assert_eq!(legacy.send().await.unwrap().status(), StatusCode::NOT_FOUND, "v1 is off without the switch");
    let wrong_client = hubspot_form(&sb, "oauth/2026-03/token/introspect", &[]).await;
    assert_eq!(wrong_client["error"], "invalid_request");

    let sb = start_with(|c| c.legacy_endpoints = true).await;
    let tokens = connect(&sb, ProviderId::Hubspot).await;
    let c = &sb.config().clients[ProviderId::Hubspot];
    let base = sb.endpoints(ProviderId::Hubspot).api_base.clone();
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
        ("client_id", c.client_id.as_str()),
        ("client_secret", c.client_secret.as_deref().unwrap()),
    ];
    let resp = client().post(base.join("oauth/v1/token").unwrap()).form(&form).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let bad = [("grant_type", "refresh_token"), ("refresh_token", "nope"), form[2], form[3]];
    let refused: Value = client().post(base.join("oauth/v1/token").unwrap()).form(&bad).send().await.unwrap().json().await.unwrap();
    assert_eq!(refused["status"], "BAD_REFRESH_TOKEN");
    assert!(refused.get("error").is_none(), "the v1 endpoint answers in its old shape: {refused}");
}
