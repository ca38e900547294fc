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
  it('hangs items under their parents, and those whose parent is not loaded under a stand-in for it', () => {
    expect(children.get(null).map((i) => i.id)).toEqual(['base', 'not-loaded']);
    expect(children.get(null)[1]).toMatchObject({ notLoaded: true, name: 'Parent not-loaded', type: 'not loaded' });
    expect(children.get('not-loaded').map((i) => i.id)).toEqual(['orphan']);
    expect(children.get('table').map((i) => i.id)).toEqual(['r1', 'r2']);
    const named = childrenByParent([{ id: 'p', parent_id: 'blk', parent_path_or_name: 'a block' }], new Map());
    expect(named.get(null)[0].name, 'the name the provider gave').toBe('a block');
  });

  it('shows closed folders until they are opened', () => {
    expect(shape(treeRows(children, new Set(), null))).toEqual(['base +', 'not-loaded +']);
    expect(shape(treeRows(children, new Set(['base', 'table', 'not-loaded']), null))).toEqual(['base -', '  table -', '    r1', '    r2', 'not-loaded -', '  orphan']);
    expect(shape(treeRows(children, new Set(['table']), null)), 'a child of a closed folder stays hidden').toEqual(['base +', 'not-loaded +']);
  });

  it('with a filter, shows the matches with their ancestors, opened', () => {
    const shown = [byId.get('r2')];
    const visible = visibleWithAncestors(ITEMS, shown, byId);
    expect([...visible].sort()).toEqual(['base', 'r2', 'table']);
    expect(shape(treeRows(children, new Set(), visible))).toEqual(['base -', '  table -', '    r2']);
    expect(visibleWithAncestors(ITEMS, ITEMS, byId), 'no filter, no visible set').toBeNull();
    const orphan = visibleWithAncestors(ITEMS, [byId.get('orphan')], byId);
    expect(shape(treeRows(children, new Set(), orphan)), 'a match under a missing parent shows it').toEqual(['not-loaded -', '  orphan']);
  });
});
