//! What a command's failure looks like to the web view: `{ "kind": ..., "message": ... }`, the
//! kind from the core's typed error, the message written for the user (never a secret).

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommandError {
    pub kind: &'static str,
    pub message: String,
}

impl From<tributary_core::Error> for CommandError {
    fn from(e: tributary_core::Error) -> Self {
        CommandError { kind: e.kind(), message: e.to_string() }
    }
}
