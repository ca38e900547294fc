//! The data endpoints: real paths, envelopes and cursors, page-size limits, every item once.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use tributary_sandbox::dataset::hubspot::ObjectType;
use tributary_sandbox::dataset::notion::NotionKind;
use tributary_sandbox::dataset::notion::NOTION_VERSION;
use tributary_sandbox::ProviderId;

#[tokio::test]
async fn hubspot_pages_with_after_and_the_last_page_has_no_paging() {
    let sb = start(2600).await;
    let token = connect(&sb, ProviderId::Hubspot).await["access_token"].as_str().unwrap().to_string();
    let data = &sb.dataset().hubspot;
    for t in ObjectType::ALL {
        let (mut after, mut seen, mut pages) = (None::<String>, Vec::new(), 0);
        loop {
            let mut path = format!("crm/objects/2026-09/{}?limit=100&properties=firstname,lastname,email,name,domain,dealname", t.as_str());
            if let Some(a) = &after {
                path.push_str(&format!("&after={a}"));
            }
            let resp = get(&sb, ProviderId::Hubspot, &path, &token).await;
            assert_eq!(resp.status(), StatusCode::OK);
            assert_eq!(resp.headers()["X-HubSpot-RateLimit-Max"], "110");
            let body: Value = resp.json().await.unwrap();
            pages += 1;
            for r in body["results"].as_array().unwrap() {
                let i = data.index_of(t, r["id"].as_str().unwrap()).unwrap();
                let o = data.object(t, i);
                assert_eq!(r["properties"]["hs_object_id"], o.id.as_str());
                assert_eq!(r["properties"]["createdate"], r["createdAt"]);
                assert_eq!(r["archived"], false);
                if t == ObjectType::Contacts {
                    assert_eq!(r["properties"]["email"].as_str(), o.property("email"));
                    assert!(r["properties"].get("firstname").is_some(), "requested properties are present, even null");
                    assert!(r["properties"].get("name").is_none(), "a company property is not a contact's");
                }
                seen.push(i);
            }
            match body.get("paging") {
                Some(p) => {
                    let next = p["next"]["after"].as_str().unwrap().to_string();
                    assert!(p["next"]["link"].as_str().unwrap().contains(&format!("after={next}")));
                    after = Some(next);
                }
                None => break,
            }
        }
        assert_eq!(seen, (0..data.count(t)).collect::<Vec<_>>(), "{t:?}: every record once, in order");
        assert_eq!(pages, data.count(t).div_ceil(100));
    }
}

#[tokio::test]
async fn hubspot_validates_limit_scope_and_cursor() {
    let sb = start(50).await;
    let token = personal_token(&sb, ProviderId::Hubspot);
    let resp = get(&sb, ProviderId::Hubspot, "crm/objects/2026-09/contacts?limit=101", &token).await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert_eq!(resp.json::<Value>().await.unwrap()["category"], "VALIDATION_ERROR");
    let resp = get(&sb, ProviderId::Hubspot, "crm/objects/2026-09/contacts?after=999", &token).await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    // The default page size is 10 and default properties are returned.
    let body: Value = get(&sb, ProviderId::Hubspot, "crm/objects/2026-09/0-1", &token).await.json().await.unwrap();
    assert_eq!(body["results"].as_array().unwrap().len(), 10);
    assert!(body["results"][0]["properties"].get("lastname").is_some());
    // Account info gives what record URLs need.
    let info: Value = get(&sb, ProviderId::Hubspot, "account-info/2026-03/details", &token).await.json().await.unwrap();
    assert_eq!(info["portalId"], sb.dataset().hubspot.portal_id);
    assert_eq!(info["uiDomain"], "app.hubspot.com");
}

