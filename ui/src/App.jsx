import { AppBar, Box, Toolbar, Typography } from '@mui/material';
import { IntegrationForm } from './IntegrationForm.jsx';
import { LibraryView } from './items/LibraryView.jsx';
import { useProviders } from './hooks/useProviders.js';

export default function App() {
  const { providers, startupError } = useProviders();
  return (
    <Box sx={{ minHeight: '100vh', bgcolor: 'grey.50' }}>
      <AppBar position="static" elevation={0}>
        <Toolbar variant="dense">
          <Typography variant="h6" component="h1" data-testid="app-title">
            Tributary
          </Typography>
          <Typography variant="body2" sx={{ ml: 2, opacity: 0.8 }} data-testid="app-subtitle">
            {providers.map((p) => p.name).join(' · ')}
          </Typography>
        </Toolbar>
      </AppBar>
      <Box component="main" sx={{ p: 3, maxWidth: 960, mx: 'auto' }}>
        <IntegrationForm providers={providers} startupError={startupError} />
        {!startupError && (
          <Box sx={{ mt: 4 }}>
            <LibraryView providers={providers} />
          </Box>
        )}
      </Box>
    </Box>
  );
}
