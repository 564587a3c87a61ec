/**
 * Remote nodes on loopback: a LabService listening for remote nodes and a RemoteAgent (what
 * `quorum-lab node --join` runs) in this process, the agent's node a real OS process. The
 * lab's crash, pause, resume and restart of a remote node are obeyed by the agent on "its"
 * host (a real SIGKILL / SIGSTOP, seen here through the pid); the listener refuses
 * strangers with a clear answer and logs them; a stopped lab stops the agent's node. The
 * network-namespace test (remote-netns.test.ts) covers real cuts between hosts.
 */
import { execFile } from 'node:child_process';
import { request } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterView } from '../../src-main/api/contract';
import { LabService } from '../../src-main/lab/lab-service';
import { RemoteAgent } from '../../src-main/lab/remote-agent';
import { FAST } from './helpers';

const NODE_TOKEN = 'remote-test-node-token-0123456789';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** stopped tells whether a process is in the stopped state (SIGSTOP), from /proc. */
function stopped(pid: number): boolean {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).startsWith('T');
}

/** knock makes one upgrade request to the listener and returns the refusal's status and text (or 101). */
function knock(
  port: number,
  path: string,
  token: string | null,
  upgrade = true,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = upgrade ? { Connection: 'Upgrade', Upgrade: 'quorum-lab-node' } : {};
    if (token !== null) headers.Authorization = `Bearer ${token}`;
    const req = request({ host: '127.0.0.1', port, path, headers, agent: false });
    req.on('upgrade', (_res, sock) => {
      sock.destroy();
      resolve({ status: 101, text: '' });
    });
    req.on('response', (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function until(
  lab: LabService,
  what: string,
  ok: (v: ClusterView) => boolean,
  ms = 15_000,
): Promise<ClusterView> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await lab.cluster();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`${what} not within ${ms} ms: ${JSON.stringify(v.nodes)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const n3 = (v: ClusterView): ClusterView['nodes'][number] => v.nodes.find((n) => n.id === 'n3')!;

describe('remote nodes (loopback)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ql-remote-'));
  const agentDir = mkdtempSync(join(tmpdir(), 'ql-remote-agent-'));
  let lab: LabService;
  let agent: RemoteAgent;
  let port = 0;
  let shutdownSeen = false;
  const said: string[] = [];

  beforeAll(async () => {
    lab = new LabService({
      dataDir: dir,
      settings: { ...FAST, nodes: 2 },
      remote: { host: '127.0.0.1', port: 0, token: NODE_TOKEN, slots: ['n3'] },
    });
    await lab.start();
    port = lab.remote!.address!.port;
    agent = new RemoteAgent({
      labHost: '127.0.0.1',
      labPort: port,
      token: NODE_TOKEN,
      dataDir: agentDir,
      hostName: 'far-away',
      say: (l) => said.push(l),
      onShutdown: () => (shutdownSeen = true),
    });
  });

  afterAll(async () => {
    await agent.stop();
    await lab.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(agentDir, { recursive: true, force: true });
  });

  it('shows the remote slot down, and refuses a restart, until a node joins', async () => {
    const v = await lab.cluster();
    expect(n3(v)).toMatchObject({ status: 'down', remote: true, host: null });
    await expect(lab.restart('n3')).rejects.toThrow(/runs on another host and no agent is connected/);
  });

  it('refuses strangers with a clear answer and logs them', async () => {
    expect(await knock(port, '/nodes/n3/control', 'wrong-token')).toMatchObject({ status: 401 });
    expect(await knock(port, '/nodes/n3/control', null)).toMatchObject({ status: 401 });
    expect((await knock(port, '/', null, false)).status).toBe(426);
    expect(await knock(port, '/nodes/n9/control', NODE_TOKEN)).toMatchObject({
      status: 409,
      text: expect.stringContaining('n9 is not a remote slot of this cluster (slots: n3)'),
    });
    expect(await knock(port, '/nodes/n3/router', NODE_TOKEN)).toMatchObject({
      status: 409,
      text: expect.stringContaining('n3 has no control session'),
    });
    const log = await lab.log();
    const refused = log.filter((r) => r.kind === 'frame-rejected' && r.at === 'remote-listener');
    expect(refused.map((r) => r.reason)).toContain('401 wrong or missing node token');
  });

  it('quorum-lab node with a wrong token says so and exits 2', async () => {
    const bin = join(import.meta.dirname, '..', '..', 'bin', 'quorum-lab.mjs');
    const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
      execFile(
        process.execPath,
        [bin, 'node', '--join', `http://127.0.0.1:${port}`, '--token', 'not-the-node-token', '--id', 'n3'],
        { timeout: 20_000 },
        (err, stdout, stderr) =>
          resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, out: stdout + stderr }),
      );
    });
    expect(r.code).toBe(2);
    expect(r.out).toContain('the lab refused this node: the lab answered 401: wrong or missing node token');
  }, 30_000);

  it('joins, commits, and obeys crash, pause, resume and restart on its own host', async () => {
    await agent.start();
    let v = await until(lab, 'n3 up with a leader', (x) => n3(x).status === 'up' && x.leader !== null);
    expect(n3(v).host).toBe('far-away');
    expect(await knock(port, '/nodes/n3/control', NODE_TOKEN)).toMatchObject({
      status: 409,
      text: expect.stringContaining('n3 is already attached from far-away'),
    });
    expect((await lab.kv({ op: 'put', key: 'a', value: '1' })).outcome).toBe('ok');
    const pid = n3(v).pid!;
    expect(alive(pid)).toBe(true);

    await lab.pause('n3');
    await until(lab, 'n3 SIGSTOPped', () => stopped(pid), 3000);
    expect(n3(await lab.cluster()).status).toBe('paused');
    await lab.resume('n3');
    await until(lab, 'n3 running again', () => !stopped(pid), 3000);

    v = await lab.crash('n3');
    expect(n3(v).status).toBe('down');
    expect(alive(pid)).toBe(false);
    expect((await lab.kv({ op: 'put', key: 'b', value: 'while n3 was down' })).outcome).toBe('ok');

    await lab.restart('n3');
    v = await until(lab, 'n3 back and caught up', (x) => {
      const n = n3(x);
      const leader = x.nodes.find((m) => m.id === x.leader);
      return n.status === 'up' && leader !== undefined && n.lastApplied >= leader.commitIndex;
    });
    expect(n3(v).pid).not.toBe(pid);
    const read = await lab.kv({ op: 'get', key: 'b', node: 'n3' });
    expect(read).toMatchObject({ outcome: 'ok', value: 'while n3 was down' });
  }, 40_000);

  it('stops the remote node when the lab stops', async () => {
    const pid = n3(await lab.cluster()).pid!;
    await lab.stop();
    const end = Date.now() + 5000;
    while ((alive(pid) || !shutdownSeen) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    expect(shutdownSeen).toBe(true);
    expect(alive(pid)).toBe(false);
  });
});
