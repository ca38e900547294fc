//! Settings from the environment and `.env` files: client credentials, every provider URL,
//! scopes, the callback port and scheme, the Redis URL. The environment wins over a `.env` in the
//! working folder, which wins over the user's settings file (see [`user_settings_file`]).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use url::Url;

use crate::error::{Error, Result};
use crate::provider::{ProviderId, ProviderSpec, Spec};
use crate::secret::{ClientSecret, PersonalToken};

pub const DEFAULT_REDIRECT_PORT: u16 = 8765;
/// The app's identifier, which names its folders (the bundle's `identifier`).
pub const APP_ID: &str = "dev.tributary.app";
pub const DEFAULT_DEEP_LINK_SCHEME: &str = APP_ID;
/// How long a started sign-in (state, verifier) and freshly issued credentials are kept.
pub const FLOW_TTL: Duration = Duration::from_secs(600);

#[derive(Debug, Clone)]
pub struct ProviderSettings {
    pub provider: ProviderId,
    pub client_id: Option<String>,
    pub client_secret: Option<ClientSecret>,
    pub scopes: Vec<String>,
    pub authorize_url: Url,
    pub token_url: Url,
    /// Root of the REST API, ending in `/`.
    pub api_base: Url,
    /// Where a grant is revoked on disconnect (`None`: the provider has no such endpoint).
    pub revoke_url: Option<Url>,
    /// Where a token is introspected to name its account (`None`: the token answer names it).
    pub introspect_url: Option<Url>,
    /// Pointed at the built-in sandbox: its data is made up, and the UI says so.
    pub sandbox: bool,
    /// A long-lived token made in the provider (`{PROVIDER}_TOKEN`), used by the CLI instead of
    /// signing in: a private-app token, a personal access token, an internal-integration token.
    pub token: Option<PersonalToken>,
    /// The API version asked for (`{PROVIDER}_API_VERSION`, default the spec's), for providers
    /// whose spec has an `api_version`.
    pub api_version: Option<String>,
}

/// Whether a provider can be connected to, and if not, what to set.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ProviderStatus {
    Configured,
    /// Connected to the built-in sandbox because no client is configured.
    Sandbox,
    NotConfigured { missing: Vec<String> },
}

/// Where a sign-in's callback comes back to the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CallbackRoute {
    /// `http://localhost:{port}/callback`, served by a one-shot listener.
    Loopback,
    /// `{scheme}:/oauth/callback`, handed to the running app by the desktop.
    DeepLink,
}

impl ProviderSettings {
    pub fn spec(&self) -> &'static ProviderSpec {
        self.provider.spec()
    }

    /// The headers every API and token call to this provider carries: the spec's own and the
    /// API version's, where it goes in a header.
    pub fn headers(&self) -> impl Iterator<Item = (&'static str, &str)> {
        let spec = self.spec();
        let version = spec.api_version.and_then(|v| Some((v.header?, self.api_version.as_deref()?)));
        spec.headers.iter().map(|(k, v)| (*k, *v)).chain(version)
    }

    pub fn status(&self) -> ProviderStatus {
        match self.client_id {
            Some(_) if self.sandbox => ProviderStatus::Sandbox,
            Some(_) => ProviderStatus::Configured,
            None => ProviderStatus::NotConfigured { missing: vec![var(self.provider, "CLIENT_ID")] },
        }
    }

    /// The client id, or the typed "not configured" error naming what to set.
    pub fn require_client_id(&self) -> Result<&str> {
        self.client_id.as_deref().ok_or_else(|| Error::NotConfigured {
            provider: self.provider,
            missing: var(self.provider, "CLIENT_ID"),
        })
    }

    /// Settings pointing at a provider's public endpoints, with no client configured.
    pub fn defaults(provider: ProviderId) -> Self {
        let spec = provider.spec();
        ProviderSettings {
            provider,
            client_id: None,
            client_secret: None,
            scopes: spec.default_scopes.iter().map(|s| s.to_string()).collect(),
            authorize_url: Url::parse(spec.authorize_url).expect("built-in URL"),
            token_url: Url::parse(spec.token_url).expect("built-in URL"),
            api_base: Url::parse(spec.api_base).expect("built-in URL"),
            revoke_url: spec.revocation.url().map(|u| Url::parse(u).expect("built-in URL")),
            introspect_url: spec.introspection.map(|u| Url::parse(u).expect("built-in URL")),
            sandbox: false,
            token: None,
            api_version: spec.api_version.map(|v| v.default.to_string()),
        }
    }
}

