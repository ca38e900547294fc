import { useRef } from 'react';
import { Box, IconButton, Typography } from '@mui/material';
import { PANEL_HEIGHT, useVirtualRows } from './useVirtualRows.js';

const ROW_HEIGHT = 34;
const COLUMNS = '110px minmax(0, 2fr) minmax(0, 1.4fr) 170px 48px';

export function formatTime(t) {
  return t ? new Date(t).toLocaleString() : '';
}

export function parentName(item, byId) {
  return (item.parent_id && byId.get(item.parent_id)?.name) || item.parent_path_or_name || '';
}

// Only the rows in view are in the page, so 100,000 items scroll like 100.
export function ItemTable({ items, byId, onOpen }) {
  const scroller = useRef(null);
  const rows = useVirtualRows(items.length, scroller, ROW_HEIGHT);

  return (
    <Box sx={{ border: 1, borderColor: 'divider', borderRadius: 1, bgcolor: 'background.paper' }}>
      <Box sx={{ display: 'grid', gridTemplateColumns: COLUMNS, px: 1, py: 0.75, borderBottom: 1, borderColor: 'divider', fontWeight: 600, fontSize: 14 }}>
        <span>Type</span>
        <span>Name</span>
        <span>Parent</span>
        <span>Modified</span>
        <span />
      </Box>
      <Box ref={scroller} sx={{ height: PANEL_HEIGHT, overflow: 'auto' }} data-testid="items-table">
        <Box sx={{ height: rows.getTotalSize(), position: 'relative' }}>
          {rows.getVirtualItems().map((row) => {
            const item = items[row.index];
            return (
              <Box
                key={item.id}
                data-testid="item-row"
                data-item-id={item.id}
                sx={{
                  position: 'absolute', top: 0, left: 0, right: 0, height: ROW_HEIGHT, transform: `translateY(${row.start}px)`,
                  display: 'grid', gridTemplateColumns: COLUMNS, alignItems: 'center', px: 1, fontSize: 14,
                  borderBottom: 1, borderColor: 'grey.100',
                }}
              >
                <Typography variant="body2" color="text.secondary" noWrap>{item.type}</Typography>
                <Typography variant="body2" noWrap title={item.name} fontWeight={item.directory ? 600 : 400} data-testid="item-name">
                  {item.name}
                </Typography>
                <Typography variant="body2" color="text.secondary" noWrap>{parentName(item, byId)}</Typography>
                <Typography variant="body2" color="text.secondary" noWrap>{formatTime(item.last_modified_time)}</Typography>
                {item.url ? (
                  <IconButton size="small" title="Open in the provider" aria-label={`Open ${item.name}`} onClick={() => onOpen(item)} data-testid="open-item">
                    ↗
                  </IconButton>
                ) : <span />}
              </Box>
            );
          })}
        </Box>
      </Box>
    </Box>
  );
}
