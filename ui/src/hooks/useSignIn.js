import { useEffect, useRef, useState } from 'react';
import { authorize, cancelAuthorize, credentials, disconnect, errorMessage, onSignIn } from '../api.js';
import { ErrorKind } from '../errorKinds.js';
import { libraryChanged } from '../items/LibraryView.jsx';

// One provider's sign-in as a state machine: Connect (or Add account) starts it in the system
// browser (the Rust side does the work), the `sign-in` event says how it ended, then the
// credentials are taken into the app and the new connection's summary handed to `onConnected`.
// Disconnect ends one account's connection and tells `onDisconnected` which.
export function useSignIn(provider, onConnected, onDisconnected) {
  const [connecting, setConnecting] = useState(false);
  const [error, setError] = useState(null);
  // A callback refused while the sign-in goes on (a forged or stray link): worth saying, not fatal.
  const [refused, setRefused] = useState(null);
  // The sign-in in flight, as the Rust side names it (ids trimmed).
  const pending = useRef(null);

  useEffect(() => {
    let unlisten = null;
    let mounted = true;
    onSignIn(async (event) => {
      const p = pending.current;
      if (!p) return;
      const mine = event.provider === provider && event.userId === p.user && event.orgId === p.org;
      // A refused callback ends nothing; one that names no sign-in is worth a warning in
      // every sign-in that is waiting. Only an outcome that names this sign-in ends it.
      if (event.outcome === 'refused') {
        if (mine || !event.provider) setRefused(errorMessage(event.error));
        return;
      }
      if (!mine) return;
      pending.current = null;
      setRefused(null);
      if (event.outcome === 'completed') {
        try {
          onConnected(await credentials(provider, p.user, p.org));
        } catch (err) {
          setError(errorMessage(err));
        }
      } else if (event.error?.kind !== ErrorKind.Cancelled) {
        setError(errorMessage(event.error));
      }
      setConnecting(false);
    }).then((stop) => (mounted ? (unlisten = stop) : stop()));
    return () => {
      mounted = false;
      unlisten?.();
    };
  }, [provider, onConnected]);

  async function connect(user, org) {
    setError(null);
    setRefused(null);
    setConnecting(true);
    pending.current = { user: user.trim(), org: org.trim() };
    try {
      await authorize(provider, user, org);
    } catch (err) {
      pending.current = null;
      setConnecting(false);
      setError(errorMessage(err));
    }
  }

  async function cancel(user, org) {
    try {
      await cancelAuthorize(provider, user, org);
    } catch (err) {
      setError(errorMessage(err));
    }
  }

  async function disconnectNow(user, org, accountId) {
    setError(null);
    try {
      await disconnect(provider, user, org, accountId);
      libraryChanged();
      onDisconnected(accountId);
    } catch (err) {
      setError(errorMessage(err));
    }
  }

  return { connecting, error, clearError: () => setError(null), refused, connect, cancel, disconnect: disconnectNow };
}
