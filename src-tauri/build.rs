/// Every command the web view may call; each gets `allow-<name>` and `deny-<name>` permissions,
/// granted one by one in `capabilities/default.json` (nothing is allowed by default).
const COMMANDS: &[&str] = &[
    "list_providers",
    "authorize",
    "cancel_authorize",
    "credentials",
    "disconnect",
    "load",
    "cancel_load",
    "export_items",
    "open_item",
];

fn main() {
    // The configuration lives at the repository root; `src-tauri/tauri.conf.json` links to it,
    // so cargo and the Tauri CLI both read it from here and resolve its paths from src-tauri.
    let attributes = tauri_build::Attributes::new()
        .config_path("tauri.conf.json")
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    tauri_build::try_build(attributes).expect("tauri build step");
}
