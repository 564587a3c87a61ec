/**
 * Nodes on other hosts, with Linux network namespaces standing in for the hosts: a lab
 * (`quorum-lab serve --nodes 1 --remote-slots n2,n3 --listen-nodes 0.0.0.0:7400`) in one
 * namespace, a `quorum-lab node --join` in each of two others, each joined to the lab's by
 * its own veth pair (addresses from 198.18.0.0/15, the range reserved for network tests;
 * nothing else is on these links). With one local node, every commit needs a remote node:
 * the write path crosses the namespaces. Then a real cut — the veth taken down, no router
 * rule — and recovery when it comes back up.
 *
 * The test removes its namespaces (their veths go with them) and ends only the processes it
 * started, by PID, in afterAll — also after a failure. It is skipped, saying why, only where
 * `ip netns` cannot be used (not root, no iproute2).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterView } from '../../src-main/api/contract';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'quorum-lab.mjs');
const TAG = `${process.pid % 100000}${randomBytes(2).toString('hex')}`;
const NS = { lab: `qlab-${TAG}`, a: `qa-${TAG}`, b: `qb-${TAG}` };
/** Veth names are at most 15 characters. */
const VETH = { a: { lab: `qla${TAG}`, node: `qna${TAG}` }, b: { lab: `qlb${TAG}`, node: `qnb${TAG}` } };
const ADDR = { a: { lab: '198.18.1.1', node: '198.18.1.2' }, b: { lab: '198.18.2.1', node: '198.18.2.2' } };
const LAB_TOKEN = `lab-${randomBytes(12).toString('hex')}`;
const NODE_TOKEN = `node-${randomBytes(12).toString('hex')}`;

function ip(...args: string[]): { ok: boolean; err: string } {
  const r = spawnSync('ip', args, { encoding: 'utf8', timeout: 5000 });
  return { ok: r.status === 0, err: (r.stderr || r.error?.message || '').trim() };
}

/** unavailable says why `ip netns` cannot be used here, or null when it can. */
function unavailable(): string | null {
  if (process.platform !== 'linux') return 'network namespaces are Linux only';
  if (process.getuid?.() !== 0) return 'creating network namespaces needs root';
  const probe = `qprobe-${TAG}`;
  const r = ip('netns', 'add', probe);
  if (!r.ok) return `'ip netns add' failed: ${r.err || 'ip not found'}`;
  ip('netns', 'del', probe);
  return null;
}

const why = unavailable();
if (why) console.warn(`remote-netns.test.ts skipped: ${why}`);

function must(...args: string[]): void {
  const r = ip(...args);
  if (!r.ok) throw new Error(`ip ${args.join(' ')}: ${r.err}`);
}

function makeNetwork(): void {
  for (const ns of Object.values(NS)) must('netns', 'add', ns);
  must('-n', NS.lab, 'link', 'set', 'lo', 'up');
  for (const side of ['a', 'b'] as const) {
    const v = VETH[side];
    must('link', 'add', v.lab, 'netns', NS.lab, 'type', 'veth', 'peer', 'name', v.node, 'netns', NS[side]);
    must('-n', NS.lab, 'addr', 'add', `${ADDR[side].lab}/30`, 'dev', v.lab);
    must('-n', NS[side], 'addr', 'add', `${ADDR[side].node}/30`, 'dev', v.node);
    must('-n', NS.lab, 'link', 'set', v.lab, 'up');
    must('-n', NS[side], 'link', 'set', v.node, 'up');
    must('-n', NS[side], 'link', 'set', 'lo', 'up');
  }
}

const procs: ChildProcess[] = [];
const output = new Map<ChildProcess, string>();

function inNs(ns: string, args: string[], env: Record<string, string> = {}): ChildProcess {
  const p = spawn('ip', ['netns', 'exec', ns, process.execPath, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  procs.push(p);
  output.set(p, '');
  const keep = (c: Buffer): void => void output.set(p, (output.get(p) ?? '') + c.toString('utf8'));
  p.stdout?.on('data', keep);
  p.stderr?.on('data', keep);
  return p;
}

function waitFor(p: ChildProcess, re: RegExp, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setInterval(() => {
      if (re.test(output.get(p) ?? '')) done(null);
      else if (p.exitCode !== null) done(new Error(`exited ${p.exitCode}: ${output.get(p)}`));
    }, 50);
    const limit = setTimeout(() => done(new Error(`no ${String(re)} within ${ms} ms: ${output.get(p)}`)), ms);
    const done = (e: Error | null): void => {
      clearInterval(t);
      clearTimeout(limit);
      if (e) reject(e);
      else resolve();
    };
  });
}

