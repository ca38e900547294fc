import { useMemo, useRef, useState } from 'react';
import { Box, IconButton, Typography } from '@mui/material';
import { PANEL_HEIGHT, useVirtualRows } from './useVirtualRows.js';

const ROW_HEIGHT = 30;

// Items under their parents (bases > tables > records, pages under pages and databases,
// records under their object type). With a search or filter, the matches are shown with their
// ancestors, opened. Only the rows in view are rendered.
export function ItemTree({ items, shown, byId, onOpen }) {
  const [expanded, setExpanded] = useState(() => new Set());
  const scroller = useRef(null);

  const children = useMemo(() => {
    const map = new Map();
    for (const item of items) {
      const parent = item.parent_id && byId.has(item.parent_id) ? item.parent_id : null;
      if (!map.has(parent)) map.set(parent, []);
      map.get(parent).push(item);
    }
    return map;
  }, [items, byId]);

  // With a filter: the matches and their ancestors, all open.
  const visible = useMemo(() => {
    if (shown === items) return null;
    const ids = new Set();
    for (const item of shown) {
      for (let i = item; i && !ids.has(i.id); i = i.parent_id ? byId.get(i.parent_id) : null) ids.add(i.id);
    }
    return ids;
  }, [items, shown, byId]);

  const rows = useMemo(() => {
    const out = [];
    const walk = (parent, depth) => {
      for (const item of children.get(parent) ?? []) {
        if (visible && !visible.has(item.id)) continue;
        const hasChildren = children.has(item.id);
        const open = hasChildren && (visible !== null || expanded.has(item.id));
        out.push({ item, depth, hasChildren, open });
        if (open) walk(item.id, depth + 1);
      }
    };
    walk(null, 0);
    return out;
  }, [children, expanded, visible]);

  const virtual = useVirtualRows(rows.length, scroller, ROW_HEIGHT);

  const toggle = (id) =>
    setExpanded((prev) => {
      const next = new Set(prev);
      if (!next.delete(id)) next.add(id);
      return next;
    });

  return (
    <Box ref={scroller} sx={{ height: PANEL_HEIGHT, overflow: 'auto', border: 1, borderColor: 'divider', borderRadius: 1, bgcolor: 'background.paper' }} data-testid="items-tree">
      <Box sx={{ height: virtual.getTotalSize(), position: 'relative' }}>
        {virtual.getVirtualItems().map((v) => {
          const { item, depth, hasChildren, open } = rows[v.index];
          return (
            <Box
              key={item.id}
              data-testid="tree-row"
              data-item-id={item.id}
              sx={{ position: 'absolute', top: 0, left: 0, right: 0, height: ROW_HEIGHT, transform: `translateY(${v.start}px)`, display: 'flex', alignItems: 'center', pl: 1 + depth * 2.5, pr: 1, gap: 1 }}
            >
              {hasChildren ? (
                <IconButton size="small" onClick={() => toggle(item.id)} disabled={visible !== null} aria-label={open ? 'Collapse' : 'Expand'} data-testid="tree-toggle" sx={{ width: 24, height: 24 }}>
                  {open ? '▾' : '▸'}
                </IconButton>
              ) : (
                <Box sx={{ width: 24 }} />
              )}
              <Typography variant="body2" noWrap fontWeight={item.directory ? 600 : 400} sx={{ flexGrow: 1 }}>
                {item.name}
              </Typography>
              <Typography variant="caption" color="text.secondary">
                {item.type}
                {hasChildren && ` · ${children.get(item.id).length.toLocaleString()}`}
              </Typography>
              {item.url && (
                <IconButton size="small" title="Open in the provider" aria-label={`Open ${item.name}`} onClick={() => onOpen(item)}>
                  ↗
                </IconButton>
              )}
            </Box>
          );
        })}
      </Box>
    </Box>
  );
}
