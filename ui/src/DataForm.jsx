import { Alert, Box, Button, LinearProgress, Stack, Typography } from '@mui/material';
import { useLoad } from './hooks/useLoad.js';
import { ItemsView } from './items/ItemsView.jsx';

// The seed's DataForm: Load fetches the connection's items (after the first sync, only what
// changed; "Reload everything" reads it all again), with progress and Cancel; Clear empties the panel; the items are shown as a table, a tree or raw JSON, and can be
// exported. The load's state lives in `useLoad`; this renders it.
export function DataForm({ provider, providerName, user, org, accountId, sandbox }) {
  const { items, syncedAt, fullSyncedAt, progress, loading, error, setError, notice, clearNotice, load, reloadEverything, cancel, clear, exportAs } =
    useLoad(provider, user, org, accountId);

  return (
    <Stack spacing={2}>
      <Stack direction="row" spacing={2} alignItems="center">
        <Button variant="contained" onClick={load} disabled={loading} data-testid="load-button">
          {loading ? 'Loading...' : 'Load Data'}
        </Button>
        {syncedAt && (
          <Button variant="text" onClick={reloadEverything} disabled={loading} data-testid="full-reload-button">
            Reload everything
          </Button>
        )}
        {loading && (
          <Button variant="text" onClick={cancel} data-testid="cancel-load-button">
            Cancel
          </Button>
        )}
        <Button variant="outlined" onClick={clear} disabled={loading} data-testid="clear-button">
          Clear Data
        </Button>
        <Box sx={{ flexGrow: 1 }} />
        <Button onClick={() => exportAs('json')} disabled={!items || loading} data-testid="export-json-button">
          Export JSON
        </Button>
        <Button onClick={() => exportAs('csv')} disabled={!items || loading} data-testid="export-csv-button">
          Export CSV
        </Button>
      </Stack>
      {loading && (
        <Box data-testid="load-progress">
          <LinearProgress />
          <Typography variant="body2" color="text.secondary" sx={{ mt: 0.5 }}>
            {progress.items.toLocaleString()} items · {progress.pages.toLocaleString()} pages
            {progress.listing && ` · ${progress.listing}`}
          </Typography>
        </Box>
      )}
      {error && (
        <Alert severity="error" data-testid="load-error">
          {error}
        </Alert>
      )}
      {notice && (
        <Alert severity="info" data-testid="notice" onClose={clearNotice}>
          {notice}
        </Alert>
      )}
      {items && syncedAt && (
        <Typography variant="body2" color="text.secondary" data-testid="synced-at">
          Last sync {new Date(syncedAt).toLocaleString()}
          {fullSyncedAt && ` · last full reload ${new Date(fullSyncedAt).toLocaleString()}`}
        </Typography>
      )}
      {items && <ItemsView items={items} provider={provider} providerName={providerName} user={user} org={org} accountId={accountId} sandbox={sandbox} onError={setError} />}
    </Stack>
  );
}
