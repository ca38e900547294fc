import { memo, useCallback, useEffect, useRef, useState } from 'react';
import { errorMessage, libraryRows, libraryRowsIfArrived } from '../api.js';
import { formatTime } from './format.js';
import { FIRST_QUERY, PAGE } from './libraryQuery.js';
import { PANEL_HEIGHT, VirtualRows, useVirtualRows } from './VirtualRows.jsx';

// Plain elements styled by app.css, no MUI: the window paints this view's first rows before the
// controls' bundle (MUI) has loaded.

const ROW_HEIGHT = 34;
const COLUMNS = '90px 110px minmax(0, 2fr) minmax(0, 1.4fr) 150px 150px';

// The sortable columns: what the header says, and what the library sorts by.
const HEADERS = [
  ['provider', 'Provider'],
  ['kind', 'Type'],
  ['name', 'Name'],
  ['parent', 'Parent'],
  ['created', 'Created'],
  ['modified', 'Modified'],
];

const FIELDS = [
  ['any', 'Any field'],
  ['name', 'Name'],
  ['id', 'Id'],
  ['parent', 'Parent'],
];

// Says that the library changed (a load kept, a connection removed), so views of it ask again.
export function libraryChanged() {
  window.dispatchEvent(new Event('tributary-library-changed'));
}

const ROW_STYLE = { height: ROW_HEIGHT, display: 'grid', gridTemplateColumns: COLUMNS };

const LibraryRow = memo(function LibraryRow({ found, providerName }) {
  if (!found) {
    return <div className="row muted" style={ROW_STYLE} data-testid="library-row-pending" />;
  }
  const { item } = found;
  return (
    <div className="row" style={ROW_STYLE} data-testid="library-row" data-item-id={item.id}>
      <span className="cell muted">{providerName(found.provider)}</span>
      <span className="cell muted">{item.type}</span>
      <span className={item.directory ? 'cell directory' : 'cell'} title={item.name} data-testid="library-name">
        {item.name}
      </span>
      <span className="cell muted">{item.parent_path_or_name ?? ''}</span>
      <span className="cell muted">{formatTime(item.creation_time)}</span>
      <span className="cell muted">{formatTime(item.last_modified_time)}</span>
    </div>
  );
});

