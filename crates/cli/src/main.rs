//! `tributary-cli`: the app's connect-and-load without a window, on the same core. Settings come
//! from the environment and `.env`, exactly as for the desktop app.
//!
//! Exit codes: 0 done; 1 the load failed or could not finish (nothing is written); 2 bad usage
//! (including an output file that cannot be written, checked before loading);
//! 3 the sign-in failed (denied, timed out, refused callback, token exchange); 4 a provider or
//! setting is not configured; 5 the store (Redis) is unreachable or holds bad data; 130
//! interrupted.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use tributary_core::export::{write_items, AtomicFile, Format};
use tributary_core::load::{Cancel, LoadOptions, Progress};
use tributary_core::{ConnectionKey, ConnectionSummary, Core, Error, FlowKey, PersonalToken, ProviderId, Settings};
use tributary_sandbox::{PerProvider, Sandbox, SandboxConfig, DEFAULT_PORTS};

const EXIT_CODES: &str = "Exit codes: 0 done; 1 the load failed or is incomplete (nothing written); 2 bad usage \
(an unknown provider, a bad id, an output file that cannot be written); \
3 sign-in failed (denied, timed out, refused callback, token exchange); 4 not configured; \
5 store (Redis or the system's credential store) unreachable or corrupt; 130 interrupted.";

#[derive(Parser)]
#[command(
    name = "tributary-cli",
    version,
    about = about(),
    long_about = format!("{}.\n\nSettings (client ids and secrets, provider URLs, the loopback port, REDIS_URL) come \
from the environment and .env, as for the desktop app; see .env.example.", about()),
    after_help = EXIT_CODES
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Signs in through the browser and the loopback listener, and saves the connection in the
    /// system's credential store (Keychain, Credential Manager, Secret Service), where `load`
    /// and the desktop app find it. Without a credential store the credentials wait in the
    /// sign-in store for 10 minutes instead (across processes only with REDIS_URL).
    #[command(after_help = EXIT_CODES)]
    Connect(ConnectArgs),
    /// Loads every item and writes them as JSON (the IntegrationItem list), JSON Lines or CSV.
    /// Uses, in order: a token from --token-file or {PROVIDER}_TOKEN; credentials a `connect`
    /// left in the sign-in store; the saved connection; otherwise it signs in first, as
    /// `connect` does.
    #[command(after_help = EXIT_CODES)]
    Load(LoadArgs),
    /// Lists the saved connections (no provider is asked), one JSON object a line.
    #[command(after_help = EXIT_CODES)]
    Accounts,
    /// Removes a saved connection: its tokens from the credential store, its file, and the
    /// grant at the provider where the provider allows revoking it.
    #[command(after_help = EXIT_CODES)]
    Disconnect(DisconnectArgs),
    /// Runs the provider sandbox (made-up versions of every provider) and prints the .env lines
    /// that point `connect` and `load` at it.
    #[command(after_help = EXIT_CODES)]
    Sandbox(SandboxArgs),
}

#[derive(Args)]
struct Who {
    #[arg(help = provider_names().join(", "))]
    provider: String,
    #[arg(long, default_value = "TestUser")]
    user: String,
    #[arg(long, default_value = "TestOrg")]
    org: String,
    /// Which account, by the id `accounts` lists (needed only when more than one of the
    /// provider's accounts is connected for this user and organisation).
    #[arg(long)]
    account: Option<String>,
}

#[derive(Args)]
struct SignInArgs {
    /// Seconds to wait for the browser's callback [default: TRIBUTARY_CALLBACK_TIMEOUT, else 300].
    #[arg(long)]
    timeout: Option<u64>,
    /// Only print the authorize URL (for a machine whose browser is elsewhere).
    #[arg(long)]
    no_browser: bool,
}

#[derive(Args)]
struct ConnectArgs {
    #[command(flatten)]
    who: Who,
    #[command(flatten)]
    sign_in: SignInArgs,
}

#[derive(Args)]
struct DisconnectArgs {
    #[command(flatten)]
    who: Who,
}

#[derive(Args)]
struct LoadArgs {
    #[command(flatten)]
    who: Who,
    /// json (the seed's IntegrationItem list), jsonl or csv.
    #[arg(long, short, default_value = "json")]
    format: Format,
    /// Write here instead of stdout (only once every item is loaded).
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Read a long-lived token made in the provider from this file (a private-app token, a
    /// personal access token, an internal-integration token) instead of signing in.
    #[arg(long)]
    token_file: Option<PathBuf>,
    /// Stop at containers (a base's tables, not their records): the seed's depth. Such a load
    /// is not kept in the library.
    #[arg(long)]
    no_records: bool,
    /// Read everything again instead of what changed since the last sync (the only way to see
    /// records deleted in a provider that reports no deletions).
    #[arg(long)]
    full: bool,
    /// No progress bar or summary on stderr.
    #[arg(long, short)]
    quiet: bool,
    #[command(flatten)]
    sign_in: SignInArgs,
}

#[derive(Args)]
struct SandboxArgs {
    /// Items per provider.
    #[arg(long, default_value_t = 300)]
    items: usize,
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Enforce each provider's documented rate limits.
    #[arg(long)]
    rate_limits: bool,
    /// Listen on free ports instead of 7401-7403.
    #[arg(long)]
    any_port: bool,
}

fn provider_names() -> Vec<&'static str> {
    ProviderId::ALL.iter().map(|p| p.as_str()).collect()
}

