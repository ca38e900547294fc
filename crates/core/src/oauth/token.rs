//! Token-endpoint calls in each provider's own style (client auth, body format), and the token
//! set they produce. One function serves exchange and refresh for all three providers.

use chrono::{DateTime, Duration as ChronoDuration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::config::ProviderSettings;
use crate::error::{scrub, transport_message, Error, Result};
use crate::load::api::{read_body, BodyFailure};
use crate::provider::{ClientAuth, TokenBody};
use crate::secret::{AccessToken, AuthCode, ClientSecret, PkceVerifier, RefreshToken};

/// What a connection holds. Tokens stay in their redacted types; the rest may be shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenSet {
    pub access_token: AccessToken,
    pub refresh_token: Option<RefreshToken>,
    /// When the access token stops working (`None`: it does not expire).
    pub expires_at: Option<DateTime<Utc>>,
    /// When to refresh ahead of expiry: a tenth of the lifetime early, at most five minutes.
    pub refresh_at: Option<DateTime<Utc>>,
    pub scopes: Vec<String>,
    /// The account or workspace, as the token response (or the provider's introspection or
    /// who-am-I answer) names it (the spec's `token_account`).
    pub account: Option<Account>,
}

/// Which of the provider's accounts a grant is for: a CRM portal, a user, a workspace. The `id` tells two accounts apart (and keys the connection); the `name`
/// is what the window shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub id: String,
    pub name: String,
}

impl TokenSet {
    /// Reads a token response body.
    pub(crate) fn from_response(settings: &ProviderSettings, body: &Value) -> Result<TokenSet> {
        let provider = settings.provider;
        let bad = |m: &str| Error::BadResponse { provider, request: None, message: m.to_string() };
        let access = body.get("access_token").and_then(Value::as_str).filter(|s| !s.is_empty()).ok_or_else(|| bad("no access_token in the token response"))?;
        let refresh = body.get("refresh_token").and_then(Value::as_str).filter(|s| !s.is_empty());
        let expires_in = body.get("expires_in").and_then(Value::as_u64).or(settings.spec().default_expires_in);
        let now = Utc::now();
        let expires_at = expires_in.map(|s| now + ChronoDuration::seconds(s as i64));
        let refresh_at = expires_in.map(|s| now + ChronoDuration::seconds((s - (s / 10).min(300)) as i64));
        let scopes = scopes_of(body);
        let account = (settings.spec().token_account)(body);
        Ok(TokenSet {
            access_token: AccessToken::new(access),
            refresh_token: refresh.map(RefreshToken::new),
            expires_at,
            refresh_at,
            scopes,
            account,
        })
    }

    pub fn needs_refresh(&self, now: DateTime<Utc>) -> bool {
        self.refresh_token.is_some() && self.refresh_at.is_some_and(|t| now >= t)
    }
}

/// What a token call asks for. The secrets it carries (the code and verifier, or the refresh
/// token) follow from it, so they are scrubbed from any error built from the answer.
pub(crate) enum Grant<'a> {
    AuthorizationCode { code: &'a AuthCode, redirect_uri: &'a str, verifier: Option<&'a PkceVerifier> },
    Refresh(&'a RefreshToken),
}

impl Grant<'_> {
    fn fields(&self) -> Vec<(&'static str, &str)> {
        match self {
            Grant::AuthorizationCode { code, redirect_uri, verifier } => {
                let mut fields = vec![("grant_type", "authorization_code"), ("code", code.expose()), ("redirect_uri", *redirect_uri)];
                fields.extend(verifier.map(|v| ("code_verifier", v.expose())));
                fields
            }
            Grant::Refresh(token) => vec![("grant_type", "refresh_token"), ("refresh_token", token.expose())],
        }
    }

    fn secrets(&self) -> Vec<&str> {
        match self {
            Grant::AuthorizationCode { code, verifier, .. } => [Some(code.expose()), verifier.map(PkceVerifier::expose)].into_iter().flatten().collect(),
            Grant::Refresh(token) => vec![token.expose()],
        }
    }
}

