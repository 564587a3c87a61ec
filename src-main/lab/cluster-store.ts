/**
 * Kept clusters: each cluster lives in its own folder `<clusters>/<name>/` — the nodes'
 * SQLite files (n1.sqlite …), settings.json, cluster.json (when it was made and last
 * opened), and the current session's run log and history. Reopening a cluster starts its
 * nodes on the same SQLite files, so what was committed is still there; the previous
 * session's run log and history move to `sessions/<when>-<random>/` beside settings.json (a saved
 * run that Open run… reads). `quorum-lab serve --data DIR` keeps them in DIR/clusters, the
 * desktop app in `<user data>/clusters`.
 *
 * The folder is the lab's own, but a file in it may have been damaged or planted: names
 * are plain run names, folders must be real folders (no links), settings.json and
 * cluster.json are read bounded and validated, and a folder that fails is left out of the
 * list (and never deleted by accident: delete takes a listed name).
 */
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClusterSettings } from '../api/contract';
import { runNameError } from '../api/schemas';
import { parseJsonBounded } from '../core/validate';
import { checkSettings, MAX_SETTINGS_BYTES, RUN_FILES } from './run-files';
import { lstatOrNull, openRegular, readSmall } from './safe-files';

/** CLUSTER_FILE holds a kept cluster's name and times. */
export const CLUSTER_FILE = 'cluster.json';
/** SESSIONS_DIR holds the run logs of a kept cluster's earlier sessions. */
export const SESSIONS_DIR = 'sessions';

/** KeptCluster is one cluster folder, as listed. */
export interface KeptCluster {
  name: string;
  dir: string;
  settings: ClusterSettings;
  /** createdAt, openedAt: ISO times. */
  createdAt: string;
  openedAt: string;
}

/** ClusterStoreError says why a kept cluster cannot be opened or deleted; status is the HTTP status that fits. */
export class ClusterStoreError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function stamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
}

/** newClusterName names a new cluster after what it runs and when: raft-3-20260101-120000-ab12. */
export function newClusterName(s: ClusterSettings, now = new Date()): string {
  return `${s.protocol}-${s.nodes}-${stamp(now)}-${randomBytes(2).toString('hex')}`;
}

async function readJsonFile(file: string): Promise<unknown> {
  const opened = await openRegular(file, MAX_SETTINGS_BYTES);
  if (!opened) return undefined;
  try {
    const parsed = parseJsonBounded(await readSmall(opened.fh, file, MAX_SETTINGS_BYTES), { maxDepth: 8 });
    return parsed.ok ? parsed.value : undefined;
  } finally {
    await opened.fh.close();
  }
}

/** readKept reads one cluster folder, or null when it is not a usable kept cluster. */
async function readKept(root: string, name: string): Promise<KeptCluster | null> {
  if (runNameError(name) !== null) return null;
  const dir = join(root, name);
  const st = await lstatOrNull(dir).catch(() => null);
  if (!st?.isDirectory()) return null;
  try {
    const settings = checkSettings(await readJsonFile(join(dir, RUN_FILES.settings)));
    if (typeof settings === 'string') return null;
    const meta = (await readJsonFile(join(dir, CLUSTER_FILE))) as Record<string, unknown> | undefined;
    const time = (k: string): string | null =>
      typeof meta?.[k] === 'string' && !Number.isNaN(Date.parse(meta[k])) ? meta[k] : null;
    const createdAt = time('createdAt');
    if (createdAt === null) return null;
    return { name, dir, settings, createdAt, openedAt: time('openedAt') ?? createdAt };
  } catch {
    return null;
  }
}

/** listKept lists the usable kept clusters in `root`, the most recently opened first. */
export async function listKept(root: string): Promise<KeptCluster[]> {
  const names = await readdir(root).catch(() => [] as string[]);
  const kept = (await Promise.all(names.map((n) => readKept(root, n)))).filter((k): k is KeptCluster => k !== null);
  return kept.sort((a, b) => Date.parse(b.openedAt) - Date.parse(a.openedAt) || b.name.localeCompare(a.name));
}

/** findKept returns the kept cluster `name` in `root`, or throws (400 for a bad name, 404 when there is none). */
export async function findKept(root: string, name: string): Promise<KeptCluster> {
  const bad = runNameError(name);
  if (bad) throw new ClusterStoreError(400, `cluster name: ${bad}`);
  const k = await readKept(root, name);
  if (!k) throw new ClusterStoreError(404, `no kept cluster named ${name} in ${root}`);
  return k;
}

/** createKept makes the folder of a new cluster (settings.json and cluster.json) and returns it. */
export async function createKept(root: string, settings: ClusterSettings, now = new Date()): Promise<KeptCluster> {
  await mkdir(root, { recursive: true, mode: 0o700 });
  const name = newClusterName(settings, now);
  const dir = join(root, name);
  await mkdir(dir, { mode: 0o700 });
  const at = now.toISOString();
  await writeFile(join(dir, RUN_FILES.settings), JSON.stringify(settings, null, 2) + '\n');
  await writeFile(join(dir, CLUSTER_FILE), JSON.stringify({ name, createdAt: at, openedAt: at }, null, 2) + '\n');
  return { name, dir, settings, createdAt: at, openedAt: at };
}

/**
 * reopenKept prepares a kept cluster for a new session: the previous session's run log
 * and history move to sessions/<when>/ (with a copy of settings.json), and cluster.json
 * records the new opening.
 */
export async function reopenKept(k: KeptCluster, now = new Date()): Promise<KeptCluster> {
  const log = await lstatOrNull(join(k.dir, RUN_FILES.log));
  if (log?.isFile()) {
    // A new folder each time (two openings within a second must not share one).
    const to = join(k.dir, SESSIONS_DIR, `${stamp(now)}-${randomBytes(2).toString('hex')}`);
    await mkdir(join(k.dir, SESSIONS_DIR), { recursive: true, mode: 0o700 });
    await mkdir(to, { mode: 0o700 });
    for (const f of [RUN_FILES.log, RUN_FILES.history]) {
      const st = await lstatOrNull(join(k.dir, f));
      if (st?.isFile()) await rename(join(k.dir, f), join(to, f));
    }
    await copyFile(join(k.dir, RUN_FILES.settings), join(to, RUN_FILES.settings));
  }
  const openedAt = now.toISOString();
  await writeFile(
    join(k.dir, CLUSTER_FILE),
    JSON.stringify({ name: k.name, createdAt: k.createdAt, openedAt }, null, 2) + '\n',
  );
  return { ...k, openedAt };
}

/** deleteKept removes the kept cluster `name` from `root` (its node files, settings and logs). */
export async function deleteKept(root: string, name: string): Promise<void> {
  const k = await findKept(root, name);
  await rm(k.dir, { recursive: true, force: true });
}
