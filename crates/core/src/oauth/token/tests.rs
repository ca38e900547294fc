use super::*;
use crate::provider::ProviderId;
use serde_json::json;

#[test]
fn reads_each_providers_token_response() {
    let hs = ProviderSettings::defaults(ProviderId::Hubspot);
    let t = TokenSet::from_response(&hs, &json!({"access_token": "a", "refresh_token": "r", "expires_in": 1800, "hub_id": 42, "scopes": ["oauth"]})).unwrap();
    assert_eq!(t.account, Some(Account { id: "42".into(), name: "HubSpot account 42".into() }));
    assert_eq!(t.scopes, vec!["oauth"]);
    let lifetime = t.expires_at.unwrap() - t.refresh_at.unwrap();
    assert_eq!(lifetime.num_seconds(), 180, "refresh a tenth of the lifetime early");

    let nt = ProviderSettings::defaults(ProviderId::Notion);
    let t = TokenSet::from_response(&nt, &json!({"access_token": "a", "refresh_token": null, "workspace_id": "w-1", "workspace_name": "Acme"})).unwrap();
    assert_eq!((t.expires_at, t.refresh_token.is_none()), (None, true));
    assert_eq!(t.account, Some(Account { id: "w-1".into(), name: "Acme".into() }));
    let t = TokenSet::from_response(&nt, &json!({"access_token": "a", "workspace_name": "Acme"})).unwrap();
    assert_eq!(t.account, None, "a workspace without an id names no account");
    assert!(!t.needs_refresh(Utc::now()));

    assert!(TokenSet::from_response(&nt, &json!({"token": "x"})).is_err());
}
