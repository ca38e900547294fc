import { useState } from 'react';
import { Alert, Button, Stack, Typography } from '@mui/material';
import { authorize, disconnect, errorMessage } from '../api.js';

// Connect / Connecting... / Connected, with Disconnect, for one provider. The browser work
// happens in Rust; this component only starts the flow and shows its outcome.
export function ProviderConnection({ provider, name, user, org, connection, onConnectionChange }) {
  const [connecting, setConnecting] = useState(false);
  const [error, setError] = useState(null);

  async function connect() {
    setError(null);
    setConnecting(true);
    try {
      const summary = await authorize(provider, user, org);
      onConnectionChange(summary ?? { provider });
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setConnecting(false);
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
  return (
    <Stack spacing={1}>
      <Stack direction="row" spacing={2} alignItems="center">
        <Button
          variant="contained"
          color={connected ? 'success' : 'primary'}
          disabled={connecting || connected}
          onClick={connect}
          data-testid="connect-button"
        >
          {connected ? `Connected to ${name}` : connecting ? 'Connecting...' : `Connect to ${name}`}
        </Button>
        {connected && (
          <Button variant="outlined" onClick={disconnectNow} data-testid="disconnect-button">
            Disconnect
          </Button>
        )}
        {connected && connection.account && (
          <Typography variant="body2" color="text.secondary" data-testid="connection-account">
            {connection.account}
          </Typography>
        )}
      </Stack>
      {error && (
        <Alert severity="error" data-testid="error-alert" onClose={() => setError(null)}>
          {error}
        </Alert>
      )}
    </Stack>
  );
}
