// The only place the UI talks to the Rust side. Every call is a Tauri command; errors arrive as
// `{ kind, message }` from the app's commands, or as a plain string from Tauri itself.
import { invoke } from '@tauri-apps/api/core';

export const PROVIDERS = [
  { id: 'notion', name: 'Notion' },
  { id: 'airtable', name: 'Airtable' },
  { id: 'hubspot', name: 'HubSpot' },
];

export function errorMessage(err) {
  if (err && typeof err === 'object' && 'message' in err) return String(err.message);
  return String(err);
}

export function authorize(provider, userId, orgId) {
  return invoke('authorize', { provider, userId, orgId });
}

export function disconnect(provider, userId, orgId) {
  return invoke('disconnect', { provider, userId, orgId });
}

export function loadItems(provider, userId, orgId) {
  return invoke('load', { provider, userId, orgId });
}
