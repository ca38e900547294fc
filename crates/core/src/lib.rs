//! The core of Tributary: no window, no Tauri. Later issues add the OAuth flows, the store and
//! the loaders here; the desktop shell and the CLI only call into it.

pub mod item;

pub use item::IntegrationItem;
