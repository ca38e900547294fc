//! The providers' consent pages, and a client that answers them without a browser.
//!
//! GET on the authorize URL validates the request and renders an HTML page with Approve and Deny;
//! the page's form POSTs back to the same URL with the request's parameters in hidden fields,
//! which are validated again (never trusted). Approve redirects to `redirect_uri` with `code` and
//! `state`; Deny redirects with `error=access_denied`, or sends no callback where the provider
//! sends none. What each provider insists on is its spec's `consent` rules.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};
use url::Url;

use crate::config::{ClientRegistration, ProviderId};
use crate::providers::{spec, PkceRule};
use crate::http::{escape_html, html, unescape_html};
use crate::SandboxState;

pub(crate) fn routes(provider: ProviderId) -> Router<Arc<SandboxState>> {
    Router::new().route(
        &format!("/{}", spec(provider).authorize_path),
        get(move |s: State<Arc<SandboxState>>, q: Query<HashMap<String, String>>| show(s, q, provider))
            .post(move |s: State<Arc<SandboxState>>, f: Form<HashMap<String, String>>| decide(s, f, provider)),
    )
}

/// A validated authorize request.
struct AuthorizeRequest {
    redirect_uri: String,
    state: Option<String>,
    scopes: Vec<String>,
    code_challenge: Option<String>,
    /// Every parameter as received, echoed into the form's hidden fields.
    params: Vec<(String, String)>,
}

/// Whether a redirect URI is acceptable for a client: registered ones exactly, or with none
/// registered, a loopback `http` URI or a custom scheme (what a desktop app uses).
fn redirect_allowed(client: &ClientRegistration, uri: &str) -> bool {
    if !client.redirect_uris.is_empty() {
        return client.redirect_uris.iter().any(|r| r == uri);
    }
    match Url::parse(uri) {
        Ok(u) if u.scheme() == "http" => matches!(u.host_str(), Some("localhost" | "127.0.0.1" | "[::1]")),
        Ok(u) => u.scheme() != "https" && u.scheme().contains('.'),
        Err(_) => false,
    }
}

fn validate(state: &SandboxState, provider: ProviderId, p: &HashMap<String, String>) -> Result<AuthorizeRequest, String> {
    let client = state.config.clients.get(provider);
    let get = |k: &str| p.get(k).map(String::as_str).filter(|v| !v.is_empty());
    if get("client_id") != Some(client.client_id.as_str()) {
        return Err("Unknown client_id: this app is not registered with the provider.".into());
    }
    let redirect_uri = get("redirect_uri").ok_or("redirect_uri is required.")?;
    if !redirect_allowed(client, redirect_uri) {
        return Err(format!("redirect_uri `{redirect_uri}` is not registered for this app."));
    }
    let rules = &spec(provider).consent;
    if rules.requires_response_type && get("response_type") != Some("code") {
        return Err("response_type must be `code`.".into());
    }
    let scopes: Vec<String> = get("scope").unwrap_or_default().split_whitespace().map(String::from).collect();
    if rules.requires_scopes {
        let known = spec(provider).scopes;
        if scopes.is_empty() {
            return Err("scope is required.".into());
        }
        if let Some(bad) = scopes.iter().find(|s| !known.contains(&s.as_str())) {
            return Err(format!("Unknown scope `{bad}`."));
        }
    } else if get("owner") != Some("user") {
        // Providers that grant pages rather than scopes ask whose pages.
        return Err("owner must be `user`.".into());
    }
    let state_param = get("state").map(String::from);
    if rules.requires_state && state_param.is_none() {
        return Err("state is required.".into());
    }
    let challenge = get("code_challenge").map(String::from);
    let method = get("code_challenge_method");
    let code_challenge = match rules.pkce {
        PkceRule::Ignored => None,
        PkceRule::Required if challenge.is_none() => return Err("code_challenge is required (PKCE).".into()),
        _ if challenge.is_some() && method != Some("S256") => {
            return Err("code_challenge_method must be S256.".into());
        }
        _ => challenge,
    };
    if code_challenge.as_ref().is_some_and(|c| c.len() < 43 || c.len() > 128) {
        return Err("code_challenge must be 43 to 128 characters.".into());
    }
    let mut params: Vec<(String, String)> = p.iter().filter(|(k, _)| *k != "decision").map(|(k, v)| (k.clone(), v.clone())).collect();
    params.sort();
    Ok(AuthorizeRequest { redirect_uri: redirect_uri.into(), state: state_param, scopes, code_challenge, params })
}

