// The tree view's rows, as pure functions of the items (no React), so they can be tested alone.

// A parent the provider names but this load does not hold (a page shared without the page it
// sits in): shown at the top by the name its children give it, marked as not loaded.
export function missingParent(child) {
  return {
    id: child.parent_id,
    name: child.parent_path_or_name ?? `Parent ${child.parent_id}`,
    type: 'not loaded',
    directory: true,
    notLoaded: true,
  };
}

// Children by parent id; items without a parent hang under `null` (the top), and items whose
// parent is not in the load under a stand-in for that parent at the top.
export function childrenByParent(items, byId) {
  const map = new Map();
  const add = (parent, item) => {
    if (!map.has(parent)) map.set(parent, []);
    map.get(parent).push(item);
  };
  for (const item of items) {
    const parent = item.parent_id ?? null;
    if (parent !== null && !byId.has(parent) && !map.has(parent)) add(null, missingParent(item));
    add(parent, item);
  }
  return map;
}

// With a search or filter (`shown` is not `items`): the ids of the matches and of all their
// ancestors, which the tree shows opened. `null` when nothing is filtered.
export function visibleWithAncestors(items, shown, byId) {
  if (shown === items) return null;
  const ids = new Set();
  for (const item of shown) {
    for (let i = item; i && !ids.has(i.id); i = i.parent_id ? byId.get(i.parent_id) : null) {
      ids.add(i.id);
      // A parent outside the load stands in the tree; it is shown with its children.
      if (i.parent_id && !byId.has(i.parent_id)) ids.add(i.parent_id);
    }
  }
  return ids;
}

// The rows in display order: `{ item, depth, hasChildren, open }`, children under their open
// parent. A filter opens every shown parent; otherwise `expanded` says which are open.
export function treeRows(children, expanded, visible) {
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
}