#[tokio::test]
async fn hubspot_refuses_an_object_type_outside_the_granted_scopes() {
    let sb = start(20).await;
    let mut url = authorize_url(&sb, ProviderId::Hubspot, "s");
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| (k.to_string(), if k == "scope" { "crm.objects.contacts.read".to_string() } else { v.to_string() }))
        .collect();
    url.query_pairs_mut().clear().extend_pairs(pairs.iter());
    let cb = match tributary_sandbox::consent::decide_consent(url.as_str(), true).await.unwrap() {
        tributary_sandbox::consent::ConsentOutcome::Redirect(u) => u,
        o => panic!("{o:?}"),
    };
    let code = query(&cb, "code").unwrap();
    let tokens: Value = exchange(&sb, ProviderId::Hubspot, &code).await.json().await.unwrap();
    let token = tokens["access_token"].as_str().unwrap();
    assert_eq!(get(&sb, ProviderId::Hubspot, "crm/objects/2026-09/contacts", token).await.status(), StatusCode::OK);
    let resp = get(&sb, ProviderId::Hubspot, "crm/objects/2026-09/deals", token).await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert_eq!(resp.json::<Value>().await.unwrap()["category"], "MISSING_SCOPES");
    // Account details need the `oauth` scope.
    let resp = get(&sb, ProviderId::Hubspot, "account-info/2026-03/details", token).await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn airtable_lists_bases_tables_and_every_record_page() {
    let sb = start(2600).await;
    let token = connect(&sb, ProviderId::Airtable).await["access_token"].as_str().unwrap().to_string();
    let data = &sb.dataset().airtable;
    let bases: Value = get(&sb, ProviderId::Airtable, "v0/meta/bases", &token).await.json().await.unwrap();
    assert!(bases.get("offset").is_none());
    let bases = bases["bases"].as_array().unwrap().clone();
    assert_eq!(bases.len(), data.base_count());
    let mut total = bases.len();
    let mut record_ids = HashSet::new();
    let mut pages = 0;
    for (b, base) in bases.iter().enumerate() {
        assert!(base["permissionLevel"].is_string());
        let base_id = base["id"].as_str().unwrap();
        let tables: Value = get(&sb, ProviderId::Airtable, &format!("v0/meta/bases/{base_id}/tables"), &token).await.json().await.unwrap();
        for (t, table) in tables["tables"].as_array().unwrap().iter().enumerate() {
            total += 1;
            let primary = table["primaryFieldId"].as_str().unwrap();
            assert_eq!(table["fields"][0]["id"], primary);
            let table_id = table["id"].as_str().unwrap();
            let mut offset: Option<String> = None;
            let mut r = 0;
            loop {
                let mut path = format!("v0/{base_id}/{table_id}?pageSize=100");
                if let Some(o) = &offset {
                    path.push_str(&format!("&offset={}", url::form_urlencoded::byte_serialize(o.as_bytes()).collect::<String>()));
                }
                let body: Value = get(&sb, ProviderId::Airtable, &path, &token).await.json().await.unwrap();
                pages += 1;
                for rec in body["records"].as_array().unwrap() {
                    let expected = data.record(b, t, r);
                    assert_eq!(rec["id"], expected.id.as_str());
                    assert_eq!(rec["fields"].get("Name").and_then(Value::as_str), expected.primary_value());
                    assert!(rec["createdTime"].as_str().unwrap().ends_with('Z'));
                    assert!(record_ids.insert(expected.id));
                    r += 1;
                }
                match body.get("offset").and_then(Value::as_str) {
                    Some(o) => {
                        assert!(o.starts_with("itr") && o.contains("/rec"), "{o}");
                        offset = Some(o.to_string());
                    }
                    None => break,
                }
            }
            assert_eq!(r, data.record_count(b, t));
            total += r;
        }
    }
    assert_eq!(total, 2600);
    assert!(pages >= 25);
    // A table can also be named by its name.
    let b0 = data.base(0);
    let t0 = data.table(0, 0);
    let by_name = get(&sb, ProviderId::Airtable, &format!("v0/{}/{}?pageSize=3", b0.id, t0.name), &token).await;
    assert_eq!(by_name.json::<Value>().await.unwrap()["records"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn airtable_validates_page_size_and_expires_offsets() {
    let sb = start_with(|c| {
        c.dataset[ProviderId::Airtable] = 500;
        c.offset_ttl = Duration::from_millis(200);
    })
    .await;
    let token = personal_token(&sb, ProviderId::Airtable);
    let (b, t) = (sb.dataset().airtable.base(0), sb.dataset().airtable.table(0, 0));
    let resp = get(&sb, ProviderId::Airtable, &format!("v0/{}/{}?pageSize=101", b.id, t.id), &token).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let first: Value = get(&sb, ProviderId::Airtable, &format!("v0/{}/{}?pageSize=10", b.id, t.id), &token).await.json().await.unwrap();
    let offset = first["offset"].as_str().unwrap().to_string();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let resp = get(&sb, ProviderId::Airtable, &format!("v0/{}/{}?offset={offset}", b.id, t.id), &token).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(resp.json::<Value>().await.unwrap()["error"]["type"], "LIST_RECORDS_ITERATOR_NOT_AVAILABLE");
    // An unknown base is a 403 in Airtable's shape; an unknown table a 404.
    let resp = get(&sb, ProviderId::Airtable, "v0/appXXXXXXXXXXXXXX/tblX", &token).await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert_eq!(resp.json::<Value>().await.unwrap()["error"]["type"], "INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND");
    assert_eq!(get(&sb, ProviderId::Airtable, &format!("v0/{}/nope", b.id), &token).await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn notion_search_walks_every_result_with_next_cursor() {
    let sb = start(2600).await;
    let token = connect(&sb, ProviderId::Notion).await["access_token"].as_str().unwrap().to_string();
    let data = &sb.dataset().notion;
    let (mut cursor, mut k, mut pages) = (None::<String>, 0, 0);
    loop {
        let mut body = json!({ "page_size": 100 });
        if let Some(c) = &cursor {
            body["start_cursor"] = json!(c);
        }
        let page: Value = notion_search(&sb, &token, body).await.json().await.unwrap();
        pages += 1;
        assert_eq!(page["object"], "list");
        assert_eq!(page["type"], "page_or_data_source");
        for r in page["results"].as_array().unwrap() {
            // Search is not exhaustive: the rows its index lacks are skipped.
            while !data.in_search(k) {
                k += 1;
            }
            let item = data.item(k);
            assert_eq!(r["id"], item.id.as_str());
            assert!(r.get("archived").is_none(), "2026-03-11 has in_trash only");
            assert_eq!(r["in_trash"], false);
            assert_eq!(r["url"], item.url.as_str());
            assert_eq!(r["parent"], item.parent.to_json());
            match item.kind {
                NotionKind::Page => {
                    assert_eq!(r["object"], "page");
                    let title = r["properties"].as_object().unwrap().values().find(|p| p["type"] == "title").unwrap();
                    let text: String = title["title"].as_array().unwrap().iter().map(|t| t["plain_text"].as_str().unwrap()).collect();
                    assert_eq!(text, item.title);
                }
                NotionKind::DataSource => {
                    assert_eq!(r["object"], "data_source");
                    assert_eq!(r["title"][0]["plain_text"], item.title.as_str());
                    assert!(r["database_parent"].is_object());
                }
            }
            k += 1;
        }
        assert_eq!(page["has_more"], page["next_cursor"].is_string());
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    let searchable = (0..2600).filter(|&k| data.in_search(k)).count();
    assert!(searchable < 2600, "some rows are only in their data source");
    assert_eq!(k, (0..2600).rev().find(|&k| data.in_search(k)).unwrap() + 1, "every searchable item, in order");
    assert_eq!(pages, searchable.div_ceil(100));
}

#[tokio::test]
async fn notion_data_sources_list_every_row_in_either_version() {
    let sb = start(2600).await;
    let token = personal_token(&sb, ProviderId::Notion);
    let data = &sb.dataset().notion;
    let query = |id: String, body: Value, version: &'static str| {
        let url = sb.endpoints(ProviderId::Notion).api_base.join(&format!("v1/data_sources/{id}/query")).unwrap();
        let req = client().post(url).bearer_auth(&token).header("Notion-Version", version).json(&body);
        async move { req.send().await.unwrap() }
    };
    let mut hidden = 0;
    for ds in (0..2600).filter(|&k| data.kind(k) == NotionKind::DataSource) {
        let (mut cursor, mut rows) = (None::<String>, Vec::new());
        loop {
            let mut body = json!({ "page_size": 7 });
            if let Some(c) = &cursor {
                body["start_cursor"] = json!(c);
            }
            let page: Value = query(data.id(ds), body, "2025-09-03").await.json().await.unwrap();
            for r in page["results"].as_array().unwrap() {
                assert_eq!(r["archived"], false, "2025-09-03 still sends archived");
                assert_eq!(r["parent"]["data_source_id"], data.id(ds).as_str());
                rows.push(r["id"].as_str().unwrap().to_string());
            }
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_string()),
                None => break,
            }
        }
        let expected: Vec<String> = data.rows(ds).map(|k| data.id(k)).collect();
        assert_eq!(rows, expected, "data source {ds}");
        hidden += data.rows(ds).filter(|&k| !data.in_search(k)).count();
    }
    assert!(hidden > 0, "the query returns rows search does not");
    let page: Value = query(data.id(5), json!({}), NOTION_VERSION).await.json().await.unwrap();
    assert!(page["results"][0].get("archived").is_none());
    let missing = query(data.id(6), json!({}), NOTION_VERSION).await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND, "a page is no data source");
    assert_eq!(missing.json::<Value>().await.unwrap()["code"], "object_not_found");
    assert_eq!(query(data.id(5), json!({}), "2022-06-28").await.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn notion_filters_sorts_and_validates() {
    let sb = start(300).await;
    let token = personal_token(&sb, ProviderId::Notion);
    let body: Value = notion_search(&sb, &token, json!({ "filter": { "property": "object", "value": "data_source" } })).await.json().await.unwrap();
    let results = body["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    assert!(results.iter().all(|r| r["object"] == "data_source"));
    let resp = notion_search(&sb, &token, json!({ "filter": { "property": "object", "value": "database" } })).await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert_eq!(resp.json::<Value>().await.unwrap()["code"], "validation_error");
    let resp = notion_search(&sb, &token, json!({ "page_size": 101 })).await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let resp = notion_search(&sb, &token, json!({ "start_cursor": "not-a-cursor" })).await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let asc: Value = notion_search(&sb, &token, json!({ "page_size": 2, "sort": { "direction": "ascending", "timestamp": "last_edited_time" } })).await.json().await.unwrap();
    let last = (0..300).rev().find(|&k| sb.dataset().notion.in_search(k)).unwrap();
    assert_eq!(asc["results"][0]["id"], sb.dataset().notion.id(last).as_str());
    // The Notion-Version header is required.
    let url = sb.endpoints(ProviderId::Notion).api_base.join("v1/search").unwrap();
    let resp = client().post(url.clone()).bearer_auth(&token).json(&json!({})).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert_eq!(resp.json::<Value>().await.unwrap()["code"], "missing_version");
    let resp = client().post(url).bearer_auth(&token).header("Notion-Version", NOTION_VERSION).body("{nope").send().await.unwrap();
    assert_eq!(resp.json::<Value>().await.unwrap()["code"], "invalid_json");
}

#[tokio::test]
async fn datasets_are_deterministic_per_seed() {
    let a = start_with(|c| c.seed = 7).await;
    let b = start_with(|c| c.seed = 7).await;
    let c = start_with(|c| c.seed = 8).await;
    let first = |sb: &tributary_sandbox::Sandbox| sb.dataset().notion.item(10).title.clone() + &sb.dataset().airtable.record(0, 0, 3).id;
    assert_eq!(first(&a), first(&b));
    assert_ne!(first(&a), first(&c));
}

#[tokio::test]
async fn hubspot_serves_its_date_versioned_crm_and_the_v3_paths_only_behind_the_legacy_switch() {
    let sb = start(40).await;
    let token = personal_token(&sb, ProviderId::Hubspot);
    for version in ["2026-03", "2026-09"] {
        let resp = get(&sb, ProviderId::Hubspot, &format!("crm/objects/{version}/contacts?limit=2"), &token).await;
        assert_eq!(resp.status(), StatusCode::OK, "{version}");
        let link = resp.json::<Value>().await.unwrap()["paging"]["next"]["link"].as_str().unwrap().to_string();
        assert!(link.contains(&format!("/crm/objects/{version}/contacts?after=")), "{link}");
    }
    let unknown = get(&sb, ProviderId::Hubspot, "crm/objects/2019-01/contacts", &token).await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert_eq!(get(&sb, ProviderId::Hubspot, "crm/v3/objects/contacts", &token).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(get(&sb, ProviderId::Hubspot, "account-info/v3/details", &token).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(get(&sb, ProviderId::Hubspot, "account-info/2026-03/details", &token).await.status(), StatusCode::OK);

    let sb = start_with(|c| c.legacy_endpoints = true).await;
    let token = personal_token(&sb, ProviderId::Hubspot);
    let legacy = get(&sb, ProviderId::Hubspot, "crm/v3/objects/contacts?limit=2", &token).await;
    assert_eq!(legacy.status(), StatusCode::OK);
    let link = legacy.json::<Value>().await.unwrap()["paging"]["next"]["link"].as_str().unwrap().to_string();
    assert!(link.contains("/crm/v3/objects/contacts?after="), "{link}");
    assert_eq!(get(&sb, ProviderId::Hubspot, "account-info/v3/details", &token).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_missing_endpoint_is_a_bare_404_and_account_details_need_the_oauth_scope() {
    let sb = start_with(|c| c.missing_endpoints = vec!["/account-info/2026-03/details".into()]).await;
    let token = personal_token(&sb, ProviderId::Hubspot);
    let resp = get(&sb, ProviderId::Hubspot, "account-info/2026-03/details", &token).await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert!(resp.bytes().await.unwrap().is_empty());
    assert_eq!(get(&sb, ProviderId::Hubspot, "crm/objects/2026-09/deals", &token).await.status(), StatusCode::OK);
}