fn error_page(provider: ProviderId, message: &str) -> Response {
    html(
        StatusCode::BAD_REQUEST,
        format!(
            "<!doctype html><html><head><title>{name} — authorization error</title></head><body>\
             <h1>{name} could not start authorization</h1><p id=\"error\" data-testid=\"consent-error\">{}</p></body></html>",
            escape_html(message),
            name = provider.display_name()
        ),
    )
}

async fn show(State(state): State<Arc<SandboxState>>, Query(q): Query<HashMap<String, String>>, provider: ProviderId) -> Response {
    let req = match validate(&state, provider, &q) {
        Ok(r) => r,
        Err(e) => return error_page(provider, &e),
    };
    let hidden: String = req
        .params
        .iter()
        .map(|(k, v)| format!("<input type=\"hidden\" name=\"{}\" value=\"{}\">\n", escape_html(k), escape_html(v)))
        .collect();
    let scopes: String = if req.scopes.is_empty() {
        "<li>Pages you choose to share</li>".into()
    } else {
        req.scopes.iter().map(|s| format!("<li>{}</li>", escape_html(s))).collect()
    };
    let name = provider.display_name();
    // Which account to connect, as providers ask for a portal or a workspace.
    let accounts: String = (0..state.accounts.len())
        .map(|n| format!("<option value=\"{n}\">{}</option>", escape_html(&(spec(provider).account_label)(state.account(n), n))))
        .collect();
    let body = format!(
        r#"<!doctype html>
<html><head><meta charset="utf-8"><title>{name} (sandbox) — authorize</title>
<style>body{{font-family:sans-serif;max-width:32rem;margin:3rem auto}} button{{font-size:1rem;padding:.5rem 1.5rem;margin-right:1rem}}</style>
</head><body>
<p><strong>Sandbox</strong>: a local stand-in for {name}. No real account is involved.</p>
<h1>Connect to {name}</h1>
<p>The app <code>{client}</code> asks for:</p>
<ul>{scopes}</ul>
<form id="consent" method="post" action="">
<p><label for="account">Account</label> <select name="account" id="account" data-testid="account">{accounts}</select></p>
{hidden}<button type="submit" name="decision" value="approve" id="approve" data-testid="approve">Approve</button>
<button type="submit" name="decision" value="deny" id="deny" data-testid="deny">Deny</button>
</form>
</body></html>
"#,
        client = escape_html(q.get("client_id").map(String::as_str).unwrap_or_default()),
    );
    html(StatusCode::OK, body)
}

async fn decide(State(state): State<Arc<SandboxState>>, Form(form): Form<HashMap<String, String>>, provider: ProviderId) -> Response {
    let req = match validate(&state, provider, &form) {
        Ok(r) => r,
        Err(e) => return error_page(provider, &e),
    };
    let client_id = &state.config.clients.get(provider).client_id;
    let mut target = match Url::parse(&req.redirect_uri) {
        Ok(u) => u,
        Err(_) => return error_page(provider, "redirect_uri is not a URL."),
    };
    let account = match form.get("account").map(|a| a.parse::<usize>()) {
        None => 0,
        Some(Ok(n)) if n < state.accounts.len() => n,
        Some(_) => return error_page(provider, "account is not one of this user's accounts."),
    };
    match form.get("decision").map(String::as_str) {
        Some("approve") => {
            let code = state.grants.issue_code(provider, client_id, &req.redirect_uri, req.code_challenge, req.scopes, account);
            target.query_pairs_mut().append_pair("code", &code);
        }
        Some("deny") => match &spec(provider).consent.deny_callback {
            // No callback on a denial: the user is left on this page.
            None => {
                return html(
                    StatusCode::OK,
                    "<!doctype html><html><body><h1 data-testid=\"denied\">You declined to connect the app.</h1>\
                     <p>You can close this window.</p></body></html>"
                        .into(),
                )
            }
            Some(callback) => {
                target.query_pairs_mut().append_pair("error", "access_denied");
                if let Some(description) = callback.description {
                    target.query_pairs_mut().append_pair("error_description", description);
                }
            }
        },
        _ => return error_page(provider, "decision must be approve or deny."),
    }
    if let Some(s) = &req.state {
        target.query_pairs_mut().append_pair("state", s);
    }
    (StatusCode::FOUND, [(header::LOCATION, target.to_string())]).into_response()
}

// ---------------------------------------------------------------------------------------------
// A consent client: what a user's clicks do, done over HTTP.

