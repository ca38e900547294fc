import { ProviderConnection } from './ProviderConnection.jsx';

export function HubSpotIntegration(props) {
  return <ProviderConnection provider="hubspot" name="HubSpot" {...props} />;
}
