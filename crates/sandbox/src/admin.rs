//! `/_sandbox/*`: control endpoints, so a test or a user in another process can inject faults,
//! revoke or expire tokens, and read counters.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;

use crate::changes::Change;
use crate::config::ProviderId;
use crate::faults::ArmedFault;
use crate::SandboxState;

pub(crate) fn router(provider: ProviderId, state: Arc<SandboxState>) -> Router {
    Router::new()
        .route(
            "/_sandbox/faults",
            get(move |s: State<Arc<SandboxState>>| async move { Json(s.faults.armed(provider)) })
                .post(move |s: State<Arc<SandboxState>>, Json(f): Json<ArmedFault>| async move {
                    s.faults.arm(provider, f);
                    StatusCode::NO_CONTENT
                })
                .delete(move |s: State<Arc<SandboxState>>| async move {
                    s.faults.clear(provider);
                    StatusCode::NO_CONTENT
                }),
        )
        .route(
            "/_sandbox/revoke-tokens",
            post(move |s: State<Arc<SandboxState>>| async move {
                s.grants.revoke_all(provider);
                StatusCode::NO_CONTENT
            }),
        )
        .route(
            "/_sandbox/expire-access-tokens",
            post(move |s: State<Arc<SandboxState>>| async move {
                s.grants.expire_access_tokens(provider);
                StatusCode::NO_CONTENT
            }),
        )
        .route(
            "/_sandbox/changes",
            post(move |s: State<Arc<SandboxState>>, Json(c): Json<Change>| async move {
                Json((crate::providers::spec(provider).change)(s.account(0), c))
            }),
        )
        .route("/_sandbox/stats", get(move |s: State<Arc<SandboxState>>| async move { stats(&s, provider) }))
        .with_state(state)
}

fn stats(state: &SandboxState, provider: ProviderId) -> Response {
    let s = state.counters.get(provider).snapshot();
    Json(json!({
        "provider": provider,
        "items": state.config.dataset.get(provider),
        "stats": s,
    }))
    .into_response()
}
