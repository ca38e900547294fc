import { useVirtualizer } from '@tanstack/react-virtual';

export const PANEL_HEIGHT = 440;

// Rows in a scroll panel, of which only those in view (and a few around them) are rendered.
// `size` is every row's height, or a function of the row's index. Before layout, and in tests
// without one, the panel counts as 900 x PANEL_HEIGHT.
export function useVirtualRows(count, scroller, size, options = {}) {
  return useVirtualizer({
    count,
    getScrollElement: () => scroller.current,
    estimateSize: typeof size === 'function' ? size : () => size,
    overscan: 12,
    initialRect: { width: 900, height: PANEL_HEIGHT },
    ...options,
  });
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

// The rows in view, in the page's normal flow, inside one block moved to the first of them: as
// the panel scrolls only that block's offset changes, and the rows that stay in view are left
// as they are (a row placed on its own would have to be moved on every frame).
export function VirtualRows({ rows, children }) {
  const inView = rows.getVirtualItems();
  return (
    <div style={{ height: rows.getTotalSize(), position: 'relative' }}>
      <div style={{ transform: `translateY(${inView[0]?.start ?? 0}px)` }}>{inView.map(children)}</div>
    </div>
  );
}

// Opens an item in its provider (through the app, in the system browser).
export function OpenButton({ item, onOpen, ...props }) {
  return (
    <button type="button" className="icon" title="Open in the provider" aria-label={`Open ${item.name}`} onClick={() => onOpen(item)} {...props}>
      ↗
    </button>
  );
}
