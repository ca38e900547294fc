//! The loopback listener of RFC 8252 §7.3: bound to 127.0.0.1 and ::1 only, on the fixed port
//! registered with the providers, serving one sign-in's callback. It answers the browser once
//! the sign-in has completed (or failed), then closes; a timeout or a cancel closes it too.

use std::collections::VecDeque;
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::http::Uri;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot, watch};
use tokio_util::sync::CancellationToken;
use url::Url;

use super::callback::CallbackParams;
use super::flow::CallbackError;
use crate::error::{Error, Operation, Result};
use crate::store::StoreError;

/// What the browser is told about its callback.
enum Reply {
    Completed,
    /// Refused; `retry` when reloading the page may work (the store could not be asked).
    Refused { message: String, retry: bool },
    Failed(String),
}

type Delivery = (Url, oneshot::Sender<Reply>);

/// How much the listener lets a connection cost. Any web page the user visits can send
/// requests to localhost, so the listener bounds them, without ever refusing a new connection:
/// past the cap the oldest connection that has not sent a whole request yet makes room.
#[derive(Debug, Clone, Copy)]
pub struct LoopbackLimits {
    /// A connection that has not sent its whole request head by then is closed.
    pub header_read: Duration,
    /// Open connections at most, per address.
    pub max_connections: usize,
    /// The longest a callback's completion (state checks, token exchange, storing the
    /// credentials) may take. The browser's page waits a little longer, so it always hears the
    /// outcome.
    pub completion: Duration,
}

impl Default for LoopbackLimits {
    fn default() -> Self {
        LoopbackLimits { header_read: Duration::from_secs(10), max_connections: 64, completion: Duration::from_secs(75) }
    }
}

pub struct LoopbackListener {
    port: u16,
    addrs: Vec<SocketAddr>,
    limits: LoopbackLimits,
    callbacks: mpsc::Receiver<Delivery>,
    shutdown: watch::Sender<bool>,
}

/// One open connection, as the cap sees it.
struct Open {
    id: u64,
    /// It has sent a whole request (it may be the genuine callback): evicted last.
    busy: Arc<AtomicBool>,
    close: CancellationToken,
}

#[derive(Default)]
struct Connections {
    open: Mutex<VecDeque<Open>>,
    next_id: AtomicU64,
}

impl Connections {
    /// Registers a new connection, closing the oldest idle one (else the oldest) past the cap.
    fn admit(&self, max: usize) -> (u64, Arc<AtomicBool>, CancellationToken) {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        while open.len() >= max.max(1) {
            let victim = open.iter().position(|c| !c.busy.load(Ordering::Relaxed)).unwrap_or(0);
            if let Some(c) = open.remove(victim) {
                c.close.cancel();
            }
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (busy, close) = (Arc::new(AtomicBool::new(false)), CancellationToken::new());
        open.push_back(Open { id, busy: busy.clone(), close: close.clone() });
        (id, busy, close)
    }

    fn remove(&self, id: u64) {
        self.open.lock().unwrap_or_else(|e| e.into_inner()).retain(|c| c.id != id);
    }
}

impl LoopbackListener {
    /// Binds `127.0.0.1:port` and, where the machine has IPv6, `[::1]:port`: a browser may
    /// resolve `localhost` to either. Never binds a non-loopback address.
    pub async fn bind(port: u16) -> Result<LoopbackListener> {
        LoopbackListener::bind_with(port, LoopbackLimits::default()).await
    }