/// "Connect A, B and C and load every item, without a window", from the providers there are.
fn about() -> String {
    let names: Vec<&str> = ProviderId::ALL.iter().map(|p| p.display_name()).collect();
    let listed = match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => names.join(""),
    };
    format!("Connect {listed} and load every item, without a window")
}

/// A failure and the exit code it maps to.
struct Failure {
    code: u8,
    message: String,
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        let code = match &e {
            Error::InvalidInput(_) => 2,
            Error::AccessDenied { .. }
            | Error::StateMismatch
            | Error::StateExpired
            | Error::MissingCode
            | Error::BadCallback(_)
            | Error::TimedOut(_)
            | Error::TokenRequest { .. }
            | Error::Listener { .. } => 3,
            Error::NotConfigured { .. } | Error::Config(_) => 4,
            Error::Store(_) | Error::CredentialStore(_) => 5,
            Error::Cancelled(_) => 130,
            _ => 1,
        };
        Failure { code, message: e.to_string() }
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Failure { code: 1, message: e.to_string() }
    }
}

type Outcome = Result<(), Failure>;

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    match runtime.block_on(run(cli.command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("error: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}

async fn run(command: Command) -> Outcome {
    match command {
        Command::Connect(args) => connect(args).await,
        Command::Load(args) => load(args).await,
        Command::Sandbox(args) => sandbox(args).await,
        Command::Accounts => accounts().await,
        Command::Disconnect(args) => disconnect(args).await,
    }
}

async fn core(sign_in: &SignInArgs) -> Result<Core, Failure> {
    let mut settings = Settings::from_env()?;
    if let Some(secs) = sign_in.timeout {
        settings.callback_timeout = Duration::from_secs(secs);
    }
    Ok(Core::new(settings).await?)
}

fn key(who: &Who) -> Result<FlowKey, Failure> {
    let provider: ProviderId = who.provider.parse().map_err(Error::from)?;
    Ok(FlowKey::new(provider, &who.org, &who.user)?)
}

/// `--account` for a command line that names one (none for the provider's unnamed account).
fn account_flag(account_id: &str) -> String {
    if account_id.is_empty() { String::new() } else { format!(" --account '{account_id}'") }
}

/// The loopback sign-in: prints the authorize URL, opens the browser unless told not to, waits.
async fn sign_in(core: &Core, key: &FlowKey, args: &SignInArgs) -> Result<(), Error> {
    let open = |url: &url::Url| {
        eprintln!("Sign in to {} at:\n  {url}", key.provider.display_name());
        if !args.no_browser {
            if let Err(e) = open::that_detached(url.as_str()) {
                eprintln!("(could not open a browser: {e}; open the address above yourself)");
            }
        }
        Ok(())
    };
    let interrupted = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    core.connect_via_loopback(key, open, interrupted).await?;
    Ok(())
}

fn print_summary(summary: &ConnectionSummary) {
    println!("{}", serde_json::to_string_pretty(summary).expect("a summary serializes"));
}

async fn connect(args: ConnectArgs) -> Outcome {
    let core = core(&args.sign_in).await?;
    let key = key(&args.who)?;
    sign_in(&core, &key, &args.sign_in).await?;
    if core.keeps_connections() {
        let summary = core.take_credentials(&key).await?;
        eprintln!(
            "Connected to {} and saved in the system's credential store; `tributary-cli load {} --user '{}' --org '{}'{}` uses it.",
            key.provider.display_name(),
            key.provider.as_str(),
            key.user_id,
            key.org_id,
            account_flag(&summary.account_id)
        );
        print_summary(&summary);
        return Ok(());
    }
    let summary = core.stored_credentials(&key).await?;
    eprintln!(
        "Connected to {}. The credentials wait in the {} for 10 minutes; `tributary-cli load {} --user '{}' --org '{}'` takes them.",
        key.provider.display_name(),
        if core.settings().redis_url.is_some() { "Redis store" } else { "embedded store, which ends with this process (set REDIS_URL to share it)" },
        key.provider.as_str(),
        key.user_id,
        key.org_id
    );
    print_summary(&summary);
    Ok(())
}

async fn load(args: LoadArgs) -> Outcome {
    let core = core(&args.sign_in).await?;
    let key = key(&args.who)?;
    // The destination first: a file that cannot be written is said before a long load, not after.
    let output = match args.output.as_deref().map(AtomicFile::create).transpose() {
        Ok(file) => file,
        Err(e) => return Err(Failure { code: 2, message: e.to_string() }),
    };
    let token = match &args.token_file {
        Some(path) => Some(PersonalToken::new(
            std::fs::read_to_string(path).map_err(|e| Failure { code: 4, message: format!("cannot read {}: {e}", path.display()) })?.trim(),
        )),
        None => core.settings().provider(key.provider).token.clone(),
    };
    let flow = key;
    let (key, summary, _) = core.connect_for_load(&flow, args.who.account.as_deref(), token, || async { sign_in(&core, &flow, &args.sign_in).await }).await?;
    let show_progress = !args.quiet && std::io::stderr().is_terminal();
    let bar = show_progress.then(|| {
        let bar = ProgressBar::new_spinner();
        bar.set_style(ProgressStyle::with_template("{spinner} {elapsed} {msg}").expect("a valid template"));
        bar.enable_steady_tick(Duration::from_millis(120));
        bar
    });
    let progress = bar.clone().map(|bar| {
        Arc::new(move |p: &Progress| bar.set_message(format!("{} items, {} pages, {}", p.items, p.pages, p.listing)))
            as tributary_core::load::ProgressFn
    });
    let cancel = Cancel::new();
    let on_interrupt = cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            on_interrupt.cancel();
        }
    });
    // After the first sync, only what changed (the output is still every item).
    let since = if args.full || args.no_records { None } else { core.reload_point(&key).await? };
    let options = LoadOptions { containers_only: args.no_records, since, ..LoadOptions::default() };
    let result = core.load(&key, options, progress, cancel).await;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let loaded = Arc::new(result.map_err(|e| {
        let mut f = Failure::from(e);
        f.message = format!("{}; nothing was written", f.message);
        f
    })?);
    // The library the window opens on gets the same load (a whole one: not containers alone).
    if !args.no_records {
        core.keep(&key, &loaded).await;
    }
    match output {
        Some(file) => file.write(|out| write_items(&loaded.items, args.format, out))?,
        None => write_items(&loaded.items, args.format, std::io::stdout().lock())?,
    }
    if !args.quiet {
        let account = summary.account.map(|a| format!(" ({a})")).unwrap_or_default();
        eprintln!("Loaded {} items from {}{account}.", loaded.items.len(), key.provider.display_name());
        if let Some(reload) = &loaded.reload {
            eprintln!(
                "Reloaded what changed since {}: {} new or changed, {} removed (--full reads everything again).",
                reload.since.format("%Y-%m-%d %H:%M:%S UTC"),
                reload.changed.len(),
                reload.removed.len()
            );
        }
        if let Some(notes) = loaded.notes.summary() {
            eprintln!("Note: {notes}.");
        }
    }
    Ok(())
}

