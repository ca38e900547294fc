//! Connections that survive a restart, against the machine's real credential store (the test
//! command starts a Secret Service, gnome-keyring, in its D-Bus session and sets
//! `TRIBUTARY_EXPECT_KEYRING=1`, so there these tests prove the real thing; elsewhere, without a
//! credential store, they prove the session-only fallback).

mod common;

use std::path::Path;

use common::*;
use tributary_core::config::{CredentialStoreChoice, APP_ID};
use tributary_core::load::{Cancel, LoadOptions};
use tributary_core::store::Store;
use tributary_core::{Core, Error, FlowKey, ProviderId, Settings};
use tributary_sandbox::{PerProvider, Sandbox};

const ITEMS: usize = 200;

/// A core on the system credential store, keeping its files in `data_dir`.
fn core_in(sb: &Sandbox, data_dir: &Path) -> Core {
    let mut settings: Settings = settings_for(sb);
    settings.credential_store = CredentialStoreChoice::System;
    settings.data_dir = data_dir.to_path_buf();
    Core::with_store(settings, futures::executor::block_on(Store::open(None)).unwrap()).unwrap()
}

fn expect_keyring() -> bool {
    std::env::var("TRIBUTARY_EXPECT_KEYRING").is_ok_and(|v| v == "1")
}

/// The credential-store entries of a connection that still exist.
fn entries_left(core: &Core, key: &FlowKey) -> Vec<String> {
    core.credential_entries(key)
        .into_iter()
        .filter(|name| keyring::v1::Entry::new(APP_ID, name).and_then(|e| e.get_password()).is_ok())
        .collect()
}

async fn sign_in(core: &Core, key: &FlowKey) {
    let callback = approved_deep_link(core, key).await;
    core.complete_deep_link(&callback).await.map_err(tributary_core::oauth::CallbackError::into_error).unwrap();
    core.take_credentials(key).await.unwrap();
}

fn options() -> LoadOptions {
    fast_options()
}

#[tokio::test]
async fn a_connection_survives_a_restart_its_rotated_tokens_too_and_disconnect_leaves_nothing() {
    let sb = sandbox(|c| c.dataset = PerProvider::all(ITEMS)).await;
    let data = temp_data_dir();
    let first = core_in(&sb, &data);
    if expect_keyring() {
        assert!(first.keeps_connections(), "the test command's Secret Service answers");
    }
    if !first.keeps_connections() {
        // No credential store here: connections last for the session, and nothing is written.
        let key = new_key(ProviderId::Airtable);
        sign_in(&first, &key).await;
        assert!(core_in(&sb, &data).resume(&key).await.unwrap().is_none(), "nothing survives without a credential store");
        return;
    }
    // Airtable rotates both tokens on every refresh: the saved pair must follow.
    let key = new_key(ProviderId::Airtable);
    sign_in(&first, &key).await;
    assert_eq!(entries_left(&first, &key).len(), 2, "one entry per token");
    drop(first);

    // A restart: the connection is listed without asking the provider.
    let before = sb.stats(ProviderId::Airtable);
    let second = core_in(&sb, &data);
    let listed = second.saved_connections();
    let saved = listed.iter().find(|c| c.key().unwrap() == key).expect("listed after a restart");
    assert!(!saved.reconnect_needed && !saved.scopes.is_empty());
    assert_eq!(sb.stats(ProviderId::Airtable), before, "listing asks no provider");
    // Its first use refreshes (the access token expired meanwhile) and saves the new pair
    // before using it.
    sb.expire_access_tokens(ProviderId::Airtable);
    let loaded = second.load(&key, options(), None, Cancel::new()).await.unwrap();
    assert_eq!(loaded.items.len(), ITEMS);
    assert!(sb.stats(ProviderId::Airtable).token_requests > before.token_requests, "it refreshed");
    drop(second);

    // Another restart uses the rotated pair (the old refresh token is dead: presenting it
    // would revoke the grant).
    let third = core_in(&sb, &data);
    sb.expire_access_tokens(ProviderId::Airtable);
    assert_eq!(third.load(&key, options(), None, Cancel::new()).await.unwrap().items.len(), ITEMS);

    // Disconnect leaves no entry and no file behind.
    third.disconnect(&key).await.unwrap();
    assert!(entries_left(&third, &key).is_empty(), "{:?}", entries_left(&third, &key));
    assert!(third.saved_connections().iter().all(|c| c.key().unwrap() != key));
    assert!(core_in(&sb, &data).resume(&key).await.unwrap().is_none());
    std::fs::remove_dir_all(&data).ok();
}

