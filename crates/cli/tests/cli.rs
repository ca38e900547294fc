//! The built `tributary-cli` binary against the sandbox: connect through the loopback with an
//! approving client, load in each format, the token-from-environment and token-file routes,
//! and the exit codes of failures.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use tributary_sandbox::consent::{decide_consent, ConsentOutcome};
use tributary_sandbox::{PerProvider, ArmedFault, Fault, ProviderId, Sandbox, SandboxConfig};

const ITEMS: usize = 250;

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

async fn sandbox() -> Sandbox {
    Sandbox::start(SandboxConfig { dataset: PerProvider::all(ITEMS), ..Default::default() }).await.unwrap()
}

/// Items the app makes of a sandbox of `ITEMS` per provider (HubSpot adds one folder per type).
fn expected_count(p: ProviderId) -> usize {
    match p {
        ProviderId::Hubspot => ITEMS + 3,
        _ => ITEMS,
    }
}

/// A real redis-server for the tests that share credentials between processes: the test
/// command's (TEST_REDIS_URL), else one of our own.
struct Redis {
    url: String,
    _child: Option<KillOnDrop>,
}

struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn redis() -> Redis {
    if let Some(url) = std::env::var("TEST_REDIS_URL").ok().filter(|u| !u.is_empty()) {
        return Redis { url, _child: None };
    }
    let port = free_port();
    let child = Command::new("redis-server")
        .args(["--bind", "127.0.0.1", "--port", &port.to_string(), "--save", "", "--appendonly", "no"])
        .stdout(Stdio::null())
        .spawn()
        .expect("redis-server (the README's test command installs it)");
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "redis-server did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    Redis { url: format!("redis://127.0.0.1:{port}/"), _child: Some(KillOnDrop(child)) }
}

/// The CLI, run in an empty folder (no stray `.env`) with only the given settings.
fn cli(env: &[(String, String)], args: &[&str]) -> Command {
    let dir = std::env::temp_dir().join("tributary-cli-tests");
    std::fs::create_dir_all(&dir).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tributary-cli"));
    cmd.args(args).current_dir(&dir).env_clear().env("PATH", std::env::var_os("PATH").unwrap_or_default());
    // Not the machine user's settings file or data folder: a test that wants one sets its own.
    cmd.env("XDG_CONFIG_HOME", &dir).env("XDG_DATA_HOME", &dir);
    cmd.envs(env.iter().map(|(k, v)| (k, v)));
    cmd
}

/// The sandbox's settings, and a data folder of the test's own (never the machine user's
/// library or saved connections; a test that names another folder later wins).
fn sandbox_env(sb: &Sandbox) -> Vec<(String, String)> {
    let mut env = sb.env_vars();
    env.push(("TRIBUTARY_REDIRECT_PORT".into(), free_port().to_string()));
    let data = std::env::temp_dir().join(format!("tributary-cli-data-{}-{}", std::process::id(), free_port()));
    env.push(("TRIBUTARY_DATA_DIR".into(), data.display().to_string()));
    env
}

/// Runs the CLI with `--no-browser`, plays the user's browser for the authorize URL it prints
/// (approving or denying), and returns its output.
async fn with_browser(mut cmd: Command, approve: bool) -> Output {
    let mut child = cmd.arg("--no-browser").stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let stderr = child.stderr.take().unwrap();
    let (url_tx, url_rx) = tokio::sync::oneshot::channel();
    // Keep reading stderr (the CLI must never block on a full pipe), passing on the URL.
    let reader = std::thread::spawn(move || {
        let mut url_tx = Some(url_tx);
        let mut text = String::new();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if line.trim_start().starts_with("http") {
                if let Some(tx) = url_tx.take() {
                    let _ = tx.send(line.trim().to_string());
                }
            }
            text += &line;
            text.push('\n');
        }
        text
    });
    let url = tokio::time::timeout(Duration::from_secs(30), url_rx).await.expect("the CLI prints the authorize URL").unwrap();
    match decide_consent(&url, approve).await.unwrap() {
        ConsentOutcome::Redirect(callback) => {
            let page = reqwest::get(callback).await.unwrap();
            assert!(page.status().is_success() || page.status().is_client_error());
        }
        ConsentOutcome::NoCallback => {}
    }
    let output = tokio::task::spawn_blocking(move || child.wait_with_output()).await.unwrap().unwrap();
    Output { stderr: reader.join().unwrap().into_bytes(), ..output }
}

