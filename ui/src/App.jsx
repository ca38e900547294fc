import { Suspense, lazy, useCallback, useEffect, useState } from 'react';
import { LibraryView } from './items/LibraryView.jsx';
import { useProviders } from './hooks/useProviders.js';

// The controls are a bundle of their own (MUI is most of the app's JavaScript), asked for once
// the library's first answer is on screen, so the window's first paint and its first rows wait
// for none of it.
const Controls = lazy(() => import('./Controls.jsx'));

// How long the controls wait for the library's first answer before loading anyway.
const CONTROLS_AT_THE_LATEST_MS = 400;

export default function App() {
  const { providers, startupError } = useProviders();
  const [controlsWanted, setControlsWanted] = useState(false);
  const wantControls = useCallback(() => setControlsWanted(true), []);
  useEffect(() => {
    const timer = setTimeout(wantControls, startupError ? 0 : CONTROLS_AT_THE_LATEST_MS);
    return () => clearTimeout(timer);
  }, [startupError, wantControls]);
  const placeholder = <div className="controls-placeholder" aria-busy="true" />;
  return (
    <>
      <header className="app-bar">
        <h1 data-testid="app-title">Tributary</h1>
        <span className="subtitle" data-testid="app-subtitle">
          {providers.map((p) => p.name).join(' · ')}
        </span>
      </header>
      <main className="app-main">
        {controlsWanted ? (
          <Suspense fallback={placeholder}>
            <Controls providers={providers} startupError={startupError} />
          </Suspense>
        ) : (
          placeholder
        )}
        {!startupError && <LibraryView providers={providers} onFirstAnswer={wantControls} />}
      </main>
    </>
  );
}
