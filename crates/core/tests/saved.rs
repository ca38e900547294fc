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
use tributary_core::{ConnectionKey, Core, Error, FlowKey, ProviderId, Settings};
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
fn entries_left(core: &Core, key: &ConnectionKey) -> Vec<String> {
    core.credential_entries(key)
        .into_iter()
        .filter(|name| keyring::v1::Entry::new(APP_ID, name).and_then(|e| e.get_password()).is_ok())
        .collect()
}

/// Signs in to the sandbox's first account: the connection made.
async fn sign_in(core: &Core, flow: &FlowKey) -> ConnectionKey {
    sign_in_to(core, flow, 0).await
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
        let key = sign_in(&first, &new_key(ProviderId::Airtable)).await;
        assert!(core_in(&sb, &data).resume(&key).await.unwrap().is_none(), "nothing survives without a credential store");
        return;
    }
    // Airtable rotates both tokens on every refresh: the saved pair must follow.
    let key = sign_in(&first, &new_key(ProviderId::Airtable)).await;
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
    let key = sign_in(&first, &new_key(ProviderId::Hubspot)).await;
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
    let flow = new_key(ProviderId::Notion);
    let key = sign_in(&a, &flow).await;
    assert_eq!(sign_in(&b, &flow).await, key);
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

#[tokio::test]
async fn two_accounts_of_one_provider_are_connected_loaded_and_disconnected_side_by_side() {
    use tributary_core::library::RowsQuery;
    let sb = sandbox(|c| c.dataset = PerProvider::all(ITEMS)).await;
    let data = temp_data_dir();
    let core = core_in(&sb, &data);
    if !core.keeps_connections() {
        assert!(!expect_keyring(), "the test command's Secret Service answers");
        return;
    }
    for p in ProviderId::ALL {
        // One user of one organisation signs in to two accounts (two portals, two Airtable
        // users, two workspaces): two connections, the second beside the first.
        let flow = new_key(p);
        let first = sign_in_to(&core, &flow, 0).await;
        let second = sign_in_to(&core, &flow, 1).await;
        assert!(!first.account.is_empty() && !second.account.is_empty(), "{p}: the sign-in names its account");
        assert_ne!(first, second, "{p}");
        let state = core.saved_connections_of(&flow).await.unwrap();
        assert_eq!(state.accounts.len(), 2, "{p}");
        assert!(state.accounts.iter().all(|a| a.summary.is_some() && a.account.is_some() && !a.reconnect_needed), "{p}: {:?}", state.accounts);
        assert_eq!(entries_left(&core, &first).len() + entries_left(&core, &second).len(), 4, "{p}: each its own entries");

        // Each loads its own account's items into the library, keyed by account.
        let quiet: tributary_core::load::ProgressFn = std::sync::Arc::new(|_| {});
        let a = core.load_items(&first, quiet.clone(), true).await.unwrap();
        let b = core.load_items(&second, quiet.clone(), true).await.unwrap();
        assert!(a.items.len() >= ITEMS && a.items.len() == b.items.len(), "{p}: every item of each (and HubSpot's folders)");
        assert_ne!(a.items.iter().map(|i| &i.name).collect::<Vec<_>>(), b.items.iter().map(|i| &i.name).collect::<Vec<_>>(), "{p}");
        let rows = |connections: Vec<ConnectionKey>| core.library_rows(RowsQuery { connections, limit: 5, ..Default::default() });
        assert_eq!(rows(vec![first.clone()]).await.unwrap().total, a.items.len(), "{p}");
        let both = rows(vec![first.clone(), second.clone()]).await.unwrap();
        assert_eq!(both.total, a.items.len() + b.items.len(), "{p}: searched together");

        // A one-off load must be told which account; named, it uses that one.
        let none = || async { panic!("no sign-in: both are saved") };
        let err = core.connect_for_load(&flow, None, None, none).await.unwrap_err();
        assert!(err.to_string().contains(&first.account) && err.to_string().contains(&second.account), "{err}");
        let (chosen, _, _) = core.connect_for_load(&flow, Some(&second.account), None, none).await.unwrap();
        assert_eq!(chosen, second);

        // A restart finds both, with their items, asking no provider.
        let before = sb.stats(p);
        let next = core_in(&sb, &data);
        assert_eq!(next.saved_connections_of(&flow).await.unwrap().accounts.len(), 2, "{p}");
        assert_eq!(next.stored_items(&second).await.unwrap().unwrap().loaded.items, b.items, "{p}");
        assert_eq!(sb.stats(p).api_requests, before.api_requests, "{p}");

        // Disconnecting one account leaves the other, its tokens and its items.
        next.disconnect(&first).await.unwrap();
        assert!(entries_left(&next, &first).is_empty(), "{p}");
        assert_eq!(entries_left(&next, &second).len(), 2, "{p}");
        assert!(next.stored_items(&first).await.unwrap().is_none(), "{p}");
        assert_eq!(next.stored_items(&second).await.unwrap().unwrap().loaded.items.len(), b.items.len(), "{p}");
        let left = next.saved_connections_of(&flow).await.unwrap().accounts;
        assert_eq!(left.iter().map(|a| a.account_id.as_str()).collect::<Vec<_>>(), vec![second.account.as_str()], "{p}");
        next.disconnect(&second).await.unwrap();
    }
    std::fs::remove_dir_all(&data).ok();
}
