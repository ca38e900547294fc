//! The contract between the web view and the Rust side, checked from both ends. The commands are
//! listed once (src/command_list.rs): the handler and build.rs's permissions come from that
//! list, and this checks the two files that must be written by hand against it, the
//! capabilities the main window is granted and the UI's API module. The error kinds the UI acts
//! on are checked against the kinds the core can send.

use std::collections::BTreeSet;

fn read(path: &str) -> String {
    std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn commands() -> BTreeSet<String> {
    tributary_desktop::COMMANDS.iter().map(|c| c.to_string()).collect()
}

#[test]
fn the_capabilities_grant_exactly_the_listed_commands() {
    let capabilities: serde_json::Value = serde_json::from_str(&read("capabilities/default.json")).unwrap();
    let granted: BTreeSet<String> = capabilities["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p.as_str()?.strip_prefix("allow-").map(|c| c.replace('-', "_")))
        .collect();
    assert_eq!(granted, commands());
}

#[test]
fn the_ui_calls_exactly_the_listed_commands() {
    let api = read("../ui/src/api.js");
    // Called at once (`invoke`, `ask`), or asked for ahead of the view that takes the answer
    // (`prefetch`, `arrived`).
    let invoked: BTreeSet<String> = ["invoke('", "ask('", "prefetch('", "arrived('"]
        .iter()
        .flat_map(|call| api.split(call).skip(1))
        .filter_map(|rest| rest.split('\'').next().map(String::from))
        .collect();
    assert_eq!(invoked, commands());
}

#[test]
fn the_error_kinds_the_ui_acts_on_are_kinds_the_app_sends() {
    let module = read("../ui/src/errorKinds.js");
    let mirrored: Vec<&str> = module.split('\'').skip(1).step_by(2).collect();
    assert!(!mirrored.is_empty());
    let kinds = tributary_core::Error::kinds();
    for kind in &mirrored {
        assert!(kinds.contains(kind), "the UI acts on `{kind}`, which the app never sends ({kinds:?})");
    }
    // Views name kinds only through that module.
    let mut folders = vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src")];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap().map(Result::unwrap) {
            let path = entry.path();
            let name = path.to_string_lossy().into_owned();
            if path.is_dir() {
                folders.push(path);
            } else if (name.ends_with(".js") || name.ends_with(".jsx")) && !name.contains(".test.") {
                let text = std::fs::read_to_string(&path).unwrap();
                assert!(!text.contains("kind === '") && !text.contains("kind !== '"), "{name} spells a kind out");
            }
        }
    }
}
