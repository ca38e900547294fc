use super::*;

fn settings(pairs: &[(&str, &str)]) -> Result<Settings> {
    let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    Settings::from_vars(|k| map.get(k).cloned())
}

#[test]
fn defaults_point_at_the_real_services_and_report_what_to_set() {
    let s = settings(&[]).unwrap();
    let hs = s.provider(ProviderId::Hubspot);
    // HubSpot's 2026-03 OAuth API (v1 stops on 2027-02-16) and its latest CRM suite.
    assert_eq!(hs.token_url.as_str(), "https://api.hubapi.com/oauth/2026-03/token");
    assert_eq!(hs.revoke_url.as_ref().unwrap().as_str(), "https://api.hubapi.com/oauth/2026-03/token/revoke");
    assert_eq!(hs.api_version.as_deref(), Some("2026-09"));
    assert_eq!(s.provider(ProviderId::Notion).api_version.as_deref(), Some("2026-03-11"));
    assert_eq!(s.provider(ProviderId::Airtable).api_version, None);
    assert_eq!(hs.status(), ProviderStatus::NotConfigured { missing: vec!["HUBSPOT_CLIENT_ID".into()] });
    assert!(matches!(hs.require_client_id(), Err(Error::NotConfigured { .. })));
    assert_eq!(s.loopback_redirect_uri(), "http://localhost:8765/callback");
    assert_eq!(s.deep_link_redirect_uri(), "dev.tributary.app:/oauth/callback");
    assert!(s.redis_url.is_none());
    assert_eq!(s.callback_route, CallbackRoute::Loopback);
    assert!(s.sandbox_when_unconfigured);
}

#[test]
fn a_settings_file_is_read_when_present_and_a_bad_line_names_it() {
    let dir = std::env::temp_dir().join(format!("tributary-settings-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("settings.env");
    assert!(read_env_file(&file).unwrap().is_empty(), "no file, no settings");
    std::fs::write(&file, "# comment\nNOTION_CLIENT_ID=abc\nREDIS_URL=\"redis://127.0.0.1:6379/\"\n").unwrap();
    let vars = read_env_file(&file).unwrap();
    assert_eq!(vars, vec![("NOTION_CLIENT_ID".into(), "abc".into()), ("REDIS_URL".into(), "redis://127.0.0.1:6379/".into())]);
    // The message names the file and the variable, never the line: it may hold a secret.
    std::fs::write(&file, "NOTION_CLIENT_SECRET='s3cr3t-value\n").unwrap();
    let err = read_env_file(&file).unwrap_err().to_string();
    assert!(err.contains("settings.env") && err.contains("NOTION_CLIENT_SECRET"), "{err}");
    assert!(!err.contains("s3cr3t"), "{err}");
    std::fs::write(&file, "not a setting s3cr3t\n").unwrap();
    let err = read_env_file(&file).unwrap_err().to_string();
    assert!(err.contains("settings.env") && !err.contains("s3cr3t"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_settings_file_lives_in_the_apps_config_folder() {
    let file = user_settings_file().expect("a config folder");
    assert!(file.ends_with("dev.tributary.app/settings.env"), "{}", file.display());
    assert!(where_settings_go().contains(&file.display().to_string()));
}

#[test]
fn every_url_is_overridable() {
    let s = settings(&[
        ("NOTION_CLIENT_ID", "abc"),
        ("NOTION_CLIENT_SECRET", "shh"),
        ("NOTION_AUTHORIZE_URL", "http://127.0.0.1:9/v1/oauth/authorize"),
        ("NOTION_TOKEN_URL", "http://127.0.0.1:9/v1/oauth/token"),
        ("NOTION_API_BASE", "http://127.0.0.1:9/proxy"),
        ("AIRTABLE_SCOPES", "data.records:read"),
        ("TRIBUTARY_REDIRECT_PORT", "9999"),
    ])
    .unwrap();
    let n = s.provider(ProviderId::Notion);
    assert_eq!(n.status(), ProviderStatus::Configured);
    assert_eq!(n.api_base.as_str(), "http://127.0.0.1:9/proxy/");
    assert_eq!(format!("{:?}", n.client_secret), "Some([redacted])");
    assert_eq!(s.provider(ProviderId::Airtable).scopes, vec!["data.records:read"]);
    assert_eq!(s.redirect_port, 9999);
}

#[test]
fn bad_values_are_config_errors() {
    assert!(matches!(settings(&[("HUBSPOT_TOKEN_URL", "not a url")]), Err(Error::Config(_))));
    assert!(matches!(settings(&[("TRIBUTARY_REDIRECT_PORT", "http")]), Err(Error::Config(_))));
    assert!(matches!(settings(&[("TRIBUTARY_DEEP_LINK_SCHEME", "myapp")]), Err(Error::Config(_))));
    assert!(matches!(settings(&[("TRIBUTARY_CALLBACK", "popup")]), Err(Error::Config(_))));
    assert!(matches!(settings(&[("TRIBUTARY_SANDBOX", "yes")]), Err(Error::Config(_))));
    assert!(matches!(settings(&[("TRIBUTARY_CALLBACK_TIMEOUT", "0")]), Err(Error::Config(_))));
    assert!(matches!(settings(&[("TRIBUTARY_HTTP_TIMEOUT", "soon")]), Err(Error::Config(_))));
    assert_eq!(settings(&[("TRIBUTARY_HTTP_TIMEOUT", "7")]).unwrap().http_timeout, Duration::from_secs(7));
}

#[test]
fn api_versions_are_settings_checked_and_sent_where_the_provider_wants_them() {
    let s = settings(&[("HUBSPOT_API_VERSION", "2026-03"), ("NOTION_API_VERSION", "2025-09-03")]).unwrap();
    assert_eq!(s.provider(ProviderId::Hubspot).api_version.as_deref(), Some("2026-03"));
    let notion: Vec<(&str, &str)> = s.provider(ProviderId::Notion).headers().collect();
    assert_eq!(notion, [("Notion-Version", "2025-09-03")]);
    assert_eq!(s.provider(ProviderId::Hubspot).headers().count(), 0, "HubSpot's version goes in its paths");
    // An untested version is used as asked (a user moving with the provider's releases).
    assert_eq!(settings(&[("HUBSPOT_API_VERSION", "2027-03")]).unwrap().provider(ProviderId::Hubspot).api_version.as_deref(), Some("2027-03"));
    let err = settings(&[("NOTION_API_VERSION", "2025-09-03\r\nX-Evil: 1")]).unwrap_err().to_string();
    assert!(err.contains("NOTION_API_VERSION") && err.contains("not an API version"), "{err}");
}
