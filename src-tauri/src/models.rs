//! What crosses the bridge between the web view and the Rust side, in one place: the
//! arguments commands take and the shapes events carry. camelCase on the wire, as the UI
//! writes it; never a token, code or verifier.

use serde::{Deserialize, Serialize};
use tributary_core::export::Format;
use tributary_core::library::{RowsQuery, SearchField, SortColumn};
use tributary_core::{ConnectionKey, Error, FlowKey, SignInEvent, SignInOutcome};

use crate::error::CommandError;

/// Which connection a command is about: the seed's (provider, user, organisation), and for a
/// connection the account (`accountId`, as its summary names it; empty or left out: the
/// provider's unnamed one). A sign-in is about the first three only: its account is known once
/// it completes.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionRef {
    pub provider: String,
    pub user_id: String,
    pub org_id: String,
    #[serde(default)]
    pub account_id: String,
}

impl ConnectionRef {
    /// The validated sign-in key (a known provider, ids the store can hold).
    pub fn key(&self) -> Result<FlowKey, Error> {
        FlowKey::new(self.provider.parse()?, &self.org_id, &self.user_id)
    }

    /// The validated connection key.
    pub fn connection(&self) -> Result<ConnectionKey, Error> {
        ConnectionKey::new(&self.key()?, &self.account_id)
    }
}

/// Load a connection's items: what changed since its last sync, or everything when `full`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoadRequest {
    pub connection: ConnectionRef,
    #[serde(default)]
    pub full: bool,
}

/// A page of library rows: whose (empty: every connection), matching what, in which order.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RowsRequest {
    #[serde(default)]
    pub connections: Vec<ConnectionRef>,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub field: SearchField,
    #[serde(default)]
    pub sort: SortColumn,
    #[serde(default)]
    pub descending: bool,
    #[serde(default)]
    pub offset: usize,
    pub limit: usize,
}

impl RowsRequest {
    /// The core's query, every connection checked.
    pub fn query(self) -> Result<RowsQuery, Error> {
        let connections = self.connections.iter().map(ConnectionRef::connection).collect::<Result<_, _>>()?;
        Ok(RowsQuery { connections, text: self.text, field: self.field, sort: self.sort, descending: self.descending, offset: self.offset, limit: self.limit })
    }
}

/// Export the connection's last load.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportRequest {
    pub connection: ConnectionRef,
    pub format: Format,
}

/// One item of a connection: to open in its provider, or to read its provider record.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemRequest {
    pub connection: ConnectionRef,
    pub item_id: String,
}

/// The `sign-in` event: which sign-in (or none) and how it ended.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SignInNotice {
    pub provider: Option<String>,
    pub user_id: Option<String>,
    pub org_id: Option<String>,
    pub outcome: Outcome,
    pub error: Option<CommandError>,
}

#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Completed,
    Failed,
    /// A callback was refused (forged, meant for someone else, unreadable, or the store could
    /// not be asked): every sign-in goes on.
    Refused,
}

impl From<SignInEvent> for SignInNotice {
    fn from(event: SignInEvent) -> Self {
        let (outcome, error) = match event.outcome {
            SignInOutcome::Completed => (Outcome::Completed, None),
            SignInOutcome::Failed(e) => (Outcome::Failed, Some(CommandError::from(e))),
            SignInOutcome::Refused(e) => (Outcome::Refused, Some(CommandError::from(e))),
        };
        let key = event.key.as_ref();
        SignInNotice {
            provider: key.map(|k| k.provider.as_str().to_string()),
            user_id: key.map(|k| k.user_id.clone()),
            org_id: key.map(|k| k.org_id.clone()),
            outcome,
            error,
        }
    }
}
