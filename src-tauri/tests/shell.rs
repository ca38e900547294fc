//! The desktop shell on Tauri's mock runtime: it builds from the real configuration, with the
//! main window, the security settings and the permissions the app ships with, and its commands
//! answer with the shapes the UI reads.

use std::collections::HashMap;

use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::Manager;
use tributary_core::Settings;

fn settings(vars: &[(&str, &str)]) -> Settings {
    let mut map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    // Connections in memory and a data folder of the test's own: never the machine's keyring.
    map.entry("TRIBUTARY_CREDENTIAL_STORE".into()).or_insert_with(|| "session".into());
    let data = std::env::temp_dir().join(format!("tributary-shell-test-{}-{}", std::process::id(), map.len()));
    map.entry("TRIBUTARY_DATA_DIR".into()).or_insert_with(|| data.display().to_string());
    Settings::from_vars(|k| map.get(k).cloned()).unwrap()
}

fn app(vars: &[(&str, &str)]) -> tauri::App<tauri::test::MockRuntime> {
    tributary_desktop::run_app_with(mock_builder(), settings(vars)).unwrap()
}

/// Calls a command as the main window's web view would, through the real permission checks.
fn invoke(app: &tauri::App<tauri::test::MockRuntime>, cmd: &str, args: Value) -> Result<Value, Value> {
    // The mock runtime does not open the configured window until the app runs: open one.
    let webview = match app.get_webview_window("main") {
        Some(w) => w,
        None => tauri::WebviewWindowBuilder::new(app, "main", Default::default()).build().unwrap(),
    };
    get_ipc_response(
        &webview,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|body| body.deserialize::<Value>().unwrap())
}

const NO_SANDBOX: &[(&str, &str)] = &[("TRIBUTARY_SANDBOX", "off")];

#[test]
fn the_app_builds_with_its_main_window_a_strict_csp_and_its_deep_link_scheme() {
    let app = app(NO_SANDBOX);
    let config = app.config();
    assert_eq!(config.identifier, "dev.tributary.app");
    assert_eq!(config.product_name.as_deref(), Some("Tributary"));
    let main = config.app.windows.iter().find(|w| w.label == "main").expect("a main window");
    assert_eq!(main.title, "Tributary");
    let csp = config.app.security.csp.as_ref().expect("a CSP").to_string();
    for directive in ["default-src 'self'", "script-src 'self'", "object-src 'none'", "frame-ancestors 'none'"] {
        assert!(csp.contains(directive), "CSP lacks {directive}: {csp}");
    }
    assert!(!csp.contains("unsafe-eval"), "{csp}");
    assert_eq!(config.plugins.0["deep-link"]["desktop"]["schemes"], json!(["dev.tributary.app"]));
}

#[test]
fn settings_the_app_cannot_start_with_open_a_window_that_says_what_is_wrong() {
    // A scheme the build does not register would send every deep-link callback nowhere.
    let app = tributary_desktop::run_app_with(mock_builder(), settings(&[("TRIBUTARY_DEEP_LINK_SCHEME", "com.example.other")]))
        .expect("the window opens anyway");
    let err = invoke(&app, "list_providers", json!({})).unwrap_err();
    assert_eq!(err["kind"], "Config", "{err}");
    let message = err["message"].as_str().unwrap();
    assert!(message.contains("com.example.other") && message.contains("dev.tributary.app"), "{message}");
    // Nothing else runs on a configuration the app refused.
    let authorize = invoke(&app, "authorize", json!({ "connection": { "provider": "notion", "userId": "u", "orgId": "o" } })).unwrap_err();
    assert!(authorize.to_string().contains("not found"), "{authorize}");
}

#[test]
fn list_providers_reports_each_providers_state() {
    let providers = invoke(&app(NO_SANDBOX), "list_providers", json!({})).unwrap();
    let ids: Vec<&str> = providers.as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["hubspot", "airtable", "notion"]);
    assert_eq!(providers[0]["name"], "HubSpot");
    assert_eq!(providers[0]["status"], json!({ "state": "not_configured", "missing": ["HUBSPOT_CLIENT_ID"] }));

    // Sandbox mode: unconfigured providers are served by the built-in sandbox, and say so.
    let providers = invoke(&app(&[("NOTION_CLIENT_ID", "mine")]), "list_providers", json!({})).unwrap();
    assert_eq!(providers[0]["status"], json!({ "state": "sandbox" }));
    assert_eq!(providers[1]["status"], json!({ "state": "sandbox" }));
    assert_eq!(providers[2]["status"], json!({ "state": "configured" }));
}

#[test]
fn errors_reach_the_web_view_as_kind_and_message() {
    let app = app(NO_SANDBOX);
    let err = invoke(&app, "authorize", json!({ "connection": { "provider": "salesforce", "userId": "u", "orgId": "o" } })).unwrap_err();
    assert_eq!(err, json!({ "kind": "InvalidInput", "message": "unknown provider `salesforce` (expected one of: hubspot, airtable, notion)" }));
    let err = invoke(&app, "authorize", json!({ "connection": { "provider": "hubspot", "userId": "u", "orgId": "o" } })).unwrap_err();
    assert_eq!(err["kind"], "NotConfigured");
    assert!(err["message"].as_str().unwrap().contains("HUBSPOT_CLIENT_ID"), "{err}");
    let err = invoke(&app, "credentials", json!({ "connection": { "provider": "notion", "userId": "u", "orgId": "o" } })).unwrap_err();
    assert_eq!(err["kind"], "NotConnected", "no completed sign-in to take: {err}");
    let err = invoke(&app, "export_items", json!({ "request": { "connection": { "provider": "notion", "userId": "u", "orgId": "o" }, "format": "csv" } })).unwrap_err();
    assert_eq!(err["kind"], "InvalidInput");
    let err = invoke(&app, "authorize", json!({ "connection": { "provider": "hubspot", "userId": "a:b", "orgId": "o" } })).unwrap_err();
    assert_eq!(err["kind"], "InvalidInput");
    assert_eq!(err.as_object().unwrap().len(), 2, "exactly kind and message: {err}");
}

