//! Connect and Load in the real window, against a sandbox this test runs: the app opens the
//! "system browser" (xdg-open with BROWSER set to a program that approves or denies the consent
//! page), the outcome reaches the window as an event, and Load shows the sandbox's items.

use std::collections::HashMap;
use std::net::TcpListener;

use tributary_e2e::fantoccini::Locator;
use tributary_e2e::{browser_choosing_account, browser_program, expected_items, AppSession, Browser, TempFile};
use tributary_sandbox::{PerProvider, ProviderId, Sandbox, SandboxConfig};

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

async fn sandbox(items: usize) -> Sandbox {
    Sandbox::start(SandboxConfig { dataset: PerProvider::all(items), ..Default::default() }).await.unwrap()
}

/// Launches the app against `sandbox` with `browser` as the system browser and its logs in a
/// folder of its own.
async fn launch(sandbox: &Sandbox, browser: &TempFile, extra: &[(&str, &str)]) -> (AppSession, TempFile) {
    let data_home = TempFile(std::env::temp_dir().join(format!("tributary-e2e-data-{}-{}", std::process::id(), free_port())));
    (launch_in(sandbox, browser, &data_home, extra).await, data_home)
}

/// Launches the app with its data (saved connections, logs) in `data_home`.
async fn launch_in(sandbox: &Sandbox, browser: &TempFile, data_home: &TempFile, extra: &[(&str, &str)]) -> AppSession {
    let mut env = sandbox.env_vars();
    env.push(("BROWSER".into(), browser.0.display().to_string()));
    env.push(("TRIBUTARY_REDIRECT_PORT".into(), free_port().to_string()));
    env.push(("XDG_DATA_HOME".into(), data_home.0.display().to_string()));
    env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    AppSession::launch(&env).await
}

async fn pick(app: &AppSession, id: &str) {
    app.by_test_id("integration-select").await.click().await.unwrap();
    app.by_test_id(&format!("integration-option-{id}")).await.click().await.unwrap();
}

async fn connect(app: &AppSession, id: &str, name: &str) {
    pick(app, id).await;
    app.by_test_id("connect-button").await.click().await.unwrap();
    let connected = format!("Connected to {name}");
    app.wait_for_text("connect-button", |t| t == connected, "error-alert").await;
}

/// Loads and checks that the window shows exactly the sandbox's items: the count, every id and
/// name in the JSON view, and a search in the table.
async fn load_and_check(app: &AppSession, sandbox: &Sandbox, p: ProviderId, name: &str) {
    load_and_check_account(app, sandbox.dataset(), p, name).await
}

