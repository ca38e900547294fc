//! A sign-in as the user lives it, by either route: started (the system browser opens), then
//! ended once, by the genuine callback, the user's Cancel or the timeout. How it ends is told to
//! the listener the front end installed (the window turns it into an event; nothing polls).
//! Callbacks that end nothing (forged, stray) are told too, as refusals.

use std::sync::Arc;

use url::Url;

use super::Core;
use crate::config::CallbackRoute;
use crate::error::{Error, Operation, Result};
use crate::oauth::{CallbackError, FlowKey};

/// How a sign-in ended, or that a callback was refused while it goes on.
#[derive(Debug)]
pub enum SignInOutcome {
    Completed,
    Failed(Error),
    /// A callback that is not (provably) the pending sign-in's: every sign-in goes on.
    Refused(Error),
}

/// What the listener hears. `key` is the sign-in it is about; for a refusal, the sign-in the
/// callback claims (unverified), or `None` when it names none.
#[derive(Debug)]
pub struct SignInEvent {
    pub key: Option<FlowKey>,
    pub outcome: SignInOutcome,
}

pub type SignInListener = Arc<dyn Fn(SignInEvent) + Send + Sync>;

/// Opens a URL in the user's system browser (never a web view: RFC 8252).
pub type OpenBrowser = Box<dyn FnOnce(&Url) -> Result<()> + Send>;

impl Core {
    /// Where sign-in outcomes go; set once by the front end, before any sign-in starts.
    pub fn on_sign_in(&self, listener: SignInListener) {
        if self.sign_in_listener.set(listener).is_err() {
            tracing::warn!("a sign-in listener was already installed; keeping the first");
        }
    }

    fn tell(&self, key: Option<&FlowKey>, outcome: SignInOutcome) {
        match &outcome {
            SignInOutcome::Completed => {}
            SignInOutcome::Failed(e) => tracing::info!(kind = e.kind(), "sign-in failed: {e}"),
            SignInOutcome::Refused(e) => tracing::warn!(kind = e.kind(), "sign-in callback refused: {e}"),
        }
        match self.sign_in_listener.get() {
            Some(listen) => listen(SignInEvent { key: key.cloned(), outcome }),
            None => tracing::debug!("no sign-in listener installed"),
        }
    }

    fn tell_ended(&self, key: &FlowKey, result: Result<()>) {
        self.tell(Some(key), result.map_or_else(SignInOutcome::Failed, |()| SignInOutcome::Completed));
    }

    /// Starts a sign-in in the system browser and returns once the browser is asked to open.
    /// How it ends is told to the listener: the loopback route waits on its listener, the
    /// deep-link route on [`Core::handle_deep_link`]; either times out after the callback
    /// timeout and can be cancelled with [`Core::cancel_sign_in`]. A new sign-in for the same
    /// connection replaces the one in progress.
    pub async fn start_sign_in(self: &Arc<Self>, key: FlowKey, open_browser: OpenBrowser) -> Result<()> {
        self.settings.provider(key.provider).require_client_id()?;
        match self.settings.callback_route {
            CallbackRoute::DeepLink => {
                let request = self.begin_deep_link(&key).await?;
                if let Err(e) = open_browser(&request.url) {
                    let _ = self.flows.cancel(&key).await;
                    return Err(e);
                }
                let cancel = self.sign_ins.start(&key);
                let (core, timeout) = (self.clone(), self.settings.callback_timeout);
                tokio::spawn(async move {
                    tokio::select! {
                        _ = cancel.cancelled() => {}
                        _ = tokio::time::sleep(timeout) => {
                            if core.sign_ins.finish(&key, &cancel) {
                                let _ = core.flows.cancel(&key).await;
                                core.tell_ended(&key, Err(Error::TimedOut(timeout)));
                            }
                        }
                    }
                });
            }
            CallbackRoute::Loopback => {
                let cancel = self.sign_ins.start(&key);
                let core = self.clone();
                tokio::spawn(async move {
                    let result = core.connect_via_loopback(&key, open_browser, cancel.cancelled()).await;
                    core.sign_ins.finish(&key, &cancel);
                    core.tell_ended(&key, result.map(|_| ()));
                });
            }
        }
        Ok(())
    }

    /// Stops waiting for a sign-in; its state is forgotten, so a late callback is refused.
    pub async fn cancel_sign_in(&self, key: &FlowKey) -> Result<()> {
        let waiting = self.sign_ins.cancel(key);
        // A loopback sign-in's task forgets the flow and tells how it ended itself.
        if !waiting || self.settings.callback_route == CallbackRoute::DeepLink {
            self.flows.cancel(key).await?;
            self.tell_ended(key, Err(Error::Cancelled(Operation::SignIn)));
        }
        Ok(())
    }

    /// The one entry for a deep-link URL the desktop hands over. Only a genuine callback ends a
    /// sign-in (and its timeout); anything else is refused and every sign-in goes on. In
    /// loopback mode deep links are not callbacks, and are only logged.
    pub async fn handle_deep_link(&self, url: &Url) {
        match self.complete_deep_link(url).await {
            Ok(key) => {
                self.sign_ins.cancel(&key);
                self.tell_ended(&key, Ok(()));
            }
            Err(CallbackError::Failed { key, error }) => {
                self.sign_ins.cancel(&key);
                self.tell_ended(&key, Err(error));
            }
            Err(CallbackError::Refused(error)) if self.settings.callback_route == CallbackRoute::Loopback => {
                tracing::info!("a deep link arrived while sign-ins use the loopback port; ignored: {error}");
            }
            Err(CallbackError::Refused(error)) => self.tell(FlowKey::claimed_by(url).as_ref(), SignInOutcome::Refused(error)),
        }
    }
}
