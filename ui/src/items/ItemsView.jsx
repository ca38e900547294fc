import { useCallback, useDeferredValue, useMemo, useState } from 'react';
import { Chip, MenuItem, Stack, Tab, Tabs, TextField, Typography } from '@mui/material';
import { errorMessage, openItem } from '../api.js';
import { ItemTable } from './ItemTable.jsx';
import { ItemTree } from './ItemTree.jsx';
import { ItemJson } from './ItemJson.jsx';

// Everything one load brought back: a count, search and a type filter, then the items as a
// virtualized table, a virtualized tree, or the raw JSON the seed showed.
export function ItemsView({ items, provider, providerName, user, org, accountId, sandbox, onError }) {
  const [view, setView] = useState('table');
  const [search, setSearch] = useState('');
  const [type, setType] = useState('');
  const query = useDeferredValue(search.trim().toLowerCase());

  const byId = useMemo(() => new Map(items.map((i) => [i.id, i])), [items]);
  const types = useMemo(() => [...new Set(items.map((i) => i.type))].sort(), [items]);
  const shown = useMemo(() => {
    if (!query && !type) return items;
    return items.filter(
      (i) =>
        (!type || i.type === type) &&
        (!query || i.name.toLowerCase().includes(query) || i.id.toLowerCase().includes(query) || (i.parent_path_or_name ?? '').toLowerCase().includes(query)),
    );
  }, [items, query, type]);

  const open = useCallback(
    (item) => openItem(provider, user, org, accountId, item.id).catch((err) => onError(errorMessage(err))),
    [provider, user, org, accountId, onError],
  );

  return (
    <Stack spacing={1.5}>
      <Stack direction="row" spacing={1} alignItems="center">
        <Typography variant="subtitle1" data-testid="item-count">
          {items.length.toLocaleString()} items from {providerName}
        </Typography>
        {sandbox && <Chip size="small" color="warning" label="Sandbox data" data-testid="sandbox-data-label" />}
        {shown !== items && (
          <Typography variant="body2" color="text.secondary" data-testid="shown-count">
            {shown.length.toLocaleString()} shown
          </Typography>
        )}
      </Stack>
      <Stack direction={{ xs: 'column', sm: 'row' }} spacing={2}>
        <TextField
          label="Search names and ids"
          size="small"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          slotProps={{ htmlInput: { 'data-testid': 'search-input' } }}
          sx={{ flexGrow: 1 }}
        />
        <TextField
          select
          label="Type"
          size="small"
          value={type}
          onChange={(e) => setType(e.target.value)}
          slotProps={{ select: { displayEmpty: true, SelectDisplayProps: { 'data-testid': 'type-filter' } }, inputLabel: { shrink: true } }}
          sx={{ minWidth: 180 }}
        >
          <MenuItem value="">All types</MenuItem>
          {types.map((t) => (
            <MenuItem key={t} value={t} data-testid={`type-option-${t}`}>
              {t}
            </MenuItem>
          ))}
        </TextField>
      </Stack>
      <Tabs value={view} onChange={(_e, v) => setView(v)}>
        <Tab value="table" label="Table" data-testid="table-tab" />
        <Tab value="tree" label="Tree" data-testid="tree-tab" />
        <Tab value="json" label="JSON" data-testid="json-tab" />
      </Tabs>
      {view === 'table' && <ItemTable items={shown} byId={byId} onOpen={open} />}
      {view === 'tree' && <ItemTree items={items} shown={shown} byId={byId} onOpen={open} />}
      {view === 'json' && <ItemJson items={shown} />}
    </Stack>
  );
}
