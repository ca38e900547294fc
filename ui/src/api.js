// The only place the UI talks to the Rust side. Every call is a Tauri command; errors arrive as
// `{ kind, message }` from the app's commands, or as a plain string from Tauri itself. No call
// returns a token, code or verifier: the Rust side keeps them.
import { Channel, invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';

export function errorMessage(err) {
  if (err && typeof err === 'object' && 'message' in err) return String(err.message);
  return String(err);
}

// Every command about a connection names it the same way: the seed's (provider, user, org).
const connection = (provider, userId, orgId) => ({ provider, userId, orgId });

export function listProviders() {
  return invoke('list_providers');
}

// Opens the system browser; the outcome arrives later through `onSignIn`.
export function authorize(provider, userId, orgId) {
  return invoke('authorize', { connection: connection(provider, userId, orgId) });
}

export function cancelAuthorize(provider, userId, orgId) {
  return invoke('cancel_authorize', { connection: connection(provider, userId, orgId) });
}

// Takes a completed sign-in's credentials into the app; returns the connection's summary.
export function credentials(provider, userId, orgId) {
  return invoke('credentials', { connection: connection(provider, userId, orgId) });
}

// The connection an earlier run saved, taken in without asking the provider. Resolves to
// `{ summary | null, reconnectNeeded, kept }` (`kept`: connections survive a restart).
export function savedConnection(provider, userId, orgId) {
  return invoke('saved_connection', { connection: connection(provider, userId, orgId) });
}

// The connection's last complete load from the local library, before any network call.
// Resolves to `{ items, syncedAt, notes, fullSyncedAt }`, or null before the first load.
export function storedItems(provider, userId, orgId) {
  return invoke('stored_items', { connection: connection(provider, userId, orgId) });
}

// A page of library rows, searched and sorted in the database: `query` is `{ connections:
// [{ provider, userId, orgId }] (empty: all), text, field: 'any'|'name'|'id'|'parent', sort:
// 'loaded'|'name'|'kind'|'parent'|'created'|'modified'|'provider', descending, offset, limit }`.
// Resolves to `{ total, offset, rows: [{ provider, orgId, userId, item }] }`.
export function libraryRows(query) {
  return invoke('library_rows', { request: query });
}

export function disconnect(provider, userId, orgId) {
  return invoke('disconnect', { connection: connection(provider, userId, orgId) });
}

// Loads what changed since the last sync (or, with `full`, everything). `onProgress` receives
// `{ items, pages, listing }` while the load runs. Resolves to `{ items, notes: { ..., summary },
// reload }`, where `reload` is `{ since, changed, removed }` for a reload of changes and null
// for a full load.
export function loadItems(provider, userId, orgId, onProgress, { full = false } = {}) {
  const channel = new Channel();
  channel.onmessage = onProgress;
  return invoke('load', { request: { connection: connection(provider, userId, orgId), full }, onProgress: channel });
}

export function cancelLoad(provider, userId, orgId) {
  return invoke('cancel_load', { connection: connection(provider, userId, orgId) });
}

// Writes the last load to the download folder; resolves to the file's path.
export function exportItems(provider, userId, orgId, format) {
  return invoke('export_items', { request: { connection: connection(provider, userId, orgId), format } });
}

export function openItem(provider, userId, orgId, itemId) {
  return invoke('open_item', { request: { connection: connection(provider, userId, orgId), itemId } });
}

// `handler({ provider, userId, orgId, outcome: 'completed' | 'failed' | 'refused', error })`;
// a refused callback ends no sign-in, and `provider` is null when it names none. Resolves to an
// unsubscribe function.
export function onSignIn(handler) {
  return listen('sign-in', (event) => handler(event.payload));
}
