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

// The rows' own styles (`.rows`, `.row`, `.cell`) and the panels' frame (`.frame`) are in
// app.css, shared by every panel.

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
