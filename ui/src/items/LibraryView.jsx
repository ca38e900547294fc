import { memo, useCallback, useEffect, useRef, useState } from 'react';
import { Box, MenuItem, Stack, TextField, Typography } from '@mui/material';
import { errorMessage, libraryRows } from '../api.js';
import { formatTime } from './ItemTable.jsx';
import { FRAME_SX, PANEL_HEIGHT, ROW_STYLES, VirtualRows, useVirtualRows } from './VirtualRows.jsx';

const ROW_HEIGHT = 34;
const PAGE = 100;
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

const TABLE_SX = {
  height: PANEL_HEIGHT, overflow: 'auto', contain: 'strict', ...ROW_STYLES,
  '& .row': { ...ROW_STYLES['& .row'], height: ROW_HEIGHT, display: 'grid', gridTemplateColumns: COLUMNS },
};

const LibraryRow = memo(function LibraryRow({ found, providerName }) {
  if (!found) {
    return <div className="row muted" data-testid="library-row-pending" />;
  }
  const { item } = found;
  return (
    <div className="row" data-testid="library-row" data-item-id={item.id}>
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
// holds every item.
export function LibraryView({ providers }) {
  const [text, setText] = useState('');
  const [field, setField] = useState('any');
  const [sort, setSort] = useState({ column: 'loaded', descending: false });
  const [total, setTotal] = useState(null);
  const [pages, setPages] = useState(() => new Map());
  const [error, setError] = useState(null);
  const [version, setVersion] = useState(0);
  const asked = useRef(new Set());
  const generation = useRef(0);
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
      const query = { connections: [], text, field, sort: sort.column, descending: sort.descending, offset: page * PAGE, limit: PAGE };
      const asking = performance.now();
      libraryRows(query)
        .then((answer) => {
          // The command's round trip, apart from the render (the window benchmark reads the last).
          performance.clearMeasures('library-rows');
          performance.measure('library-rows', { start: asking });
          if (generation.current !== current) return; // an answer to an earlier query
          setTotal(answer.total);
          setPages((known) => new Map(known).set(page, answer.rows));
          setError(null);
        })
        .catch((err) => generation.current === current && setError(errorMessage(err)));
    },
    [text, field, sort],
  );

  // A new query (or a changed library) starts from its first page.
  useEffect(() => {
    generation.current += 1;
    asked.current = new Set();
    setPages(new Map());
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

  function sortBy(column) {
    setSort((s) => (s.column === column ? { column, descending: !s.descending } : { column, descending: false }));
  }

  if (total === 0 && !text) return null;
  return (
    <Stack spacing={1} data-testid="library-view" component="section" aria-label="Library">
      <Typography variant="h6" component="h2">
        Library
      </Typography>
      <Typography variant="body2" color="text.secondary" data-testid="library-count">
        {total === null
          ? 'Opening the library…'
          : `${total.toLocaleString()} ${total === 1 ? 'item' : 'items'} kept from every connection's last sync${text ? `, matching “${text}”` : ''}`}
      </Typography>
      <Stack direction="row" spacing={1}>
        <TextField
          size="small"
          label="Search the library"
          value={text}
          onChange={(e) => setText(e.target.value)}
          inputProps={{ 'data-testid': 'library-search', 'aria-label': 'Search the library' }}
          sx={{ flexGrow: 1 }}
        />
        <TextField select size="small" label="In" value={field} onChange={(e) => setField(e.target.value)} sx={{ width: 140 }} SelectProps={{ inputProps: { 'data-testid': 'library-field' } }}>
          {FIELDS.map(([value, label]) => (
            <MenuItem key={value} value={value} data-testid={`library-field-${value}`}>
              {label}
            </MenuItem>
          ))}
        </TextField>
      </Stack>
      {error && (
        <Typography color="error" variant="body2" data-testid="library-error">
          {error}
        </Typography>
      )}
      <Box sx={FRAME_SX} role="table" aria-label="Library items" aria-rowcount={total ?? 0}>
        <Box role="row" sx={{ display: 'grid', gridTemplateColumns: COLUMNS, gap: 1, px: 1, py: 0.5, borderBottom: 1, borderColor: 'divider', fontWeight: 600, fontSize: 14 }}>
          {HEADERS.map(([column, label]) => {
            const active = sort.column === column;
            const direction = sort.descending ? 'descending' : 'ascending';
            return (
              <span key={column} role="columnheader" aria-sort={active ? direction : 'none'}>
                <button type="button" onClick={() => sortBy(column)} data-testid={`library-sort-${column}`} style={{ all: 'unset', cursor: 'pointer' }}>
                  {label}
                  {active ? (sort.descending ? ' ▼' : ' ▲') : ''}
                </button>
              </span>
            );
          })}
        </Box>
        <Box ref={scroller} sx={TABLE_SX} data-testid="library-table">
          <VirtualRows rows={rows}>
            {(row) => {
              const found = pages.get(Math.floor(row.index / PAGE))?.[row.index % PAGE];
              return <LibraryRow key={row.index} found={found} providerName={providerName} />;
            }}
          </VirtualRows>
        </Box>
      </Box>
    </Stack>
  );
}
