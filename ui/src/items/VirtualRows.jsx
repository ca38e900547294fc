import { useVirtualizer } from '@tanstack/react-virtual';

export const PANEL_HEIGHT = 440;

// Rows of a fixed height in a scroll panel, of which only those in view (and a few around them)
// are rendered. Before layout, and in tests without one, the panel counts as 900 x PANEL_HEIGHT.
export function useVirtualRows(count, scroller, rowHeight) {
  return useVirtualizer({
    count,
    getScrollElement: () => scroller.current,
    estimateSize: () => rowHeight,
    overscan: 12,
    initialRect: { width: 900, height: PANEL_HEIGHT },
  });
}


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
