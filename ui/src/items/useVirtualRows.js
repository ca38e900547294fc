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
