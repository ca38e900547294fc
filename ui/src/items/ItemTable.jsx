import { memo, useRef } from 'react';
import { Box } from '@mui/material';
import { OpenButton, PANEL_HEIGHT, VirtualRows, useVirtualRows } from './VirtualRows.jsx';
import { formatTime } from './format.js';

const ROW_HEIGHT = 34;
const COLUMNS = '110px minmax(0, 2fr) minmax(0, 1.4fr) 170px 48px';

export function parentName(item, byId) {
  return (item.parent_id && byId.get(item.parent_id)?.name) || item.parent_path_or_name || '';
}

const TABLE_SX = { height: PANEL_HEIGHT, '& .row': { height: ROW_HEIGHT, display: 'grid', gridTemplateColumns: COLUMNS } };

// Re-renders only when its item changes, not on every scroll frame.
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
        <OpenButton item={item} onOpen={onOpen} data-testid="open-item" />
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
    <div className="frame">
      <div className="header" style={{ gridTemplateColumns: COLUMNS }}>
        <span>Type</span>
        <span>Name</span>
        <span>Parent</span>
        <span>Modified</span>
        <span />
      </div>
      <Box ref={scroller} className="rows" sx={TABLE_SX} data-testid="items-table">
        <VirtualRows rows={rows}>
          {(row) => {
            const item = items[row.index];
            return <TableRow key={item.id} item={item} parent={parentName(item, byId)} onOpen={onOpen} />;
          }}
        </VirtualRows>
      </Box>
    </div>
  );
}
