//! The commands are listed once (src/command_list.rs): the handler and build.rs's permissions
//! come from that list, and this checks the two files that must be written by hand against it,
//! the capabilities the main window is granted and the UI's API module.

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
    let invoked: BTreeSet<String> = api
        .split("invoke('")
        .skip(1)
        .filter_map(|rest| rest.split('\'').next().map(String::from))
        .collect();
    assert_eq!(invoked, commands());
}
