import { useState } from 'react';
import { Alert, Button, Stack, TextField } from '@mui/material';
import { errorMessage, loadItems } from './api.js';

// The seed's DataForm: Load fetches the provider's items, Clear empties the panel.
export function DataForm({ provider, user, org }) {
  const [items, setItems] = useState(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState(null);

  async function load() {
    setError(null);
    setLoading(true);
    try {
      setItems(await loadItems(provider, user, org));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setLoading(false);
    }
  }

  return (
    <Stack spacing={2}>
      <Stack direction="row" spacing={2}>
        <Button variant="contained" onClick={load} disabled={loading} data-testid="load-button">
          {loading ? 'Loading...' : 'Load Data'}
        </Button>
        <Button variant="outlined" onClick={() => setItems(null)} data-testid="clear-button">
          Clear Data
        </Button>
      </Stack>
      {error && (
        <Alert severity="error" data-testid="load-error">
          {error}
        </Alert>
      )}
      <TextField
        label="Loaded Data"
        value={items ? JSON.stringify(items, null, 2) : ''}
        multiline
        minRows={8}
        maxRows={24}
        slotProps={{ htmlInput: { readOnly: true, 'data-testid': 'data-output' } }}
      />
    </Stack>
  );
}
