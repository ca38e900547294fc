//! Connect and Load in the real window, against the sandbox: the app opens the "system
//! browser" (xdg-open with BROWSER pointing at `tributary-sandbox approve`, which approves the
//! consent page and follows the redirect to the app's loopback listener), shows Connected, and
//! loads the sandbox's items.

use std::net::TcpListener;
use std::time::Duration;

use tributary_e2e::{fantoccini::Locator, workspace_root, AppSession};
use tributary_sandbox::{Provider, Sandbox, SandboxConfig};

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[tokio::test]
async fn connect_and_load_every_provider_through_the_loopback() {
    let sandbox = Sandbox::start(SandboxConfig { dataset: tributary_sandbox::DatasetSize::uniform(120), ..Default::default() })
        .await
        .unwrap();
    let approve = workspace_root().join("target/debug/tributary-sandbox");
    assert!(approve.exists(), "the sandbox binary is built by the workspace test run");
    let browser = std::env::temp_dir().join(format!("tributary-e2e-browser-{}", std::process::id()));
    std::fs::write(&browser, format!("#!/bin/sh\nexec '{}' approve \"$1\"\n", approve.display())).unwrap();
    std::fs::set_permissions(&browser, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();

    let mut env: Vec<(String, String)> = vec![
        ("BROWSER".into(), browser.display().to_string()),
        ("TRIBUTARY_REDIRECT_PORT".into(), free_port().to_string()),
    ];
    for p in Provider::ALL {
        let e = sandbox.endpoints(p);
        let c = sandbox.config().clients.get(p);
        let up = p.as_str().to_uppercase();
        env.push((format!("{up}_CLIENT_ID"), c.client_id.clone()));
        if let Some(s) = &c.client_secret {
            env.push((format!("{up}_CLIENT_SECRET"), s.clone()));
        }
        env.push((format!("{up}_AUTHORIZE_URL"), e.authorize_url.to_string()));
        env.push((format!("{up}_TOKEN_URL"), e.token_url.to_string()));
        env.push((format!("{up}_API_BASE"), e.api_base.to_string()));
    }
    let env_refs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let app = AppSession::launch(&env_refs).await;

    for (id, name, items) in [("hubspot", "HubSpot", 123), ("airtable", "Airtable", 120), ("notion", "Notion", 120)] {
        app.by_test_id("integration-select").await.click().await.unwrap();
        app.by_test_id(&format!("integration-option-{id}")).await.click().await.unwrap();
        app.by_test_id("connect-button").await.click().await.unwrap();
        let connected = format!("Connected to {name}");
        let button = app.by_test_id("connect-button").await;
        let mut text = String::new();
        for _ in 0..100 {
            text = button.prop("textContent").await.unwrap().unwrap_or_default();
            if text == connected {
                break;
            }
            if let Ok(alert) = app.client.find(Locator::Css("[data-testid=\"error-alert\"]")).await {
                panic!("{name}: {}", alert.text().await.unwrap());
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        assert_eq!(text, connected);

        app.by_test_id("load-button").await.click().await.unwrap();
        let output = app.by_test_id("data-output").await;
        let mut loaded = serde_json::Value::Null;
        for _ in 0..100 {
            let value = output.prop("value").await.unwrap().unwrap_or_default();
            if !value.is_empty() {
                loaded = serde_json::from_str(&value).unwrap();
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        assert_eq!(loaded.as_array().map(Vec::len), Some(items), "{name}: every sandbox item is shown");
        let shown = serde_json::to_string(&loaded).unwrap();
        assert!(!shown.contains("access_token") && !shown.contains("refresh_token"));
        app.screenshot(&format!("loaded-{id}.png")).await;
        app.by_test_id("disconnect-button").await.click().await.unwrap();
    }
    app.close().await;
    let _ = std::fs::remove_file(browser);
}
