/**
 * The lab side: `node bin/quorum-lab.mjs serve --port 0 --nodes 3 ...` (engineer D's
 * headless host) with a 3-node Raft cluster. Puts go through its client API
 * (POST /api/kv {op:'put', key, value} -> {outcome}); the leader is found with
 * GET /api/cluster and killed with POST /api/nodes/:id/crash (SIGKILL). Every call carries
 * the launch token the host prints on its start line (`…/?token=T`).
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { clientAgent, parseJson, request, type Endpoint } from './http';
import { adoptPid, forgetPid, isAlive, killPid, sleep, startProcess, waitExit } from './procs';
import { labGetAnswer } from './read-load';
import type { KillResult, PutClient, ReadClient, ReadTarget, ServerProcess, Target } from './target';
import { newestSource } from '../src-main/lab/node-entry';

/** LabOptions configure the lab host. */
export interface LabOptions {
  repo: string;
  dir: string;
  heartbeatMs: number;
  electionMs: number;
  /** protocol: the cluster's core (serve's default, raft, when not given). */
  protocol?: 'raft' | 'paxos';
  /** env: variables the lab's processes get on top of this one's (an A/B's switch, NODE_OPTIONS). */
  env?: Record<string, string>;
  log: (s: string) => void;
}

interface NodeRow {
  id: string;
  status: string;
  role: string | null;
  term: number;
  commitIndex: number;
  lastApplied: number;
  leader: string | null;
  pid: number | null;
}

const STARTUP_MS = 60_000;
const CTRL_TIMEOUT_MS = 5000;

/** labCommand is the exact command line the bench runs for the lab (without the data dir). */
export function labCommand(o: { heartbeatMs: number; electionMs: number; protocol?: 'raft' | 'paxos' }): string[] {
  const args = [
    'bin/quorum-lab.mjs',
    'serve',
    '--port',
    '0',
    '--nodes',
    '3',
    '--heartbeat-ms',
    String(o.heartbeatMs),
    '--election-ms',
    String(o.electionMs),
  ];
  if (o.protocol !== undefined) args.push('--protocol', o.protocol);
  return args;
}

/** labVersion names what is measured: the checkout's commit. */
export function labVersion(repo: string): string {
  try {
    const rev = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: repo,
      encoding: 'utf8',
      timeout: 5000,
      // A `git archive` copy is no repository: say "(no git)" without git's "fatal:" on stderr.
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    return `quorum-lab ${rev}`;
  } catch {
    return 'quorum-lab (no git)';
  }
}

/** Serving is a started `quorum-lab serve`: its process, its address, and the tail of its output. */
export interface Serving {
  proc: ChildProcess;
  ep: Endpoint;
  /** tail: the last ~2000 characters the host printed (its output keeps being drained). */
  tail(): string;
}

/**
 * freshNodeBundle builds `repo`'s node bundle (out/node/main.mjs) when a source under its
 * src-main/ is newer. A stale bundle is not run: the lab starts its nodes from the
 * TypeScript under tsx instead (src-main/lab/node-entry.ts), so without this an A/B of two
 * checkouts could run one side's nodes as the app ships them and the other's under tsx.
 */
export function freshNodeBundle(repo: string): void {
  const bundle = path.join(repo, 'out', 'node', 'main.mjs');
  const script = path.join(repo, 'scripts', 'node-entry-build.mjs');
  if (!existsSync(script)) return;
  if (existsSync(bundle) && statSync(bundle).mtimeMs >= newestSource(path.join(repo, 'src-main'))) return;
  const t0 = performance.now();
  execFileSync(process.execPath, [script], { cwd: repo, stdio: ['ignore', 'ignore', 'inherit'], timeout: 180_000 });
  console.error(`bench: built ${bundle} (it was older than src-main/) in ${Math.round(performance.now() - t0)} ms`);
}

/**
 * startServe runs `node <args>` in `repo` (a `quorum-lab serve` command line), reads the
 * address and token it prints, and keeps draining its output afterwards so a chatty host
 * never blocks on a full pipe; `name` labels errors. The repo's node bundle is brought up to
 * date first (freshNodeBundle).
 */
