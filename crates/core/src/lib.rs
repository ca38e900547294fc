//! The core of Tributary: providers, OAuth sign-in, the store, connections and (later) loaders.
//! No window and no Tauri: the desktop shell and the CLI are thin layers over [`Core`].

pub mod config;
pub mod connection;
mod core;
pub mod error;
pub mod export;
pub mod item;
pub mod library;
pub mod links;
pub mod load;
pub mod oauth;
pub mod providers;
pub mod saved;
/// The providers' specs (the older name of [`providers`]).
pub use providers as provider;
#[cfg(feature = "sandbox")]
pub mod sandbox_mode;
pub mod secret;
pub mod store;

pub use crate::core::{http_client, AccountState, CredentialSource, Core, OpenBrowser, ProviderInfo, SavedState, SignInEvent, SignInListener, SignInOutcome};
pub use config::{CallbackRoute, ProviderSettings, ProviderStatus, Settings};
pub use connection::{Connection, ConnectionKey, ConnectionSummary};
pub use error::{Error, Result};
pub use item::IntegrationItem;
pub use oauth::FlowKey;
pub use provider::{PerProvider, ProviderId, Spec};
pub use secret::{AccessToken, AuthCode, ClientSecret, PersonalToken, PkceVerifier, RefreshToken};