#[test]
fn the_web_view_may_call_the_apps_commands_and_nothing_else() {
    let app = app(NO_SANDBOX);
    assert!(invoke(&app, "cancel_load", json!({ "connection": { "provider": "notion", "userId": "u", "orgId": "o" } })).is_ok());
    // An item's provider record comes from the library: none for an item never loaded.
    let record = invoke(&app, "item_record", json!({ "request": { "connection": { "provider": "notion", "userId": "u", "orgId": "o", "accountId": "w" }, "itemId": "p1" } }));
    assert_eq!(record.unwrap(), Value::Null);
    // The opener is the shell's, not the web view's: links open only through `open_item`.
    let err = invoke(&app, "plugin:opener|open_url", json!({ "url": "https://example.com" })).unwrap_err();
    assert!(err.to_string().contains("not allowed"), "{err}");
    let err = invoke(&app, "plugin:deep-link|register", json!({ "protocol": "evil" })).unwrap_err();
    assert!(err.to_string().contains("not allowed"), "{err}");
}

/// Sign-in events the app emits, collected.
fn sign_in_events(app: &tauri::App<tauri::test::MockRuntime>) -> std::sync::Arc<std::sync::Mutex<Vec<Value>>> {
    use tauri::Listener;
    let events: std::sync::Arc<std::sync::Mutex<Vec<Value>>> = Default::default();
    let seen = events.clone();
    app.listen_any("sign-in", move |e| seen.lock().unwrap().push(serde_json::from_str(e.payload()).unwrap()));
    events
}

fn wait_for_events(events: &std::sync::Mutex<Vec<Value>>, n: usize) -> Vec<Value> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while events.lock().unwrap().len() < n && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    std::thread::sleep(std::time::Duration::from_millis(200));
    events.lock().unwrap().clone()
}

/// Deep links that are not the pending sign-in's (forged, malformed, naming no sign-in) are
/// refused with their own outcome and end nothing: the genuine callback still completes.
#[test]
fn stray_and_forged_deep_links_are_refused_and_the_sign_in_goes_on() {
    use tributary_core::oauth::state::StatePayload;
    use tributary_core::{FlowKey, ProviderId};
    use tributary_sandbox::consent::{decide_consent, ConsentOutcome};

    // Sandbox mode: Airtable is served in-process, no browser involved.
    let app = app(&[("TRIBUTARY_CALLBACK", "deep-link")]);
    let events = sign_in_events(&app);
    let core = app.state::<std::sync::Arc<tributary_core::Core>>();
    let key = FlowKey::new(ProviderId::Airtable, "Org", "User").unwrap();
    let request = tauri::async_runtime::block_on(core.begin_deep_link(&key)).unwrap();

    let forged = StatePayload::new(ProviderId::Airtable, "Org", "User").encode();
    let stray = [
        format!("{}?code=stolen&state={forged}", request.redirect_uri),
        format!("{}?error=access_denied", request.redirect_uri),
        format!("{}?code=x&state=not-a-state", request.redirect_uri),
        "dev.tributary.app:/somewhere-else?x=1".to_string(),
    ];
    let urls = stray.iter().map(|u| u.parse().unwrap()).collect();
    tributary_desktop::sign_in::complete_deep_links(&core, urls);
    let seen = wait_for_events(&events, stray.len());
    assert_eq!(seen.len(), stray.len(), "{seen:?}");
    assert!(seen.iter().all(|e| e["outcome"] == "refused"), "{seen:?}");
    let forged_event = seen.iter().find(|e| e["error"]["kind"] == "StateMismatch" && e["provider"] == "airtable");
    assert!(forged_event.is_some(), "the forged link names the sign-in it claims: {seen:?}");
    assert!(seen.iter().filter(|e| e["provider"].is_null()).count() >= 2, "links naming no sign-in name none: {seen:?}");

    // The genuine callback still completes the sign-in.
    let ConsentOutcome::Redirect(genuine) = tauri::async_runtime::block_on(decide_consent(request.url.as_str(), true)).unwrap() else {
        panic!("the sandbox redirects")
    };
    tributary_desktop::sign_in::complete_deep_links(&core, vec![genuine]);
    let seen = wait_for_events(&events, stray.len() + 1);
    assert_eq!(seen.last().unwrap()["outcome"], "completed", "{seen:?}");
}

/// With sign-ins on the loopback port, a deep link is not a sign-in callback: no event at all.
#[test]
fn in_loopback_mode_deep_links_are_not_sign_in_callbacks() {
    use tributary_core::{FlowKey, ProviderId};
    let app = app(&[]);
    let events = sign_in_events(&app);
    let core = app.state::<std::sync::Arc<tributary_core::Core>>();
    let key = FlowKey::new(ProviderId::Airtable, "Org", "User").unwrap();
    let request = tauri::async_runtime::block_on(core.begin_deep_link(&key)).unwrap();
    let url = format!("{}?code=x&state=y", request.redirect_uri).parse().unwrap();
    tributary_desktop::sign_in::complete_deep_links(&core, vec![url]);
    assert!(wait_for_events(&events, 1).is_empty());
}
