//! The providers' current APIs, and the legacy ones a user can still select: HubSpot's 2026-03
//! OAuth endpoints and date-versioned CRM paths (the v1 and `/crm/v3` paths behind the sandbox's
//! legacy switch), account facts that cannot be read, and errors that name the request.

mod common;

use common::*;
use tributary_core::load::{Cancel, Loaded};
use tributary_core::{ConnectionKey, Core, Error, ProviderId};
use tributary_sandbox::PerProvider;

const ITEMS: usize = 600;

async fn load(core: &Core, key: &ConnectionKey) -> Result<Loaded, Error> {
    core.load(key, fast_options(), None, Cancel::new()).await
}

#[tokio::test]
async fn hubspot_signs_in_loads_refreshes_and_disconnects_through_the_current_endpoints() {
    // The sandbox serves no v1 endpoint here: everything below goes through 2026-03.
    let sb = sandbox(|c| c.dataset = PerProvider::all(ITEMS)).await;
    let (core, key) = connected(&sb, ProviderId::Hubspot).await;
    // The 2026-03 token answer names no portal: introspection does.
    let summary = core.connection(&key).unwrap().summary().await;
    assert_eq!(summary.account, Some(format!("HubSpot account {}", sb.dataset().hubspot.portal_id)));
    assert!(summary.scopes.iter().any(|s| s == "crm.objects.deals.read"), "{:?}", summary.scopes);
    let loaded = load(&core, &key).await.unwrap();
    assert_eq!(loaded.items.len(), ITEMS + 3);
    assert!(loaded.items.iter().all(|i| i.url.is_some()), "account facts give every record a link");
    assert_eq!(loaded.notes.links_unavailable, None);
    // A refresh goes through the same 2026-03 endpoint.
    sb.expire_access_tokens(ProviderId::Hubspot);
    assert_eq!(load(&core, &key).await.unwrap().items.len(), ITEMS + 3);
    let before = sb.stats(ProviderId::Hubspot).token_requests;
    assert!(before >= 2, "exchange and refresh: {before}");
    // Disconnect revokes the refresh token with a form POST (no token in the path); that the
    // grant is gone is checked in connect.rs.
    assert!(core.disconnect(&key).await.unwrap());
}

#[tokio::test]
async fn hubspot_still_works_on_the_legacy_endpoints_when_a_user_selects_them() {
    let sb = sandbox(|c| {
        c.dataset = PerProvider::all(ITEMS);
        c.legacy_endpoints = true;
    })
    .await;
    let (core, key) = connected_with(&sb, ProviderId::Hubspot, |s| {
        let hs = s.provider_mut(ProviderId::Hubspot);
        hs.token_url = hs.token_url.join("/oauth/v1/token").unwrap();
        hs.api_version = Some("v3".into());
        // The v1 token answer names the portal itself.
        hs.introspect_url = None;
    })
    .await;
    let summary = core.connection(&key).unwrap().summary().await;
    assert_eq!(summary.account, Some(format!("HubSpot account {}", sb.dataset().hubspot.portal_id)));
    let loaded = load(&core, &key).await.unwrap();
    assert_eq!(loaded.items.len(), ITEMS + 3);
    assert!(loaded.items.iter().all(|i| i.url.is_some()));
}

#[tokio::test]
async fn hubspot_account_facts_that_cannot_be_read_cost_the_links_not_the_load() {
    // A server without the endpoint.
    let sb = sandbox(|c| {
        c.dataset = PerProvider::all(ITEMS);
        c.missing_endpoints = vec!["/account-info/2026-03/details".into()];
    })
    .await;
    let (core, key) = connected(&sb, ProviderId::Hubspot).await;
    let loaded = load(&core, &key).await.unwrap();
    assert_eq!(loaded.items.len(), ITEMS + 3, "every record loads");
    assert!(loaded.items.iter().all(|i| i.url.is_none()));
    let why = loaded
        .notes
        .links_unavailable
        .clone()
        .expect("the load says why, once");
    assert!(
        why.contains("404 Not Found") && why.contains("GET /account-info/2026-03/details"),
        "{why}"
    );
    assert!(loaded.notes.summary().unwrap().contains(&why));

    // A token without the `oauth` scope: 403.
    let sb = sandbox(|c| c.dataset = PerProvider::all(ITEMS)).await;
    let (core, key) = connected_with(&sb, ProviderId::Hubspot, |s| {
        s.provider_mut(ProviderId::Hubspot)
            .scopes
            .retain(|scope| scope != "oauth");
    })
    .await;
    let loaded = load(&core, &key).await.unwrap();
    assert_eq!(loaded.items.len(), ITEMS + 3);
    assert!(
        loaded
            .notes
            .links_unavailable
            .as_deref()
            .is_some_and(|w| w.contains("403 Forbidden")),
        "{:?}",
        loaded.notes
    );
}

#[tokio::test]
async fn an_error_names_the_provider_the_request_and_what_came_back() {
    let sb = sandbox(|c| c.dataset = PerProvider::all(ITEMS)).await;
    let (core, key) = connected_with(&sb, ProviderId::Hubspot, |s| {
        s.provider_mut(ProviderId::Hubspot).api_version = Some("2019-01".into());
    })
    .await;
    let Err(Error::LoadIncomplete { cause, .. }) = load(&core, &key).await else {
        panic!("an unknown version cannot load")
    };
    let message = cause.to_string();
    assert!(
        message.starts_with("HubSpot answered 404 Not Found to GET /crm/objects/2019-01/"),
        "{message}"
    );
    assert!(
        message.contains("does not exist"),
        "the provider's own words follow: {message}"
    );
}

