import { useState } from 'react';
import { cancelLoad, errorMessage, exportItems, loadItems } from '../api.js';
import { ErrorKind } from '../errorKinds.js';

// What a complete load had to leave out, in the sentence the Rust side writes (the CLI prints
// the same), or null.
export function notesText(notes) {
  return notes?.summary ? `Loaded everything. Note: ${notes.summary}.` : null;
}

// One connection's load as a state machine: Load (with progress, cancellable), Clear, Export.
export function useLoad(provider, user, org) {
  const [items, setItems] = useState(null);
  const [progress, setProgress] = useState(null);
  const [error, setError] = useState(null);
  const [notice, setNotice] = useState(null);

  async function load() {
    setError(null);
    setNotice(null);
    setProgress({ items: 0, pages: 0, listing: '' });
    try {
      const loaded = await loadItems(provider, user, org, setProgress);
      setItems(loaded.items);
      setNotice(notesText(loaded.notes));
    } catch (err) {
      // A failed load shows nothing as loaded: partial results are never presented.
      setItems(null);
      if (err?.kind === ErrorKind.Cancelled) setNotice('Load cancelled; nothing was loaded.');
      else setError(errorMessage(err));
    } finally {
      setProgress(null);
    }
  }

  function cancel() {
    cancelLoad(provider, user, org).catch((e) => setError(errorMessage(e)));
  }

  async function exportAs(format) {
    setError(null);
    try {
      setNotice(`Saved ${items.length.toLocaleString()} items to ${await exportItems(provider, user, org, format)}`);
    } catch (err) {
      setError(errorMessage(err));
    }
  }

  return {
    items,
    progress,
    loading: progress !== null,
    error,
    setError,
    notice,
    clearNotice: () => setNotice(null),
    load,
    cancel,
    clear: () => setItems(null),
    exportAs,
  };
}
