/**
 * A shard moves in pages: the source cuts its frozen export the same way on every replica,
 * the destination takes the pages in order as commands of its own log, a page resent after
 * a crash changes nothing, a snapshot taken mid-transfer carries the pages held so far, and
 * only the last page installs the shard (data and client sessions).
 */
import { describe, expect, it } from 'vitest';
import { encodeCommand } from '../../../src-main/core/kv/codec';
import type { KvOp, KvResult } from '../../../src-main/core/kv/types';
import { ADMIN_KEY, exportPageKey, type GroupCommand } from '../../../src-main/core/shard/admin';
import { shardOf, type ShardConfig, type ShardScheme } from '../../../src-main/core/shard/config';
import { ShardGroupMachine } from '../../../src-main/core/shard/group';
import { decodeExportPage, exportPage, pageStarts, type ExportPage } from '../../../src-main/core/shard/pages';

const scheme: ShardScheme = { kind: 'range', shards: 2 };
const groups = { g1: ['a'], g2: ['b'] };
const cfg = (num: number, shards: string[]): ShardConfig => ({ num, scheme, shards, groups });
const keysIn = (s: number, n: number): string[] => {
  const out: string[] = [];
  for (let i = 0; out.length < n; i++) if (shardOf(scheme, `k${i}`) === s) out.push(`k${i}`);
  return out;
};
const PART = 200;

function replica(group: string) {
  const sm = new ShardGroupMachine(group, { partChars: PART });
  let index = 0;
  const run = (cmd: KvOp, client = '', seq = 0): KvResult =>
    sm.apply(++index, encodeCommand({ client, seq, now: 0, cmd }));
  return {
    sm,
    admin: (g: GroupCommand): KvResult => run({ op: 'put', key: ADMIN_KEY, value: JSON.stringify(g) }),
    put: (key: string, value: string, client = '', seq = 0): KvResult => run({ op: 'put', key, value }, client, seq),
  };
}

/** frozenPair: g1 holds shard 1 with `n` keys (one write by client alice) and has frozen it for g2 at configuration 2. */
function frozenPair(n: number) {
  const g1 = replica('g1');
  const g2 = replica('g2');
  const c1 = cfg(1, ['g1', 'g1']);
  const c2 = cfg(2, ['g1', 'g2']);
  for (const r of [g1, g2]) r.admin({ a: 'config', config: c1 });
  const keys = keysIn(1, n);
  keys.forEach((k, i) => g1.put(k, `value-${i}-`.repeat(5), i === 0 ? 'alice' : '', i === 0 ? 1 : 0));
  for (const r of [g1, g2]) r.admin({ a: 'config', config: c2 });
  const page = (p: number): ExportPage => {
    const text = g1.sm.get(exportPageKey(1, 2, p));
    expect(text, `page ${p}`).not.toBeNull();
    const d = decodeExportPage(text ?? '');
    if (typeof d === 'string') throw new Error(d);
    return d;
  };
  const part = (p: ExportPage): GroupCommand => ({ a: 'part', shard: 1, config: 2, part: p.page, ...p });
  return { g1, g2, keys, page, part };
}

