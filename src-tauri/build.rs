// Every command the web view may call (listed once, in src/command_list.rs); each gets
// `allow-<name>` and `deny-<name>` permissions, granted one by one in
// `capabilities/default.json` (nothing is allowed by default).
include!("src/command_list.rs");
const COMMANDS: &[&str] = with_commands!(command_names);

fn main() {
    // The configuration lives at the repository root; `src-tauri/tauri.conf.json` links to it,
    // so cargo and the Tauri CLI both read it from here and resolve its paths from src-tauri.
    let attributes = tauri_build::Attributes::new()
        .config_path("tauri.conf.json")
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    tauri_build::try_build(attributes).expect("tauri build step");
}