export async function startServe(
  name: string,
  repo: string,
  args: string[],
  timeoutMs: number,
  env?: Record<string, string>,
): Promise<Serving> {
  freshNodeBundle(repo);
  const proc = startProcess(name, process.execPath, args, {
    cwd: repo,
    ...(env ? { env: { ...process.env, ...env } } : {}),
  });
  let out = '';
  const ep = await new Promise<Endpoint>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${name} printed no address within ${timeoutMs} ms:\n${out.slice(-2000)}`)),
      timeoutMs,
    );
    const onData = (b: Buffer): void => {
      out += b.toString('utf8');
      const m = /Quorum Lab on http:\/\/127\.0\.0\.1:(\d+)\/\?token=([A-Za-z0-9._~-]+)\n/.exec(out);
      if (m) {
        clearTimeout(timer);
        proc.stdout?.off('data', onData);
        proc.stderr?.off('data', onData);
        resolve({ host: '127.0.0.1', port: Number(m[1]), token: m[2]! });
      }
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', onData);
    proc.once('exit', (code, sig) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code ?? sig}) before listening:\n${out.slice(-2000)}`));
    });
  });
  const chunks: string[] = [];
  const keep = (b: Buffer): void => {
    chunks.push(b.toString('utf8'));
    if (chunks.length > 50) chunks.shift();
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  return { proc, ep, tail: () => chunks.join('').slice(-2000) };
}

/** LabCluster is a running `quorum-lab serve`. */
export class LabCluster implements Target, ReadTarget {
  readonly name = 'lab' as const;
  readonly version: string;
  private readonly ctrl = clientAgent(4);
  private failoverAgent = clientAgent(128);
  private victim: string | null = null;

  private constructor(
    private readonly proc: ChildProcess,
    private readonly ep: Endpoint,
    private readonly opts: LabOptions,
  ) {
    this.version = labVersion(opts.repo);
  }

  /** start launches the host, reads its port from stdout, and waits for a healthy cluster. */
  static async start(opts: LabOptions): Promise<LabCluster> {
    const args = [...labCommand(opts), '--data', opts.dir];
    const { proc, ep, tail } = await startServe('quorum-lab serve', opts.repo, args, STARTUP_MS, opts.env);
    const c = new LabCluster(proc, ep, opts);
    try {
      await c.waitHealthy(STARTUP_MS);
    } catch (e) {
      await c.stop();
      throw new Error(`${(e as Error).message}\nlast host output:\n${tail()}`, { cause: e });
    }
    return c;
  }

  /** url is the host's base address. */
  get url(): string {
    return `http://127.0.0.1:${this.ep.port}`;
  }

  /** endpoint is where the host listens, with its launch token: what bench/http.ts's request() takes. */
  get endpoint(): Endpoint {
    return { ...this.ep };
  }

  private async nodes(): Promise<NodeRow[] | null> {
    const r = await request(this.ctrl, this.ep, 'GET', '/api/cluster', null, CTRL_TIMEOUT_MS);
    if (r.status !== 200) return null;
    const j = parseJson(r.body) as { nodes?: NodeRow[] } | null;
    if (!j || !Array.isArray(j.nodes)) return null;
    // Node processes are ours too (started on our behalf): track them so cleanup can end them.
    for (const n of j.nodes) if (typeof n.pid === 'number' && n.status !== 'down') adoptPid(`lab node ${n.id}`, n.pid);
    return j.nodes;
  }

  private static leaderOf(nodes: NodeRow[]): NodeRow | null {
    let best: NodeRow | null = null;
    for (const n of nodes) if (n.status === 'up' && n.role === 'leader' && (!best || n.term > best.term)) best = n;
    return best;
  }

  /** waitHealthy waits until every node is up, one leader is known to all, and every node has applied what it committed. */
  private async waitHealthy(timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    let last = '';
    while (performance.now() < deadline) {
      if (this.proc.exitCode !== null || this.proc.signalCode !== null) throw new Error('quorum-lab serve exited');
      const ns = await this.nodes();
      if (ns) {
        last = JSON.stringify(ns.map((n) => [n.id, n.status, n.role, n.term, n.commitIndex, n.lastApplied, n.leader]));
        const l = LabCluster.leaderOf(ns);
        if (
          l &&
          ns.length === 3 &&
          ns.every((n) => n.status === 'up' && n.leader === l.id && n.lastApplied >= l.commitIndex - 1)
        ) {
          return;
        }
      }
      await sleep(100);
    }
    throw new Error(`lab cluster not healthy within ${timeoutMs} ms; last view ${last}`);
  }

  /** leaderNode names the current leader and its PID (null when there is none). */
  async leaderNode(): Promise<{ id: string; pid: number | null } | null> {
    const ns = await this.nodes();
    const l = ns ? LabCluster.leaderOf(ns) : null;
    return l ? { id: l.id, pid: l.pid } : null;
  }

  /** processes lists the host and its live nodes, the leader marked. */
  async processes(): Promise<ServerProcess[]> {
    const ns = (await this.nodes()) ?? [];
    const l = LabCluster.leaderOf(ns);
    const nodes = ns.flatMap((n) =>
      n.status === 'up' && typeof n.pid === 'number' ? [{ name: n === l ? `${n.id} (leader)` : n.id, pid: n.pid }] : [],
    );
    return this.proc.pid === undefined ? nodes : [{ name: 'host', pid: this.proc.pid }, ...nodes];
  }

