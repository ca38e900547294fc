use super::*;

#[test]
fn flow_keys_refuse_ambiguous_ids() {
    assert!(FlowKey::new(ProviderId::Notion, "org", "user").is_ok());
    assert!(FlowKey::new(ProviderId::Notion, "a:b", "user").is_err());
    assert!(FlowKey::new(ProviderId::Notion, "org", " ").is_err());
    assert!(FlowKey::new(ProviderId::Notion, "org", &"u".repeat(129)).is_err());
}
