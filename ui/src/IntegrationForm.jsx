import { useCallback, useEffect, useState } from 'react';
import { Alert, AlertTitle, Autocomplete, Box, Paper, Stack, TextField, Typography } from '@mui/material';
import { errorMessage, savedConnection } from './api.js';
import { ProviderConnection } from './integrations/ProviderConnection.jsx';
import { DataForm } from './DataForm.jsx';

// The seed's IntegrationForm: who is connecting, to what, and (once connected) the data panel.
// `providers` come from the Rust side (`useProviders`).
export function IntegrationForm({ providers, startupError }) {
  const [user, setUser] = useState('TestUser');
  const [org, setOrg] = useState('TestOrg');
  const [provider, setProvider] = useState(null);
  // Connections by provider, organisation and user, as the app holds them.
  const [connections, setConnections] = useState({});

  const status = providers.find((p) => p.id === provider?.id)?.status;
  const key = provider ? `${provider.id}:${org.trim()}:${user.trim()}` : null;
  const connection = key ? connections[key] ?? null : null;
  const setConnection = useCallback(
    (summary) => setConnections((all) => ({ ...all, [key]: summary })),
    [key],
  );
  // What an earlier run saved for this provider, user and organisation (asked once the ids
  // have settled), and whether connections survive a restart at all.
  const [saved, setSaved] = useState({});
  const [kept, setKept] = useState(true);
  const [libraryNotice, setLibraryNotice] = useState(null);
  const providerId = provider?.id;
  useEffect(() => {
    if (!key || key in connections) return undefined;
    let current = true;
    const timer = setTimeout(async () => {
      try {
        const state = await savedConnection(providerId, user, org);
        if (!current) return;
        setKept(state.kept);
        if (state.libraryNotice) setLibraryNotice(state.libraryNotice);
        setSaved((all) => ({ ...all, [key]: state }));
        if (state.summary) setConnections((all) => (key in all ? all : { ...all, [key]: state.summary }));
      } catch (err) {
        if (current) setSaved((all) => ({ ...all, [key]: { error: errorMessage(err) } }));
      }
    }, 250);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [key, providerId, user, org, connections]);
  const savedState = key ? saved[key] : null;

  // The app could not start on its settings: say what is wrong instead of a form that cannot work.
  if (startupError) {
    return (
      <Paper variant="outlined" sx={{ p: 3 }}>
        <Alert severity="error" data-testid="startup-error">
          <AlertTitle>Tributary could not start</AlertTitle>
          {startupError}
          <Box sx={{ mt: 1 }}>Correct the setting, then start Tributary again.</Box>
        </Alert>
      </Paper>
    );
  }

  return (
    <Paper variant="outlined" sx={{ p: 3 }}>
      <Stack spacing={2}>
        <Typography variant="h6" component="h2">
          Connect an integration
        </Typography>
        <Stack direction={{ xs: 'column', sm: 'row' }} spacing={2}>
          <TextField
            label="User"
            value={user}
            onChange={(e) => setUser(e.target.value)}
            slotProps={{ htmlInput: { 'data-testid': 'user-input' } }}
            fullWidth
          />
          <TextField
            label="Organization"
            value={org}
            onChange={(e) => setOrg(e.target.value)}
            slotProps={{ htmlInput: { 'data-testid': 'org-input' } }}
            fullWidth
          />
        </Stack>
        <Autocomplete
          options={providers}
          getOptionLabel={(p) => p.name}
          isOptionEqualToValue={(a, b) => a.id === b.id}
          value={provider}
          onChange={(_e, value) => setProvider(value)}
          renderOption={(props, option) => (
            <li {...props} key={option.id} data-testid={`integration-option-${option.id}`}>
              {option.name}
            </li>
          )}
          renderInput={(params) => (
            <TextField
              {...params}
              label="Integration type"
              slotProps={{ htmlInput: { ...params.inputProps, 'data-testid': 'integration-select' } }}
            />
          )}
        />
        {libraryNotice && (
          <Alert severity="warning" data-testid="library-notice">
            {libraryNotice}
          </Alert>
        )}
        {!kept && (
          <Alert severity="info" data-testid="session-only">
            This computer has no credential store Tributary can use, so connections last until Tributary closes.
          </Alert>
        )}
        {provider && !connection && savedState?.reconnectNeeded && (
          <Alert severity="warning" data-testid="reconnect-needed">
            {provider.name} no longer accepts the saved sign-in for this user and organization: connect again.
          </Alert>
        )}
        {provider && savedState?.error && (
          <Alert severity="error" data-testid="saved-error">
            {savedState.error}
          </Alert>
        )}
        {provider && (
          <Box>
            <ProviderConnection
              key={provider.id}
              provider={provider.id}
              name={provider.name}
              user={user}
              org={org}
              status={status}
              connection={connection}
              onConnectionChange={setConnection}
            />
          </Box>
        )}
        {provider && connection && (
          <DataForm key={key} provider={provider.id} providerName={provider.name} user={user} org={org} sandbox={status?.state === 'sandbox'} />
        )}
      </Stack>
    </Paper>
  );
}