/// Why a token call failed, when the difference matters to the caller.
pub(crate) enum TokenFailure {
    /// The grant is gone (invalid_grant, BAD_REFRESH_TOKEN, unauthorized): reconnect.
    GrantRejected(Error),
    Other(Error),
}

impl From<TokenFailure> for Error {
    fn from(f: TokenFailure) -> Error {
        match f {
            TokenFailure::GrantRejected(e) | TokenFailure::Other(e) => e,
        }
    }
}

/// POSTs to the token endpoint with the provider's client authentication and body format.
/// The grant's secrets and the client secret are scrubbed from any error message built from the
/// provider's answer.
pub(crate) async fn token_request(http: &reqwest::Client, settings: &ProviderSettings, grant: Grant<'_>) -> std::result::Result<TokenSet, TokenFailure> {
    let provider = settings.provider;
    let spec = settings.spec();
    let client_id = settings.require_client_id().map_err(TokenFailure::Other)?;
    let secret = settings.client_secret.as_ref().map(ClientSecret::expose);
    let mut fields: Vec<(&str, &str)> = grant.fields();
    let secrets = grant.secrets();
    let mut req = http.post(settings.token_url.clone()).header(reqwest::header::ACCEPT, "application/json");
    for (k, v) in settings.headers() {
        req = req.header(k, v);
    }
    match (spec.client_auth, secret) {
        (ClientAuth::RequestBody, s) => {
            fields.push(("client_id", client_id));
            if let Some(s) = s {
                fields.push(("client_secret", s));
            }
        }
        (ClientAuth::BasicIfSecret, None) => fields.push(("client_id", client_id)),
        (ClientAuth::BasicIfSecret | ClientAuth::Basic, s) => req = req.basic_auth(client_id, s),
    }
    req = match spec.token_body {
        TokenBody::Form => req.form(&fields),
        TokenBody::Json => {
            let map: serde_json::Map<String, Value> = fields.iter().map(|(k, v)| (k.to_string(), Value::from(*v))).collect();
            req.json(&map)
        }
    };
    let mut all_secrets: Vec<&str> = secrets.to_vec();
    all_secrets.extend(secret);
    // Every way this call can fail is a token-request failure, HTTP or not, so a sign-in that
    // breaks here is reported as a sign-in failure whatever broke.
    let request = crate::error::request_name(&reqwest::Method::POST, &settings.token_url);
    let failed = |message: String| TokenFailure::Other(Error::TokenRequest { provider, request: request.clone(), status: None, message });
    let mut resp = req.send().await.map_err(|e| failed(transport_message(e, &all_secrets)))?;
    let status = resp.status();
    let bytes = match read_body(&mut resp, MAX_TOKEN_RESPONSE).await {
        Ok(b) => b,
        Err(BodyFailure::TooLarge) => return Err(failed(format!("the answer is larger than {} KiB", MAX_TOKEN_RESPONSE / 1024))),
        Err(BodyFailure::CutOff(e)) => return Err(failed(format!("the answer was cut off ({})", transport_message(e, &all_secrets)))),
    };
    let body: Option<Value> = serde_json::from_slice(&bytes).ok();
    if !status.is_success() {
        let field = |k: &str| body.as_ref().and_then(|b| b.get(k)).and_then(Value::as_str).map(String::from);
        let code = field("error").or(field("code")).or(field("status")).unwrap_or_default();
        let message = field("error_description").or(field("message")).unwrap_or_else(|| code.clone());
        if code == "invalid_client" {
            // The app's own client id or secret is wrong: no reconnect can fix that, a setting can.
            return Err(TokenFailure::Other(Error::Config(format!(
                "{provider} does not accept this app's client ({}): check {} and {}",
                scrub(&message, &all_secrets),
                provider.setting("CLIENT_ID"),
                provider.setting("CLIENT_SECRET")
            ))));
        }
        let message = if code.is_empty() || message == code { message } else { format!("{message} ({code})") };
        let error = Error::TokenRequest { provider, request: request.clone(), status: Some(status.as_u16()), message: scrub(&message, &all_secrets) };
        let rejected = spec.grant_rejected_codes.contains(&code.as_str()) || status == reqwest::StatusCode::UNAUTHORIZED;
        return Err(if rejected { TokenFailure::GrantRejected(error) } else { TokenFailure::Other(error) });
    }
    let Some(body) = body else {
        let kind = resp.headers().get(reqwest::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("no content type");
        return Err(failed(format!("the answer is not JSON ({})", scrub(kind, &[]))));
    };
    TokenSet::from_response(settings, &body).map_err(|e| match e {
        Error::BadResponse { message, .. } => failed(message),
        other => TokenFailure::Other(other),
    })
}

/// Fills in the account and scopes of a fresh token set where the token answer named no
/// account: from the provider's introspection endpoint, or its who-am-I endpoint. A failure
/// here is logged and costs the sign-in nothing: the connection is then the provider's
/// unnamed one (a second unnamed sign-in replaces it).
pub(crate) async fn name_account(http: &reqwest::Client, settings: &ProviderSettings, tokens: &mut TokenSet) {
    if tokens.account.is_some() {
        return;
    }
    let provider = settings.provider;
    if let Some(path) = settings.spec().whoami {
        let answer = match settings.api_base.join(path) {
            Ok(url) => successful_json(http.get(url).bearer_auth(tokens.access_token.expose())).await,
            Err(_) => None,
        };
        tokens.account = answer.and_then(|body| (settings.spec().token_account)(&body));
        if tokens.account.is_none() {
            tracing::warn!(provider = provider.as_str(), "the provider did not say which account signed in; the connection is not named");
        }
        return;
    }
    let Some(url) = settings.introspect_url.clone() else { return };
    let Ok(client_id) = settings.require_client_id() else { return };
    let mut form = vec![("client_id", client_id), ("token", tokens.access_token.expose()), ("token_type_hint", "access_token")];
    form.extend(settings.client_secret.as_ref().map(|s| ("client_secret", s.expose())));
    let answer = successful_json(http.post(url).form(&form)).await.filter(|body| body.get("active") == Some(&Value::Bool(true)));
    match answer {
        Some(body) => {
            tokens.account = (settings.spec().token_account)(&body);
            if tokens.scopes.is_empty() {
                tokens.scopes = scopes_of(&body);
            }
        }
        None => tracing::warn!(provider = provider.as_str(), "token introspection failed; the connection is not named"),
    }
}

/// The JSON body of a successful answer to `request` (bounded as a token answer is), or `None`
/// for any failure: these answers only name the connection.
async fn successful_json(request: reqwest::RequestBuilder) -> Option<Value> {
    let mut resp = request.header(reqwest::header::ACCEPT, "application/json").send().await.ok()?;
    let ok = resp.status().is_success();
    let body: Value = serde_json::from_slice(&read_body(&mut resp, MAX_TOKEN_RESPONSE).await.ok()?).ok()?;
    ok.then_some(body)
}

/// The scopes an answer lists, as a space-separated `scope` or a `scopes` array.
fn scopes_of(body: &Value) -> Vec<String> {
    match (body.get("scope"), body.get("scopes")) {
        (Some(Value::String(s)), _) => s.split_whitespace().map(String::from).collect(),
        (_, Some(Value::Array(a))) => a.iter().filter_map(Value::as_str).map(String::from).collect(),
        _ => Vec::new(),
    }
}

/// A token answer is a few hundred bytes; anything near this is not one.
const MAX_TOKEN_RESPONSE: usize = 256 * 1024;

#[cfg(test)]
mod tests;
