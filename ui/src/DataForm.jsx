import { useState } from 'react';
import { Alert, Box, Button, LinearProgress, Stack, Typography } from '@mui/material';
import { cancelLoad, errorMessage, exportItems, loadItems } from './api.js';
import { ErrorKind } from './errorKinds.js';
import { ItemsView } from './items/ItemsView.jsx';

// What a complete load had to leave out, in one sentence, or null.
export function notesText(notes) {
  if (!notes) return null;
  const parts = [];
  if (notes.repeatedIds) parts.push(`${notes.repeatedIds.toLocaleString()} records were listed more than once (the newest copy of each is shown)`);
  if (notes.unreadableTitles) parts.push(`${notes.unreadableTitles.toLocaleString()} titles could not be read`);
  if (notes.unsafeLinks) parts.push(`${notes.unsafeLinks.toLocaleString()} links were not the provider's own and were left out`);
  return parts.length ? `Loaded everything. Note: ${parts.join('; ')}.` : null;
}

// The seed's DataForm: Load fetches every item of the connection (with progress and Cancel),
// Clear empties the panel; the items are shown as a table, a tree or raw JSON, and can be
// exported.
export function DataForm({ provider, providerName, user, org, sandbox }) {
  const [items, setItems] = useState(null);
  const [progress, setProgress] = useState(null);
  const [error, setError] = useState(null);
  const [notice, setNotice] = useState(null);
  const loading = progress !== null;

  async function load() {
    setError(null);
    setNotice(null);
    setProgress({ items: 0, pages: 0, listing: '' });
    try {
      const loaded = await loadItems(provider, user, org, setProgress);
      setItems(loaded.items);
      setNotice(notesText(loaded.notes));
    } catch (err) {
      // A failed load shows nothing as loaded: partial results are never presented.
      setItems(null);
      if (err?.kind === ErrorKind.Cancelled) setNotice('Load cancelled; nothing was loaded.');
      else setError(errorMessage(err));
    } finally {
      setProgress(null);
    }
  }

  async function exportAs(format) {
    setError(null);
    try {
      setNotice(`Saved ${items.length.toLocaleString()} items to ${await exportItems(provider, user, org, format)}`);
    } catch (err) {
      setError(errorMessage(err));
    }
  }

  return (
    <Stack spacing={2}>
      <Stack direction="row" spacing={2} alignItems="center">
        <Button variant="contained" onClick={load} disabled={loading} data-testid="load-button">
          {loading ? 'Loading...' : 'Load Data'}
        </Button>
        {loading && (
          <Button variant="text" onClick={() => cancelLoad(provider, user, org).catch((e) => setError(errorMessage(e)))} data-testid="cancel-load-button">
            Cancel
          </Button>
        )}
        <Button variant="outlined" onClick={() => setItems(null)} disabled={loading} data-testid="clear-button">
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
        <Alert severity="info" data-testid="notice" onClose={() => setNotice(null)}>
          {notice}
        </Alert>
      )}
      {items && <ItemsView items={items} provider={provider} providerName={providerName} user={user} org={org} sandbox={sandbox} onError={setError} />}
    </Stack>
  );
}
