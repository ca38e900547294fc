//! The desktop shell on Tauri's mock runtime: it builds from the real configuration, with the
//! main window and the security settings the app ships with.

#[test]
fn the_app_builds_with_its_main_window_and_a_strict_csp() {
    let app = tributary_desktop::run_app(tauri::test::mock_builder());
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
