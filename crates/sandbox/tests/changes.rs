//! Changes between loads: edits, deletions and additions, and the endpoints a reload reads them
//! from (HubSpot's search with its cap and its own limit, its archived listing; Notion's search
//! sorted by edit time, data-source queries filtered on it, trashed items; Airtable's
//! `filterByFormula` on `LAST_MODIFIED_TIME()`).

mod common;

use std::collections::HashSet;

use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use tributary_sandbox::changes::{generated_before, Change};
use tributary_sandbox::dataset::notion::NOTION_VERSION;
use tributary_sandbox::ProviderId;

fn millis(t: chrono::DateTime<chrono::Utc>) -> String {
    t.timestamp_millis().to_string()
}

async fn hubspot_search(sb: &tributary_sandbox::Sandbox, token: &str, object_type: &str, body: Value) -> reqwest::Response {
    let url = sb.endpoints(ProviderId::Hubspot).api_base.join(&format!("crm/objects/2026-09/{object_type}/search")).unwrap();
    client().post(url).bearer_auth(token).json(&body).send().await.unwrap()
}

fn ids(body: &Value, key: &str) -> Vec<String> {
    body[key].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn hubspot_search_finds_what_changed_and_the_archived_listing_what_was_deleted() {
    let sb = start(3000).await;
    let token = personal_token(&sb, ProviderId::Hubspot);
    let since = chrono::Utc::now() - chrono::Duration::seconds(1);
    let changed = sb.change(ProviderId::Hubspot, Change { edit: 6, delete: 3, add: 3 });
    assert_eq!((changed.edited.len(), changed.deleted.len(), changed.added.len()), (6, 3, 3));

    let contacts_changed: HashSet<String> = changed.edited.iter().chain(&changed.added).filter(|c| c.listing == "contacts").map(|c| c.id.clone()).collect();
    let filter = json!({
        "filterGroups": [{ "filters": [{ "propertyName": "lastmodifieddate", "operator": "GTE", "value": millis(since) }] }],
        "sorts": [{ "propertyName": "lastmodifieddate", "direction": "ASCENDING" }],
        "properties": ["firstname", "lastname", "email"],
        "limit": 200,
    });
    let resp = hubspot_search(&sb, &token, "contacts", filter.clone()).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(ids(&body, "results").into_iter().collect::<HashSet<_>>(), contacts_changed);
    assert_eq!(body["total"], contacts_changed.len());
    let times: Vec<&str> = body["results"].as_array().unwrap().iter().map(|r| r["properties"]["lastmodifieddate"].as_str().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "ascending by modification time: {times:?}");
    let edited = body["results"].as_array().unwrap().iter().find(|r| changed.edited.iter().any(|c| c.id == r["id"].as_str().unwrap())).unwrap();
    assert!(edited["properties"]["firstname"].as_str().unwrap().ends_with(" (edited)"));

    // Deleted records leave the list and appear, archived, in the archived listing.
    let deleted: HashSet<String> = changed.deleted.iter().filter(|c| c.listing == "contacts").map(|c| c.id.clone()).collect();
    let archived: Value = get(&sb, ProviderId::Hubspot, "crm/objects/2026-09/contacts?archived=true&limit=100", &token).await.json().await.unwrap();
    assert_eq!(ids(&archived, "results").into_iter().collect::<HashSet<_>>(), deleted);
    assert!(archived["results"].as_array().unwrap().iter().all(|r| r["archived"] == true && r["archivedAt"].is_string()));
    let mut live = HashSet::new();
    let mut after = String::new();
    loop {
        let page: Value = get(&sb, ProviderId::Hubspot, &format!("crm/objects/2026-09/contacts?limit=100&after={after}"), &token).await.json().await.unwrap();
        live.extend(ids(&page, "results"));
        match page.pointer("/paging/next/after").and_then(Value::as_str) {
            Some(a) => after = a.to_string(),
            None => break,
        }
    }
    assert_eq!(live.len(), 1500 - deleted.len() + changed.added.iter().filter(|c| c.listing == "contacts").count());
    assert!(live.is_disjoint(&deleted));

    // From before the generated data, every record matches; the 10,000th result is the last.
    let everything = json!({
        "filterGroups": [{ "filters": [{ "propertyName": "lastmodifieddate", "operator": "GT", "value": "0" }] }],
        "limit": 200, "after": "9800",
    });
    assert_eq!(hubspot_search(&sb, &token, "contacts", everything.clone()).await.status(), StatusCode::OK);
    let mut past = everything;
    past["after"] = json!("9900");
    let resp = hubspot_search(&sb, &token, "contacts", past).await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert!(resp.text().await.unwrap().contains("10000"));
}

#[tokio::test]
async fn hubspot_searches_have_their_own_rate_limit() {
    let sb = start_with(|c| {
        c.dataset = tributary_sandbox::PerProvider::all(300);
        c.rate_limits = true;
    })
    .await;
    let token = personal_token(&sb, ProviderId::Hubspot);
    let filter = json!({ "filterGroups": [{ "filters": [{ "propertyName": "hs_lastmodifieddate", "operator": "GT", "value": millis(generated_before()) }] }] });
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(hubspot_search(&sb, &token, "deals", filter.clone()).await.status());
    }
    assert_eq!(statuses[..5], [StatusCode::OK; 5]);
    let limited = hubspot_search(&sb, &token, "deals", filter).await;
    assert!(statuses[5] == StatusCode::TOO_MANY_REQUESTS || limited.status() == StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(get(&sb, ProviderId::Hubspot, "crm/objects/2026-09/deals?limit=1", &token).await.status(), StatusCode::OK, "lists are not held up by searches");
}

#[tokio::test]
async fn airtable_filter_by_formula_selects_records_modified_since() {
    let sb = start(6000).await;
    let token = personal_token(&sb, ProviderId::Airtable);
    let since = chrono::Utc::now() - chrono::Duration::seconds(1);
    let changed = sb.change(ProviderId::Airtable, Change { edit: 4, delete: 2, add: 2 });
    let formula = format!("IS_AFTER(LAST_MODIFIED_TIME(), '{}')", since.to_rfc3339());
    let mut found = HashSet::new();
    for listing in changed.edited.iter().chain(&changed.added).chain(&changed.deleted).map(|c| c.listing.clone()).collect::<HashSet<_>>() {
        let url = format!("v0/{listing}?filterByFormula={}", urlencode(&formula));
        let resp = get(&sb, ProviderId::Airtable, &url, &token).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let body: Value = resp.json().await.unwrap();
        found.extend(ids(&body, "records"));
    }
    let expected: HashSet<String> = changed.edited.iter().chain(&changed.added).map(|c| c.id.clone()).collect();
    assert_eq!(found, expected, "edited and added records, never the deleted ones");
    let bad = get(&sb, ProviderId::Airtable, &format!("v0/{}?filterByFormula=NOT(%7BName%7D)", changed.edited[0].listing), &token).await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn notion_search_puts_edits_first_queries_filter_on_edit_time_and_trash_is_its_own_listing() {
    let sb = start(1000).await;
    let token = personal_token(&sb, ProviderId::Notion);
    let since = chrono::Utc::now() - chrono::Duration::seconds(1);
    let changed = sb.change(ProviderId::Notion, Change { edit: 5, delete: 2, add: 2 });
    let body: Value = notion_search(&sb, &token, json!({ "sort": { "timestamp": "last_edited_time", "direction": "descending" }, "page_size": 20 })).await.json().await.unwrap();
    let first: Vec<&Value> = body["results"].as_array().unwrap().iter().take_while(|r| r["last_edited_time"].as_str().unwrap() >= since.to_rfc3339().as_str()).collect();
    let searchable: HashSet<String> = first.iter().map(|r| r["id"].as_str().unwrap().to_string()).collect();
    let changed_live: HashSet<String> = changed.edited.iter().chain(&changed.added).map(|c| c.id.clone()).collect();
    assert!(searchable.is_subset(&changed_live) && !searchable.is_empty(), "the newest edits come first: {searchable:?}");
    assert!(first.iter().all(|r| r["in_trash"] == false));

    // Every page of the full search still lists each live item once.
    let mut all = HashSet::new();
    let mut cursor = Value::Null;
    loop {
        let page: Value = notion_search(&sb, &token, json!({ "start_cursor": cursor, "page_size": 100 })).await.json().await.unwrap();
        for id in ids(&page, "results") {
            assert!(all.insert(id), "listed once");
        }
        if page["has_more"] != true {
            break;
        }
        cursor = page["next_cursor"].clone();
    }
    assert!(changed.deleted.iter().all(|c| !all.contains(&c.id)), "trashed items leave search");

    let trash: Value = notion_search(&sb, &token, json!({ "filter": { "in_trash": true } })).await.json().await.unwrap();
    let in_trash: HashSet<String> = ids(&trash, "results").into_iter().collect();
    assert!(changed.deleted.iter().all(|c| in_trash.contains(&c.id)), "trashed pages (and their sub-pages, which go with them)");
    assert!(in_trash.is_disjoint(&all), "nothing is both live and in the trash");

    // A data source's query filtered on last_edited_time: only rows edited since.
    let data = &sb.dataset().notion;
    let ds = data.id(5);
    let url = sb.endpoints(ProviderId::Notion).api_base.join(&format!("v1/data_sources/{ds}/query")).unwrap();
    let filter = json!({ "filter": { "timestamp": "last_edited_time", "last_edited_time": { "on_or_after": since.to_rfc3339() } } });
    let resp = client().post(url.clone()).bearer_auth(&token).header("Notion-Version", NOTION_VERSION).json(&filter).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let rows: Value = resp.json().await.unwrap();
    assert!(ids(&rows, "results").iter().all(|id| changed_live.contains(id)));
    let unfiltered: Value = client().post(url).bearer_auth(&token).header("Notion-Version", NOTION_VERSION).json(&json!({})).send().await.unwrap().json().await.unwrap();
    assert!(!unfiltered["results"].as_array().unwrap().is_empty());
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
