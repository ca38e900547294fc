//! The loopback listener binds loopback addresses only, answers the browser, and ignores
//! requests that are not callbacks. (Tests send traffic to loopback only.)

mod common;

use std::future::pending;
use std::time::Duration;

use tributary_core::oauth::{CallbackError, LoopbackListener};
use tributary_core::Error;

#[tokio::test]
async fn binds_only_loopback_addresses() {
    let listener = LoopbackListener::bind(0).await.unwrap();
    let addrs = listener.local_addrs().to_vec();
    assert!(!addrs.is_empty());
    for a in &addrs {
        assert!(a.ip().is_loopback(), "{a} is not a loopback address");
        assert_eq!(a.port(), listener.port());
    }
    assert!(addrs.iter().any(|a| a.is_ipv4()), "127.0.0.1 is always bound");
}

#[tokio::test]
async fn a_fixed_port_in_use_is_a_clear_error() {
    let first = LoopbackListener::bind(0).await.unwrap();
    let err = LoopbackListener::bind(first.port()).await.err().expect("the port is taken");
    assert!(matches!(err, Error::Listener { port, .. } if port == first.port()));
}

#[tokio::test]
async fn answers_the_browser_with_the_outcome_and_ignores_other_paths() {
    let listener = LoopbackListener::bind(0).await.unwrap();
    let port = listener.port();
    let browser = tokio::spawn(async move {
        let favicon = reqwest::get(format!("http://127.0.0.1:{port}/favicon.ico")).await.unwrap();
        assert_eq!(favicon.status(), 404);
        let no_params = reqwest::get(format!("http://127.0.0.1:{port}/callback")).await.unwrap();
        assert_eq!(no_params.status(), 404);
        reqwest::get(format!("http://127.0.0.1:{port}/callback?code=c&state=s")).await.unwrap()
    });
    let got = listener
        .serve_one(Duration::from_secs(10), pending(), |url| async move {
            assert_eq!(url.path(), "/callback");
            let key = tributary_core::FlowKey::new(tributary_core::ProviderId::Airtable, "o", "u").unwrap();
            Err::<(), _>(CallbackError::Failed { key, error: Error::AccessDenied { provider: tributary_core::ProviderId::Airtable, description: None } })
        })
        .await;
    assert!(matches!(got, Err(Error::AccessDenied { .. })));
    let page = browser.await.unwrap();
    assert_eq!(page.status(), 400);
    let text = page.text().await.unwrap();
    assert!(text.contains("Sign-in failed") && text.contains("denied"), "{text}");
    // Closed after one callback.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(reqwest::get(format!("http://127.0.0.1:{port}/callback?code=c&state=s")).await.is_err());
}
