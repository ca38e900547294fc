//! `tributary-sandbox`: run the provider sandbox, or act as an approving "browser" for it.

use std::net::IpAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use tributary_sandbox::consent::{decide_consent_as, ConsentOutcome};
use tributary_sandbox::{ArmedFault, PerProvider, ProviderId, RateRule, Sandbox, SandboxConfig, Scope, DEFAULT_PORTS};

/// Local fakes of the providers: consent pages, token endpoints and the REST endpoints the app
/// loads from, each on its own port, with deterministic data.
///
/// With no subcommand it serves until interrupted and prints, as `.env` lines, the URLs the app
/// should use. Control endpoints on every port: POST /_sandbox/faults (JSON fault),
/// DELETE /_sandbox/faults, POST /_sandbox/revoke-tokens, POST /_sandbox/expire-access-tokens,
/// POST /_sandbox/changes ({"edit":N,"delete":N,"add":N}: change items now), GET /_sandbox/stats.
#[derive(Parser, Debug)]
#[command(name = "tributary-sandbox", version, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the three fake providers (the default).
    Serve(Box<ServeArgs>),
    /// Approve a consent page as a user would, then deliver the callback: an http(s) redirect is
    /// requested (reaching the app's loopback listener), any other scheme is handed to the
    /// desktop's URL opener (xdg-open), which routes it to the app's deep-link handler.
    /// Usable as the "system browser" of automated tests (BROWSER=... or the opener's program).
    Approve(ConsentArgs),
    /// Deny a consent page as a user would, and deliver the callback if the provider sends one.
    Deny(ConsentArgs),
}

#[derive(Args, Debug)]
struct ConsentArgs {
    /// The provider authorize URL the app opened.
    url: String,
    /// Print the callback URL instead of delivering it.
    #[arg(long)]
    print_only: bool,
    /// Which of the user's accounts to choose on the consent page (0 is the first), or
    /// SANDBOX_ACCOUNT.
    #[arg(long, default_value_t = 0, env = "SANDBOX_ACCOUNT")]
    account: usize,
}

#[derive(Args, Debug)]
struct ServeArgs {
    /// Address to listen on. Keep it on loopback.
    #[arg(long, default_value = "127.0.0.1", env = "SANDBOX_HOST")]
    host: IpAddr,
    /// A provider's port as PROVIDER=PORT (0 picks a free one); by default 7401, 7402, 7403 in
    /// the order providers are listed. Repeatable.
    #[arg(long = "port", value_name = "PROVIDER=PORT")]
    ports: Vec<String>,

    /// Seed of the generated data: the same seed and sizes give the same items.
    #[arg(long, default_value_t = 42, env = "SANDBOX_SEED")]
    seed: u64,
    /// Items per provider (each provider's folders and records together), from a handful to
    /// 100000 or more.
    #[arg(long, default_value_t = 300, env = "SANDBOX_ITEMS")]
    items: usize,
    /// Override --items for one provider as PROVIDER=ITEMS. Repeatable.
    #[arg(long = "items-for", value_name = "PROVIDER=ITEMS")]
    items_for: Vec<String>,
    /// Accounts each provider has for the user (portals, users, workspaces), each with data
    /// of its own; the consent page asks which.
    #[arg(long, default_value_t = 2)]
    accounts: usize,

