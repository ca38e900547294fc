import { ProviderConnection } from './ProviderConnection.jsx';

export function AirtableIntegration(props) {
  return <ProviderConnection provider="airtable" name="Airtable" {...props} />;
}