#[tokio::test]
async fn notion_loads_the_rows_search_misses_in_either_api_version() {
    use tributary_sandbox::dataset::notion::{NotionKind, NotionParent};
    let sb = sandbox(|c| c.dataset = PerProvider::all(ITEMS)).await;
    let data = &sb.dataset().notion;
    let missed: Vec<String> = (0..ITEMS).filter(|&k| !data.in_search(k)).map(|k| data.id(k)).collect();
    assert!(!missed.is_empty());
    for version in ["2026-03-11", "2025-09-03"] {
        let (core, key) = connected_with(&sb, ProviderId::Notion, |s| {
            s.provider_mut(ProviderId::Notion).api_version = Some(version.into());
        })
        .await;
        let loaded = load(&core, &key).await.unwrap();
        assert_eq!(loaded.items.len(), ITEMS, "{version}: every item once");
        assert_eq!(loaded.notes.repeated_ids, 0, "{version}: rows in both search and their query are not repeats");
        for id in &missed {
            let row = loaded.items.iter().find(|i| &i.id == id).unwrap_or_else(|| panic!("{version}: row {id} is loaded"));
            assert_eq!(row.kind, "page");
        }
        // A page whose parent was not shared keeps it; so does a page under a block.
        let unshared = (0..ITEMS).find(|&k| data.kind(k) == NotionKind::Page && k % 89 == 13).unwrap();
        let NotionParent::Page { page_id } = data.parent(unshared) else { panic!("an unshared page parent") };
        let item = loaded.items.iter().find(|i| i.id == data.id(unshared)).unwrap();
        assert_eq!(item.parent_id.as_deref(), Some(page_id.as_str()));
        assert!(loaded.items.iter().all(|i| i.id != page_id), "the parent is not part of the load");
        let under_block = (0..ITEMS).find(|&k| data.kind(k) == NotionKind::Page && k % 89 == 44).unwrap();
        let item = loaded.items.iter().find(|i| i.id == data.id(under_block)).unwrap();
        assert!(matches!(data.parent(under_block), NotionParent::Block { block_id } if item.parent_id.as_deref() == Some(block_id.as_str())));
        assert_eq!(item.parent_path_or_name.as_deref(), Some("a block"));
    }
}

#[tokio::test]
async fn airtable_stays_under_the_per_user_limit_across_more_than_ten_bases() {
    let sb = sandbox(|c| {
        c.rate_limits = true;
        c.dataset[ProviderId::Airtable] = 60_000;
    })
    .await;
    assert!(sb.dataset().airtable.base_count() > 10, "each base's own limit adds up past the user's");
    let (core, key) = connected(&sb, ProviderId::Airtable).await;
    let started = std::time::Instant::now();
    let loaded = core.load(&key, tributary_core::load::LoadOptions::default(), None, Cancel::new()).await.unwrap();
    assert_eq!(loaded.items.len(), 60_000);
    assert_eq!(sb.stats(ProviderId::Airtable).rate_limited, 0, "paced under 50 per second per user");
    let requests = sb.stats(ProviderId::Airtable).api_requests as f64;
    assert!(started.elapsed().as_secs_f64() >= (requests - 50.0) / 50.0, "{requests} requests in {:?}", started.elapsed());
}

#[tokio::test]
async fn notion_waits_out_its_window_budget_as_the_answers_say() {
    use tributary_sandbox::{RateRule, Scope, ScopedRule};
    let window = std::time::Duration::from_secs(3);
    let sb = sandbox(|c| {
        c.rate_limits = true;
        c.dataset[ProviderId::Notion] = 900;
        // A plan with a small budget: five requests per three-second window.
        c.rate_limit_rules[ProviderId::Notion] =
            vec![ScopedRule { rule: RateRule::FixedWindow { max: 5, window }, scope: Scope::Key, reason: "connection_rate_limit" }];
    })
    .await;
    let (core, key) = connected(&sb, ProviderId::Notion).await;
    let loaded = core.load(&key, tributary_core::load::LoadOptions::default(), None, Cancel::new()).await.unwrap();
    assert_eq!(loaded.items.len(), 900, "every item, after waiting for the window to reset");
    let stats = sb.stats(ProviderId::Notion);
    assert!(stats.rate_limited >= 1, "the budget was met: {stats:?}");
    assert!(stats.rate_limited <= stats.api_requests / 2, "a refusal holds the connection, not only its own request: {stats:?}");
}

#[tokio::test]
async fn hubspot_sign_in_completes_when_introspection_fails() {
    let sb = sandbox(|c| {
        c.dataset = PerProvider::all(ITEMS);
        c.missing_endpoints = vec!["/oauth/2026-03/token/introspect".into()];
    })
    .await;
    let (core, key) = connected(&sb, ProviderId::Hubspot).await;
    assert_eq!(core.connection(&key).unwrap().summary().await.account, None, "the connection is only not named");
    assert_eq!(load(&core, &key).await.unwrap().items.len(), ITEMS + 3);
}
