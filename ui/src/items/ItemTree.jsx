import { memo, useCallback, useMemo, useRef, useState } from 'react';
import { Box } from '@mui/material';
import { OpenButton, PANEL_HEIGHT, VirtualRows, useVirtualRows } from './VirtualRows.jsx';
import { childrenByParent, treeRows, visibleWithAncestors } from './treeRows.js';

const ROW_HEIGHT = 30;
const INDENT = 20;

const TREE_SX = {
  height: PANEL_HEIGHT,
  '& .row': { height: ROW_HEIGHT, display: 'flex', borderBottom: 0 },
  '& .grow': { flexGrow: 1 },
  '& .count': { fontSize: 12, color: 'text.secondary', flex: 'none' },
};

// Re-renders only when its item or state changes, not on every scroll frame.
const TreeRow = memo(function TreeRow({ item, depth, hasChildren, childCount, open, filtered, onToggle, onOpen }) {
  return (
    <div className="row" style={{ paddingLeft: 8 + depth * INDENT }} data-testid="tree-row" data-item-id={item.id}>
      {hasChildren ? (
        <button type="button" className="icon" onClick={() => onToggle(item.id)} disabled={filtered} aria-label={open ? 'Collapse' : 'Expand'} data-testid="tree-toggle">
          {open ? '▾' : '▸'}
        </button>
      ) : (
        <span style={{ width: 28, flex: 'none' }} />
      )}
      <span className={item.directory ? 'cell grow directory' : 'cell grow'} title={item.notLoaded ? `${item.name} (not part of this load)` : item.name}>
        {item.name}
      </span>
      <span className="count">
        {item.type}
        {hasChildren && ` · ${childCount.toLocaleString()}`}
      </span>
      {item.url && <OpenButton item={item} onOpen={onOpen} />}
    </div>
  );
});

// Items under their parents (bases > tables > records, pages under pages and databases,
// records under their object type). With a search or filter, the matches are shown with their
// ancestors, opened. Only the rows in view are rendered.
export function ItemTree({ items, shown, byId, onOpen }) {
  const [expanded, setExpanded] = useState(() => new Set());
  const scroller = useRef(null);

  const children = useMemo(() => childrenByParent(items, byId), [items, byId]);
  // With a filter: the matches and their ancestors, all open.
  const visible = useMemo(() => visibleWithAncestors(items, shown, byId), [items, shown, byId]);
  const rows = useMemo(() => treeRows(children, expanded, visible), [children, expanded, visible]);

  const virtual = useVirtualRows(rows.length, scroller, ROW_HEIGHT);

  const toggle = useCallback(
    (id) =>
      setExpanded((prev) => {
        const next = new Set(prev);
        if (!next.delete(id)) next.add(id);
        return next;
      }),
    [],
  );

  return (
    <div className="frame">
      <Box ref={scroller} className="rows" sx={TREE_SX} data-testid="items-tree">
        <VirtualRows rows={virtual}>
          {(v) => {
            const { item, depth, hasChildren, open } = rows[v.index];
            return (
              <TreeRow
                key={item.id}
                item={item}
                depth={depth}
                hasChildren={hasChildren}
                childCount={hasChildren ? children.get(item.id).length : 0}
                open={open}
                filtered={visible !== null}
                onToggle={toggle}
                onOpen={onOpen}
              />
            );
          }}
        </VirtualRows>
      </Box>
    </div>
  );
}