/// Where an installed app keeps its settings: the desktop starts it in no project folder, so a
/// `.env` beside it is not found. `~/.config/dev.tributary.app/settings.env` on Linux,
/// `~/Library/Application Support/dev.tributary.app/settings.env` on macOS,
/// `%APPDATA%\dev.tributary.app\settings.env` on Windows (the app's config folder).
pub fn user_settings_file() -> Option<PathBuf> {
    dirs::config_dir().map(|dir| dir.join(APP_ID).join("settings.env"))
}

/// Where a user can put a setting, for messages that ask them to set one.
pub fn where_settings_go() -> String {
    match user_settings_file() {
        Some(file) => format!("the environment, a .env file in the working folder, or {}", file.display()),
        None => "the environment or a .env file in the working folder".into(),
    }
}

/// The `.env` in the working folder or the nearest folder above it, as dotenv looks for it.
fn working_folder_env() -> Option<PathBuf> {
    let here = std::env::current_dir().ok()?;
    here.ancestors().map(|dir| dir.join(".env")).find(|file| file.is_file())
}

/// The `KEY=value` lines of a `.env`-style file; none when it does not exist.
fn read_env_file(path: &Path) -> Result<Vec<(String, String)>> {
    let bad = |e: dotenvy::Error| env_file_error(path, e);
    match dotenvy::from_path_iter(path) {
        Err(e) if e.not_found() => Ok(Vec::new()),
        Err(e) => Err(bad(e)),
        Ok(lines) => lines.map(|line| line.map_err(bad)).collect(),
    }
}

/// A `.env` file's error in words that name the variable but never repeat the line, which may
/// hold a secret (dotenvy's own message quotes it whole).
fn env_file_error(path: &Path, e: dotenvy::Error) -> Error {
    let file = path.display();
    Error::Config(match e {
        dotenvy::Error::LineParse(line, _) => {
            let name = line.split('=').next().map(str::trim);
            match name.filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')) {
                Some(name) => format!("{file}: the line setting {name} cannot be read (check its quotes)"),
                None => format!("{file}: a line cannot be read (each line is NAME=value)"),
            }
        }
        other => format!("{file}: {other}"),
    })
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub providers: Vec<ProviderSettings>,
    /// Loopback port of the redirect URI `http://localhost:{port}/callback`.
    pub redirect_port: u16,
    /// Custom scheme of the deep-link redirect URI `{scheme}:/oauth/callback`.
    pub deep_link_scheme: String,
    /// `None`: the embedded store.
    pub redis_url: Option<String>,
    pub flow_ttl: Duration,
    /// How long the loopback listener waits for the browser.
    pub callback_timeout: Duration,
    /// The longest one HTTP request to a provider may take, answer included
    /// (`TRIBUTARY_HTTP_TIMEOUT`, seconds, default 60).
    pub http_timeout: Duration,
    pub callback_route: CallbackRoute,
    /// Serve unconfigured providers from the built-in sandbox (`TRIBUTARY_SANDBOX`, default on).
    pub sandbox_when_unconfigured: bool,
    /// Items per provider in the built-in sandbox (`SANDBOX_ITEMS`).
    pub sandbox_items: usize,
    /// Where the app keeps what it knows between runs (`TRIBUTARY_DATA_DIR`; by default the
    /// platform's data folder: `~/.local/share/dev.tributary.app` on Linux).
    pub data_dir: PathBuf,
    /// Where connections' tokens are kept (`TRIBUTARY_CREDENTIAL_STORE`).
    pub credential_store: CredentialStoreChoice,
}

