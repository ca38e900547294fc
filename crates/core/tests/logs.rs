//! At the most verbose level, a full sign-in, take, refresh and failed exchange for every
//! provider leave no token, code or verifier in the logs.

mod common;

use tributary_core::oauth::CallbackError;

use std::future::pending;
use std::io::Write;
use std::sync::{Arc, Mutex};

use common::*;
use tributary_core::store::KeyKind;
use tributary_core::ProviderId;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn no_secret_reaches_the_logs_at_trace_level() {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing_subscriber::fmt()
        .with_env_filter("trace")
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .init();

    let sb = sandbox(|_| {}).await;
    let core = core(&sb, StoreKind::Redis).await;
    let mut secrets: Vec<String> = Vec::new();
    for p in ProviderId::ALL {
        let key = new_key(p);
        let delivered = Arc::new(Mutex::new(None));
        let d = delivered.clone();
        core.connect_via_loopback(
            &key,
            |url| {
                let url = url.clone();
                *d.lock().unwrap() = Some(browse(&url, Browser::Approve));
                Ok(())
            },
            pending(),
        )
        .await
        .unwrap();
        let handle = delivered.lock().unwrap().take().unwrap();
        let callback = handle.await.unwrap().unwrap();
        secrets.push(query(&callback, "code").unwrap());
        let creds: tributary_core::oauth::token::TokenSet =
            serde_json::from_str(&core.store().get(&key.store_key(KeyKind::Credentials)).await.unwrap().unwrap()).unwrap();
        secrets.push(creds.access_token.expose().to_string());
        secrets.extend(creds.refresh_token.as_ref().map(|t| t.expose().to_string()));
        let summary = core.take_credentials(&key).await.unwrap();
        let connection = core.connection(&tributary_core::ConnectionKey::new(&key, &summary.account_id).unwrap()).unwrap();
        connection.refresh().await.unwrap();
        let fresh = connection.access_token().await.unwrap();
        secrets.push(fresh.expose().to_string());

        // A deep-link sign-in whose verifier we read (the loopback one is the same code path),
        // and whose callback is then replayed (fails, and the failure is logged).
        let key = new_key(p);
        let request = core.begin_deep_link(&key).await.unwrap();
        if let Some(v) = core.store().get(&key.store_key(KeyKind::Verifier)).await.unwrap() {
            secrets.push(v);
        }
        let callback = consent_redirect(&request.url, true).await.unwrap();
        secrets.push(query(&callback, "code").unwrap());
        core.complete_deep_link(&callback).await.map_err(CallbackError::into_error).unwrap();
        let _ = core.complete_deep_link(&callback).await.map_err(CallbackError::into_error).unwrap_err();
    }
    for p in ProviderId::ALL {
        secrets.push(sb.config().clients.get(p).client_secret.clone().unwrap_or_default());
    }

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("sign-in completed"), "the logs were captured");
    assert!(logs.contains("TRACE") || logs.contains("DEBUG"), "verbose levels were on");
    for s in secrets.iter().filter(|s| !s.is_empty()) {
        assert!(!logs.contains(s.as_str()), "a secret reached the logs: {}…", &s[..6.min(s.len())]);
    }
}
