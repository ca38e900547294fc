//! Helpers the sandbox's integration tests share: start a sandbox, run a consent, call endpoints.
#![allow(dead_code)]

use reqwest::{Client, Response, StatusCode};
use serde_json::{json, Value};
use tributary_sandbox::consent::{decide_consent_as, ConsentOutcome};
use tributary_sandbox::dataset::notion::NOTION_VERSION;
use tributary_sandbox::{s256_challenge, ProviderId, Sandbox, SandboxConfig};
use url::Url;

pub const REDIRECT: &str = "http://localhost:53682/callback";
pub const VERIFIER: &str = "sandbox-test-verifier-0123456789-abcdefghijklmnopqrstuvwxyz";

pub async fn start(items: usize) -> Sandbox {
    start_with(|c| c.dataset = tributary_sandbox::PerProvider::all(items)).await
}

pub async fn start_with(edit: impl FnOnce(&mut SandboxConfig)) -> Sandbox {
    let mut config = SandboxConfig::default();
    edit(&mut config);
    Sandbox::start(config).await.expect("sandbox starts")
}

pub fn client() -> Client {
    Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// The authorize URL an app would open, with PKCE where the provider takes it.
pub fn authorize_url(sb: &Sandbox, p: ProviderId, state: &str) -> Url {
    let mut url = sb.endpoints(p).authorize_url.clone();
    let client_id = sb.config().clients.get(p).client_id.clone();
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("client_id", &client_id).append_pair("redirect_uri", REDIRECT).append_pair("state", state);
        match p {
            ProviderId::Hubspot => {
                q.append_pair("scope", "oauth crm.objects.contacts.read crm.objects.companies.read crm.objects.deals.read");
                q.append_pair("code_challenge", &s256_challenge(VERIFIER)).append_pair("code_challenge_method", "S256");
            }
            ProviderId::Airtable => {
                q.append_pair("response_type", "code").append_pair("scope", "data.records:read schema.bases:read");
                q.append_pair("code_challenge", &s256_challenge(VERIFIER)).append_pair("code_challenge_method", "S256");
            }
            ProviderId::Notion => {
                q.append_pair("response_type", "code").append_pair("owner", "user");
            }
        }
    }
    url
}

pub fn query(url: &Url, key: &str) -> Option<String> {
    url.query_pairs().find(|(k, _)| k == key).map(|(_, v)| v.into_owned())
}

/// Approves the consent page and returns the code from the callback.
pub async fn approve(sb: &Sandbox, p: ProviderId) -> String {
    approve_as(sb, p, 0).await
}

/// Approves the consent page for account `account` and returns the code from the callback.
pub async fn approve_as(sb: &Sandbox, p: ProviderId, account: usize) -> String {
    match decide_consent_as(authorize_url(sb, p, "st-123").as_str(), true, account).await.unwrap() {
        ConsentOutcome::Redirect(cb) => {
            assert!(cb.as_str().starts_with(REDIRECT), "{cb}");
            assert_eq!(query(&cb, "state").as_deref(), Some("st-123"));
            query(&cb, "code").expect("callback carries a code")
        }
        other => panic!("expected a redirect, got {other:?}"),
    }
}

/// The token call in the provider's own style.
pub async fn token_call(sb: &Sandbox, p: ProviderId, params: &[(&str, &str)]) -> Response {
    let e = sb.endpoints(p);
    let c = &sb.config().clients.get(p);
    let http = client();
    match p {
        ProviderId::Hubspot => {
            let mut form: Vec<(&str, &str)> = params.to_vec();
            form.push(("client_id", &c.client_id));
            form.push(("client_secret", c.client_secret.as_deref().unwrap()));
            http.post(e.token_url.clone()).form(&form).send().await.unwrap()
        }
        ProviderId::Airtable => {
            let mut form: Vec<(&str, &str)> = params.to_vec();
            let req = http.post(e.token_url.clone());
            let req = match &c.client_secret {
                Some(s) => req.basic_auth(&c.client_id, Some(s)),
                None => {
                    form.push(("client_id", &c.client_id));
                    req
                }
            };
            req.form(&form).send().await.unwrap()
        }
        ProviderId::Notion => {
            let body: serde_json::Map<String, Value> = params.iter().map(|(k, v)| (k.to_string(), json!(v))).collect();
            http.post(e.token_url.clone())
                .basic_auth(&c.client_id, c.client_secret.as_deref())
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    }
}

pub async fn exchange(sb: &Sandbox, p: ProviderId, code: &str) -> Response {
    token_call(
        sb,
        p,
        &[("grant_type", "authorization_code"), ("code", code), ("redirect_uri", REDIRECT), ("code_verifier", VERIFIER)],
    )
    .await
}

pub async fn refresh(sb: &Sandbox, p: ProviderId, refresh_token: &str) -> Response {
    token_call(sb, p, &[("grant_type", "refresh_token"), ("refresh_token", refresh_token)]).await
}

/// Full consent and exchange; returns the token response.
pub async fn connect(sb: &Sandbox, p: ProviderId) -> Value {
    connect_as(sb, p, 0).await
}

/// Full consent and exchange for account `account`; returns the token response.
pub async fn connect_as(sb: &Sandbox, p: ProviderId, account: usize) -> Value {
    let code = approve_as(sb, p, account).await;
    let resp = exchange(sb, p, &code).await;
    assert_eq!(resp.status(), StatusCode::OK);
    resp.json().await.unwrap()
}

/// A cheap authenticated call on each provider, to see whether a token works.
pub async fn probe(sb: &Sandbox, p: ProviderId, token: &str) -> StatusCode {
    let base = sb.endpoints(p).api_base.clone();
    let http = client();
    let req = match p {
        ProviderId::Hubspot => http.get(base.join("crm/objects/2026-09/contacts?limit=1").unwrap()),
        ProviderId::Airtable => http.get(base.join("v0/meta/bases").unwrap()),
        ProviderId::Notion => http.post(base.join("v1/search").unwrap()).header("Notion-Version", NOTION_VERSION).json(&json!({"page_size": 1})),
    };
    req.bearer_auth(token).send().await.unwrap().status()
}

/// GET an API path with a bearer token.
pub async fn get(sb: &Sandbox, p: ProviderId, path_and_query: &str, token: &str) -> Response {
    let url = sb.endpoints(p).api_base.join(path_and_query).unwrap();
    client().get(url).bearer_auth(token).send().await.unwrap()
}

pub async fn notion_search(sb: &Sandbox, token: &str, body: Value) -> Response {
    let url = sb.endpoints(ProviderId::Notion).api_base.join("v1/search").unwrap();
    client().post(url).bearer_auth(token).header("Notion-Version", NOTION_VERSION).json(&body).send().await.unwrap()
}

pub fn personal_token(sb: &Sandbox, p: ProviderId) -> String {
    sb.config().personal_tokens.get(p).clone()
}
