import { describe, expect, it } from 'vitest';
import { childrenByParent, treeRows, visibleWithAncestors } from './treeRows.js';

const ITEMS = [
  { id: 'base', parent_id: null, name: 'Base' },
  { id: 'table', parent_id: 'base', name: 'Table' },
  { id: 'r1', parent_id: 'table', name: 'Ada' },
  { id: 'r2', parent_id: 'table', name: 'Grace' },
  { id: 'orphan', parent_id: 'not-loaded', name: 'Shared page' },
];
const byId = new Map(ITEMS.map((i) => [i.id, i]));
const children = childrenByParent(ITEMS, byId);
const shape = (rows) => rows.map((r) => `${'  '.repeat(r.depth)}${r.item.id}${r.hasChildren ? (r.open ? ' -' : ' +') : ''}`);

describe('tree rows', () => {
  it('hangs items under their parents, and those whose parent is not loaded at the top', () => {
    expect(children.get(null).map((i) => i.id)).toEqual(['base', 'orphan']);
    expect(children.get('table').map((i) => i.id)).toEqual(['r1', 'r2']);
  });

  it('shows closed folders until they are opened', () => {
    expect(shape(treeRows(children, new Set(), null))).toEqual(['base +', 'orphan']);
    expect(shape(treeRows(children, new Set(['base', 'table']), null))).toEqual(['base -', '  table -', '    r1', '    r2', 'orphan']);
    expect(shape(treeRows(children, new Set(['table']), null)), 'a child of a closed folder stays hidden').toEqual(['base +', 'orphan']);
  });

  it('with a filter, shows the matches with their ancestors, opened', () => {
    const shown = [byId.get('r2')];
    const visible = visibleWithAncestors(ITEMS, shown, byId);
    expect([...visible].sort()).toEqual(['base', 'r2', 'table']);
    expect(shape(treeRows(children, new Set(), visible))).toEqual(['base -', '  table -', '    r2']);
    expect(visibleWithAncestors(ITEMS, ITEMS, byId), 'no filter, no visible set').toBeNull();
  });
});
