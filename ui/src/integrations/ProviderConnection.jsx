import { Alert, Button, Chip, MenuItem, Stack, TextField, Typography } from '@mui/material';
import { useSignIn } from '../hooks/useSignIn.js';

// Connect / Connecting... / Connected, with Cancel, Disconnect and Add account, for one
// provider; with more than one account connected, which one the panel below is about. The
// sign-in's state lives in `useSignIn`; this renders it.
export function ProviderConnection({ provider, name, user, org, status, connection, accounts, selected, onSelect, onConnected, onDisconnected }) {
  const signIn = useSignIn(provider, onConnected, onDisconnected);
  const { connecting, error, refused } = signIn;
  const connect = () => signIn.connect(user, org);
  const cancel = () => signIn.cancel(user, org);
  const disconnectNow = () => signIn.disconnect(user, org, connection?.accountId ?? '');

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
        {connected && !connecting && (
          <Button variant="text" onClick={connect} disabled={notConfigured} data-testid="add-account-button">
            Add account
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
        {connected && accounts.length < 2 && connection.account && (
          <Typography variant="body2" color="text.secondary" data-testid="connection-account">
            {connection.account}
          </Typography>
        )}
      </Stack>
      {accounts.length > 1 && (
        <TextField
          select
          label={`${name} account`}
          value={selected ?? ''}
          onChange={(e) => onSelect(e.target.value)}
          size="small"
          sx={{ maxWidth: 420 }}
          slotProps={{ htmlInput: { 'data-testid': 'account-select' } }}
        >
          {accounts.map((a) => (
            <MenuItem key={a.accountId} value={a.accountId} data-testid={`account-option-${a.accountId}`}>
              {accountLabel(a)}
              {a.reconnectNeeded ? ' (reconnect needed)' : ''}
            </MenuItem>
          ))}
        </TextField>
      )}
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
        <Alert severity="error" data-testid="error-alert" onClose={signIn.clearError}>
          {error}
        </Alert>
      )}
    </Stack>
  );
}

// How an account is named in the window: its provider's name for it, else its id.
export function accountLabel(account) {
  return account.account || (account.accountId ? `Account ${account.accountId}` : 'Unnamed account');
}
