use super::*;

#[test]
fn keys_follow_the_seed() {
    assert_eq!(key(KeyKind::State, ProviderId::Hubspot, "TestOrg", "TestUser"), "hubspot_state:TestOrg:TestUser");
    assert_eq!(key(KeyKind::Verifier, ProviderId::Airtable, "o", "u"), "airtable_verifier:o:u");
    assert_eq!(key(KeyKind::Credentials, ProviderId::Notion, "o", "u"), "notion_credentials:o:u");
}
