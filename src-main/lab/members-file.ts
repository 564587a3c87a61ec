/**
 * members.json in a kept cluster's folder: which nodes the cluster runs now (added and
 * removed ones included) and every id it ever used. Reopening a cluster starts exactly
 * these nodes — a node added later as a joining node again, with the first members as its
 * peers — and a new node never takes the id (and so the SQLite file) of a removed one. The
 * file is the lab's own but is read bounded and validated like every file in the folder;
 * a missing or unusable one means the cluster never changed its membership.
 */
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { NodeId } from '../core/types';
import { array, bool, fail, parseJsonBounded, record, str, valueOrError } from '../core/validate';
import { openRegular, readSmall } from './safe-files';

/** MEMBERS_FILE names the file in the cluster's folder. */
export const MEMBERS_FILE = 'members.json';
const MAX_MEMBERS_BYTES = 16 * 1024;
const NODE_ID = /^n[1-9][0-9]?$/;

/** MemberNode is one node the cluster runs: `joining` when it was added after the cluster was made. */
export interface MemberNode {
  id: NodeId;
  joining: boolean;
}

/** Members is members.json: the first members, the nodes run now, and every id ever used. */
export interface Members {
  first: NodeId[];
  nodes: MemberNode[];
  used: NodeId[];
}

const ids = (x: unknown, path: string): NodeId[] =>
  array(x, path, { max: 99, what: 'a list of node ids' }, (v, p) => str(v, p, { pattern: NODE_ID, what: 'a node id' }));

function check(x: unknown): Members {
  const o = record(x, 'members');
  const first = ids(o.first, 'first');
  const used = ids(o.used, 'used');
  const nodes = array(o.nodes, 'nodes', { min: 1, max: 99, what: 'a list of nodes' }, (v, p) => {
    const n = record(v, p);
    return {
      id: str(n.id, `${p}.id`, { pattern: NODE_ID, what: 'a node id' }),
      joining: bool(n.joining, `${p}.joining`),
    };
  });
  for (const n of nodes) {
    if (!used.includes(n.id)) fail(`${n.id} runs but is not among the used ids`);
    if (n.joining === first.includes(n.id)) fail(`${n.id}: a first member never joins, a later one always does`);
  }
  if (new Set(nodes.map((n) => n.id)).size !== nodes.length) fail('nodes repeat an id');
  return { first, nodes, used };
}

/** readMembers reads members.json from `dir`, or null when there is none (or it cannot be trusted). */
export async function readMembers(dir: string): Promise<Members | null> {
  const file = join(dir, MEMBERS_FILE);
  const opened = await openRegular(file, MAX_MEMBERS_BYTES).catch(() => null);
  if (!opened) return null;
  try {
    const parsed = parseJsonBounded(await readSmall(opened.fh, file, MAX_MEMBERS_BYTES), { maxDepth: 6 });
    if (!parsed.ok) return null;
    const m = valueOrError(() => check(parsed.value));
    return typeof m === 'string' ? null : m;
  } catch {
    return null;
  } finally {
    await opened.fh.close();
  }
}

/** writeMembers replaces members.json in `dir` (written aside, then renamed: never half a file). */
export async function writeMembers(dir: string, m: Members): Promise<void> {
  const tmp = join(dir, `${MEMBERS_FILE}.tmp`);
  await writeFile(tmp, JSON.stringify(m, null, 2) + '\n');
  await rename(tmp, join(dir, MEMBERS_FILE));
}
