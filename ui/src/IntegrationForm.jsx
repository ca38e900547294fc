import { useCallback, useEffect, useState } from 'react';
import { Alert, AlertTitle, Autocomplete, Box, Paper, Stack, TextField, Typography } from '@mui/material';
import { errorMessage, savedConnections } from './api.js';
import { ProviderConnection } from './integrations/ProviderConnection.jsx';
import { DataForm } from './DataForm.jsx';

// The seed's IntegrationForm: who is connecting, to what, and (once connected) the data panel.
// `providers` come from the Rust side (`useProviders`).
export function IntegrationForm({ providers, startupError }) {
  const [user, setUser] = useState('TestUser');
  const [org, setOrg] = useState('TestOrg');
  const [provider, setProvider] = useState(null);
  // Each provider, organisation and user's connected accounts (`{ accountId, account, summary,
  // reconnectNeeded }`, as the app holds them), and which one the panel shows.
  const [accounts, setAccounts] = useState({});
  const [selected, setSelected] = useState({});

  const status = providers.find((p) => p.id === provider?.id)?.status;
  const key = provider ? `${provider.id}:${org.trim()}:${user.trim()}` : null;
  const known = key ? accounts[key] ?? null : null;
  const current = known?.find((a) => a.accountId === selected[key]) ?? known?.[0] ?? null;
  const connection = current?.summary ?? null;
  // A sign-in completed: its account joins the list (or replaces its old entry) and is shown.
  const onConnected = useCallback(
    (summary) => {
      const entry = { accountId: summary.accountId, account: summary.account, summary, reconnectNeeded: false };
      setAccounts((all) => ({ ...all, [key]: [...(all[key] ?? []).filter((a) => a.accountId !== summary.accountId), entry] }));
      setSelected((all) => ({ ...all, [key]: summary.accountId }));
    },
    [key],
  );
  const onDisconnected = useCallback(
    (accountId) => setAccounts((all) => ({ ...all, [key]: (all[key] ?? []).filter((a) => a.accountId !== accountId) })),
    [key],
  );
  const onSelect = useCallback((accountId) => setSelected((all) => ({ ...all, [key]: accountId })), [key]);
  // What an earlier run saved for this provider, user and organisation (asked once the ids
  // have settled), and whether connections survive a restart at all.
  const [savedError, setSavedError] = useState({});
  const [kept, setKept] = useState(true);
  const [libraryNotice, setLibraryNotice] = useState(null);
  const providerId = provider?.id;
  useEffect(() => {
    if (!key || key in accounts) return undefined;
    let live = true;
    const timer = setTimeout(async () => {
      try {
        const state = await savedConnections(providerId, user, org);
        if (!live) return;
        setKept(state.kept);
        if (state.libraryNotice) setLibraryNotice(state.libraryNotice);
        setAccounts((all) => (key in all ? all : { ...all, [key]: state.accounts }));
      } catch (err) {
        if (live) setSavedError((all) => ({ ...all, [key]: errorMessage(err) }));
      }
    }, 250);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [key, providerId, user, org, accounts]);

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
        {provider && current?.reconnectNeeded && (
          <Alert severity="warning" data-testid="reconnect-needed">
            {provider.name} no longer accepts the saved sign-in{current.account ? ` for ${current.account}` : ''}: connect again.
          </Alert>
        )}
        {provider && key && savedError[key] && (
          <Alert severity="error" data-testid="saved-error">
            {savedError[key]}
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
              accounts={known ?? []}
              selected={current?.accountId}
              onSelect={onSelect}
              onConnected={onConnected}
              onDisconnected={onDisconnected}
            />
          </Box>
        )}
        {provider && connection && (
          <DataForm
            key={`${key}:${current.accountId}`}
            provider={provider.id}
            providerName={provider.name}
            user={user}
            org={org}
            accountId={current.accountId}
            sandbox={status?.state === 'sandbox'}
          />
        )}
      </Stack>
    </Paper>
  );
}
