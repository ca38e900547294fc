use super::*;
use crate::secret::{AccessToken, RefreshToken};

fn tokens(refresh: Option<&str>) -> TokenSet {
    TokenSet {
        access_token: AccessToken::new("at-1"),
        refresh_token: refresh.map(RefreshToken::new),
        expires_at: Some(Utc::now()),
        refresh_at: None,
        scopes: vec!["a".into(), "b".into()],
        account: Some("Workspace".into()),
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
    let key = FlowKey::new(ProviderId::Notion, "Org / A", "user?*").unwrap();
    saved.save(&key, &tokens(Some("rt-secret-1"))).await.unwrap();
    let listed = saved.list();
    assert_eq!(listed.len(), 1);
    assert_eq!((listed[0].org_id.as_str(), listed[0].account.as_deref(), listed[0].reconnect_needed), ("Org / A", Some("Workspace"), false));
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
    let key = FlowKey::new(ProviderId::Hubspot, "o", "u").unwrap();
    saved.save(&key, &tokens(None)).await.unwrap();
    assert_eq!(saved.list().len(), 1, "the damaged file hides nothing else");
    let mut huge = tokens(None);
    huge.access_token = AccessToken::new("x".repeat(3_000));
    assert!(matches!(saved.save(&key, &huge).await, Err(Error::CredentialStore(_))));
    std::fs::remove_dir_all(dir).unwrap();
}
