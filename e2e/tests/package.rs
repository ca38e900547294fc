//! The Linux package as a user meets it: the `.deb` installs, its desktop entry registers the
//! deep-link scheme with a launcher line that passes the URL on (`%u`), the installed app opens
//! its window, a sign-in completes through the scheme when the "browser" hands the callback to
//! `xdg-open`, and the package uninstalls without leftovers.
//!
//! It changes the system, so it runs only when asked: the test command builds the package and
//! runs it with `--ignored`, passing the package's path in `TRIBUTARY_DEB`.

use std::path::{Path, PathBuf};
use std::process::Command;

use tributary_e2e::fantoccini::Locator;
use tributary_e2e::{browser_program, expected_items, AppSession, Browser, TempFile};
use tributary_sandbox::{PerProvider, ProviderId, Sandbox, SandboxConfig};

const DESKTOP_ENTRY: &str = "/usr/share/applications/Tributary.desktop";
const INSTALLED_APP: &str = "/usr/bin/tributary";

/// Runs a command as root (through sudo when the tests are not root).
fn as_root(args: &[&str]) -> std::process::Output {
    let root = Command::new("id").arg("-u").output().map(|o| o.stdout == b"0\n").unwrap_or(false);
    let mut cmd = if root { Command::new(args[0]) } else { Command::new("sudo") };
    if root {
        cmd.args(&args[1..]);
    } else {
        cmd.arg("-n").args(args);
    }
    cmd.env("DEBIAN_FRONTEND", "noninteractive").output().unwrap_or_else(|e| panic!("{args:?}: {e}"))
}

fn check(out: std::process::Output, what: &str) -> String {
    assert!(out.status.success(), "{what} failed: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
#[ignore = "installs a package system-wide; the test command builds the .deb and runs this"]
async fn the_deb_installs_opens_connects_through_its_deep_link_and_uninstalls() {
    let deb = PathBuf::from(std::env::var("TRIBUTARY_DEB").expect("TRIBUTARY_DEB: the .deb to install (the test command builds it)"));
    let deb = deb.canonicalize().unwrap_or_else(|e| panic!("{}: {e}", deb.display()));
    check(as_root(&["apt-get", "install", "-y", "--no-install-recommends", deb.to_str().unwrap()]), "installing the .deb");

    // The desktop entry: launched for our scheme, with the URL passed on.
    let entry = std::fs::read_to_string(DESKTOP_ENTRY).expect("the package installs its desktop entry");
    let exec = entry.lines().find(|l| l.starts_with("Exec=")).expect("an Exec line");
    assert_eq!(exec, "Exec=tributary %u", "without %u the desktop drops every deep link");
    assert!(entry.lines().any(|l| l == "MimeType=x-scheme-handler/dev.tributary.app;"), "{entry}");
    assert!(entry.lines().any(|l| l == "Name=Tributary"), "{entry}");
    let handler = check(Command::new("xdg-mime").args(["query", "default", "x-scheme-handler/dev.tributary.app"]).output().unwrap(), "xdg-mime");
    assert_eq!(handler.trim(), "Tributary.desktop", "the desktop database names the app as the scheme's handler");

    // The installed binary opens its window and signs in through the scheme: the "browser"
    // approves and hands the callback URL to xdg-open, which starts `tributary %u`; that second
    // instance passes the URL to the first and exits.
    std::env::set_var("TRIBUTARY_APP", INSTALLED_APP);
    let sandbox = Sandbox::start(SandboxConfig { dataset: PerProvider::all(40), ..Default::default() }).await.unwrap();
    let browser = browser_program(Browser::Approve);
    let data_home = TempFile(std::env::temp_dir().join(format!("tributary-package-{}", std::process::id())));
    let config_home = TempFile(std::env::temp_dir().join(format!("tributary-package-config-{}", std::process::id())));
    // An installed app is started from the desktop, in no project folder: its settings come
    // from the user's settings file.
    let settings_dir = config_home.0.join("dev.tributary.app");
    std::fs::create_dir_all(&settings_dir).unwrap();
    let mut settings: String = sandbox.env_vars().iter().map(|(k, v)| format!("{k}={v}\n")).collect();
    settings.push_str("TRIBUTARY_CALLBACK=deep-link\n");
    std::fs::write(settings_dir.join("settings.env"), settings).unwrap();
    let env = [
        ("BROWSER", browser.0.display().to_string()),
        ("XDG_DATA_HOME", data_home.0.display().to_string()),
        ("XDG_CONFIG_HOME", config_home.0.display().to_string()),
    ];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let app = AppSession::launch(&env).await;
    assert_eq!(app.by_test_id("app-title").await.text().await.unwrap(), "Tributary");
    app.by_test_id("integration-select").await.click().await.unwrap();
    app.by_test_id("integration-option-notion").await.click().await.unwrap();
    app.by_test_id("connect-button").await.click().await.unwrap();
    app.wait_for_text("connect-button", |t| t == "Connected to Notion", "error-alert").await;
    let account = app.by_test_id("connection-account").await.text().await.unwrap();
    assert_eq!(account, sandbox.dataset().notion.workspace_name);
    assert!(
        app.client.find(Locator::Css("[data-testid=\"sandbox-badge\"]")).await.is_err(),
        "Notion is the one the settings file configures, not the built-in sandbox"
    );
    app.by_test_id("load-button").await.click().await.unwrap();
    let count = format!("{} items from Notion", expected_items(sandbox.dataset(), ProviderId::Notion).len());
    app.wait_for_text("item-count", |t| t == count, "load-error").await;
    let shot = app.screenshot("installed-package.png").await;
    assert!(std::fs::metadata(&shot).unwrap().len() > 10_000, "the installed app's window rendered");
    app.close().await;

    check(as_root(&["apt-get", "remove", "-y", "--purge", "tributary"]), "removing the package");
    for path in [INSTALLED_APP, DESKTOP_ENTRY] {
        assert!(!Path::new(path).exists(), "{path} is left behind");
    }
    assert!(!Command::new("dpkg").args(["-s", "tributary"]).output().unwrap().status.success(), "the package is gone");
}
