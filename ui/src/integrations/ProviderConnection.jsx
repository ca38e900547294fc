import { useEffect, useRef, useState } from 'react';
import { Alert, Button, Chip, Stack, Typography } from '@mui/material';
import { authorize, cancelAuthorize, credentials, disconnect, errorMessage, onSignIn } from '../api.js';
import { ErrorKind } from '../errorKinds.js';

// Connect / Connecting... / Connected, with Cancel and Disconnect, for one provider. The browser
// work happens in Rust: this component starts the sign-in, waits for the `sign-in` event that
// says how it ended, then takes the credentials into the app and shows the summary.
export function ProviderConnection({ provider, name, user, org, status, connection, onConnectionChange }) {
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
          onConnectionChange(await credentials(provider, p.user, p.org));
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
  }, [provider, onConnectionChange]);

  async function connect() {
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

  async function cancel() {
    try {
      await cancelAuthorize(provider, user, org);
    } catch (err) {
      setError(errorMessage(err));
    }
  }

  async function disconnectNow() {
    setError(null);
    try {
      await disconnect(provider, user, org);
      onConnectionChange(null);
    } catch (err) {
      setError(errorMessage(err));
    }
  }

  const connected = Boolean(connection);
  const notConfigured = status?.state === 'not_configured';
  return (
    <Stack spacing={1}>
      <Stack direction="row" spacing={2} alignItems="center">
        <Button
          variant="contained"
          color={connected ? 'success' : 'primary'}
          disabled={connecting || connected || notConfigured}
          onClick={connect}
          data-testid="connect-button"
        >
          {connected ? `Connected to ${name}` : connecting ? 'Connecting...' : `Connect to ${name}`}
        </Button>
        {connecting && (
          <Button variant="text" onClick={cancel} data-testid="cancel-connect-button">
            Cancel
          </Button>
        )}
        {connected && (
          <Button variant="outlined" onClick={disconnectNow} data-testid="disconnect-button">
            Disconnect
          </Button>
        )}
        {status?.state === 'sandbox' && (
          <Chip
            color="warning"
            size="small"
            label="Sandbox: made-up data"
            title={`No ${name} client is configured, so the built-in sandbox answers instead of ${name}.`}
            data-testid="sandbox-badge"
          />
        )}
        {connected && connection.account && (
          <Typography variant="body2" color="text.secondary" data-testid="connection-account">
            {connection.account}
          </Typography>
        )}
      </Stack>
      {connecting && (
        <Typography variant="body2" color="text.secondary">
          Finish signing in to {name} in your browser.
        </Typography>
      )}
      {notConfigured && (
        <Alert severity="info" data-testid="not-configured">
          {name} is not configured: set {status.missing.join(', ')} in .env and restart.
        </Alert>
      )}
      {connecting && refused && (
        <Alert severity="warning" data-testid="refused-alert">
          A sign-in link was refused: {refused}. Your sign-in is still waiting for the browser.
        </Alert>
      )}
      {error && (
        <Alert severity="error" data-testid="error-alert" onClose={() => setError(null)}>
          {error}
        </Alert>
      )}
    </Stack>
  );
}
