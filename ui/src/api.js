// The only place the UI talks to the Rust side. Every call is a Tauri command; errors arrive as
// `{ kind, message }` from the app's commands, or as a plain string from Tauri itself. No call
// returns a token, code or verifier: the Rust side keeps them.
import { Channel, invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';

// Answers asked for before their view exists (what the window opens on, asked by boot.js while
// React loads), each handed to the first view that asks the same, once.
const prefetched = new Map();
const askKey = (cmd, args) => `${cmd} ${JSON.stringify(args)}`;

function prefetch(cmd, args = {}) {
  const entry = { answer: invoke(cmd, args), arrived: false };
  entry.answer.then(
    (value) => Object.assign(entry, { value, arrived: true }),
    () => {}, // said to whoever asks
  );
  prefetched.set(askKey(cmd, args), entry);
}

function ask(cmd, args = {}) {
  const entry = take(cmd, args);
  return entry ? entry.answer : invoke(cmd, args);
}

function take(cmd, args) {
  const key = askKey(cmd, args);
  const entry = prefetched.get(key);
  prefetched.delete(key);
  return entry;
}

// A view's first render takes an answer asked for ahead that has already arrived, so it opens
// with it instead of rendering empty and then again; `undefined` when it has not arrived.
function arrived(cmd, args = {}) {
  if (!prefetched.get(askKey(cmd, args))?.arrived) return undefined;
  return take(cmd, args).value;
}

// What the window opens on: the providers, and the library's first page (`firstQuery`).
export function askAhead(firstQuery) {
  prefetch('list_providers');
  prefetch('library_rows', { request: firstQuery });
}

export function providersIfArrived() {
  return arrived('list_providers');
}

export function libraryRowsIfArrived(query) {
  return arrived('library_rows', { request: query });
}

export function errorMessage(err) {
  if (err && typeof err === 'object' && 'message' in err) return String(err.message);
  return String(err);
}

// Every command about a connection names it the same way: the seed's (provider, user, org), and
// the account (`accountId` from its summary; '' for a provider's unnamed one). A sign-in names
// the first three only: its account is known once it completes.
const connection = (provider, userId, orgId, accountId = '') => ({ provider, userId, orgId, accountId });

export function listProviders() {
  return ask('list_providers');
}

// Opens the system browser; the outcome arrives later through `onSignIn`.
export function authorize(provider, userId, orgId) {
  return invoke('authorize', { connection: connection(provider, userId, orgId) });
}

export function cancelAuthorize(provider, userId, orgId) {
  return invoke('cancel_authorize', { connection: connection(provider, userId, orgId) });
}

// Takes a completed sign-in's credentials into the app; returns the connection's summary
// (`{ provider, account, accountId, expires_at, scopes }`): a new account beside the others, or
// the same account's connection again.
export function credentials(provider, userId, orgId) {
  return invoke('credentials', { connection: connection(provider, userId, orgId) });
}

// Every account connected for this provider, user and organisation (live, or saved by an
// earlier run and taken in without asking the provider). Resolves to `{ accounts: [{ accountId,
// account, summary | null, reconnectNeeded }], kept, libraryNotice }` (`kept`: connections
// survive a restart).
export function savedConnections(provider, userId, orgId) {
  return invoke('saved_connections', { connection: connection(provider, userId, orgId) });
}

// The connection's last complete load from the local library, before any network call.
// Resolves to `{ items, syncedAt, notes, fullSyncedAt }`, or null before the first load.
export function storedItems(provider, userId, orgId, accountId) {
  return invoke('stored_items', { connection: connection(provider, userId, orgId, accountId) });
}

// A page of library rows, searched and sorted in the database: `query` is `{ connections:
// [{ provider, userId, orgId, accountId }] (empty: all), text, field: 'any'|'name'|'id'|'parent', sort:
// 'loaded'|'name'|'kind'|'parent'|'created'|'modified'|'provider', descending, offset, limit }`.
// Resolves to `{ total, offset, rows: [{ provider, orgId, userId, accountId, item }] }`.
export function libraryRows(query) {
  return ask('library_rows', { request: query });
}

export function disconnect(provider, userId, orgId, accountId) {
  return invoke('disconnect', { connection: connection(provider, userId, orgId, accountId) });
}

// Loads what changed since the last sync (or, with `full`, everything). `onProgress` receives
// `{ items, pages, listing }` while the load runs. Resolves to `{ items, notes: { ..., summary },
// reload }`, where `reload` is `{ since, changed, removed }` for a reload of changes and null
// for a full load.
export function loadItems(provider, userId, orgId, accountId, onProgress, { full = false } = {}) {
  const channel = new Channel();
  channel.onmessage = onProgress;
  return invoke('load', { request: { connection: connection(provider, userId, orgId, accountId), full }, onProgress: channel });
}

export function cancelLoad(provider, userId, orgId, accountId) {
  return invoke('cancel_load', { connection: connection(provider, userId, orgId, accountId) });
}

// Writes the last load to the download folder; resolves to the file's path.
export function exportItems(provider, userId, orgId, accountId, format) {
  return invoke('export_items', { request: { connection: connection(provider, userId, orgId, accountId), format } });
}

export function openItem(provider, userId, orgId, accountId, itemId) {
  return invoke('open_item', { request: { connection: connection(provider, userId, orgId, accountId), itemId } });
}

// An item's provider record (its properties or fields, as the provider sent them) from the
// local library, without asking the provider; resolves to the record, or null.
export function itemRecord(provider, userId, orgId, accountId, itemId) {
  return invoke('item_record', { request: { connection: connection(provider, userId, orgId, accountId), itemId } });
}

// `handler({ provider, userId, orgId, outcome: 'completed' | 'failed' | 'refused', error })`;
// a refused callback ends no sign-in, and `provider` is null when it names none. Resolves to an
// unsubscribe function.
export function onSignIn(handler) {
  return listen('sign-in', (event) => handler(event.payload));
}
