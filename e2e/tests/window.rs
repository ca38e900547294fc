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