/// Where connections' tokens are kept between runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialStoreChoice {
    /// The operating system's credential store, when it answers (`system`, the default);
    /// otherwise for the session only.
    System,
    /// This process only (`session`): nothing survives a restart.
    Session,
}

fn var(provider: ProviderId, suffix: &str) -> String {
    provider.setting(suffix)
}

/// `{PROVIDER}_API_VERSION`, checked: a version is a short word of letters, digits, `-` and
/// `.` (it goes into a header or a path); one the app is not tested with is used with a warning.
fn api_version(provider: ProviderId, asked: Option<String>) -> Result<Option<String>> {
    let (Some(asked), Some(spec)) = (asked, provider.spec().api_version) else { return Ok(None) };
    let name = var(provider, "API_VERSION");
    if asked.len() > 32 || !asked.chars().all(|c| c.is_ascii_alphanumeric() || "-.".contains(c)) {
        return Err(Error::Config(format!("{name}: `{asked}` is not an API version such as {}", spec.default)));
    }
    if !spec.tested.contains(&asked.as_str()) {
        tracing::warn!(setting = %name, version = %asked, tested = ?spec.tested, "this API version is not one the app is tested with");
    }
    Ok(Some(asked))
}

impl Settings {
    /// Reads the user's settings file, then `.env` from the working folder (or the nearest
    /// folder above it), then the environment; a later source wins.
    pub fn from_env() -> Result<Self> {
        let mut vars: HashMap<String, String> = HashMap::new();
        for file in [user_settings_file(), working_folder_env()].into_iter().flatten() {
            vars.extend(read_env_file(&file)?);
        }
        vars.extend(std::env::vars());
        Self::from_vars(|k| vars.get(k).cloned())
    }

