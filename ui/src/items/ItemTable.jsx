import { memo, useRef } from 'react';
import { Box } from '@mui/material';
import { PANEL_HEIGHT, VirtualRows, useVirtualRows } from './VirtualRows.jsx';

const ROW_HEIGHT = 34;
const COLUMNS = '110px minmax(0, 2fr) minmax(0, 1.4fr) 170px 48px';

// One formatter for every cell: `Date.toLocaleString` builds a new one per call, which at fifty
// rows a frame cost most of a scroll frame.
const TIME = new Intl.DateTimeFormat(undefined, { dateStyle: 'short', timeStyle: 'medium' });

export function formatTime(t) {
  if (!t) return '';
  const date = new Date(t);
  return Number.isNaN(date.getTime()) ? String(t) : TIME.format(date);
}

export function parentName(item, byId) {
  return (item.parent_id && byId.get(item.parent_id)?.name) || item.parent_path_or_name || '';
}

// The rows' styles, once, on the panel: rows are plain elements with class names, so a row
// that scrolls into view costs a few DOM nodes, not a styled component per cell.
export const ROW_STYLES = {
  typography: 'body2',
  '& .row': { alignItems: 'center', gap: 1, px: 1, borderBottom: 1, borderColor: 'grey.100', boxSizing: 'border-box', contain: 'strict' },
  '& .cell': { overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap', minWidth: 0 },
  '& .muted': { color: 'text.secondary' },
  '& .directory': { fontWeight: 600 },
  '& .icon': {
    flex: 'none', width: 28, height: 28, p: 0, border: 0, borderRadius: '50%', bgcolor: 'transparent',
    color: 'text.secondary', font: 'inherit', fontSize: 16, cursor: 'pointer',
    '&:hover': { bgcolor: 'action.hover' }, '&:disabled': { cursor: 'default', opacity: 0.4 },
  },
};

// The panel's frame. Its rounded corners are on a box around the scrolling one: a scrolling box
// with rounded corners clips every frame to a rounded path, which doubled the cost of a frame.
export const FRAME_SX = { border: 1, borderColor: 'divider', borderRadius: 1, bgcolor: 'background.paper' };

const TABLE_SX = {
  height: PANEL_HEIGHT, overflow: 'auto', contain: 'strict', ...ROW_STYLES,
  '& .row': { ...ROW_STYLES['& .row'], height: ROW_HEIGHT, display: 'grid', gridTemplateColumns: COLUMNS },
};

// Re-renders only when its item or place changes, not on every scroll frame.
const TableRow = memo(function TableRow({ item, parent, onOpen }) {
  return (
    <div className="row" data-testid="item-row" data-item-id={item.id}>
      <span className="cell muted">{item.type}</span>
      <span className={item.directory ? 'cell directory' : 'cell'} title={item.name} data-testid="item-name">
        {item.name}
      </span>
      <span className="cell muted">{parent}</span>
      <span className="cell muted">{formatTime(item.last_modified_time)}</span>
      {item.url ? (
        <button type="button" className="icon" title="Open in the provider" aria-label={`Open ${item.name}`} onClick={() => onOpen(item)} data-testid="open-item">
          ↗
        </button>
      ) : (
        <span />
      )}
    </div>
  );
});

// Only the rows in view are in the page, so 100,000 items scroll like 100.
export function ItemTable({ items, byId, onOpen }) {
  const scroller = useRef(null);
  const rows = useVirtualRows(items.length, scroller, ROW_HEIGHT);

  return (
    <Box sx={FRAME_SX}>
      <Box sx={{ display: 'grid', gridTemplateColumns: COLUMNS, gap: 1, px: 1, py: 0.75, borderBottom: 1, borderColor: 'divider', fontWeight: 600, fontSize: 14 }}>
        <span>Type</span>
        <span>Name</span>
        <span>Parent</span>
        <span>Modified</span>
        <span />
      </Box>
      <Box ref={scroller} sx={TABLE_SX} data-testid="items-table">
        <VirtualRows rows={rows}>
          {(row) => {
            const item = items[row.index];
            return <TableRow key={item.id} item={item} parent={parentName(item, byId)} onOpen={onOpen} />;
          }}
        </VirtualRows>
      </Box>
    </Box>
  );
}
