/**
 * A live 3-node lab under attack through its service: exports aimed outside the data
 * folder, over an existing folder, or through a planted link; a load run that would
 * write gigabytes; a flood of large puts against a node's memory; and a long load run
 * stopped early. Each is refused (or ended) cleanly: nodes alive, nothing changed.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_LOAD_BYTES, validateLoadRequest } from '../../src-main/api/schemas';
import { LabError, LabService } from '../../src-main/lab/lab-service';
import { EXPORTED_FILES, FAST, leaderOf, waitFor } from './helpers';

const MiB = 1024 * 1024;
let data: string;
let outside: string;
let lab: LabService;
let pids: number[];

async function refused<T>(p: Promise<T>, status: number, why: RegExp): Promise<void> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(LabError);
  expect((err as LabError).status, (err as Error).message).toBe(status);
  expect((err as Error).message).toMatch(why);
}

/** healthy proves every node is the same process as before and the cluster still writes. */
async function healthy(): Promise<void> {
  expect(lab.nodePids()).toEqual(pids);
  const v = await lab.cluster();
  expect(v.nodes.every((n) => n.status === 'up')).toBe(true);
  expect((await lab.kv({ op: 'put', key: 'alive', value: String(Date.now()) })).outcome).toBe('ok');
}

beforeAll(async () => {
  data = mkdtempSync(join(tmpdir(), 'ql-export-'));
  outside = mkdtempSync(join(tmpdir(), 'ql-outside-'));
  lab = new LabService({ dataDir: data, settings: FAST, maxStoreBytes: 2 * MiB });
  await lab.start();
  await waitFor(async () => leaderOf(await lab.cluster()), 15_000, 'a leader');
  pids = lab.nodePids();
  for (let i = 0; i < 5; i++) expect((await lab.kv({ op: 'put', key: `k${i}`, value: 'v' })).outcome).toBe('ok');
});

afterAll(async () => {
  await lab.stop();
  rmSync(data, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

describe('exportRun writes only new folders inside the data folder', () => {
  it('writes a run under a timestamped name by default, and under a plain name', async () => {
    const a = await lab.exportRun();
    expect(a.dir.startsWith(data + '/export-')).toBe(true);
    expect(readdirSync(a.dir).sort()).toEqual(EXPORTED_FILES);
    const b = await lab.exportRun('my-run_1');
    expect(b.dir).toBe(join(data, 'my-run_1'));
    const saved = await lab.openRun('my-run_1');
    expect(saved.history.some((h) => h.type === 'ok' && h.key === 'k4')).toBe(true);
  });

  it('refuses absolute and ../ paths (400) and writes nothing outside', async () => {
    for (const name of [outside, join(outside, 'x'), '../escape', `../${outside.split('/').pop()}`, 'a/b', '..']) {
      await refused(lab.exportRun(name), 400, /plain folder name/);
    }
    expect(readdirSync(outside)).toEqual([]);
    expect(existsSync(join(data, '..', 'escape'))).toBe(false);
    await healthy();
  });

  it('never overwrites: an existing folder gives 409 and keeps its files', async () => {
    mkdirSync(join(data, 'taken'));
    writeFileSync(join(data, 'taken', 'run.jsonl'), 'precious\n');
    await refused(lab.exportRun('taken'), 409, /already exists/);
    expect(readFileSync(join(data, 'taken', 'run.jsonl'), 'utf8')).toBe('precious\n');
    await refused(lab.exportRun('my-run_1'), 409, /already exists/);
  });

  it('never follows a planted link to a folder outside', async () => {
    symlinkSync(outside, join(data, 'trap'));
    await refused(lab.exportRun('trap'), 409, /already exists/);
    expect(readdirSync(outside)).toEqual([]);
    await healthy();
  });
});

describe('load runs are bounded in bytes and can be stopped', () => {
  it(`refuses a put load over ${MAX_LOAD_BYTES} bytes in the validator and in the service`, async () => {
    const huge = { op: 'put', count: 200_000, clients: 16, valueBytes: 65_536 }; // 13 GB
    const v = validateLoadRequest(huge);
    expect(v.ok).toBe(false);
    expect(!v.ok && v.error).toMatch(/over the limit of 268435456 bytes/);
    expect(validateLoadRequest({ ...huge, valueBytes: 1024 }).ok).toBe(true); // 205 MB
    expect(validateLoadRequest({ ...huge, op: 'get' }).ok).toBe(true); // gets write nothing
    await refused(lab.load({ op: 'put', count: 200_000, clients: 16, valueBytes: 65_536 }), 400, /over the limit/);
    expect((await lab.history()).some((h) => typeof h.value === 'string' && h.value.length === 65_536)).toBe(false);
  });

  it('stopLoad ends a running load early and both callers get the same partial summary', async () => {
    await refused(lab.stopLoad(), 409, /no load run/);
    const run = lab.load({ op: 'put', count: 200_000, clients: 4, keys: 50 });
    await waitFor(async () => (await lab.history()).length > 200, 30_000, 'the load to get going');
    const stopped = await lab.stopLoad();
    const summary = await run;
    expect(summary).toEqual(stopped);
    expect(summary.stopped).toBe(true);
    expect(summary.count).toBeGreaterThan(50);
    expect(summary.count).toBeLessThan(200_000);
    expect(summary.ok + summary.fail + summary.unknown).toBe(summary.count);
    // Nothing more is sent after the stop.
    const n = (await lab.history()).length;
    await new Promise((r) => setTimeout(r, 300));
    expect((await lab.history()).length).toBe(n);
    await healthy();
  });
});

describe('a node store bounded in bytes', () => {
  it('a flood of large puts gets store-full (a fail: not applied) on every replica alike; nodes stay up', async () => {
    const errors: (string | undefined)[] = [];
    for (let i = 0; i < 12; i++) {
      const r = await lab.kv({ op: 'put', key: `big${i}`, value: 'b'.repeat(256 * 1024) });
      expect(r.outcome).not.toBe('unknown');
      errors.push(r.outcome === 'ok' ? undefined : r.error);
    }
    const stored = errors.filter((e) => e === undefined).length;
    expect(stored).toBeGreaterThan(2);
    expect(stored).toBeLessThan(8);
    expect(errors.slice(stored).every((e) => e === 'store-full')).toBe(true);
    expect((await lab.kv({ op: 'get', key: `big${stored}` })).value).toBeNull();
    // Every replica holds the same keys: the limit is applied from the log, not per node.
    const keys = await Promise.all(pids.map((_, i) => lab.inspect(`n${i + 1}`).then((x) => x.keys)));
    await waitFor(
      async () => {
        const k = await Promise.all(pids.map((_, i) => lab.inspect(`n${i + 1}`).then((x) => x.keys)));
        return k.every((x) => x === k[0]);
      },
      5000,
      `equal key counts (${keys.join(', ')})`,
    );
    // Deleting frees room again.
    expect((await lab.kv({ op: 'delete', key: 'big0' })).outcome).toBe('ok');
    expect((await lab.kv({ op: 'put', key: 'after', value: 'a'.repeat(200 * 1024) })).outcome).toBe('ok');
    await healthy();
  });
});
