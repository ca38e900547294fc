//! The loopback listener binds loopback addresses only, answers the browser, and ignores
//! requests that are not callbacks. (Tests send traffic to loopback only.)

mod common;

use std::future::pending;
use std::time::Duration;

use tributary_core::oauth::loopback::LoopbackLimits;
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

#[tokio::test]
async fn idle_and_slow_connections_are_closed_and_a_flood_never_locks_out_the_callback() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;
    let limits = LoopbackLimits { header_read: Duration::from_millis(400), max_connections: 8, completion: Duration::from_secs(5) };
    let listener = LoopbackListener::bind_with(0, limits).await.unwrap();
    let port = listener.port();
    let client = tokio::spawn(async move {
        // An idle connection and one that sends its header a byte at a time are both closed.
        let mut idle = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        let mut slow = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        let drip = tokio::spawn(async move {
            for b in b"GET /callback?state=s HTTP/1.1\r\nHost: localhost\r\n" {
                if slow.write_all(&[*b]).await.is_err() {
                    return true;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            let mut buf = [0u8; 64];
            matches!(tokio::time::timeout(Duration::from_secs(3), slow.read(&mut buf)).await, Ok(Ok(0) | Err(_)))
        });
        let mut buf = [0u8; 64];
        let closed = tokio::time::timeout(Duration::from_secs(3), idle.read(&mut buf)).await;
        assert!(matches!(closed, Ok(Ok(0) | Err(_))), "an idle connection is closed: {closed:?}");
        assert!(drip.await.unwrap(), "a header dripped byte by byte is cut off");
        // A flood of idle connections, well past the cap, held open.
        let mut flood = Vec::new();
        for _ in 0..40 {
            flood.push(TcpStream::connect(("127.0.0.1", port)).await.unwrap());
        }
        let page = reqwest::get(format!("http://127.0.0.1:{port}/callback?code=c&state=s")).await.unwrap();
        drop(flood);
        page.status().as_u16()
    });
    let got = listener.serve_one(Duration::from_secs(20), pending(), |_| async { Ok::<_, CallbackError>(()) }).await;
    assert!(got.is_ok(), "{got:?}");
    assert_eq!(client.await.unwrap(), 200, "the genuine callback got through");
}

#[tokio::test]
async fn the_browser_hears_how_a_slow_completion_ended() {
    let limits = LoopbackLimits { completion: Duration::from_millis(500), ..LoopbackLimits::default() };
    let listener = LoopbackListener::bind_with(0, limits).await.unwrap();
    let port = listener.port();
    let browser = tokio::spawn(async move {
        let page = reqwest::get(format!("http://127.0.0.1:{port}/callback?code=c&state=s")).await.unwrap();
        (page.status().as_u16(), page.text().await.unwrap())
    });
    // A completion that never ends is given up at the limit; the page says so, and the wait
    // goes on (the callback was never proven genuine), until the sign-in times out.
    let got = listener
        .serve_one(Duration::from_secs(2), pending(), |_| async {
            pending::<()>().await;
            Ok::<_, CallbackError>(())
        })
        .await;
    assert!(matches!(got, Err(Error::TimedOut(_))), "{got:?}");
    let (status, text) = browser.await.unwrap();
    assert_eq!(status, 400);
    assert!(text.contains("within 0 s") || text.contains("could not be checked"), "{text}");
}
