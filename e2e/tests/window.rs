//! The real app window under Xvfb: it opens, renders the UI, and responds to input.

use std::time::Duration;

use tributary_e2e::AppSession;

#[tokio::test]
async fn the_window_shows_the_integration_form() {
    let app = AppSession::launch(&[]).await;

    assert_eq!(app.by_test_id("app-title").await.text().await.unwrap(), "Tributary");
    assert_eq!(app.client.title().await.unwrap(), "Tributary");
    let user = app.by_test_id("user-input").await;
    assert_eq!(user.prop("value").await.unwrap().as_deref(), Some("TestUser"));
    let org = app.by_test_id("org-input").await;
    assert_eq!(org.prop("value").await.unwrap().as_deref(), Some("TestOrg"));

    // Pick an integration from the picker: its Connect button appears.
    let picker = app.by_test_id("integration-select").await;
    picker.click().await.unwrap();
    app.by_test_id("integration-option-notion").await.click().await.unwrap();
    let connect = app.by_test_id("connect-button").await;
    // textContent, not the rendered text: the theme shows buttons in capitals.
    assert_eq!(connect.prop("textContent").await.unwrap().as_deref(), Some("Connect to Notion"));

    // The page really runs inside Tauri (its IPC bridge is present), not a plain browser.
    let has_ipc = app.client.execute("return typeof window.__TAURI_INTERNALS__ === 'object'", vec![]).await.unwrap();
    assert_eq!(has_ipc, serde_json::json!(true));

    tokio::time::sleep(Duration::from_millis(300)).await;
    let shot = app.screenshot("window.png").await;
    assert!(std::fs::metadata(&shot).unwrap().len() > 10_000, "a real screenshot of the window");
    app.close().await;
}

/// With no client configured, the app serves every provider from its built-in sandbox, says so,
/// and the whole Connect and Load works with no account.
#[tokio::test]
async fn with_no_accounts_the_built_in_sandbox_is_labelled_and_works() {
    let browser = tributary_e2e::browser_program(tributary_e2e::Browser::Approve);
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port().to_string();
    let app = AppSession::launch(&[
        ("BROWSER", &browser.0.display().to_string()),
        ("TRIBUTARY_REDIRECT_PORT", &port),
        ("SANDBOX_ITEMS", "40"),
    ])
    .await;
    app.by_test_id("integration-select").await.click().await.unwrap();
    app.by_test_id("integration-option-hubspot").await.click().await.unwrap();
    let badge = app.by_test_id("sandbox-badge").await.prop("textContent").await.unwrap().unwrap_or_default();
    assert!(badge.contains("Sandbox"), "{badge}");
    app.by_test_id("connect-button").await.click().await.unwrap();
    app.wait_for_text("connect-button", |t| t == "Connected to HubSpot", "error-alert").await;
    app.by_test_id("load-button").await.click().await.unwrap();
    app.wait_for_text("item-count", |t| t == "43 items from HubSpot", "load-error").await;
    app.by_test_id("sandbox-data-label").await;
    app.screenshot("sandbox-mode.png").await;
    app.close().await;
}

/// An installed app reads the user's settings file; one it cannot start with still opens the
/// window, which names the file and the variable but never repeats the line (it holds a secret).
#[tokio::test]
async fn settings_the_app_cannot_start_with_are_explained_in_the_window() {
    let config_home = tributary_e2e::TempFile(std::env::temp_dir().join(format!("tributary-e2e-config-{}", std::process::id())));
    let folder = config_home.0.join("dev.tributary.app");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("settings.env"), "NOTION_CLIENT_ID=mine\nNOTION_CLIENT_SECRET='s3cr3t-in-the-file\n").unwrap();
    let app = AppSession::launch(&[("XDG_CONFIG_HOME", &config_home.0.display().to_string())]).await;
    let alert = app.by_test_id("startup-error").await.text().await.unwrap();
    assert!(alert.contains("could not start") && alert.contains("settings.env") && alert.contains("NOTION_CLIENT_SECRET"), "{alert}");
    assert!(!alert.contains("s3cr3t"), "{alert}");
    assert!(app.client.find(tributary_e2e::fantoccini::Locator::Css("[data-testid=\"integration-select\"]")).await.is_err());
    app.screenshot("startup-error.png").await;
    app.close().await;
}
