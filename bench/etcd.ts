/**
 * The etcd side: a 3-member etcd cluster (Debian's etcd-server, /usr/bin/etcd), each member
 * with its own data dir, peer and client URLs on 127.0.0.1 free ports, and the same
 * heartbeat / election settings as the lab. Puts go through etcd's HTTP/JSON gateway
 * (POST /v3/kv/put with base64 key and value), gets too (POST /v3/kv/range).
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { clientAgent, freePorts, parseJson, request, type Endpoint } from './http';
import { forgetPid, killPid, sleep, startProcess, waitExit } from './procs';
import { etcdRangeAnswer } from './read-load';
import type { KillResult, PutClient, ReadClient, ReadTarget, ServerProcess, Target } from './target';

/** ETCD_BIN is where Debian's etcd-server puts the binary. */
export const ETCD_BIN = '/usr/bin/etcd';

/** etcdVersion returns `etcd --version`'s first line, or null when etcd is not installed. */
export function etcdVersion(bin = ETCD_BIN): string | null {
  if (!fs.existsSync(bin)) return null;
  try {
    const out = execFileSync(bin, ['--version'], { encoding: 'utf8', timeout: 10_000 });
    return out.split('\n')[0]?.trim() ?? 'etcd';
  } catch {
    return null;
  }
}

interface Member {
  name: string;
  client: Endpoint;
  peerPort: number;
  dataDir: string;
  logFile: string;
  proc: ChildProcess | null;
}

/** EtcdOptions configure the cluster. */
export interface EtcdOptions {
  dir: string;
  heartbeatMs: number;
  electionMs: number;
  log: (s: string) => void;
}

const STARTUP_MS = 30_000;
const CTRL_TIMEOUT_MS = 2000;

/** EtcdCluster is a running 3-member etcd. */
export class EtcdCluster implements Target, ReadTarget {
  readonly name = 'etcd' as const;
  readonly version: string;
  private readonly members: Member[];
  private readonly ctrl = clientAgent(4);
  private failoverAgents = new Map<string, ReturnType<typeof clientAgent>>();
  private survivors: Member[] = [];
  private victim: Member | null = null;
  private killed: ChildProcess | null = null;
  private rr = 0;

  private constructor(
    version: string,
    members: Member[],
    private readonly opts: EtcdOptions,
  ) {
    this.version = version;
    this.members = members;
  }

  /** start launches three members and waits for a leader. */
  static async start(opts: EtcdOptions): Promise<EtcdCluster> {
    const version = etcdVersion();
    if (version === null) throw new Error(`etcd not found at ${ETCD_BIN}`);
    const ports = await freePorts(6);
    const members: Member[] = [0, 1, 2].map((i) => {
      const name = `m${i + 1}`;
      const dataDir = path.join(opts.dir, name);
      fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      return {
        name,
        client: { host: '127.0.0.1', port: ports[i] ?? 0 },
        peerPort: ports[i + 3] ?? 0,
        dataDir,
        logFile: path.join(opts.dir, `${name}.log`),
        proc: null,
      };
    });
    const c = new EtcdCluster(version, members, opts);
    try {
      for (const m of members) c.launch(m);
      await c.waitHealthy(STARTUP_MS);
    } catch (e) {
      await c.stop();
      throw e;
    }
    return c;
  }

  private args(m: Member): string[] {
    const peer = (x: Member): string => `http://127.0.0.1:${x.peerPort}`;
    const client = `http://127.0.0.1:${m.client.port}`;
    return [
      '--name',
      m.name,
      '--data-dir',
      m.dataDir,
      '--listen-client-urls',
      client,
      '--advertise-client-urls',
      client,
      '--listen-peer-urls',
      peer(m),
      '--initial-advertise-peer-urls',
      peer(m),
      '--initial-cluster',
      this.members.map((x) => `${x.name}=${peer(x)}`).join(','),
      '--initial-cluster-token',
      'quorum-lab-bench',
      // "new" is ignored once the data dir holds a WAL, so a restart rejoins with its data.
      '--initial-cluster-state',
      'new',
      '--heartbeat-interval',
      String(this.opts.heartbeatMs),
      '--election-timeout',
      String(this.opts.electionMs),
      '--logger',
      'zap',
      '--log-outputs',
      'stderr',
    ];
  }

