// The tree view's rows, as pure functions of the items (no React), so they can be tested alone.

// Children by parent id; items whose parent is not in the load hang under `null` (the top).
export function childrenByParent(items, byId) {
  const map = new Map();
  for (const item of items) {
    const parent = item.parent_id && byId.has(item.parent_id) ? item.parent_id : null;
    if (!map.has(parent)) map.set(parent, []);
    map.get(parent).push(item);
  }
  return map;
}

// With a search or filter (`shown` is not `items`): the ids of the matches and of all their
// ancestors, which the tree shows opened. `null` when nothing is filtered.
export function visibleWithAncestors(items, shown, byId) {
  if (shown === items) return null;
  const ids = new Set();
  for (const item of shown) {
    for (let i = item; i && !ids.has(i.id); i = i.parent_id ? byId.get(i.parent_id) : null) ids.add(i.id);
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
