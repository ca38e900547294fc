//! More than one account per provider: the consent page asks which, and a token sees only the
//! data of the account it was granted in.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use tributary_sandbox::consent::{decide_consent_as, ConsentError};
use tributary_sandbox::ProviderId;

/// The first page of items a token sees. (Two HubSpot portals may well hold records of the same
/// id, as they do here: what differs is the records.)
async fn first_ids(sb: &tributary_sandbox::Sandbox, p: ProviderId, token: &str) -> Vec<Value> {
    let body: Value = match p {
        ProviderId::Hubspot => get(sb, p, "crm/objects/2026-09/contacts?limit=5", token).await.json().await.unwrap(),
        ProviderId::Airtable => get(sb, p, "v0/meta/bases", token).await.json().await.unwrap(),
        ProviderId::Notion => notion_search(sb, token, json!({ "page_size": 5 })).await.json().await.unwrap(),
    };
    let list = body.get("results").or(body.get("bases")).and_then(Value::as_array).expect("a listing");
    list.clone()
}

/// What names the account a token belongs to: the portal, the Airtable user, the workspace.
async fn account_of(sb: &tributary_sandbox::Sandbox, p: ProviderId, token_response: &Value) -> String {
    let token = token_response["access_token"].as_str().unwrap();
    match p {
        ProviderId::Hubspot => {
            let info: Value = get(sb, p, "account-info/2026-03/details", token).await.json().await.unwrap();
            info["portalId"].to_string()
        }
        ProviderId::Airtable => get(sb, p, "v0/meta/whoami", token).await.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string(),
        ProviderId::Notion => token_response["workspace_id"].as_str().unwrap().to_string(),
    }
}

#[tokio::test]
async fn each_account_has_its_own_identity_and_data() {
    let sb = start(30).await;
    for p in ProviderId::ALL {
        let first = connect_as(&sb, p, 0).await;
        let second = connect_as(&sb, p, 1).await;
        let (a, b) = (account_of(&sb, p, &first).await, account_of(&sb, p, &second).await);
        assert_ne!(a, b, "{p}: two accounts, two identities");
        let token = |r: &Value| r["access_token"].as_str().unwrap().to_string();
        let (ids_a, ids_b) = (first_ids(&sb, p, &token(&first)).await, first_ids(&sb, p, &token(&second)).await);
        assert!(!ids_a.is_empty() && !ids_b.is_empty(), "{p}");
        assert_ne!(ids_a, ids_b, "{p}: each account lists its own items");
        // The first account is the one the tests compare against; the second has data of its own.
        assert_ne!(sb.account_dataset(0).hubspot.portal_id, sb.account_dataset(1).hubspot.portal_id);
        assert_eq!(ids_a, first_ids(&sb, p, &personal_token(&sb, p)).await, "{p}: a personal token is the first account's");
    }
    let hub: Value = get(&sb, ProviderId::Hubspot, "account-info/2026-03/details", connect_as(&sb, ProviderId::Hubspot, 1).await["access_token"].as_str().unwrap())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(hub["portalId"], sb.account_dataset(1).hubspot.portal_id);
}

#[tokio::test]
async fn the_consent_page_offers_the_accounts_and_refuses_another() {
    let sb = start(10).await;
    let page = client().get(authorize_url(&sb, ProviderId::Hubspot, "st").as_str()).send().await.unwrap().text().await.unwrap();
    for n in 0..2 {
        assert!(page.contains(&format!("HubSpot portal {}", sb.account_dataset(n).hubspot.portal_id)), "{page}");
    }
    let url = authorize_url(&sb, ProviderId::Notion, "st");
    assert!(matches!(decide_consent_as(url.as_str(), true, 2).await, Err(ConsentError::Unexpected(400))));
    // A rate limit counts per account: the second account's budget is its own.
    let resp = get(&sb, ProviderId::Hubspot, "crm/objects/2026-09/contacts?limit=1", connect_as(&sb, ProviderId::Hubspot, 1).await["access_token"].as_str().unwrap()).await;
    assert_eq!(resp.status(), StatusCode::OK);
}
