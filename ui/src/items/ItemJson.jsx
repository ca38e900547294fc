import { memo, useMemo, useRef } from 'react';
import { Box, Typography } from '@mui/material';
import { PANEL_HEIGHT, VirtualRows, useVirtualRows } from './VirtualRows.jsx';

// A line's height: 100,000 items of about seventeen lines stay well inside the tallest layout a
// page can have (about 33 million px in WebKit).
const LINE = 16;

// Lines of `JSON.stringify(value, null, 2)`, counted without building the text (a 100,000-item
// load is counted on opening the view).
export function jsonLines(value) {
  if (value === null || typeof value !== 'object') return 1;
  let lines = 0;
  let fields = 0;
  if (Array.isArray(value)) {
    for (const v of value) {
      lines += jsonLines(v);
      fields += 1;
    }
  } else {
    for (const key in value) {
      if (value[key] !== undefined) {
        lines += jsonLines(value[key]);
        fields += 1;
      }
    }
  }
  return fields ? lines + 2 : 1;
}

const JSON_SX = {
  height: PANEL_HEIGHT, overflow: 'auto', contain: 'strict', position: 'relative',
  fontFamily: 'ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace', fontSize: 12, lineHeight: `${LINE}px`,
  '& pre': { m: 0, px: 1.5, whiteSpace: 'pre', font: 'inherit' },
  '& .edge': { position: 'absolute', left: 0 },
};

const JsonItem = memo(function JsonItem({ item, last }) {
  const text = `  ${JSON.stringify(item, null, 2).replace(/\n/g, '\n  ')}${last ? '' : ','}`;
  return (
    <pre data-testid="json-item" data-item-id={item.id}>
      {text}
    </pre>
  );
});

// The raw JSON the seed showed (the shown items as one pretty-printed array), laid out line
// for line as `JSON.stringify(items, null, 2)` would be, but only the items in view are in
// the page: a 100,000-item array is about fifty megabytes of text, which a text area takes
// minutes to lay out.
export function ItemJson({ items }) {
  const scroller = useRef(null);
  const sizes = useMemo(() => items.map((i) => jsonLines(i) * LINE), [items]);
  // Room for the opening and closing bracket lines; an item is a dozen lines or more.
  const virtual = useVirtualRows(items.length, scroller, (i) => sizes[i], { paddingStart: LINE, paddingEnd: LINE, overscan: 4 });

  return (
    <Box>
      <Typography variant="caption" color="text.secondary">
        Loaded Data
      </Typography>
      <div className="frame">
        <Box ref={scroller} sx={JSON_SX} data-testid="data-output" aria-label="Loaded Data" tabIndex={0}>
          <pre className="edge" style={{ top: 0 }}>
            {items.length ? '[' : '[]'}
          </pre>
          <VirtualRows rows={virtual}>{(v) => <JsonItem key={items[v.index].id} item={items[v.index]} last={v.index === items.length - 1} />}</VirtualRows>
          {items.length > 0 && (
            <pre className="edge" style={{ top: virtual.getTotalSize() - LINE }}>
              ]
            </pre>
          )}
        </Box>
      </div>
    </Box>
  );
}
