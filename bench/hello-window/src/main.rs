//! The smallest Tauri 2 window: one static page. The benchmarks launch it beside the app to show
//! what the app adds to start-up time and memory.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    tauri::Builder::default().run(tauri::generate_context!()).expect("the window opens");
}