/**
 * DRIVER runs inside the lab's namespace (its HTTP host is on that namespace's loopback)
 * and does the test's API calls: one JSON request a line on stdin, one answer a line out.
 */
const DRIVER = `
const rl = require('node:readline').createInterface({ input: process.stdin });
rl.on('line', async (line) => {
  const q = JSON.parse(line);
  try {
    const headers = { authorization: 'Bearer ' + process.env.LAB_TOKEN };
    if (q.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch('http://127.0.0.1:4400' + q.path, { method: q.method, headers,
      body: q.body === undefined ? undefined : JSON.stringify(q.body) });
    const text = await res.text();
    process.stdout.write(JSON.stringify({ id: q.id, status: res.status, body: text }) + '\\n');
  } catch (e) {
    process.stdout.write(JSON.stringify({ id: q.id, status: 0, body: String(e) }) + '\\n');
  }
});`;

describe.skipIf(why !== null)('nodes on other hosts (network namespaces)', () => {
  const dirs: string[] = [];
  let driver: ChildProcess;
  const waiting = new Map<number, (r: { status: number; body: string }) => void>();
  let nextId = 0;

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read whatever shape a route answers
  async function api<T = any>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const id = ++nextId;
    const r = await new Promise<{ status: number; body: string }>((resolve) => {
      waiting.set(id, resolve);
      driver.stdin!.write(JSON.stringify({ id, method, path, body }) + '\n');
    });
    let parsed: unknown = r.body;
    try {
      parsed = JSON.parse(r.body);
    } catch {
      /* not JSON */
    }
    return { status: r.status, body: parsed as T };
  }

  const view = async (): Promise<ClusterView> => (await api<ClusterView>('GET', '/api/cluster')).body;
  const node = (v: ClusterView, id: string): ClusterView['nodes'][number] => v.nodes.find((n) => n.id === id)!;

  async function until(what: string, ok: (v: ClusterView) => boolean, ms: number): Promise<ClusterView> {
    const end = Date.now() + ms;
    let v = await view();
    while (!ok(v)) {
      if (Date.now() > end) throw new Error(`${what} not within ${ms} ms; cluster: ${JSON.stringify(v.nodes)}`);
      await new Promise((r) => setTimeout(r, 100));
      v = await view();
    }
    return v;
  }

  const put = (key: string, value: string, timeoutMs = 3000): Promise<{ status: number; body: { outcome: string } }> =>
    api('POST', '/api/kv', { op: 'put', key, value, timeoutMs });

  beforeAll(async () => {
    makeNetwork();
    const web = mkdtempSync(join(tmpdir(), 'ql-netns-web-'));
    dirs.push(web);
    // A built UI is not under test here: an index.html keeps serve from building one.
    writeFileSync(join(web, 'index.html'), '<!doctype html><title>Quorum Lab</title>');
    const serve = inNs(
      NS.lab,
      [BIN, 'serve', '--port', '4400', '--nodes', '1', '--remote-slots', 'n2,n3', '--listen-nodes', '0.0.0.0:7400'],
      { QUORUM_LAB_TOKEN: LAB_TOKEN, QUORUM_LAB_NODE_TOKEN: NODE_TOKEN },
    );
    serve.stdin?.end();
    await waitFor(serve, /WARNING: listening for remote nodes on 0\.0\.0\.0:7400/, 20_000);
    driver = inNs(NS.lab, ['-e', DRIVER], { LAB_TOKEN });
    createInterface({ input: driver.stdout! }).on('line', (line) => {
      const r = JSON.parse(line) as { id: number; status: number; body: string };
      waiting.get(r.id)?.(r);
      waiting.delete(r.id);
    });
    for (const [side, id] of [
      ['a', 'n2'],
      ['b', 'n3'],
    ] as const) {
      const data = mkdtempSync(join(tmpdir(), `ql-netns-${side}-`));
      dirs.push(data);
      const args = [BIN, 'node', '--join', `http://${ADDR[side].lab}:7400`, '--id', id, '--data', data];
      inNs(NS[side], [...args, '--host-name', `host-${side}`], { QUORUM_LAB_NODE_TOKEN: NODE_TOKEN }).stdin?.end();
    }
  }, 40_000);

  afterAll(async () => {
    for (const p of procs) if (p.exitCode === null && p.pid) process.kill(p.pid, 'SIGTERM');
    await new Promise((r) => setTimeout(r, 1500));
    for (const p of procs) if (p.exitCode === null && p.signalCode === null && p.pid) process.kill(p.pid, 'SIGKILL');
    for (const ns of Object.values(NS)) ip('netns', 'del', ns);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('joins two remote hosts, writes across them, survives a cut cable and recovers', async () => {
    // Both remote nodes attach, report their host names, and a leader is elected.
    const v = await until(
      'all three nodes up with a leader',
      (x) => x.leader !== null && x.nodes.every((n) => n.status === 'up'),
      15_000,
    );
    expect(node(v, 'n1').remote).toBeUndefined();
    expect(node(v, 'n2')).toMatchObject({ remote: true, host: 'host-a' });
    expect(node(v, 'n3')).toMatchObject({ remote: true, host: 'host-b' });

    // With one local node, a commit needs a remote one: the write path crosses namespaces.
    expect((await put('k1', 'v1')).body.outcome).toBe('ok');

    // Cut host a's cable: the lab sees n2 go down, and writes still commit through n1 + n3.
    must('-n', NS.a, 'link', 'set', VETH.a.node, 'down');
    await until('n2 down after its cable is cut', (x) => node(x, 'n2').status === 'down', 6000);
    await until('a leader among n1, n3', (x) => x.leader === 'n1' || x.leader === 'n3', 6000);
    expect((await put('k2', 'written while n2 was cut off', 5000)).body.outcome).toBe('ok');

    // Cut host b's too: one node of three is no quorum, and no write is acknowledged.
    must('-n', NS.b, 'link', 'set', VETH.b.node, 'down');
    await until('n3 down after its cable is cut', (x) => node(x, 'n3').status === 'down', 6000);
    const refused = await put('k3', 'never acknowledged', 1500);
    expect(refused.body.outcome).not.toBe('ok');

    // Both cables back: the agents reconnect, n2 catches up on what it missed, writes commit again.
    must('-n', NS.a, 'link', 'set', VETH.a.node, 'up');
    must('-n', NS.b, 'link', 'set', VETH.b.node, 'up');
    await until(
      'every node up again with a leader',
      (x) => x.leader !== null && x.nodes.every((n) => n.status === 'up'),
      10_000,
    );
    expect((await put('k4', 'v4', 5000)).body.outcome).toBe('ok');
    // Just back, n2 may not know the leader yet and refuses the read (fail): ask again until it
    // serves it, which it may only do once it holds what was written while it was cut off.
    const readOnN2 = (): Promise<{ body: { outcome: string; value?: unknown } }> =>
      api('POST', '/api/kv', { op: 'get', key: 'k2', node: 'n2', timeoutMs: 2000 });
    let read = await readOnN2();
    for (const end = Date.now() + 10_000; read.body.outcome === 'fail' && Date.now() < end;) {
      await new Promise((r) => setTimeout(r, 200));
      read = await readOnN2();
    }
    expect(read.body).toMatchObject({ outcome: 'ok', value: 'written while n2 was cut off' });
    await until(
      'n2 caught up with the leader',
      (x) => node(x, 'n2').lastApplied >= node(x, x.leader!).commitIndex,
      5000,
    );

    // The run log tells the story: n2's session ended on silence, and came back.
    const log = (await api<{ kind: string; node?: string; reason?: string }[]>('GET', '/api/log')).body;
    const detached = log.filter((r) => r.kind === 'node-detached' && r.node === 'n2');
    expect(detached.length).toBeGreaterThanOrEqual(1);
    expect(detached[0]!.reason).toMatch(/no word from host-a/);
    expect(log.filter((r) => r.kind === 'node-attached' && r.node === 'n2').length).toBeGreaterThanOrEqual(2);
  }, 60_000);
});
