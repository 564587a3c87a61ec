/**
 * Node order: every list of nodes the views write (the balance table, the chips, the
 * console's completion, the timeline's node filter, the names in a sentence) is in one
 * order, by id with numbers compared as numbers — n1, n2, …, n9, n10 — rather than in the
 * order the lab happened to list them (which changes as nodes are added, removed and
 * restarted) or in string order (n1, n10, n2). Pure.
 */
import type { ClusterView } from '../../../src-main/api/contract';

/** NUMERIC: one collator for every comparison (localeCompare with options builds one per call). */
const NUMERIC = new Intl.Collator('en', { numeric: true });

/** compareNodeIds orders two node ids: n2 before n10; ids without numbers in string order. */
export function compareNodeIds(a: string, b: string): number {
  return NUMERIC.compare(a, b);
}

/** sortNodeIds returns the ids in node order (a new array). */
export function sortNodeIds(ids: readonly string[]): string[] {
  return [...ids].sort(compareNodeIds);
}

/** inOrder says whether `ids` are already in node order. */
function inOrder(ids: readonly string[]): boolean {
  for (let i = 1; i < ids.length; i++) if (compareNodeIds(ids[i - 1]!, ids[i]!) > 0) return false;
  return true;
}

/**
 * inNodeOrder returns the view with its nodes, its partition groups' members and its
 * configuration's voters and learners in node order — the same object when they already
 * are (a view arrives up to ten times a second; a new one re-renders every list of nodes).
 */
export function inNodeOrder(v: ClusterView): ClusterView {
  const ids = v.nodes.map((n) => n.id);
  const c = v.config;
  if (inOrder(ids) && v.groups.every(inOrder) && (c === undefined || (inOrder(c.voters) && inOrder(c.learners))))
    return v;
  return {
    ...v,
    nodes: [...v.nodes].sort((a, b) => compareNodeIds(a.id, b.id)),
    groups: v.groups.map(sortNodeIds),
    ...(c === undefined ? {} : { config: { ...c, voters: sortNodeIds(c.voters), learners: sortNodeIds(c.learners) } }),
  };
}