/// Items in id order: listings that run concurrently (HubSpot's object types) may interleave.
fn by_id(mut items: Vec<serde_json::Value>) -> Vec<serde_json::Value> {
    items.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
    items
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_then_load_in_another_process_through_redis() {
    let sb = sandbox().await;
    let redis = redis();
    for p in ProviderId::ALL {
        let mut env = sandbox_env(&sb);
        env.push(("REDIS_URL".into(), redis.url.clone()));
        let user = format!("cli-user-{}", free_port());
        let out = with_browser(cli(&env, &["connect", p.as_str(), "--user", &user, "--org", "cli-org"]), true).await;
        assert!(out.status.success(), "{}: {}", p.as_str(), text(&out.stderr));
        let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(summary["provider"], p.as_str());
        assert!(!text(&out.stdout).contains("token"), "the summary holds no token: {}", text(&out.stdout));

        // A second process takes the credentials from Redis: no sign-in (it would time out).
        let out = cli(&env, &["load", p.as_str(), "--user", &user, "--org", "cli-org", "--no-browser", "--timeout", "2"]).output().unwrap();
        assert!(out.status.success(), "{}: {}", p.as_str(), text(&out.stderr));
        let items: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(items.len(), expected_count(p), "{}: every item", p.as_str());
        assert_eq!(items[0].as_object().unwrap().len(), 14, "the seed's 14 fields");
        assert!(text(&out.stderr).contains(&format!("Loaded {} items", expected_count(p))));

        // Taken once: a third process finds nothing stored and has to sign in, which times out.
        let out = cli(&env, &["load", p.as_str(), "--user", &user, "--org", "cli-org", "--no-browser", "--timeout", "1"]).output().unwrap();
        assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
        assert!(out.stdout.is_empty());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_signs_in_itself_when_nothing_is_stored() {
    let sb = sandbox().await;
    let out = with_browser(cli(&sandbox_env(&sb), &["load", "notion", "--format", "jsonl"]), true).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let lines: Vec<serde_json::Value> = text(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), ITEMS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_format_with_a_token_from_the_environment_or_a_file() {
    let sb = sandbox().await;
    for p in ProviderId::ALL {
        let mut env = sandbox_env(&sb);
        let token = sb.config().personal_tokens.get(p).clone();
        env.push((p.setting("TOKEN"), token.clone()));

        let json = cli(&env, &["load", p.as_str()]).output().unwrap();
        assert!(json.status.success(), "{}", text(&json.stderr));
        let items = by_id(serde_json::from_slice(&json.stdout).unwrap());
        assert_eq!(items.len(), expected_count(p));

        let jsonl = cli(&env, &["load", p.as_str(), "-f", "jsonl", "--quiet"]).output().unwrap();
        assert!(jsonl.status.success() && jsonl.stderr.is_empty(), "{}", text(&jsonl.stderr));
        let lines = by_id(text(&jsonl.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect());
        assert!(lines == items, "JSON Lines holds the same items");

        let file: PathBuf = std::env::temp_dir().join(format!("tributary-cli-{}-{}.csv", p.as_str(), std::process::id()));
        let csv = cli(&env, &["load", p.as_str(), "--format", "csv", "--output", file.to_str().unwrap()]).output().unwrap();
        assert!(csv.status.success(), "{}", text(&csv.stderr));
        assert!(csv.stdout.is_empty(), "with --output nothing goes to stdout");
        let written = std::fs::read_to_string(&file).unwrap();
        let mut rows = written.lines();
        assert_eq!(rows.next(), Some("id,type,directory,parent_path_or_name,parent_id,name,creation_time,last_modified_time,url,children,mime_type,delta,drive_id,visibility"));
        assert_eq!(rows.count(), items.len(), "one row per item (names hold no line breaks)");
        let _ = std::fs::remove_file(&file);

        // The same token from a file, with no environment variable.
        let token_file = std::env::temp_dir().join(format!("tributary-cli-token-{}-{}", p.as_str(), std::process::id()));
        std::fs::write(&token_file, format!("{token}\n")).unwrap();
        let from_file = cli(&sandbox_env(&sb), &["load", p.as_str(), "--token-file", token_file.to_str().unwrap()]).output().unwrap();
        assert!(from_file.status.success(), "{}", text(&from_file.stderr));
        assert!(by_id(serde_json::from_slice(&from_file.stdout).unwrap()) == items, "the same items");
        let _ = std::fs::remove_file(&token_file);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_load_exits_non_zero_and_writes_nothing() {
    let sb = sandbox().await;
    let mut env = sandbox_env(&sb);
    env.push(("AIRTABLE_TOKEN".into(), sb.config().personal_tokens.get(ProviderId::Airtable).clone()));
    let file = std::env::temp_dir().join(format!("tributary-cli-failed-{}.json", std::process::id()));
    sb.arm_fault(ProviderId::Airtable, ArmedFault::new(Fault::MalformedJson).after(3));
    let out = cli(&env, &["load", "airtable", "--output", file.to_str().unwrap()]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("error:") && stderr.contains("nothing was written"), "{stderr}");
    assert!(!file.exists() && !file.with_extension("json.partial").exists(), "no file, not even a partial one");

    // A revoked token: the provider refuses it and the load says so.
    sb.revoke_all_tokens(ProviderId::Airtable);
    let out = cli(&env, &["load", "airtable"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let stderr = text(&out.stderr);
    assert!(!stderr.contains(sb.config().personal_tokens.get(ProviderId::Airtable)), "no token in the message: {stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_and_configuration_failures_have_their_own_exit_codes() {
    let sb = sandbox().await;
    let denied = with_browser(cli(&sandbox_env(&sb), &["connect", "notion"]), false).await;
    assert_eq!(denied.status.code(), Some(3), "{}", text(&denied.stderr));
    assert!(text(&denied.stderr).contains("denied"));

    let unconfigured = cli(&[], &["load", "hubspot"]).output().unwrap();
    assert_eq!(unconfigured.status.code(), Some(4));
    assert!(text(&unconfigured.stderr).contains("HUBSPOT_CLIENT_ID") && text(&unconfigured.stderr).contains("settings.env"), "{}", text(&unconfigured.stderr));

    let unknown = cli(&sandbox_env(&sb), &["load", "salesforce"]).output().unwrap();
    assert_eq!(unknown.status.code(), Some(2));
    let bad_format = cli(&sandbox_env(&sb), &["load", "notion", "--format", "xml"]).output().unwrap();
    assert_eq!(bad_format.status.code(), Some(2));

    let unreachable_redis = [sandbox_env(&sb), vec![("REDIS_URL".to_string(), format!("redis://127.0.0.1:{}/", free_port()))]].concat();
    let out = cli(&unreachable_redis, &["connect", "notion", "--no-browser"]).output().unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", text(&out.stderr));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_exchange_that_breaks_in_any_way_is_a_sign_in_failure() {
    let sb = sandbox().await;
    let mut env = sandbox_env(&sb);
    env.push(("TRIBUTARY_HTTP_TIMEOUT".into(), "1".into()));
    for fault in [Fault::MalformedJson, Fault::TruncatedBody, Fault::NoAccessToken, Fault::Slow { millis: 3000 }] {
        sb.arm_fault(ProviderId::Notion, ArmedFault::new(fault.clone()).on_token());
        let out = with_browser(cli(&env, &["connect", "notion"]), true).await;
        assert_eq!(out.status.code(), Some(3), "{fault:?}: {}", text(&out.stderr));
        assert!(text(&out.stderr).contains("token request failed"), "{fault:?}: {}", text(&out.stderr));
        sb.clear_faults(ProviderId::Notion);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_output_file_that_cannot_be_written_is_named_before_anything_is_loaded() {
    let sb = sandbox().await;
    let mut env = sandbox_env(&sb);
    env.push(("NOTION_TOKEN".into(), sb.config().personal_tokens.get(ProviderId::Notion).clone()));
    let dir = std::env::temp_dir().join(format!("tributary-cli-no-such-folder-{}", std::process::id()));
    for target in [dir.join("items.json"), std::env::temp_dir()] {
        let out = cli(&env, &["load", "notion", "--output", target.to_str().unwrap()]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
        assert!(text(&out.stderr).contains(target.to_str().unwrap()), "the path is named: {}", text(&out.stderr));
    }
    assert_eq!(sb.stats(ProviderId::Notion).api_requests, 0, "nothing was loaded first");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_load_that_fails_gives_the_sign_ins_credentials_back() {
    let sb = sandbox().await;
    let redis = redis();
    for p in [ProviderId::Airtable, ProviderId::Notion] {
        let mut env = sandbox_env(&sb);
        env.push(("REDIS_URL".into(), redis.url.clone()));
        let user = format!("kept-{}", free_port());
        let who = ["--user", user.as_str(), "--org", "cli-org"];
        let out = with_browser(cli(&env, &[&["connect", p.as_str()][..], &who].concat()), true).await;
        assert!(out.status.success(), "{}", text(&out.stderr));
        // The first request finds its access token expired (the refresh rotates both tokens),
        // then the provider fails for good.
        sb.arm_fault(p, ArmedFault::new(Fault::ExpireAccessTokens));
        sb.arm_fault(p, ArmedFault::new(Fault::ServerError { status: 500 }).after(1).times(1000));
        let load = [&["load", p.as_str(), "--no-browser", "--timeout", "1"][..], &who].concat();
        let out = cli(&env, &load).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
        sb.clear_faults(p);
        // The next attempt needs no sign-in (it would time out): the rotated credentials wait.
        let out = cli(&env, &load).output().unwrap();
        assert!(out.status.success(), "{}: {}", p.as_str(), text(&out.stderr));
        let items: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(items.len(), expected_count(p));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_come_from_the_user_settings_file_and_the_environment_wins() {
    let sb = sandbox().await;
    let config_home = std::env::temp_dir().join(format!("tributary-cli-config-{}", std::process::id()));
    let file = config_home.join("dev.tributary.app/settings.env");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    let mut lines: String = sandbox_env(&sb).iter().map(|(k, v)| format!("{k}={v}\n")).collect();
    lines.push_str(&format!("NOTION_TOKEN={}\n", sb.config().personal_tokens.get(ProviderId::Notion)));
    std::fs::write(&file, lines).unwrap();
    let home = [("XDG_CONFIG_HOME".to_string(), config_home.display().to_string())];

    let out = cli(&home, &["load", "notion", "--format", "jsonl", "--quiet"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).lines().count(), expected_count(ProviderId::Notion));

    // A variable in the environment wins over the file.
    let dead = [home.to_vec(), vec![("NOTION_API_BASE".to_string(), format!("http://127.0.0.1:{}/", free_port()))]].concat();
    let out = cli(&dead, &["load", "notion", "--quiet"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));

    // A line the file cannot hold is a configuration error naming the file.
    std::fs::write(&file, "NOTION_TOKEN='unterminated\n").unwrap();
    let out = cli(&home, &["load", "notion"]).output().unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("settings.env"), "{}", text(&out.stderr));
    std::fs::remove_dir_all(&config_home).unwrap();
}

#[test]
fn every_subcommand_documents_itself_and_the_exit_codes() {
    for sub in [&[][..], &["connect"][..], &["load"][..], &["sandbox"][..]] {
        let out = cli(&[], &[sub, &["--help"]].concat()).output().unwrap();
        assert!(out.status.success());
        let help = text(&out.stdout);
        assert!(help.contains("Exit codes: 0 done; 1 the load failed"), "{sub:?}: {help}");
    }
    let load = text(&cli(&[], &["load", "--help"]).output().unwrap().stdout);
    for option in ["--format", "--output", "--token-file", "--timeout", "--no-browser"] {
        assert!(load.contains(option), "load --help lacks {option}");
    }
}

#[test]
fn the_sandbox_subcommand_serves_and_prints_its_settings() {
    let mut child = cli(&[], &["sandbox", "--any-port", "--items", "10"]).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut api_base = None;
    for line in lines.by_ref().map_while(Result::ok) {
        if let Some(v) = line.strip_prefix("NOTION_API_BASE=") {
            api_base = Some(v.to_string());
            break;
        }
    }
    let api_base = api_base.expect("the .env lines");
    let token = SandboxConfig::default().personal_tokens.get(ProviderId::Notion).clone();
    let response = notion_search(&api_base, &token);
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(response["results"].as_array().map(Vec::len), Some(10));
}

/// One Notion search against a running sandbox, from a plain (non-async) test.
fn notion_search(api_base: &str, token: &str) -> serde_json::Value {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        reqwest::Client::new()
            .post(format!("{api_base}v1/search"))
            .bearer_auth(token)
            .header("Notion-Version", tributary_sandbox::dataset::notion::NOTION_VERSION)
            .json(&serde_json::json!({ "page_size": 100 }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    })
}

/// The environment that reaches the system's credential store (the test command's Secret
/// Service), with a data folder of the test's own.
fn credential_store_env(sb: &Sandbox) -> (Vec<(String, String)>, PathBuf) {
    let data = std::env::temp_dir().join(format!("tributary-cli-saved-{}-{}", std::process::id(), free_port()));
    let mut env = sandbox_env(sb);
    env.push(("TRIBUTARY_DATA_DIR".into(), data.display().to_string()));
    if let Ok(bus) = std::env::var("DBUS_SESSION_BUS_ADDRESS") {
        env.push(("DBUS_SESSION_BUS_ADDRESS".into(), bus));
    }
    (env, data)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_then_load_in_another_process_through_the_credential_store_then_list_and_disconnect() {
    let sb = sandbox().await;
    let (env, data) = credential_store_env(&sb);
    let who = ["--user", "saved-user", "--org", "saved-org"];
    let out = with_browser(cli(&env, &[&["connect", "airtable"][..], &who].concat()), true).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    if std::env::var("TRIBUTARY_EXPECT_KEYRING").is_ok_and(|v| v == "1") {
        assert!(text(&out.stderr).contains("saved in the system's credential store"), "{}", text(&out.stderr));
    } else if !text(&out.stderr).contains("saved in the system's credential store") {
        // No credential store on this machine: the connection lasted for that process only.
        let out = cli(&env, &["accounts"]).output().unwrap();
        assert!(out.status.success() && out.stdout.is_empty(), "{}", text(&out.stderr));
        return;
    }

    // Another process, no Redis: the saved connection, and no sign-in (it would time out).
    let out = cli(&env, &[&["load", "airtable", "--no-browser", "--timeout", "1"][..], &who].concat()).output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let items: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(items.len(), expected_count(ProviderId::Airtable));
    // And again: a saved connection is not taken away by a load, and this one reads only what
    // changed since (the library the first one kept says when), yet writes every item.
    let changed = sb.change(ProviderId::Airtable, tributary_sandbox::changes::Change { edit: 2, ..Default::default() });
    let again = cli(&env, &[&["load", "airtable", "--no-browser", "--timeout", "1"][..], &who].concat()).output().unwrap();
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert!(text(&again.stderr).contains("Reloaded what changed since"), "{}", text(&again.stderr));
    let reloaded: Vec<serde_json::Value> = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(reloaded.len(), items.len(), "every item, not only the changed ones");
    for c in &changed.edited {
        let item = reloaded.iter().find(|i| i["id"] == c.id.as_str()).expect("the edited record");
        assert!(item["name"].as_str().unwrap().ends_with("(edited)"), "{item}");
    }
    let full = cli(&env, &[&["load", "airtable", "--no-browser", "--timeout", "1", "--full"][..], &who].concat()).output().unwrap();
    assert!(full.status.success() && !text(&full.stderr).contains("Reloaded"), "{}", text(&full.stderr));

    let out = cli(&env, &["accounts"]).output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let listed: Vec<serde_json::Value> = text(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!((listed[0]["provider"].as_str(), listed[0]["orgId"].as_str(), listed[0]["userId"].as_str()), (Some("airtable"), Some("saved-org"), Some("saved-user")));
    assert!(!text(&out.stdout).contains("token\""), "no token listed: {}", text(&out.stdout));

    let out = cli(&env, &[&["disconnect", "airtable"][..], &who].concat()).output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = cli(&env, &["accounts"]).output().unwrap();
    assert!(out.stdout.is_empty(), "nothing left: {}", text(&out.stdout));
    // With nothing saved, a load has to sign in again (which times out here).
    let out = cli(&env, &[&["load", "airtable", "--no-browser", "--timeout", "1"][..], &who].concat()).output().unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    std::fs::remove_dir_all(&data).ok();
}