  private launch(m: Member): void {
    const fd = fs.openSync(m.logFile, 'a');
    try {
      m.proc = startProcess(`etcd ${m.name}`, ETCD_BIN, this.args(m), { stdio: ['ignore', fd, fd] });
    } finally {
      fs.closeSync(fd);
    }
  }

  private async status(m: Member): Promise<{ id: string; leader: string; raftIndex: number } | null> {
    const r = await request(this.ctrl, m.client, 'POST', '/v3/maintenance/status', '{}', CTRL_TIMEOUT_MS);
    if (r.status !== 200) return null;
    const j = parseJson(r.body) as { header?: { member_id?: string }; leader?: string; raftIndex?: string } | null;
    const id = j?.header?.member_id;
    if (typeof id !== 'string' || typeof j?.leader !== 'string') return null;
    return { id, leader: j.leader, raftIndex: Number(j.raftIndex ?? 0) };
  }

  private async healthy(m: Member): Promise<boolean> {
    const r = await request(this.ctrl, m.client, 'GET', '/health', null, CTRL_TIMEOUT_MS);
    const j = parseJson(r.body) as { health?: string } | null;
    return r.status === 200 && j?.health === 'true';
  }

  /** leader finds the member every live member names as leader. */
  private async leader(): Promise<Member | null> {
    const st = await Promise.all(this.members.map((m) => (m.proc ? this.status(m) : Promise.resolve(null))));
    for (let i = 0; i < this.members.length; i++) {
      const s = st[i];
      if (s && s.id === s.leader && s.leader !== '0') return this.members[i] ?? null;
    }
    return null;
  }