// Every connection's items from the local library, before any network call: the library
// searches, sorts and pages them, and the view asks only for the pages in view, so the page never
// holds every item. `onFirstAnswer` is called once the first answer (rows, none, or an error) is
// on screen.
export function LibraryView({ providers, onFirstAnswer }) {
  const [text, setText] = useState(FIRST_QUERY.text);
  const [field, setField] = useState(FIRST_QUERY.field);
  const [sort, setSort] = useState({ column: FIRST_QUERY.sort, descending: FIRST_QUERY.descending });
  // The first page, when boot.js's request for it has been answered already: the first render
  // shows its rows.
  const [arrived] = useState(() => libraryRowsIfArrived(FIRST_QUERY));
  const openedWith = useRef(arrived);
  const [total, setTotal] = useState(arrived?.total ?? null);
  const [pages, setPages] = useState(() => new Map(arrived ? [[0, arrived.rows]] : []));
  const [error, setError] = useState(null);
  // The search the rows shown answer (the window benchmark waits for its query's rows).
  const [answered, setAnswered] = useState(arrived ? FIRST_QUERY.text : null);
  const [version, setVersion] = useState(0);
  const asked = useRef(new Set());
  const generation = useRef(0);
  // The query (its generation) whose answers the rows shown are.
  const shownGeneration = useRef(0);
  const scroller = useRef(null);
  const rows = useVirtualRows(total ?? 0, scroller, ROW_HEIGHT);
  const providerName = useCallback((id) => providers.find((p) => p.id === id)?.name ?? id, [providers]);

  useEffect(() => {
    const again = () => setVersion((v) => v + 1);
    window.addEventListener('tributary-library-changed', again);
    return () => window.removeEventListener('tributary-library-changed', again);
  }, []);

  const fetchPage = useCallback(
    (page, current) => {
      asked.current.add(page);
      // FIRST_QUERY's shape, so the first page is the one boot.js asked for ahead.
      const query = { ...FIRST_QUERY, text, field, sort: sort.column, descending: sort.descending, offset: page * PAGE };
      const asking = performance.now();
      libraryRows(query)
        .then((answer) => {
          // The command's round trip, apart from the render (the window benchmark reads the last).
          performance.clearMeasures('library-rows');
          performance.measure('library-rows', { start: asking });
          if (generation.current !== current) return; // an answer to an earlier query
          setTotal(answer.total);
          setAnswered(text);
          // The rows shown stay those of the last query until the new one's first answer
          // replaces them: no flash of empty rows, and less to render while a search is typed.
          const fresh = shownGeneration.current !== current;
          shownGeneration.current = current;
          setPages((known) => (fresh ? new Map([[page, answer.rows]]) : new Map(known).set(page, answer.rows)));
          setError(null);
        })
        .catch((err) => generation.current === current && setError(errorMessage(err)));
    },
    [text, field, sort],
  );

  // A new query (or a changed library) starts from its first page.
  useEffect(() => {
    generation.current += 1;
    if (openedWith.current) {
      openedWith.current = null; // opened on the first page already
      shownGeneration.current = generation.current;
      asked.current = new Set([0]);
      return;
    }
    asked.current = new Set();
    fetchPage(0, generation.current);
  }, [fetchPage, version]);

  // The pages the rows in view fall on.
  const inView = rows.getVirtualItems();
  const first = inView[0]?.index ?? 0;
  const last = inView[inView.length - 1]?.index ?? 0;
  useEffect(() => {
    for (let page = Math.floor(first / PAGE); page <= Math.floor(last / PAGE); page += 1) {
      if (!asked.current.has(page)) fetchPage(page, generation.current);
    }
  }, [first, last, fetchPage]);

  // The first answer on screen: marked for the window benchmark (launch to items shown), and said.
  const anyAnswer = total !== null || error !== null;
  const said = useRef(false);
  useEffect(() => {
    if (!anyAnswer || said.current) return;
    said.current = true;
    requestAnimationFrame(() => {
      performance.mark('library-first-answer-shown');
      onFirstAnswer?.();
    });
  }, [anyAnswer, onFirstAnswer]);

  function sortBy(column) {
    setSort((s) => (s.column === column ? { column, descending: !s.descending } : { column, descending: false }));
  }

  if (total === 0 && !text) return null;
  return (
    <section className="library" data-testid="library-view" aria-label="Library">
      <h2 className="heading">Library</h2>
      <p className="secondary" data-testid="library-count">
        {total === null
          ? 'Opening the library…'
          : `${total.toLocaleString()} ${total === 1 ? 'item' : 'items'} kept from every connection's last sync${answered ? `, matching “${answered}”` : ''}`}
      </p>
      <div className="search">
        <label className="grow">
          Search the library
          <input type="search" value={text} onChange={(e) => setText(e.target.value)} data-testid="library-search" />
        </label>
        <label>
          In
          <select value={field} onChange={(e) => setField(e.target.value)} data-testid="library-field">
            {FIELDS.map(([value, label]) => (
              <option key={value} value={value} data-testid={`library-field-${value}`}>
                {label}
              </option>
            ))}
          </select>
        </label>
      </div>
      {error && (
        <p className="error-text" data-testid="library-error">
          {error}
        </p>
      )}
      <div className="frame" role="table" aria-label="Library items" aria-rowcount={total ?? 0}>
        <div role="row" className="header" style={{ gridTemplateColumns: COLUMNS }}>
          {HEADERS.map(([column, label]) => {
            const active = sort.column === column;
            const direction = sort.descending ? 'descending' : 'ascending';
            return (
              <span key={column} role="columnheader" aria-sort={active ? direction : 'none'}>
                <button type="button" onClick={() => sortBy(column)} data-testid={`library-sort-${column}`}>
                  {label}
                  {active ? (sort.descending ? ' ▼' : ' ▲') : ''}
                </button>
              </span>
            );
          })}
        </div>
        <div ref={scroller} className="rows" style={{ height: PANEL_HEIGHT }} data-testid="library-table" data-answered={answered ?? undefined}>
          <VirtualRows rows={rows}>
            {(row) => {
              const found = pages.get(Math.floor(row.index / PAGE))?.[row.index % PAGE];
              return <LibraryRow key={row.index} found={found} providerName={providerName} />;
            }}
          </VirtualRows>
        </div>
      </div>
    </section>
  );
}
