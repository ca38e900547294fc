//! The desktop shell on Tauri's mock runtime: it builds from the real configuration, with the
//! main window and the security settings the app ships with.

#[test]
fn the_app_builds_with_its_main_window_and_a_strict_csp() {
    let app = tributary_desktop::run_app(tauri::test::mock_builder()).unwrap();
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
}

mod commands {
    use serde_json::{json, Value};
    use tauri::ipc::{CallbackFn, InvokeBody};
    use tauri::test::{get_ipc_response, mock_builder, INVOKE_KEY};
    use tauri::webview::InvokeRequest;
    use tauri::Manager;

    fn invoke(cmd: &str, args: Value) -> Result<Value, Value> {
        let app = tributary_desktop::run_app(mock_builder()).unwrap();
        // The mock runtime does not open the configured window until the app runs: open one.
        let webview = match app.get_webview_window("main") {
            Some(w) => w,
            None => tauri::WebviewWindowBuilder::new(&app, "main", Default::default()).build().unwrap(),
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

    #[test]
    fn list_providers_reports_each_providers_state() {
        let providers = invoke("list_providers", json!({})).unwrap();
        let ids: Vec<&str> = providers.as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap()).collect();
        assert_eq!(ids, ["hubspot", "airtable", "notion"]);
        let hubspot = &providers[0];
        assert_eq!(hubspot["name"], "HubSpot");
        if std::env::var_os("HUBSPOT_CLIENT_ID").is_none() {
            assert_eq!(hubspot["status"], json!({ "state": "not_configured", "missing": ["HUBSPOT_CLIENT_ID"] }));
        }
    }

    #[test]
    fn errors_reach_the_web_view_as_kind_and_message() {
        let err = invoke("authorize", json!({ "provider": "salesforce", "userId": "u", "orgId": "o" })).unwrap_err();
        assert_eq!(err, json!({ "kind": "InvalidInput", "message": "unknown provider `salesforce` (expected hubspot, airtable or notion)" }));
        let err = invoke("load", json!({ "provider": "notion", "userId": "u", "orgId": "o" })).unwrap_err();
        assert_eq!(err, json!({ "kind": "NotConnected", "message": "not connected to Notion; connect first" }));
        let err = invoke("authorize", json!({ "provider": "hubspot", "userId": "a:b", "orgId": "o" })).unwrap_err();
        assert_eq!(err["kind"], "InvalidInput");
        assert_eq!(err.as_object().unwrap().len(), 2, "exactly kind and message: {err}");
    }
}
