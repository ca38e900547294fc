import { useEffect, useState } from 'react';
import { cancelLoad, errorMessage, exportItems, loadItems, storedItems } from '../api.js';
import { ErrorKind } from '../errorKinds.js';
import { libraryChanged } from '../items/LibraryView.jsx';

// What a complete load had to leave out, in the sentence the Rust side writes (the CLI prints
// the same), or null.
export function notesText(notes) {
  return notes?.summary ? `Loaded everything. Note: ${notes.summary}.` : null;
}

// What a reload of changes did, in a sentence (null for a full load).
export function reloadText(reload) {
  if (!reload) return null;
  const n = (count, what) => `${count.toLocaleString()} ${what}${count === 1 ? '' : 's'}`;
  return `Reloaded what changed since ${new Date(reload.since).toLocaleString()}: ${n(reload.changed, 'item')} new or changed, ${n(reload.removed, 'item')} removed.`;
}

// One connection's load as a state machine: Load (with progress, cancellable), Clear, Export.
// It opens on the library's copy of the last complete load (`syncedAt` says when), shown
// before any network call; a load that fails or is cancelled goes back to it.
export function useLoad(provider, user, org, accountId) {
  const [items, setItems] = useState(null);
  const [syncedAt, setSyncedAt] = useState(null);
  const [fullSyncedAt, setFullSyncedAt] = useState(null);
  const [progress, setProgress] = useState(null);
  const [error, setError] = useState(null);
  const [notice, setNotice] = useState(null);

  async function showStored() {
    const stored = await storedItems(provider, user, org, accountId);
    setItems(stored?.items ?? null);
    setSyncedAt(stored?.syncedAt ?? null);
    setFullSyncedAt(stored?.fullSyncedAt ?? null);
    return stored;
  }

  useEffect(() => {
    let current = true;
    storedItems(provider, user, org, accountId)
      .then((stored) => {
        if (current && stored) {
          setItems((shown) => shown ?? stored.items);
          setSyncedAt((shown) => shown ?? stored.syncedAt);
          setFullSyncedAt((shown) => shown ?? stored.fullSyncedAt ?? null);
        }
      })
      .catch((err) => current && setError(errorMessage(err)));
    return () => {
      current = false;
    };
  }, [provider, user, org, accountId]);

  // Loads what changed since the last sync, or everything with `full`.
  async function load({ full = false } = {}) {
    setError(null);
    setNotice(null);
    setProgress({ items: 0, pages: 0, listing: '' });
    try {
      const loaded = await loadItems(provider, user, org, accountId, setProgress, { full });
      const now = new Date().toISOString();
      setItems(loaded.items);
      setSyncedAt(now);
      if (!loaded.reload) setFullSyncedAt(now);
      setNotice([reloadText(loaded.reload), notesText(loaded.notes)].filter(Boolean).join(' ') || null);
      libraryChanged();
    } catch (err) {
      // Partial results are never presented: the last complete load stays (from the library),
      // or nothing.
      const kept = await showStored().catch(() => null);
      const still = kept ? ' The items shown are from the last sync.' : '';
      if (err?.kind === ErrorKind.Cancelled) setNotice(kept ? `Load cancelled.${still}` : 'Load cancelled; nothing was loaded.');
      else setError(`${errorMessage(err)}${still}`);
    } finally {
      setProgress(null);
    }
  }

  function cancel() {
    cancelLoad(provider, user, org, accountId).catch((e) => setError(errorMessage(e)));
  }

  async function exportAs(format) {
    setError(null);
    try {
      setNotice(`Saved ${items.length.toLocaleString()} items to ${await exportItems(provider, user, org, accountId, format)}`);
    } catch (err) {
      setError(errorMessage(err));
    }
  }

  return {
    items,
    syncedAt,
    fullSyncedAt,
    progress,
    loading: progress !== null,
    error,
    setError,
    notice,
    clearNotice: () => setNotice(null),
    load: () => load(),
    reloadEverything: () => load({ full: true }),
    cancel,
    clear: () => setItems(null),
    exportAs,
  };
}
