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

#[test]
fn a_provider_error_names_the_provider_the_request_and_what_came_back() {
    let e = Error::Provider { provider: ProviderId::Hubspot, request: "GET /account-info/v3/details".into(), status: 404, message: String::new() };
    assert_eq!(e.to_string(), "HubSpot answered 404 Not Found to GET /account-info/v3/details");
    let e = Error::Provider { provider: ProviderId::Notion, request: "POST /v1/search".into(), status: 529, message: "Notion is overloaded".into() };
    assert_eq!(e.to_string(), "Notion answered 529 (overloaded) to POST /v1/search: Notion is overloaded");
    let e = Error::TokenRequest { provider: ProviderId::Hubspot, request: "POST /oauth/2026-03/token".into(), status: Some(400), message: "refresh token is invalid (invalid_grant)".into() };
    assert_eq!(e.to_string(), "HubSpot answered 400 Bad Request to POST /oauth/2026-03/token: refresh token is invalid (invalid_grant)");
    let e = Error::RepeatedCursor { provider: ProviderId::Airtable, listing: "bases".into(), page: 3 };
    assert!(e.to_string().contains("page 3 of bases"), "{e}");
}

#[test]
fn a_body_that_is_not_json_and_json_of_another_shape_are_different_errors() {
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Page {
        results: Vec<u32>,
    }
    let not_json = crate::load::parse_page::<Page>(ProviderId::Notion, b"<html>busy</html>").unwrap_err();
    assert!(matches!(&not_json, Error::BadResponse { message, .. } if message.contains("not valid JSON")), "{not_json:?}");
    let cut = crate::load::parse_page::<Page>(ProviderId::Notion, b"{\"results\": [1, 2").unwrap_err();
    assert!(matches!(&cut, Error::BadResponse { message, .. } if message.contains("mid-way")), "{cut:?}");
    let shape = crate::load::parse_page::<Page>(ProviderId::Notion, b"{\"items\": []}").unwrap_err().in_request("POST /v1/search");
    assert!(matches!(&shape, Error::UnexpectedShape { .. }), "{shape:?}");
    assert!(shape.to_string().contains("POST /v1/search with JSON of an unexpected shape") && shape.to_string().contains("results"), "{shape}");
}