    /// Enforce each provider's documented rate limit (a rolling window per account, a
    /// per-second limit with a lock-out, or a token bucket, as the provider documents).
    #[arg(long)]
    rate_limits: bool,
    /// The lock-out after exceeding a per-second limit, in seconds, for providers that have one.
    #[arg(long)]
    penalty_secs: Option<u64>,
    /// The budget of a per-key limit counted in fixed windows (a plan-dependent one), in
    /// requests per window, for providers that have one.
    #[arg(long)]
    window_budget: Option<usize>,
    /// Access-token lifetime as PROVIDER=SECONDS (0 = never expires); by default each
    /// provider's documented lifetime. Repeatable.
    #[arg(long = "access-token-ttl", value_name = "PROVIDER=SECONDS")]
    access_token_ttl: Vec<String>,
    /// How long an authorization code stays exchangeable, in seconds.
    #[arg(long, default_value_t = 600)]
    code_ttl_secs: u64,
    /// How long a listing cursor that expires server-side stays valid, in seconds.
    #[arg(long, default_value_t = 300)]
    offset_ttl_secs: u64,
    /// The web domain account info reports (an EU data centre's, say).
    #[arg(long)]
    ui_domain: Option<String>,
    /// Also serve the legacy endpoints providers are switching off (each provider's folder
    /// says which), to test a client that still uses them.
    #[arg(long)]
    legacy_endpoints: bool,
    /// Answer this path with a bare 404, as a server without the endpoint would. Repeatable.
    #[arg(long = "without-endpoint", value_name = "PATH")]
    missing_endpoints: Vec<String>,

    /// Client id as PROVIDER=ID (default: sandbox-PROVIDER-client). Repeatable.
    #[arg(long = "client-id", value_name = "PROVIDER=ID")]
    client_ids: Vec<String>,
    /// Client secret as PROVIDER=SECRET, or PROVIDER=none for a public client. Repeatable.
    #[arg(long = "client-secret", value_name = "PROVIDER=SECRET")]
    client_secrets: Vec<String>,
    /// Registered redirect URI as PROVIDER=URI, matched exactly. Without any, loopback http URIs
    /// and custom schemes are accepted. Repeatable.
    #[arg(long = "redirect-uri", value_name = "PROVIDER=URI")]
    redirect_uris: Vec<String>,

    /// Arm a fault as PROVIDER:KIND[=ARG][:TIMES[:AFTER]]: KIND is server_error[=STATUS],
    /// slow[=MILLIS], malformed_json, truncated_body, repeat_cursor, expired_offset,
    /// rate_limited, revoke_tokens or expire_access_tokens; it fires on TIMES requests (1) after
    /// letting AFTER requests through (0). Example: --fault PROVIDER:server_error=503:2:10
    #[arg(long = "fault", value_name = "SPEC")]
    faults: Vec<String>,
}

fn provider_value(s: &str) -> Result<(ProviderId, String), String> {
    let (p, v) = s.split_once('=').ok_or_else(|| format!("expected PROVIDER=VALUE, got `{s}`"))?;
    Ok((p.parse().map_err(|e: tributary_provider_id::UnknownProvider| e.to_string())?, v.to_string()))
}