describe('moving a shard in pages', () => {
  it('installs only with the last page; a page resent changes nothing; one out of order is refused', () => {
    const { g1, g2, keys, page, part } = frozenPair(40);
    const first = page(0);
    expect(first.pages).toBeGreaterThan(5);
    expect(g2.admin(part(first))).toEqual({ ok: true, value: `part 1 of ${first.pages}` });
    expect(g2.admin(part(first))).toEqual({ ok: true, value: 'part 0 already held' });
    expect(g2.admin(part(page(2)))).toMatchObject({ ok: false, error: 'shard-stale', value: 'expected part 1, got 2' });
    for (let p = 1; p < first.pages - 1; p++) expect(g2.admin(part(page(p)))).toMatchObject({ ok: true });
    expect(g2.sm.status().shards).toContainEqual({
      shard: 1,
      status: 'pulling',
      config: 2,
      from: 'g1',
      keys: 0,
      parts: first.pages - 1,
      pages: first.pages,
    });
    expect(g2.put(keys[0] ?? '', 'early')).toEqual({ ok: false, error: 'wrong-group' });
    expect(g2.admin(part(page(first.pages - 1)))).toEqual({ ok: true, value: 'installed' });
    keys.forEach((k, i) => expect(g2.sm.get(k)).toBe(`value-${i}-`.repeat(5)));
    // alice's write came with the shard's session table: her retry is answered, not applied again.
    expect(g2.put(keys[0] ?? '', 'again', 'alice', 1)).toEqual({ ok: true, value: null });
    expect(g2.sm.get(keys[0] ?? '')).toBe('value-0-'.repeat(5));
    // Every page resent after the install (a lab that lost the answer) changes nothing.
    expect(g2.admin(part(page(0)))).toEqual({ ok: true, value: 'already installed' });
    expect(g1.admin({ a: 'gc', shard: 1, config: 2 })).toMatchObject({ ok: true });
    expect(g1.sm.get(exportPageKey(1, 2, 0))).toBeNull();
  });

  it('a destination replica restored from a snapshot mid-transfer goes on from the pages it holds', () => {
    const { g2, page, part } = frozenPair(30);
    const pages = page(0).pages;
    for (let p = 0; p < 3; p++) g2.admin(part(page(p)));
    const other = new ShardGroupMachine('g2', { partChars: PART });
    other.restore(g2.sm.snapshot(), g2.sm.appliedIndex);
    expect(other.status()).toEqual(g2.sm.status());
    let index = other.appliedIndex;
    const admin = (g: GroupCommand): KvResult =>
      other.apply(
        ++index,
        encodeCommand({ client: '', seq: 0, now: 0, cmd: { op: 'put', key: ADMIN_KEY, value: JSON.stringify(g) } }),
      );
    expect(admin(part(page(1)))).toMatchObject({ ok: true, value: 'part 1 already held' });
    for (let p = 3; p < pages; p++) expect(admin(part(page(p))).ok).toBe(true);
    expect(other.status().shards.find((s) => s.shard === 1)?.status).toBe('serving');
  });

  it('a page of another export makes the destination start again from page 0', () => {
    const { g2, page, part } = frozenPair(20);
    g2.admin(part(page(0)));
    const alien = { ...page(1), hash: (page(1).hash + 1) >>> 0 };
    expect(g2.admin(part(alien))).toMatchObject({
      ok: false,
      value: 'part 1 of another export: start again from part 0',
    });
    expect(g2.sm.status().shards.find((s) => s.shard === 1)?.parts).toBeUndefined();
    const all = page(0).pages;
    for (let p = 0; p < all; p++) expect(g2.admin(part(page(p))).ok).toBe(true);
    expect(g2.sm.status().shards.find((s) => s.shard === 1)?.status).toBe('serving');
  });
});

describe('cutting an export into pages', () => {
  it('covers the text exactly, never splits a surrogate pair, and rejects a page that is not one', () => {
    const text = `${'x'.repeat(9)}😀${'y'.repeat(25)}`;
    const starts = pageStarts(text, 10);
    expect(starts.slice(0, 2)).toEqual([0, 9]);
    const pages = starts.length - 1;
    const got = Array.from({ length: pages }, (_, p) => exportPage(text, starts, p)?.data ?? '');
    expect(got.join('')).toBe(text);
    expect(got[1]?.startsWith('😀')).toBe(true);
    expect(exportPage(text, starts, pages)).toBeNull();
    expect(decodeExportPage('{"page":3,"pages":2,"hash":1,"data":""}')).toMatch(/page/);
    expect(decodeExportPage('[1]')).toMatch(/object/);
  });
});
