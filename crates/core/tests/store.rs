//! The store contract, run against the embedded store and a real redis-server, and what a user
//! sees when Redis goes away and comes back.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use tributary_core::store::{Store, StoreError};

fn unique(name: &str) -> String {
    format!("test_{name}:{:?}:{}", Instant::now(), std::process::id())
}

#[tokio::test]
async fn put_get_take_delete_behave_the_same_on_both_stores() {
    for kind in STORES {
        let store = open_store(kind).await;
        let k = unique("basic");
        assert_eq!(store.get(&k).await.unwrap(), None, "{kind:?}");
        store.put(&k, "one", Duration::from_secs(60)).await.unwrap();
        store.put(&k, "two", Duration::from_secs(60)).await.unwrap();
        assert_eq!(store.get(&k).await.unwrap().as_deref(), Some("two"), "{kind:?}: put replaces");
        assert_eq!(store.take(&k).await.unwrap().as_deref(), Some("two"), "{kind:?}");
        assert_eq!(store.take(&k).await.unwrap(), None, "{kind:?}: take is single-use");
        store.put(&k, "three", Duration::from_secs(60)).await.unwrap();
        store.delete(&k).await.unwrap();
        assert_eq!(store.get(&k).await.unwrap(), None, "{kind:?}");
    }
}

#[tokio::test]
async fn values_expire_after_their_ttl() {
    for kind in STORES {
        let store = open_store(kind).await;
        let k = unique("ttl");
        store.put(&k, "v", Duration::from_millis(150)).await.unwrap();
        assert!(store.get(&k).await.unwrap().is_some(), "{kind:?}");
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(store.get(&k).await.unwrap(), None, "{kind:?}");
        assert_eq!(store.take(&k).await.unwrap(), None, "{kind:?}");
    }
}

#[tokio::test]
async fn concurrent_takes_hand_a_value_out_once() {
    for kind in STORES {
        let store = Arc::new(open_store(kind).await);
        let k = unique("race");
        store.put(&k, "state", Duration::from_secs(60)).await.unwrap();
        let takers: Vec<_> = (0..16)
            .map(|_| {
                let (s, k) = (store.clone(), k.clone());
                tokio::spawn(async move { s.take(&k).await.unwrap() })
            })
            .collect();
        let mut won = 0;
        for t in takers {
            won += usize::from(t.await.unwrap().is_some());
        }
        assert_eq!(won, 1, "{kind:?}");
    }
}

#[tokio::test]
async fn redis_going_away_is_a_clear_error_and_recovers() {
    let mut server = RedisServer::start();
    let store = Store::open(Some(&server.url())).await.unwrap();
    let k = unique("outage");
    store.put(&k, "v", Duration::from_secs(60)).await.unwrap();

    server.stop();
    let started = Instant::now();
    let err = store.get(&k).await.expect_err("Redis is down");
    assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(10), "no hang: {:?}", started.elapsed());
    assert!(err.to_string().contains("Redis"), "says what to check: {err}");

    server.restart();
    // The connection manager reconnects by itself; allow it a few attempts.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match store.put(&k, "again", Duration::from_secs(60)).await {
            Ok(()) => break,
            Err(e) if Instant::now() < deadline => {
                let _ = e;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!("store did not recover: {e}"),
        }
    }
    assert_eq!(store.get(&k).await.unwrap().as_deref(), Some("again"));
}

#[tokio::test]
async fn an_unreachable_redis_at_start_is_reported_on_use_and_recovers() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("redis://127.0.0.1:{port}/");
    let store = Store::open(Some(&url)).await.expect("the app opens while Redis is down");
    let err = store.get("tributary_test_key").await.expect_err("nothing listens there");
    assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
    assert!(matches!(Store::open(Some("http://not-redis")).await, Err(StoreError::Unavailable(_))), "a malformed URL is refused at once");

    let server = RedisServer::start_on(port);
    store.put("tributary_test_key", "back", Duration::from_secs(60)).await.expect("works once Redis is up");
    assert_eq!(store.get("tributary_test_key").await.unwrap().as_deref(), Some("back"));
    drop(server);
}
