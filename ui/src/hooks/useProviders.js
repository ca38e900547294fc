import { useEffect, useState } from 'react';
import { errorMessage, listProviders, providersIfArrived } from '../api.js';

const named = (list) => list.map((p) => ({ ...p, name: p.name ?? p.id }));

// Every provider the app knows, with its name and state, as the Rust side lists them: the UI
// holds no list of its own, so a provider added there appears here unchanged. `startupError`
// is set when the app could not start on its settings (then `list_providers` answers with it).
export function useProviders() {
  const [arrived] = useState(providersIfArrived);
  const [providers, setProviders] = useState(() => named(arrived ?? []));
  const [startupError, setStartupError] = useState(null);
  useEffect(() => {
    if (arrived) return undefined;
    let live = true;
    listProviders()
      .then((list) => live && setProviders(named(list)))
      .catch((err) => live && setStartupError(errorMessage(err)));
    return () => {
      live = false;
    };
  }, [arrived]);
  return { providers, startupError };
}
