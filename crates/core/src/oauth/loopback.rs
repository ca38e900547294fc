//! The loopback listener of RFC 8252 §7.3: bound to 127.0.0.1 and ::1 only, on the fixed port
//! registered with the providers, serving one sign-in's callback. It answers the browser once
//! the sign-in has completed (or failed), then closes; a timeout or a cancel closes it too.

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use axum::extract::State;
use axum::http::Uri;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot, watch};
use url::Url;

use super::callback::CallbackParams;
use crate::error::{Error, Result};

type Delivery = (Url, oneshot::Sender<std::result::Result<(), String>>);

pub struct LoopbackListener {
    port: u16,
    addrs: Vec<SocketAddr>,
    callbacks: mpsc::Receiver<Delivery>,
    shutdown: watch::Sender<bool>,
}

impl LoopbackListener {
    /// Binds `127.0.0.1:port` and, where the machine has IPv6, `[::1]:port`: a browser may
    /// resolve `localhost` to either. Never binds a non-loopback address.
    pub async fn bind(port: u16) -> Result<LoopbackListener> {
        let v4 = TcpListener::bind(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port))
            .await
            .map_err(|e| Error::Listener { port, message: e.to_string() })?;
        let port = v4.local_addr().map_err(|e| Error::Listener { port, message: e.to_string() })?.port();
        let mut listeners = vec![v4];
        match TcpListener::bind(SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), port)).await {
            Ok(v6) => listeners.push(v6),
            // A machine without IPv6 loopback resolves localhost to 127.0.0.1 only.
            Err(e) => tracing::debug!(port, error = %e, "no IPv6 loopback listener"),
        }
        let addrs = listeners.iter().filter_map(|l| l.local_addr().ok()).collect();
        let (tx, callbacks) = mpsc::channel::<Delivery>(4);
        let (shutdown, _) = watch::channel(false);
        for listener in listeners {
            let app = Router::new().route("/callback", get(receive)).with_state((tx.clone(), port));
            let mut stop = shutdown.subscribe();
            tokio::spawn(async move {
                let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
                    let _ = stop.wait_for(|s| *s).await;
                });
                if let Err(e) = serve.await {
                    tracing::warn!(error = %e, "loopback listener stopped");
                }
            });
        }
        tracing::debug!(port, "loopback listener ready");
        Ok(LoopbackListener { port, addrs, callbacks, shutdown })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The addresses actually bound (all loopback).
    pub fn local_addrs(&self) -> &[SocketAddr] {
        &self.addrs
    }

    /// Waits for the callback, hands it to `complete`, shows the browser the outcome, and
    /// closes. A callback that does not belong to this sign-in (its state is forged or someone
    /// else's) is answered with an error page and the wait goes on, so a stray request to the
    /// port cannot end the user's sign-in. Ends with `TimedOut` or `Cancelled` if no callback
    /// completes first.
    pub async fn serve_one<T, F, Fut>(
        mut self,
        timeout: Duration,
        cancelled: impl Future<Output = ()>,
        complete: F,
    ) -> Result<T>
    where
        F: Fn(Url) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let deadline = tokio::time::sleep(timeout);
        tokio::pin!(deadline);
        tokio::pin!(cancelled);
        loop {
            let delivery = tokio::select! {
                d = self.callbacks.recv() => d,
                _ = &mut deadline => { self.close(); return Err(Error::TimedOut(timeout)); }
                _ = &mut cancelled => { self.close(); return Err(Error::Cancelled); }
            };
            let Some((url, reply)) = delivery else {
                self.close();
                return Err(Error::Listener { port: self.port, message: "listener stopped".into() });
            };
            let outcome = complete(url).await;
            let _ = reply.send(outcome.as_ref().map(|_| ()).map_err(|e| e.to_string()));
            if matches!(outcome, Err(Error::StateMismatch)) {
                continue;
            }
            // Give the page a moment to reach the browser before the listener goes away.
            tokio::time::sleep(Duration::from_millis(50)).await;
            self.close();
            return outcome;
        }
    }

    fn close(&self) {
        let _ = self.shutdown.send(true);
    }
}

impl Drop for LoopbackListener {
    fn drop(&mut self) {
        self.close();
    }
}

async fn receive(
    State((tx, port)): State<(mpsc::Sender<Delivery>, u16)>,
    uri: Uri,
) -> Response {
    let Ok(url) = Url::parse(&format!("http://localhost:{port}{uri}")) else {
        return (StatusCode::BAD_REQUEST, "bad request").into_response();
    };
    if !CallbackParams::from_url(&url).is_callback() {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    }
    let (reply_tx, reply_rx) = oneshot::channel();
    if tx.send((url, reply_tx)).await.is_err() {
        return page(StatusCode::GONE, "This sign-in is no longer waiting", "Return to Tributary and start it again.");
    }
    match tokio::time::timeout(Duration::from_secs(60), reply_rx).await {
        Ok(Ok(Ok(()))) => page(StatusCode::OK, "Signed in", "You can close this tab and return to Tributary."),
        Ok(Ok(Err(message))) => page(StatusCode::BAD_REQUEST, "Sign-in failed", &message),
        _ => page(StatusCode::GATEWAY_TIMEOUT, "Sign-in did not finish", "Return to Tributary for details."),
    }
}

fn page(status: StatusCode, title: &str, text: &str) -> Response {
    let esc = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Tributary — {t}</title></head>\
         <body style=\"font-family:sans-serif;max-width:32rem;margin:4rem auto\"><h1>{t}</h1><p>{x}</p></body></html>",
        t = esc(title),
        x = esc(text)
    );
    (status, Html(body)).into_response()
}
