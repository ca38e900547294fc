import { useState } from 'react';
import { Autocomplete, Box, Paper, Stack, TextField, Typography } from '@mui/material';
import { PROVIDERS } from './api.js';
import { HubSpotIntegration } from './integrations/HubSpotIntegration.jsx';
import { AirtableIntegration } from './integrations/AirtableIntegration.jsx';
import { NotionIntegration } from './integrations/NotionIntegration.jsx';
import { DataForm } from './DataForm.jsx';

const COMPONENTS = {
  hubspot: HubSpotIntegration,
  airtable: AirtableIntegration,
  notion: NotionIntegration,
};

// The seed's IntegrationForm: who is connecting, to what, and (once connected) the data panel.
export function IntegrationForm() {
  const [user, setUser] = useState('TestUser');
  const [org, setOrg] = useState('TestOrg');
  const [provider, setProvider] = useState(null);
  const [connection, setConnection] = useState(null);

  const Integration = provider ? COMPONENTS[provider.id] : null;

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
          options={PROVIDERS}
          getOptionLabel={(p) => p.name}
          isOptionEqualToValue={(a, b) => a.id === b.id}
          value={provider}
          onChange={(_e, value) => {
            setProvider(value);
            setConnection(null);
          }}
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
        {Integration && (
          <Box>
            <Integration user={user} org={org} connection={connection} onConnectionChange={setConnection} />
          </Box>
        )}
        {provider && connection && <DataForm provider={provider.id} user={user} org={org} />}
      </Stack>
    </Paper>
  );
}
