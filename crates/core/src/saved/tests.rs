use super::*;
use crate::secret::{AccessToken, RefreshToken};

fn tokens(refresh: Option<&str>) -> TokenSet {
    TokenSet {
        access_token: AccessToken::new("at-1"),
        refresh_token: refresh.map(RefreshToken::new),
        expires_at: Some(Utc::now()),
        refresh_at: None,
        scopes: vec!["a".into(), "b".into()],
        account: Some(Account { id: "ws-1".into(), name: "Workspace".into() }),
    }
}

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tributary-saved-{tag}-{}-{}", std::process::id(), rand::random::<u32>()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test]
async fn a_connection_is_saved_listed_loaded_and_forgotten_with_no_secret_in_its_file() {
    let dir = temp_dir("roundtrip");
    let saved = SavedConnections::session_only(&dir);
    // Ids that no file name could hold are fine: the file name encodes them.
    let key = ConnectionKey::new(&FlowKey::new(ProviderId::Notion, "Org / A", "user?*").unwrap(), "ws-1").unwrap();
    saved.save(&key, &tokens(Some("rt-secret-1"))).await.unwrap();
    let listed = saved.list();
    assert_eq!(listed.len(), 1);
    assert_eq!((listed[0].org_id.as_str(), listed[0].account.as_deref(), listed[0].reconnect_needed), ("Org / A", Some("Workspace"), false));
    assert_eq!(listed[0].key().unwrap(), key);
    for file in std::fs::read_dir(dir.join("connections")).unwrap() {
        let text = std::fs::read_to_string(file.unwrap().path()).unwrap();
        assert!(!text.contains("rt-secret-1") && !text.contains("at-1"), "no token in a file of ours: {text}");
    }
    let back = saved.load(&key).await.unwrap().unwrap();
    assert_eq!(back.refresh_token.as_ref().map(|t| t.expose()), Some("rt-secret-1"));
    assert_eq!((back.access_token.expose(), back.scopes.len()), ("at-1", 2));
    saved.mark_reconnect_needed(&key).await.unwrap();
    assert!(saved.list()[0].reconnect_needed, "still listed, marked");
    assert!(saved.load(&key).await.unwrap().is_none(), "its tokens are gone");
    saved.forget(&key).await.unwrap();
    assert!(saved.list().is_empty() && saved.info(&key).unwrap().is_none());
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn a_damaged_file_is_skipped_and_a_token_too_long_for_an_entry_is_refused() {
    let dir = temp_dir("damaged");
    let saved = SavedConnections::session_only(&dir);
    std::fs::create_dir_all(dir.join("connections")).unwrap();
    std::fs::write(dir.join("connections/notion-broken.json"), "{not json").unwrap();
    let key = ConnectionKey::new(&FlowKey::new(ProviderId::Hubspot, "o", "u").unwrap(), "").unwrap();
    saved.save(&key, &tokens(None)).await.unwrap();
    assert_eq!(saved.list().len(), 1, "the damaged file hides nothing else");
    let mut huge = tokens(None);
    huge.access_token = AccessToken::new("x".repeat(3_000));
    assert!(matches!(saved.save(&key, &huge).await, Err(Error::CredentialStore(_))));
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn two_accounts_of_one_provider_are_kept_side_by_side_and_the_unnamed_one_keeps_its_old_names() {
    let dir = temp_dir("accounts");
    let saved = SavedConnections::session_only(&dir);
    let flow = FlowKey::new(ProviderId::Hubspot, "o", "u").unwrap();
    let (first, second, unnamed) =
        (ConnectionKey::new(&flow, "111").unwrap(), ConnectionKey::new(&flow, "222").unwrap(), ConnectionKey::new(&flow, "").unwrap());
    let mut a = tokens(Some("rt-a"));
    a.account = Some(Account { id: "111".into(), name: "Portal A".into() });
    let mut b = tokens(Some("rt-b"));
    b.account = Some(Account { id: "222".into(), name: "Portal B".into() });
    saved.save(&first, &a).await.unwrap();
    saved.save(&second, &b).await.unwrap();
    let listed: Vec<(String, Option<String>)> = saved.list().into_iter().map(|s| (s.account_id, s.account)).collect();
    assert_eq!(listed, vec![("111".into(), Some("Portal A".into())), ("222".into(), Some("Portal B".into()))]);
    assert_eq!(saved.load(&first).await.unwrap().unwrap().refresh_token.unwrap().expose(), "rt-a");
    assert_eq!(saved.load(&second).await.unwrap().unwrap().refresh_token.unwrap().expose(), "rt-b");
    assert_eq!(saved.load(&second).await.unwrap().unwrap().account.unwrap().name, "Portal B");
    // Entries saved before accounts were told apart are the unnamed account's, under their old names.
    assert!(saved.entry_name(&unnamed, "refresh").ends_with(":hubspot:o:u:refresh"));
    assert!(saved.entry_name(&first, "refresh").ends_with(":hubspot:o:u:111:refresh"));
    saved.forget(&first).await.unwrap();
    assert!(saved.load(&first).await.unwrap().is_none());
    assert!(saved.load(&second).await.unwrap().is_some(), "forgetting one account leaves the other");
    assert!(ConnectionKey::new(&flow, "a:b").is_err(), "an account id cannot break an entry name");
    std::fs::remove_dir_all(dir).unwrap();
}
