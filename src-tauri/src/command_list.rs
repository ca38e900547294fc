// The commands the web view may call, listed once. `build.rs` includes this file to give each
// an `allow-<name>`/`deny-<name>` permission; the app includes it for its handler and for
// `COMMANDS`; a test checks the capabilities file and the UI's API module against it.
macro_rules! with_commands {
    ($then:ident) => {
        $then!(list_providers, authorize, cancel_authorize, credentials, saved_connections, stored_items, library_rows, disconnect, load, cancel_load, export_items, open_item, item_record)
    };
}

// The names as strings.
macro_rules! command_names {
    ($($command:ident),*) => {
        &[$(stringify!($command)),*]
    };
}