async fn accounts() -> Outcome {
    let core = Core::new(Settings::from_env()?).await?;
    if !core.keeps_connections() {
        eprintln!("There is no system credential store here: connections are kept for a session only, so none are saved.");
    }
    for saved in core.saved_connections() {
        println!("{}", serde_json::to_string(&saved).expect("a saved connection serializes"));
    }
    Ok(())
}

async fn disconnect(args: DisconnectArgs) -> Outcome {
    let core = Core::new(Settings::from_env()?).await?;
    let flow = key(&args.who)?;
    let key = match core.connection_named(&flow, args.who.account.as_deref())? {
        Some(key) => key,
        None => ConnectionKey::new(&flow, args.who.account.as_deref().unwrap_or_default())?,
    };
    let revoked = core.disconnect(&key).await?;
    eprintln!(
        "Disconnected from {}: the saved connection is removed{}.",
        key.provider.display_name(),
        if revoked { " and the grant revoked" } else { " (the provider was not asked to revoke the grant, or does not offer it)" }
    );
    Ok(())
}

async fn sandbox(args: SandboxArgs) -> Outcome {
    let config = SandboxConfig {
        ports: if args.any_port { tributary_sandbox::PerProvider::all(0) } else { DEFAULT_PORTS },
        seed: args.seed,
        dataset: PerProvider::all(args.items),
        rate_limits: args.rate_limits,
        ..SandboxConfig::default()
    };
    let sandbox = Sandbox::start(config).await.map_err(|e| Failure { code: 1, message: format!("the sandbox cannot listen: {e}") })?;
    println!("# Tributary provider sandbox: put these lines in .env (or the environment) to use it.");
    print!("{}", sandbox.dotenv());
    eprintln!("Sandbox ready; Ctrl-C stops it.");
    let _ = tokio::signal::ctrl_c().await;
    sandbox.shutdown().await;
    Ok(())
}