  /** pids lists the host's PID and its live nodes' PIDs (for the profiler). */
  async pids(): Promise<number[]> {
    return (await this.processes()).map((p) => p.pid);
  }

  client(): PutClient {
    const agent = clientAgent(1);
    return {
      put: (key, value) => putLab(agent, this.ep, key, value, null, 10_000),
      close: () => agent.destroy(),
    };
  }

  /**
   * reader opens one client sending linearizable gets (`POST /api/kv {op:'get'}`: a ReadIndex
   * read) through the gateway's balancer, or to `node` only when given.
   */
  reader(check: (key: string, value: string | null) => true | string, node?: string): ReadClient {
    const agent = clientAgent(1);
    return {
      get: async (key) => {
        const body = JSON.stringify(node === undefined ? { op: 'get', key } : { op: 'get', key, node });
        const r = await request(agent, this.ep, 'POST', '/api/kv', body, 10_000);
        const a = labGetAnswer(r);
        return typeof a === 'string' ? a : check(key, a.value);
      },
      close: () => agent.destroy(),
    };
  }

  async killLeader(): Promise<KillResult> {
    const ns = await this.nodes();
    const l = ns ? LabCluster.leaderOf(ns) : null;
    if (!l) throw new Error('lab has no leader to kill');
    this.victim = l.id;
    this.failoverAgent.destroy();
    this.failoverAgent = clientAgent(128);
    // Warm one connection so the first failover put doesn't pay for a TCP connect.
    await request(this.failoverAgent, this.ep, 'GET', '/api/cluster', null, CTRL_TIMEOUT_MS);
    // t0 is taken before the crash request, so the host's own handling of it counts against the lab.
    const t0 = performance.now();
    const r = await request(
      this.ctrl,
      this.ep,
      'POST',
      `/api/nodes/${encodeURIComponent(l.id)}/crash`,
      '{}',
      CTRL_TIMEOUT_MS,
    );
    if (r.status !== 200) throw new Error(`crash ${l.id} failed: HTTP ${r.status} ${r.body.slice(0, 200)}`);
    // The host has sent SIGKILL when it answers; puts start at once (as for etcd, whose
    // puts start right after kill() returns), without waiting for the parent to reap it.
    if (l.pid !== null) forgetPid(l.pid);
    return { t0, victim: l.id };
  }

  failoverPut(key: string, value: string, timeoutMs: number): Promise<boolean> {
    return putLab(this.failoverAgent, this.ep, key, value, timeoutMs, timeoutMs + 500);
  }

  async recover(): Promise<void> {
    const v = this.victim;
    if (v) {
      const r = await request(
        this.ctrl,
        this.ep,
        'POST',
        `/api/nodes/${encodeURIComponent(v)}/restart`,
        '{}',
        CTRL_TIMEOUT_MS,
      );
      if (r.status !== 200) throw new Error(`restart ${v} failed: HTTP ${r.status} ${r.body.slice(0, 200)}`);
      this.victim = null;
    }
    await this.waitHealthy(STARTUP_MS);
  }

  async stop(): Promise<void> {
    this.failoverAgent.destroy();
    this.ctrl.destroy();
    const nodes = await this.nodes().catch(() => null);
    const pid = this.proc.pid;
    if (pid !== undefined) {
      // SIGTERM lets the host stop its nodes itself; SIGKILL only if it does not.
      killPid(pid, 'SIGTERM');
      if (!(await waitExit(this.proc, 8000))) killPid(pid, 'SIGKILL');
      forgetPid(pid);
    }
    for (const n of nodes ?? []) {
      if (n.pid === null) continue;
      if (isAlive(n.pid)) {
        this.opts.log(`  lab node ${n.id} (pid ${n.pid}) outlived the host; killing it`);
        killPid(n.pid, 'SIGKILL');
      }
      forgetPid(n.pid);
    }
  }
}

/** putLab writes one key through the lab's gateway; only outcome 'ok' counts. */
async function putLab(
  agent: ReturnType<typeof clientAgent>,
  ep: Endpoint,
  key: string,
  value: string,
  gatewayTimeoutMs: number | null,
  timeoutMs: number,
): Promise<boolean> {
  const body = JSON.stringify(
    gatewayTimeoutMs === null ? { op: 'put', key, value } : { op: 'put', key, value, timeoutMs: gatewayTimeoutMs },
  );
  const r = await request(agent, ep, 'POST', '/api/kv', body, timeoutMs);
  if (r.status !== 200) return false;
  const j = parseJson(r.body) as { outcome?: string } | null;
  return j?.outcome === 'ok';
}

/** repoRoot is the checkout the bench lives in. */
export function repoRoot(): string {
  return path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
}
