//! OAuth 2.0 authorization code flow with PKCE (S256) and a single-use, user-bound `state`.
//!
//! ```text
//! begin(key)    -> state + verifier stored (TTL) -> authorize URL opened in the system browser
//! browser       -> provider consent -> redirect to loopback listener or deep link
//! complete(url) -> state taken (single use) and checked -> verifier taken -> code exchanged
//!               -> credentials stored (TTL) -> take_credentials(key) returns them once
//! ```

pub mod callback;
pub mod flow;
pub mod loopback;
pub mod state;
pub mod token;

pub use callback::CallbackParams;
pub use flow::{AuthorizeRequest, CallbackError, FlowKey, OAuthFlows};
pub use loopback::LoopbackListener;
pub use token::TokenSet;