/// How the provider answered a consent decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsentOutcome {
    /// Redirected to the app's redirect URI (with `code`, or with `error=access_denied`).
    Redirect(Url),
    /// No callback at all (what some providers do on a denial).
    NoCallback,
}

#[derive(Debug, thiserror::Error)]
pub enum ConsentError {
    #[error("the consent page could not be fetched: {0}")]
    Http(#[from] reqwest::Error),
    #[error("the provider refused the authorize request ({status}): {message}")]
    Refused { status: u16, message: String },
    #[error("the consent page has no consent form")]
    NoForm,
    #[error("the provider answered the decision with {0} and no redirect")]
    Unexpected(u16),
    #[error("invalid URL: {0}")]
    Url(#[from] url::ParseError),
}

/// Opens the consent page at `authorize_url`, submits its form with `approve` (or deny) for the
/// first account, and returns where the provider sends the browser. Redirects are not followed.
pub async fn decide_consent(authorize_url: &str, approve: bool) -> Result<ConsentOutcome, ConsentError> {
    decide_consent_as(authorize_url, approve, 0).await
}

/// [`decide_consent`], choosing account `account` (0 is the first) on the page.
pub async fn decide_consent_as(authorize_url: &str, approve: bool, account: usize) -> Result<ConsentOutcome, ConsentError> {
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build()?;
    let page = client.get(authorize_url).send().await?;
    let status = page.status().as_u16();
    let body = page.text().await?;
    if status != 200 {
        let message = extract_between(&body, "data-testid=\"consent-error\">", "</p>").map(|m| unescape_html(&m)).unwrap_or(body);
        return Err(ConsentError::Refused { status, message });
    }
    if !body.contains("id=\"consent\"") {
        return Err(ConsentError::NoForm);
    }
    let mut fields = hidden_fields(&body);
    fields.push(("account".into(), account.to_string()));
    fields.push(("decision".into(), if approve { "approve" } else { "deny" }.into()));
    // The form posts back to the page's own URL.
    let mut post_url = Url::parse(authorize_url)?;
    post_url.set_query(None);
    let answer = client.post(post_url).form(&fields).send().await?;
    let status = answer.status();
    if status.is_redirection() {
        let location = answer.headers().get(header::LOCATION).and_then(|v| v.to_str().ok()).ok_or(ConsentError::Unexpected(status.as_u16()))?;
        return Ok(ConsentOutcome::Redirect(Url::parse(location)?));
    }
    let text = answer.text().await?;
    if status.is_success() && text.contains("data-testid=\"denied\"") {
        return Ok(ConsentOutcome::NoCallback);
    }
    Err(ConsentError::Unexpected(status.as_u16()))
}

fn hidden_fields(page: &str) -> Vec<(String, String)> {
    page.match_indices("<input type=\"hidden\" name=\"")
        .filter_map(|(i, m)| {
            let rest = &page[i + m.len()..];
            let (name, rest) = rest.split_once('"')?;
            let value = extract_between(rest, "value=\"", "\"")?;
            Some((unescape_html(name), unescape_html(&value)))
        })
        .collect()
}

fn extract_between(s: &str, start: &str, end: &str) -> Option<String> {
    let from = s.find(start)? + start.len();
    let len = s[from..].find(end)?;
    Some(s[from..from + len].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_rules_for_unregistered_desktop_clients() {
        let open = ClientRegistration { client_id: "c".into(), client_secret: None, redirect_uris: vec![] };
        assert!(redirect_allowed(&open, "http://localhost:8765/callback"));
        assert!(redirect_allowed(&open, "http://127.0.0.1:1/x"));
        assert!(redirect_allowed(&open, "http://[::1]:9/x"));
        assert!(redirect_allowed(&open, "com.example.app:/oauth2redirect/app"));
        assert!(!redirect_allowed(&open, "http://evil.example/callback"));
        assert!(!redirect_allowed(&open, "https://evil.example/callback"));
        let fixed = ClientRegistration { redirect_uris: vec!["http://localhost:1/cb".into()], ..open };
        assert!(fixed.redirect_uris.len() == 1 && redirect_allowed(&fixed, "http://localhost:1/cb"));
        assert!(!redirect_allowed(&fixed, "http://localhost:1/cb/"));
    }

    #[test]
    fn hidden_fields_round_trip_escaping() {
        let page = "<input type=\"hidden\" name=\"state\" value=\"a&amp;b&quot;c\">\n<input type=\"hidden\" name=\"x\" value=\"\">";
        assert_eq!(hidden_fields(page), vec![("state".into(), "a&b\"c".into()), ("x".into(), "".into())]);
    }
}
