import { useEffect, useState } from 'react';
import { errorMessage, listProviders } from '../api.js';

// Every provider the app knows, with its name and state, as the Rust side lists them: the UI
// holds no list of its own, so a provider added there appears here unchanged. `startupError`
// is set when the app could not start on its settings (then `list_providers` answers with it).
export function useProviders() {
  const [providers, setProviders] = useState([]);
  const [startupError, setStartupError] = useState(null);
  useEffect(() => {
    let live = true;
    listProviders()
      .then((list) => live && setProviders(list.map((p) => ({ ...p, name: p.name ?? p.id }))))
      .catch((err) => live && setStartupError(errorMessage(err)));
    return () => {
      live = false;
    };
  }, []);
  return { providers, startupError };
}