#[tokio::test]
async fn a_refused_refresh_marks_the_saved_connection_reconnect_needed() {
    let sb = sandbox(|c| c.dataset = PerProvider::all(ITEMS)).await;
    let data = temp_data_dir();
    let first = core_in(&sb, &data);
    if !first.keeps_connections() {
        assert!(!expect_keyring(), "the test command's Secret Service answers");
        return;
    }
    let key = new_key(ProviderId::Hubspot);
    sign_in(&first, &key).await;
    drop(first);
    // The user removed the app in HubSpot: the next refresh is refused.
    sb.revoke_all_tokens(ProviderId::Hubspot);
    let second = core_in(&sb, &data);
    let err = second.load(&key, options(), None, Cancel::new()).await.unwrap_err();
    assert!(matches!(err, Error::ReconnectNeeded { .. }), "{err:?}");
    let saved = second.saved_connections().into_iter().find(|c| c.key().unwrap() == key).expect("still listed");
    assert!(saved.reconnect_needed, "marked, not forgotten");
    assert!(entries_left(&second, &key).is_empty(), "its dead tokens are dropped");
    assert!(core_in(&sb, &data).resume(&key).await.unwrap().is_none(), "a reconnect is needed");
    second.disconnect(&key).await.unwrap();
    assert!(second.saved_connections().iter().all(|c| c.key().unwrap() != key));
    std::fs::remove_dir_all(&data).ok();
}

#[tokio::test]
async fn two_data_folders_never_share_a_connections_tokens() {
    let sb = sandbox(|c| c.dataset = PerProvider::all(ITEMS)).await;
    let (one, two) = (temp_data_dir(), temp_data_dir());
    let (a, b) = (core_in(&sb, &one), core_in(&sb, &two));
    if !a.keeps_connections() {
        assert!(!expect_keyring(), "the test command's Secret Service answers");
        return;
    }
    // The same provider, organisation and user in two profiles (or a test beside the app).
    let key = new_key(ProviderId::Notion);
    sign_in(&a, &key).await;
    sign_in(&b, &key).await;
    assert_ne!(a.credential_entries(&key), b.credential_entries(&key));
    b.disconnect(&key).await.unwrap();
    assert!(entries_left(&b, &key).is_empty());
    assert_eq!(entries_left(&a, &key).len(), 2, "the other folder's tokens are untouched");
    assert_eq!(core_in(&sb, &one).load(&key, options(), None, Cancel::new()).await.unwrap().items.len(), ITEMS);
    a.disconnect(&key).await.unwrap();
}

#[tokio::test]
async fn processes_starting_at_once_all_find_the_credential_store() {
    if !expect_keyring() {
        return; // only the test command's Secret Service can say whether the store answers
    }
    let sb = sandbox(|c| c.dataset = PerProvider::all(ITEMS)).await;
    let dirs: Vec<_> = (0..8).map(|_| temp_data_dir()).collect();
    // Each start probes the store (an entry written, read back and removed); eight at once must
    // not take each other's probe for a store that does not answer.
    let kept: Vec<bool> = std::thread::scope(|s| {
        let starts: Vec<_> = dirs.iter().map(|d| s.spawn(|| core_in(&sb, d).keeps_connections())).collect();
        starts.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(kept.iter().all(|k| *k), "{kept:?}");
    for d in dirs {
        std::fs::remove_dir_all(d).ok();
    }
}
