fn main() {
    // tauri.conf.json lives at the repository root, beside the workspace manifest.
    let attributes = tauri_build::Attributes::new();
    tauri_build::try_build(attributes.config_path("../tauri.conf.json")).expect("tauri build step");
}