impl ServeArgs {
    fn config(&self) -> Result<(SandboxConfig, Vec<(ProviderId, ArmedFault)>), String> {
        let mut c = SandboxConfig {
            host: self.host,
            seed: self.seed,
            dataset: PerProvider::all(self.items),
            accounts: self.accounts.max(1),
            ports: DEFAULT_PORTS,
            code_ttl: Duration::from_secs(self.code_ttl_secs),
            offset_ttl: Duration::from_secs(self.offset_ttl_secs),
            rate_limits: self.rate_limits,
            ..SandboxConfig::default()
        };
        c.ui_domain = self.ui_domain.clone();
        c.legacy_endpoints = self.legacy_endpoints;
        c.missing_endpoints = self.missing_endpoints.clone();
        let number = |s: &str, v: &str| v.parse::<u64>().map_err(|_| format!("expected a number in `{s}`"));
        for s in &self.ports {
            let (p, v) = provider_value(s)?;
            c.ports[p] = number(s, &v)?.try_into().map_err(|_| format!("not a port in `{s}`"))?;
        }
        for s in &self.items_for {
            let (p, v) = provider_value(s)?;
            c.dataset[p] = number(s, &v)? as usize;
        }
        for rule in c.rate_limit_rules.iter_mut().flat_map(|(_, rules)| rules.iter_mut()) {
            match &mut rule.rule {
                RateRule::PerSecondWithPenalty { penalty, .. } => {
                    if let Some(secs) = self.penalty_secs {
                        *penalty = Duration::from_secs(secs);
                    }
                }
                RateRule::FixedWindow { max, .. } if rule.scope == Scope::Key => {
                    if let Some(budget) = self.window_budget {
                        *max = budget;
                    }
                }
                _ => {}
            }
        }
        for s in &self.access_token_ttl {
            let (p, v) = provider_value(s)?;
            let secs: u64 = v.parse().map_err(|_| format!("seconds must be a number in `{s}`"))?;
            *c.access_token_ttl.get_mut(p) = (secs > 0).then(|| Duration::from_secs(secs));
        }
        for s in &self.client_ids {
            let (p, v) = provider_value(s)?;
            c.clients.get_mut(p).client_id = v;
        }
        for s in &self.client_secrets {
            let (p, v) = provider_value(s)?;
            c.clients.get_mut(p).client_secret = (v != "none").then_some(v);
        }
        for s in &self.redirect_uris {
            let (p, v) = provider_value(s)?;
            c.clients.get_mut(p).redirect_uris.push(v);
        }
        let mut faults = Vec::new();
        for s in &self.faults {
            let (p, spec) = s.split_once(':').ok_or_else(|| format!("expected PROVIDER:KIND..., got `{s}`"))?;
            faults.push((p.parse().map_err(|e: tributary_provider_id::UnknownProvider| e.to_string())?, ArmedFault::parse_cli(spec)?));
        }
        Ok((c, faults))
    }
}

async fn serve(args: ServeArgs) -> Result<(), String> {
    let (config, faults) = args.config()?;
    let sandbox = Sandbox::start(config.clone()).await.map_err(|e| format!("cannot listen: {e}"))?;
    for (p, f) in faults {
        sandbox.arm_fault(p, f);
    }
    println!("# Tributary provider sandbox: put these lines in .env to point the app at it.");
    print!("{}", sandbox.dotenv());
    tracing::info!("sandbox ready; Ctrl-C stops it");
    tokio::signal::ctrl_c().await.map_err(|e| e.to_string())?;
    sandbox.shutdown().await;
    Ok(())
}

/// Hands a non-http callback URL to the desktop, as a browser does with a custom scheme.
fn open_with_desktop(url: &str) -> Result<(), String> {
    let program = if cfg!(target_os = "macos") { "open" } else { "xdg-open" };
    let status = std::process::Command::new(program).arg(url).status().map_err(|e| format!("{program}: {e}"))?;
    status.success().then_some(()).ok_or_else(|| format!("{program} exited with {status}"))
}

async fn consent(args: ConsentArgs, approve: bool) -> Result<(), String> {
    match decide_consent_as(&args.url, approve, args.account).await.map_err(|e| e.to_string())? {
        ConsentOutcome::NoCallback => {
            println!("no callback: the provider does not call back after a denial");
            Ok(())
        }
        ConsentOutcome::Redirect(url) if args.print_only => {
            println!("{url}");
            Ok(())
        }
        ConsentOutcome::Redirect(url) if matches!(url.scheme(), "http" | "https") => {
            let resp = reqwest::get(url.clone()).await.map_err(|e| format!("callback delivery failed: {e}"))?;
            println!("callback delivered: {}", resp.status());
            Ok(())
        }
        ConsentOutcome::Redirect(url) => {
            open_with_desktop(url.as_str())?;
            println!("callback handed to the desktop: {}", url.scheme());
            Ok(())
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        None => serve(cli.serve).await,
        Some(Command::Serve(args)) => serve(*args).await,
        Some(Command::Approve(args)) => consent(args, true).await,
        Some(Command::Deny(args)) => consent(args, false).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tributary-sandbox: {e}");
            ExitCode::FAILURE
        }
    }
}
