import { ProviderConnection } from './ProviderConnection.jsx';

export function NotionIntegration(props) {
  return <ProviderConnection provider="notion" name="Notion" {...props} />;
}