    pub async fn bind_with(port: u16, limits: LoopbackLimits) -> Result<LoopbackListener> {
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
        // The browser waits a little longer than a completion may take, so it hears the outcome.
        let reply_wait = limits.completion + Duration::from_secs(5);
        let app = Router::new().route("/callback", get(receive)).with_state(Receiver { tx, port, reply_wait });
        for listener in listeners {
            tokio::spawn(accept(listener, app.clone(), limits, shutdown.subscribe()));
        }
        tracing::debug!(port, "loopback listener ready");
        Ok(LoopbackListener { port, addrs, limits, callbacks, shutdown })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The addresses actually bound (all loopback).
    pub fn local_addrs(&self) -> &[SocketAddr] {
        &self.addrs
    }

    /// Waits for the callback, hands it to `complete`, shows the browser the outcome, and
    /// closes. A callback `complete` refuses (forged, someone else's, unreadable, or the store
    /// could not be asked) is answered with an error page and the wait goes on: only the
    /// genuine callback, the user's cancel or the timeout end a sign-in. Ends with `TimedOut`
    /// or `Cancelled` if no callback completes first.
    pub async fn serve_one<T, F, Fut>(
        mut self,
        timeout: Duration,
        cancelled: impl Future<Output = ()>,
        complete: F,
    ) -> Result<T>
    where
        F: Fn(Url) -> Fut,
        Fut: Future<Output = std::result::Result<T, CallbackError>>,
    {
        let deadline = tokio::time::sleep(timeout);
        tokio::pin!(deadline);
        tokio::pin!(cancelled);
        loop {
            let delivery = tokio::select! {
                d = self.callbacks.recv() => d,
                _ = &mut deadline => { self.close(); return Err(Error::TimedOut(timeout)); }
                _ = &mut cancelled => { self.close(); return Err(Error::Cancelled(Operation::SignIn)); }
            };
            let Some((url, reply)) = delivery else {
                self.close();
                return Err(Error::Listener { port: self.port, message: "listener stopped".into() });
            };
            let limit = self.limits.completion;
            let outcome = match tokio::time::timeout(limit, complete(url)).await {
                Ok(outcome) => outcome,
                Err(_) => Err(CallbackError::Refused(Error::BadCallback(format!(
                    "the sign-in could not be checked within {} s",
                    limit.as_secs()
                )))),
            };
            match outcome {
                Err(CallbackError::Refused(e)) => {
                    let retry = matches!(e, Error::Store(StoreError::Unavailable(_)));
                    tracing::warn!(kind = e.kind(), "loopback callback refused; still waiting: {e}");
                    let _ = reply.send(Reply::Refused { message: e.to_string(), retry });
                    continue;
                }
                Err(CallbackError::Failed { error, .. }) => {
                    let _ = reply.send(Reply::Failed(error.to_string()));
                    self.linger().await;
                    return Err(error);
                }
                Ok(done) => {
                    let _ = reply.send(Reply::Completed);
                    self.linger().await;
                    return Ok(done);
                }
            }
        }
    }

    /// Gives the page a moment to reach the browser before the listener goes away.
    async fn linger(&self) {
        tokio::time::sleep(Duration::from_millis(50)).await;
        self.close();
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

/// Accepts connections until shutdown, each served for one request (no keep-alive), each
/// closed if its request head does not arrive in time, at most `max_connections` at once.
async fn accept(listener: TcpListener, app: Router, limits: LoopbackLimits, mut stop: watch::Receiver<bool>) {
    let connections = Arc::new(Connections::default());
    let stopping = CancellationToken::new();
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors and the like: wait a moment rather than spin.
                    tracing::debug!(error = %e, "loopback accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = async { let _ = stop.wait_for(|s| *s).await; } => break,
        };
        let (id, busy, close) = connections.admit(limits.max_connections);
        let (app, connections, stopping) = (app.clone(), connections.clone(), stopping.clone());
        tokio::spawn(async move {
            let seen = busy.clone();
            let service = hyper::service::service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
                seen.store(true, Ordering::Relaxed);
                let app = app.clone();
                async move { Ok::<_, std::convert::Infallible>(tower::ServiceExt::oneshot(app, request).await.into_response()) }
            });
            let connection = hyper::server::conn::http1::Builder::new().keep_alive(false).serve_connection(TokioIo::new(stream), service);
            // The one header-read bound, counted from the accept: a connection that has not
            // sent a whole request head by then (idle, or dripping bytes) is dropped.
            let idle = async {
                tokio::time::sleep(limits.header_read).await;
                if busy.load(Ordering::Relaxed) {
                    std::future::pending::<()>().await;
                }
            };
            tokio::select! {
                _ = connection => {}
                _ = idle => tracing::debug!("loopback connection closed: no request in time"),
                _ = close.cancelled() => tracing::debug!("loopback connection closed to make room"),
                _ = stopping.cancelled() => {}
            }
            connections.remove(id);
        });
    }
    stopping.cancel();
}

#[derive(Clone)]
struct Receiver {
    tx: mpsc::Sender<Delivery>,
    port: u16,
    reply_wait: Duration,
}

async fn receive(State(r): State<Receiver>, uri: Uri) -> Response {
    let Ok(url) = Url::parse(&format!("http://localhost:{}{uri}", r.port)) else {
        return (StatusCode::BAD_REQUEST, "bad request").into_response();
    };
    if !CallbackParams::from_url(&url).is_callback() {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    }
    let (reply_tx, reply_rx) = oneshot::channel();
    if r.tx.send((url, reply_tx)).await.is_err() {
        return page(StatusCode::GONE, "This sign-in is no longer waiting", "Return to Tributary and start it again.");
    }
    match tokio::time::timeout(r.reply_wait, reply_rx).await {
        Ok(Ok(Reply::Completed)) => page(StatusCode::OK, "Signed in", "You can close this tab and return to Tributary."),
        Ok(Ok(Reply::Refused { message, retry: true })) => page(
            StatusCode::SERVICE_UNAVAILABLE,
            "Tributary could not check this sign-in yet",
            &format!("{message}. Your sign-in is still waiting: reload this page to try again."),
        ),
        Ok(Ok(Reply::Refused { message, retry: false })) => page(
            StatusCode::BAD_REQUEST,
            "This sign-in link was refused",
            &format!("{message}. A sign-in in progress in Tributary is not affected."),
        ),
        Ok(Ok(Reply::Failed(message))) => page(StatusCode::BAD_REQUEST, "Sign-in failed", &message),
        Ok(Err(_)) => page(StatusCode::GONE, "This sign-in is no longer waiting", "Return to Tributary and start it again."),
        Err(_) => page(
            StatusCode::GATEWAY_TIMEOUT,
            "Sign-in did not finish",
            &format!("Tributary had no outcome within {} s. Return to Tributary for details.", r.reply_wait.as_secs()),
        ),
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
