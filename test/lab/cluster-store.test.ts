/**
 * Kept clusters on disk: a new cluster gets its own named folder; the list is the usable
 * folders, the most recently opened first; a folder that is damaged, foreign or a link is
 * left out (and cannot be deleted by name); reopening keeps the previous session's run log
 * as a saved run; names are checked before any path is built from them.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ClusterSettings } from '../../src-main/api/contract';
import {
  ClusterStoreError,
  createKept,
  deleteKept,
  findKept,
  listKept,
  reopenKept,
} from '../../src-main/lab/cluster-store';

const S: ClusterSettings = { nodes: 3, protocol: 'raft', heartbeatMs: 100, electionMs: 1000, seed: 1 };
const roots: string[] = [];
afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));
function root(): string {
  const r = mkdtempSync(join(tmpdir(), 'ql-kept-'));
  roots.push(r);
  return r;
}

describe('kept clusters', () => {
  it('lists usable cluster folders, the most recently opened first', async () => {
    const r = root();
    const a = await createKept(r, S, new Date('2026-01-01T10:00:00Z'));
    const b = await createKept(r, { ...S, protocol: 'paxos', nodes: 5 }, new Date('2026-01-02T10:00:00Z'));
    expect(a.name).toMatch(/^raft-3-20260101-100000-[0-9a-f]{4}$/);
    expect(b.name).toMatch(/^paxos-5-20260102-100000-[0-9a-f]{4}$/);
    expect((await listKept(r)).map((k) => k.name)).toEqual([b.name, a.name]);
    await reopenKept(a, new Date('2026-01-03T10:00:00Z'));
    expect((await listKept(r)).map((k) => [k.name, k.openedAt])).toEqual([
      [a.name, '2026-01-03T10:00:00.000Z'],
      [b.name, '2026-01-02T10:00:00.000Z'],
    ]);
    expect((await findKept(r, b.name)).settings).toEqual({ ...S, protocol: 'paxos', nodes: 5 });
  });

  it('leaves out damaged, foreign and linked folders, and refuses bad names', async () => {
    const r = root();
    const good = await createKept(r, S);
    const broken = join(r, 'broken');
    mkdirSync(broken);
    writeFileSync(join(broken, 'settings.json'), '{"nodes": "many"}');
    writeFileSync(join(broken, 'cluster.json'), '{"createdAt": "2026-01-01T00:00:00Z"}');
    mkdirSync(join(r, 'empty'));
    const elsewhere = mkdtempSync(join(tmpdir(), 'ql-kept-elsewhere-'));
    roots.push(elsewhere);
    writeFileSync(join(elsewhere, 'keep.txt'), 'mine');
    symlinkSync(join(r, good.name), join(r, 'link-to-good'));
    symlinkSync(elsewhere, join(r, 'link-out'));
    expect((await listKept(r)).map((k) => k.name)).toEqual([good.name]);
    for (const name of ['link-out', 'broken', 'empty', 'nope'])
      await expect(deleteKept(r, name)).rejects.toMatchObject({ status: 404 });
    for (const name of ['..', '../x', '', 'a/b'])
      await expect(findKept(r, name)).rejects.toBeInstanceOf(ClusterStoreError);
    expect(readFileSync(join(elsewhere, 'keep.txt'), 'utf8')).toBe('mine');
    await deleteKept(r, good.name);
    expect(readdirSync(r).sort()).toEqual(['broken', 'empty', 'link-out', 'link-to-good']);
  });

  it('keeps the previous session’s run log and history as a saved run when reopening', async () => {
    const r = root();
    const k = await createKept(r, S);
    writeFileSync(join(k.dir, 'run.jsonl'), '{"t":0,"seq":1,"kind":"x"}\n');
    writeFileSync(join(k.dir, 'history.jsonl'), '');
    writeFileSync(join(k.dir, 'n1.sqlite'), 'data');
    const at = new Date('2026-02-01T00:00:00Z');
    await reopenKept(k, at);
    await reopenKept({ ...k, openedAt: at.toISOString() }, at);
    const sessions = readdirSync(join(k.dir, 'sessions'));
    // The second reopening had no log to move: one session, and nothing overwritten.
    expect(sessions).toHaveLength(1);
    expect(readdirSync(join(k.dir, 'sessions', sessions[0]!)).sort()).toEqual([
      'history.jsonl',
      'run.jsonl',
      'settings.json',
    ]);
    expect(readFileSync(join(k.dir, 'n1.sqlite'), 'utf8')).toBe('data');
    expect(readdirSync(k.dir).sort()).toEqual(['cluster.json', 'n1.sqlite', 'sessions', 'settings.json']);
  });
});
