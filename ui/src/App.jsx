import { AppBar, Box, Toolbar, Typography } from '@mui/material';
import { IntegrationForm } from './IntegrationForm.jsx';

export default function App() {
  return (
    <Box sx={{ minHeight: '100vh', bgcolor: 'grey.50' }}>
      <AppBar position="static" elevation={0}>
        <Toolbar variant="dense">
          <Typography variant="h6" component="h1" data-testid="app-title">
            Tributary
          </Typography>
          <Typography variant="body2" sx={{ ml: 2, opacity: 0.8 }}>
            HubSpot · Airtable · Notion
          </Typography>
        </Toolbar>
      </AppBar>
      <Box component="main" sx={{ p: 3, maxWidth: 960, mx: 'auto' }}>
        <IntegrationForm />
      </Box>
    </Box>
  );
}
