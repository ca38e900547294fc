use super::*;

#[test]
fn scrub_removes_secrets_and_bounds_length() {
    assert_eq!(scrub("bad token abcdef123", &["abcdef123"]), "bad token [redacted]");
    assert_eq!(scrub(&"x".repeat(500), &[]).chars().count(), 301);
}

#[test]
fn messages_read_well() {
    let e = Error::AccessDenied { provider: ProviderId::Notion, description: None };
    assert_eq!(e.to_string(), "access to Notion was denied in the browser");
    assert_eq!(e.kind(), "AccessDenied");
    let e = Error::NotConfigured { provider: ProviderId::Hubspot, missing: "HUBSPOT_CLIENT_ID".into() };
    assert!(e.to_string().contains("HUBSPOT_CLIENT_ID"));
    assert_eq!(e.kind(), "NotConfigured");
    assert_eq!(Error::Store(StoreError::Unavailable("down".into())).kind(), "StoreUnavailable");
    assert!(Error::kinds().contains(&"LoadIncomplete") && !Error::kinds().contains(&"Store"));
}