  /** waitHealthy waits until every member is healthy, agrees on a leader, and has caught up to it. */
  private async waitHealthy(timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      for (const m of this.members) {
        if (m.proc && (m.proc.exitCode !== null || m.proc.signalCode !== null)) {
          throw new Error(`etcd ${m.name} exited (${m.proc.exitCode ?? m.proc.signalCode}); see ${m.logFile}`);
        }
      }
      const health = await Promise.all(this.members.map((m) => this.healthy(m)));
      if (health.every(Boolean)) {
        const st = await Promise.all(this.members.map((m) => this.status(m)));
        const leaders = new Set(st.map((s) => s?.leader));
        const lead = st.find((s) => s !== null && s.id === s.leader);
        if (leaders.size === 1 && lead && st.every((s) => s !== null && s.raftIndex >= lead.raftIndex - 1)) return;
      }
      await sleep(100);
    }
    throw new Error(`etcd cluster not healthy within ${timeoutMs} ms; logs in ${this.opts.dir}`);
  }

  /** client opens one client on the leader's endpoint (etcd's best case: no forwarding hop). */
  client(): PutClient {
    const agent = clientAgent(1);
    const ep = this.leaderEp ?? this.members[0]?.client;
    if (!ep) throw new Error('etcd has no members');
    return {
      put: (key, value) => putEtcd(agent, ep, key, value, 10_000),
      close: () => agent.destroy(),
    };
  }

  /**
   * reader opens one client sending linearizable gets (`POST /v3/kv/range` without
   * `serializable`: etcd's ReadIndex read) to the leader, as client() does for puts.
   */
  reader(check: (key: string, value: string | null) => true | string): ReadClient {
    const agent = clientAgent(1);
    const ep = this.leaderEp ?? this.members[0]?.client;
    if (!ep) throw new Error('etcd has no members');
    return {
      get: async (key) => {
        const body = `{"key":"${Buffer.from(key).toString('base64')}"}`;
        const a = etcdRangeAnswer(await request(agent, ep, 'POST', '/v3/kv/range', body, 10_000), key);
        return typeof a === 'string' ? a : check(key, a.value);
      },
      close: () => agent.destroy(),
    };
  }

  /** processes lists the live members, the leader marked. */
  async processes(): Promise<ServerProcess[]> {
    const l = await this.leader();
    return this.members.flatMap((m) =>
      m.proc?.pid === undefined ? [] : [{ name: m === l ? `${m.name} (leader)` : m.name, pid: m.proc.pid }],
    );
  }

  private leaderEp: Endpoint | null = null;

  /** pinLeader looks up the leader so throughput clients talk to it directly. */
  async pinLeader(): Promise<void> {
    const l = await this.leader();
    if (!l) throw new Error('etcd has no leader');
    this.leaderEp = l.client;
  }

  async killLeader(): Promise<KillResult> {
    const l = await this.leader();
    if (!l || !l.proc?.pid) throw new Error('etcd has no leader to kill');
    this.victim = l;
    this.survivors = this.members.filter((m) => m !== l);
    for (const a of this.failoverAgents.values()) a.destroy();
    // One pool per survivor, sized so a put every 10 ms with a 1 s timeout never waits for a socket.
    this.failoverAgents = new Map(this.survivors.map((m) => [m.name, clientAgent(128)]));
    // Warm the pools so the first failover puts don't pay for a TCP connect.
    await Promise.all(
      this.survivors.map((m) =>
        request(this.failoverAgents.get(m.name)!, m.client, 'GET', '/health', null, CTRL_TIMEOUT_MS),
      ),
    );
    const pid = l.proc.pid;
    const proc = l.proc;
    const t0 = performance.now();
    killPid(pid, 'SIGKILL');
    // Reaped in the background: puts start as soon as kill() returns, as on the lab side.
    void waitExit(proc, 5000).then(() => forgetPid(pid));
    this.killed = proc;
    l.proc = null;
    this.leaderEp = null;
    return { t0, victim: l.name };
  }

  failoverPut(key: string, value: string, timeoutMs: number): Promise<boolean> {
    const m = this.survivors[this.rr++ % this.survivors.length];
    const agent = m ? this.failoverAgents.get(m.name) : undefined;
    if (!m || !agent) return Promise.resolve(false);
    return putEtcd(agent, m.client, key, value, timeoutMs);
  }

  async recover(): Promise<void> {
    const v = this.victim;
    // The killed member must be gone (and its ports free) before it starts again.
    if (this.killed) await waitExit(this.killed, 5000);
    this.killed = null;
    if (v) {
      this.launch(v);
      this.victim = null;
    }
    await this.waitHealthy(STARTUP_MS);
    await this.pinLeader();
  }

  async stop(): Promise<void> {
    for (const a of this.failoverAgents.values()) a.destroy();
    this.ctrl.destroy();
    for (const m of this.members) {
      const p = m.proc;
      if (!p?.pid) continue;
      killPid(p.pid, 'SIGTERM');
      if (!(await waitExit(p, 5000))) killPid(p.pid, 'SIGKILL');
      forgetPid(p.pid);
      m.proc = null;
    }
  }
}

/** putEtcd writes one key through etcd's gRPC-gateway (JSON with base64 bytes). */
async function putEtcd(
  agent: ReturnType<typeof clientAgent>,
  ep: Endpoint,
  key: string,
  value: string,
  timeoutMs: number,
): Promise<boolean> {
  const body = `{"key":"${Buffer.from(key).toString('base64')}","value":"${Buffer.from(value).toString('base64')}"}`;
  const r = await request(agent, ep, 'POST', '/v3/kv/put', body, timeoutMs);
  if (r.status !== 200) return false;
  // A 200 alone is not enough: only a real put answer carries the header with the new revision.
  const j = parseJson(r.body) as { header?: { revision?: string } } | null;
  return typeof j?.header?.revision === 'string';
}
