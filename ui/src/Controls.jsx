import { CssBaseline, ThemeProvider, createTheme } from '@mui/material';
import { IntegrationForm } from './IntegrationForm.jsx';

// The controls (the seed's form, its connection panel, and every MUI component), loaded after
// the window's first paint: the app bar and the library need none of them (see App.jsx).
const theme = createTheme({ palette: { primary: { main: '#1e3a8a' }, background: { default: '#fafafa' } } });

export default function Controls(props) {
  return (
    <ThemeProvider theme={theme}>
      <CssBaseline />
      <IntegrationForm {...props} />
    </ThemeProvider>
  );
}