/// [`load_and_check`] for the connection to an account whose data is `data`.
async fn load_and_check_account(app: &AppSession, data: &tributary_sandbox::Dataset, p: ProviderId, name: &str) {
    app.by_test_id("load-button").await.click().await.unwrap();
    let expected = expected_items(data, p);
    let count = format!("{} items from {name}", expected.len());
    app.wait_for_text("item-count", |t| t == count, "load-error").await;
    let rows = app.client.find_all(Locator::Css("[data-testid=\"item-row\"]")).await.unwrap();
    assert!(rows.len() >= 10, "{name}: the table shows rows ({})", rows.len());
    app.screenshot(&format!("table-{}.png", p.as_str())).await;

    // The table finds an item deep in the list by name.
    let (needle_id, needle) = expected.iter().rev().find_map(|(id, n)| n.clone().map(|n| (id.clone(), n))).unwrap();
    app.by_test_id("search-input").await.send_keys(&needle).await.unwrap();
    app.client
        .wait()
        .at_most(std::time::Duration::from_secs(10))
        .for_element(Locator::Css(&format!("[data-testid=\"item-row\"][data-item-id=\"{needle_id}\"]")))
        .await
        .unwrap_or_else(|e| panic!("{name}: searching `{needle}` does not show {needle_id}: {e}"));
    // Select all and delete, as a user would (WebDriver's clear() bypasses React's onChange).
    app.by_test_id("search-input").await.send_keys("\u{E009}a\u{E000}\u{E003}").await.unwrap();
    let mut cleared = false;
    for _ in 0..50 {
        cleared = app.client.find(Locator::Css("[data-testid=\"shown-count\"]")).await.is_err();
        if cleared {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(cleared, "{name}: the search is cleared");

    app.by_test_id("json-tab").await.click().await.unwrap();
    app.by_test_id("data-output").await;
    let shown = app.json_view_items().await;
    let shown: HashMap<&str, &str> = shown.iter().map(|i| (i["id"].as_str().unwrap(), i["name"].as_str().unwrap())).collect();
    assert_eq!(shown.len(), expected.len(), "{name}: one shown item per sandbox item");
    for (id, n) in &expected {
        let got = shown.get(id.as_str()).unwrap_or_else(|| panic!("{name}: {id} is not shown"));
        if let Some(n) = n {
            assert_eq!(got, n, "{name}: name of {id}");
        }
    }
    app.by_test_id("table-tab").await.click().await.unwrap();
}

#[tokio::test]
async fn connect_load_and_disconnect_every_provider_through_the_loopback() {
    let sandbox = sandbox(120).await;
    let browser = browser_program(Browser::Approve);
    let (app, data_home) = launch(&sandbox, &browser, &[("RUST_LOG", "trace")]).await;
    app.by_test_id("app-title").await;
    app.record_ipc().await;

    for (p, id, name) in [(ProviderId::Hubspot, "hubspot", "HubSpot"), (ProviderId::Airtable, "airtable", "Airtable"), (ProviderId::Notion, "notion", "Notion")] {
        connect(&app, id, name).await;
        load_and_check(&app, &sandbox, p, name).await;
        app.by_test_id("disconnect-button").await.click().await.unwrap();
        app.wait_for_text("connect-button", |t| t == format!("Connect to {name}"), "error-alert").await;
    }

    // No code, verifier or token the sandbox issued or saw ever reached the page or the logs.
    let seen = app.ipc_seen().await.join("\n");
    assert!(seen.contains("completed") && seen.contains("listing"), "the recorder saw the sign-in events and progress");
    let log = std::fs::read_to_string(data_home.0.join("dev.tributary.app/logs/tributary.log")).expect("the app logs to its log folder");
    assert!(log.contains("TRACE"), "the log is at the most verbose level");
    let mut checked = 0;
    for p in ProviderId::ALL {
        for secret in sandbox.secrets(p) {
            assert!(!seen.contains(&secret), "a {} secret reached the web view", p.as_str());
            assert!(!log.contains(&secret), "a {} secret reached the log", p.as_str());
            checked += 1;
        }
    }
    assert!(checked >= 12, "codes, verifiers and tokens of three sign-ins were checked ({checked})");
    app.close().await;
}

#[tokio::test]
async fn a_denied_consent_is_shown_and_connect_works_again() {
    let sandbox = sandbox(20).await;
    let browser = browser_program(Browser::Deny);
    let (app, _logs) = launch(&sandbox, &browser, &[]).await;
    pick(&app, "notion").await;
    app.by_test_id("connect-button").await.click().await.unwrap();
    let alert = app.by_test_id("error-alert").await.text().await.unwrap();
    assert!(alert.contains("denied"), "{alert}");
    let button = app.by_test_id("connect-button").await;
    assert_eq!(button.prop("textContent").await.unwrap().as_deref(), Some("Connect to Notion"));
    assert!(button.is_enabled().await.unwrap(), "Connect is usable again");
    app.screenshot("denied.png").await;
    app.close().await;
}

#[tokio::test]
async fn a_deep_link_callback_reaches_the_running_instance() {
    let sandbox = sandbox(30).await;
    let browser = browser_program(Browser::ApproveViaDeepLink);
    let (app, logs) = launch(&sandbox, &browser, &[("TRIBUTARY_CALLBACK", "deep-link")]).await;
    connect(&app, "airtable", "Airtable").await;
    load_and_check(&app, &sandbox, ProviderId::Airtable, "Airtable").await;
    // The second launch handed its URL over and left: one instance, one log writer.
    let log = std::fs::read_to_string(logs.0.join("dev.tributary.app/logs/tributary.log")).unwrap_or_default();
    assert!(!log.contains("launching normally"), "single-instance found the session bus: {log}");
    app.close().await;
}

/// A deep link naming no sign-in (any program can open one) is shown as a warning and ends
/// nothing: the genuine callback that follows still connects.
#[tokio::test]
async fn a_stray_deep_link_warns_and_the_sign_in_still_completes() {
    let sandbox = sandbox(30).await;
    let browser = browser_program(Browser::StrayDeepLinkThenApprove);
    let (app, _logs) = launch(&sandbox, &browser, &[("TRIBUTARY_CALLBACK", "deep-link")]).await;
    pick(&app, "airtable").await;
    app.by_test_id("connect-button").await.click().await.unwrap();
    let warning = app.by_test_id("refused-alert").await.text().await.unwrap();
    assert!(warning.contains("still waiting"), "{warning}");
    let button = app.by_test_id("connect-button").await.prop("textContent").await.unwrap();
    assert_eq!(button.as_deref(), Some("Connecting..."), "the sign-in goes on");
    app.wait_for_text("connect-button", |t| t == "Connected to Airtable", "error-alert").await;
    app.close().await;
}

#[tokio::test]
async fn redis_out_of_reach_is_shown_in_the_window() {
    let sandbox = sandbox(20).await;
    let browser = browser_program(Browser::Approve);
    let dead_redis = format!("redis://127.0.0.1:{}/", free_port());
    let (app, _logs) = launch(&sandbox, &browser, &[("REDIS_URL", &dead_redis)]).await;
    pick(&app, "airtable").await;
    app.by_test_id("connect-button").await.click().await.unwrap();
    let alert = app.by_test_id("error-alert").await.text().await.unwrap();
    assert!(alert.contains("Redis"), "{alert}");
    let button = app.by_test_id("connect-button").await;
    assert!(button.is_enabled().await.unwrap(), "Connect is usable again");
    app.close().await;
}

#[tokio::test]
async fn a_deep_link_sign_in_times_out_or_is_cancelled_and_connect_works_again() {
    let sandbox = sandbox(20).await;
    let browser = browser_program(Browser::Ignore);
    let (app, _logs) = launch(&sandbox, &browser, &[("TRIBUTARY_CALLBACK", "deep-link"), ("TRIBUTARY_CALLBACK_TIMEOUT", "2")]).await;
    pick(&app, "notion").await;
    app.by_test_id("connect-button").await.click().await.unwrap();
    let alert = app.by_test_id("error-alert").await.text().await.unwrap();
    assert!(alert.contains("no answer from the browser"), "{alert}");
    assert!(app.by_test_id("connect-button").await.is_enabled().await.unwrap(), "Connect is usable again");

    // Cancel while waiting: no error, Connect again.
    app.by_test_id("connect-button").await.click().await.unwrap();
    app.by_test_id("cancel-connect-button").await.click().await.unwrap();
    app.wait_for_text("connect-button", |t| t == "Connect to Notion", "error-alert").await;
    assert!(app.client.find(Locator::Css("[data-testid=\"error-alert\"]")).await.is_err(), "a cancel is not an error");
    app.close().await;
}

#[tokio::test]
async fn a_connection_survives_a_restart_of_the_app_until_it_is_disconnected() {
    if std::env::var("TRIBUTARY_EXPECT_KEYRING").ok().as_deref() != Some("1") {
        panic!("this test needs the test command's Secret Service (./scripts/test-all.sh starts one)");
    }
    let sandbox = sandbox(60).await;
    let browser = browser_program(Browser::Approve);
    let data_home = TempFile(std::env::temp_dir().join(format!("tributary-e2e-restart-{}-{}", std::process::id(), free_port())));
    let app = launch_in(&sandbox, &browser, &data_home, &[]).await;
    app.by_test_id("app-title").await;
    connect(&app, "airtable", "Airtable").await;
    app.close().await;

    // A new start finds the connection without a sign-in (the browser would deny one now).
    let denying = browser_program(Browser::Deny);
    let before = sandbox.stats(ProviderId::Airtable).token_requests;
    let app = launch_in(&sandbox, &denying, &data_home, &[]).await;
    pick(&app, "airtable").await;
    app.wait_for_text("connect-button", |t| t == "Connected to Airtable", "error-alert").await;
    assert_eq!(sandbox.stats(ProviderId::Airtable).token_requests, before, "no sign-in, no refresh yet");
    load_and_check(&app, &sandbox, ProviderId::Airtable, "Airtable").await;
    let shown = app.by_test_id("item-count").await.text().await.unwrap();
    let count = shown.split_whitespace().next().unwrap().to_string();
    app.close().await;

    // The next start opens on the library's items before any request to the provider.
    let requests = sandbox.stats(ProviderId::Airtable).api_requests;
    let app = launch_in(&sandbox, &denying, &data_home, &[]).await;
    app.wait_for_text("library-count", |t| t.starts_with(&format!("{count} items kept")), "library-error").await;
    app.by_test_id("library-row").await;
    assert_eq!(sandbox.stats(ProviderId::Airtable).api_requests, requests, "the library answered, not the provider");
    pick(&app, "airtable").await;
    app.wait_for_text("connect-button", |t| t == "Connected to Airtable", "error-alert").await;
    app.by_test_id("disconnect-button").await.click().await.unwrap();
    app.wait_for_text("connect-button", |t| t == "Connect to Airtable", "error-alert").await;
    app.close().await;

    // Disconnected: the next start has nothing saved.
    let app = launch_in(&sandbox, &denying, &data_home, &[]).await;
    pick(&app, "airtable").await;
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    // Still (and only) Connect, once the window has asked for a saved connection.
    app.wait_for_text("connect-button", |t| t == "Connect to Airtable", "error-alert").await;
    let files = std::fs::read_dir(data_home.0.join("dev.tributary.app/connections")).map(|d| d.filter_map(|e| e.ok()).filter(|e| e.path().extension().is_some_and(|x| x == "json")).count());
    assert_eq!(files.unwrap_or(0), 0, "no saved connection left");
    app.close().await;
}

#[tokio::test]
async fn two_accounts_of_one_provider_side_by_side_in_the_window() {
    if std::env::var("TRIBUTARY_EXPECT_KEYRING").ok().as_deref() != Some("1") {
        panic!("this test needs the test command's Secret Service (./scripts/test-all.sh starts one)");
    }
    let sandbox = sandbox(60).await;
    let portal = |n: usize| sandbox.account_dataset(n).hubspot.portal_id.to_string();
    // The "browser" approves for the account this file names, as the user picks a portal.
    let choice = TempFile(std::env::temp_dir().join(format!("tributary-e2e-account-{}-{}", std::process::id(), free_port())));
    std::fs::write(&choice.0, "0").unwrap();
    let browser = browser_choosing_account(&choice.0);
    let data_home = TempFile(std::env::temp_dir().join(format!("tributary-e2e-accounts-{}-{}", std::process::id(), free_port())));
    let app = launch_in(&sandbox, &browser, &data_home, &[]).await;
    connect(&app, "hubspot", "HubSpot").await;
    app.wait_for_text("connection-account", |t| t.contains(&portal(0)), "error-alert").await;

    // Add account signs in to the second portal: both are listed, the new one shown.
    std::fs::write(&choice.0, "1").unwrap();
    app.by_test_id("add-account-button").await.click().await.unwrap();
    let mut shown = String::new();
    for _ in 0..100 {
        if let Ok(select) = app.client.find(Locator::Css("[data-testid=\"account-select\"]")).await {
            shown = select.prop("value").await.unwrap().unwrap_or_default();
            if shown == portal(1) {
                break;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(shown, portal(1), "the new account is the one shown");
    load_and_check_account(&app, sandbox.account_dataset(1), ProviderId::Hubspot, "HubSpot").await;
    app.close().await;

    // A restart lists both, asking no provider; Disconnect ends the shown account only.
    let denying = browser_program(Browser::Deny);
    let app = launch_in(&sandbox, &denying, &data_home, &[]).await;
    pick(&app, "hubspot").await;
    app.wait_for_text("connect-button", |t| t == "Connected to HubSpot", "error-alert").await;
    // Listed in the order of their ids, the first shown.
    let mut ids = [portal(0), portal(1)];
    ids.sort();
    let select = app.by_test_id("account-select").await;
    assert_eq!(select.prop("value").await.unwrap().unwrap_or_default(), ids[0], "the first account is shown first");
    app.by_test_id("disconnect-button").await.click().await.unwrap();
    app.wait_for_text("connection-account", |t| t.contains(&ids[1]), "error-alert").await;
    assert!(app.client.find(Locator::Css("[data-testid=\"account-select\"]")).await.is_err(), "one account left: no picker");
    app.by_test_id("disconnect-button").await.click().await.unwrap();
    app.wait_for_text("connect-button", |t| t == "Connect to HubSpot", "error-alert").await;
    app.close().await;
}