    /// Builds settings from any variable source (tests pass a map).
    pub fn from_vars(get: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let get = |k: &str| get(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let url = |name: String, default: Url| -> Result<Url> {
            match get(&name) {
                None => Ok(default),
                Some(v) => {
                    let mut u = Url::parse(&v).map_err(|e| Error::Config(format!("{name}: `{v}` is not a URL ({e})")))?;
                    if name.ends_with("_API_BASE") && !u.path().ends_with('/') {
                        u.set_path(&format!("{}/", u.path()));
                    }
                    Ok(u)
                }
            }
        };
        let mut providers = Vec::new();
        for p in ProviderId::ALL {
            let d = ProviderSettings::defaults(p);
            providers.push(ProviderSettings {
                provider: p,
                client_id: get(&var(p, "CLIENT_ID")),
                client_secret: get(&var(p, "CLIENT_SECRET")).map(ClientSecret::new),
                scopes: get(&var(p, "SCOPES")).map(|s| s.split_whitespace().map(String::from).collect()).unwrap_or(d.scopes),
                authorize_url: url(var(p, "AUTHORIZE_URL"), d.authorize_url)?,
                token_url: url(var(p, "TOKEN_URL"), d.token_url)?,
                api_base: url(var(p, "API_BASE"), d.api_base)?,
                revoke_url: match d.revoke_url {
                    Some(default) => Some(url(var(p, "REVOKE_URL"), default)?),
                    None => None,
                },
                introspect_url: match d.introspect_url {
                    Some(default) => Some(url(var(p, "INTROSPECT_URL"), default)?),
                    None => None,
                },
                sandbox: false,
                token: get(&var(p, "TOKEN")).map(PersonalToken::new),
                api_version: api_version(p, get(&var(p, "API_VERSION")))?.or(d.api_version),
            });
        }
        let redirect_port = match get("TRIBUTARY_REDIRECT_PORT") {
            None => DEFAULT_REDIRECT_PORT,
            Some(v) => v.parse().map_err(|_| Error::Config(format!("TRIBUTARY_REDIRECT_PORT: `{v}` is not a port")))?,
        };
        let deep_link_scheme = get("TRIBUTARY_DEEP_LINK_SCHEME").unwrap_or_else(|| DEFAULT_DEEP_LINK_SCHEME.into());
        if !deep_link_scheme.contains('.')
            || !deep_link_scheme.chars().all(|c| c.is_ascii_alphanumeric() || ".+-".contains(c))
        {
            return Err(Error::Config(format!(
                "TRIBUTARY_DEEP_LINK_SCHEME: `{deep_link_scheme}` is not a reverse-DNS scheme such as dev.tributary.app"
            )));
        }
        let callback_route = match get("TRIBUTARY_CALLBACK").as_deref() {
            None | Some("loopback") => CallbackRoute::Loopback,
            Some("deep-link") => CallbackRoute::DeepLink,
            Some(v) => return Err(Error::Config(format!("TRIBUTARY_CALLBACK: `{v}` is neither `loopback` nor `deep-link`"))),
        };
        let sandbox_when_unconfigured = match get("TRIBUTARY_SANDBOX").as_deref() {
            None | Some("auto") => true,
            Some("off") => false,
            Some(v) => return Err(Error::Config(format!("TRIBUTARY_SANDBOX: `{v}` is neither `auto` nor `off`"))),
        };
        let seconds = |name: &str, default: u64| match get(name) {
            None => Ok(Duration::from_secs(default)),
            Some(v) => v
                .parse()
                .ok()
                .filter(|s| *s > 0)
                .map(Duration::from_secs)
                .ok_or_else(|| Error::Config(format!("{name}: `{v}` is not a number of seconds"))),
        };
        let callback_timeout = seconds("TRIBUTARY_CALLBACK_TIMEOUT", 300)?;
        let http_timeout = seconds("TRIBUTARY_HTTP_TIMEOUT", 60)?;
        let sandbox_items = match get("SANDBOX_ITEMS") {
            None => 300,
            Some(v) => v.parse().map_err(|_| Error::Config(format!("SANDBOX_ITEMS: `{v}` is not a number")))?,
        };
        let data_dir = match get("TRIBUTARY_DATA_DIR") {
            Some(dir) => PathBuf::from(dir),
            None => dirs::data_dir().map(|d| d.join(APP_ID)).unwrap_or_else(|| PathBuf::from(".tributary")),
        };
        let credential_store = match get("TRIBUTARY_CREDENTIAL_STORE").as_deref() {
            None | Some("system") => CredentialStoreChoice::System,
            Some("session") => CredentialStoreChoice::Session,
            Some(v) => return Err(Error::Config(format!("TRIBUTARY_CREDENTIAL_STORE: `{v}` is neither `system` nor `session`"))),
        };
        Ok(Settings {
            providers,
            sandbox_items,
            data_dir,
            credential_store,
            callback_route,
            sandbox_when_unconfigured,
            redirect_port,
            deep_link_scheme,
            redis_url: get("REDIS_URL"),
            flow_ttl: FLOW_TTL,
            callback_timeout,
            http_timeout,
        })
    }

    pub fn provider(&self, id: ProviderId) -> &ProviderSettings {
        self.providers.iter().find(|p| p.provider == id).expect("settings hold every provider")
    }

    pub fn provider_mut(&mut self, id: ProviderId) -> &mut ProviderSettings {
        self.providers.iter_mut().find(|p| p.provider == id).expect("settings hold every provider")
    }

    /// The longest a callback's completion may take: the token exchange (one request) and a
    /// few store calls. The loopback page the browser sees waits a little longer.
    pub fn sign_in_completion_limit(&self) -> Duration {
        self.http_timeout + Duration::from_secs(15)
    }

    pub fn loopback_redirect_uri(&self) -> String {
        format!("http://localhost:{}/callback", self.redirect_port)
    }

    pub fn deep_link_redirect_uri(&self) -> String {
        format!("{}:/oauth/callback", self.deep_link_scheme)
    }
}

#[cfg(test)]
mod tests;
