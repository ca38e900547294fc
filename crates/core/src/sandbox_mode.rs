//! Trying the app with no accounts: every provider that has no client configured is served by
//! the built-in sandbox, in this process, with made-up data the UI labels as such.

use tributary_sandbox::{PerProvider, Sandbox, SandboxConfig};

use crate::config::{ProviderSettings, Settings};
use crate::provider::ProviderId;

/// Starts the sandbox on loopback when some provider lacks a client id (and the sandbox is not
/// switched off), and points those providers at it. `None` when nothing needs it.
pub async fn serve_unconfigured(settings: &mut Settings) -> std::io::Result<Option<Sandbox>> {
    let unconfigured: Vec<ProviderId> =
        ProviderId::ALL.into_iter().filter(|&id| settings.provider(id).client_id.is_none()).collect();
    if unconfigured.is_empty() || !settings.sandbox_when_unconfigured {
        return Ok(None);
    }
    let config = SandboxConfig { dataset: PerProvider::all(settings.sandbox_items), ..SandboxConfig::default() };
    let sandbox = Sandbox::start(config).await?;
    for id in unconfigured {
        point_at_sandbox(settings.provider_mut(id), &sandbox);
    }
    tracing::info!(items = settings.sandbox_items, "unconfigured providers are served by the built-in sandbox");
    Ok(Some(sandbox))
}

/// Points one provider's settings at a running sandbox, with the sandbox's own client.
pub fn point_at_sandbox(provider: &mut ProviderSettings, sandbox: &Sandbox) {
    let which = provider.provider;
    let endpoints = sandbox.endpoints(which);
    let client = sandbox.config().clients.get(which);
    provider.client_id = Some(client.client_id.clone());
    provider.client_secret = client.client_secret.clone().map(crate::secret::ClientSecret::new);
    provider.authorize_url = endpoints.authorize_url.clone();
    provider.token_url = endpoints.token_url.clone();
    provider.api_base = endpoints.api_base.clone();
    provider.revoke_url = endpoints.revoke_url.clone();
    provider.introspect_url = endpoints.introspect_url.clone();
    provider.sandbox = true;
}
