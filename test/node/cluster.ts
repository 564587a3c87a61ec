/**
 * TestCluster: N real node processes (one SQLite file each) behind a TestRouter, for
 * scenario tests that need to crash, pause, damage and restart particular nodes and to
 * steer messages (drop, hold, release) between them.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { ProtocolName } from '../../src-main/core/protocols';
import { Client, NodeProc, TestRouter, waitFor, type TestNodeConfig } from './harness';

/** TestClusterOptions tune a TestCluster (timers default to the fast ones of node-process.test.ts). */
export interface TestClusterOptions {
  protocol: ProtocolName;
  ids: string[];
  seed?: number;
  snapshotEvery?: number;
  electionMs?: number;
}

/** TestCluster owns the router, the processes and their files. */
export class TestCluster {
  readonly token = `token-${Math.random().toString(36).slice(2)}`;
  readonly router = new TestRouter(this.token);
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ql-cluster-'));
  nodes = new Map<string, NodeProc>();
  private readonly clients: Client[] = [];

  constructor(readonly o: TestClusterOptions) {}

  config(id: string): TestNodeConfig {
    return {
      id,
      peers: this.o.ids,
      protocol: this.o.protocol,
      dataFile: path.join(this.dir, `${id}.db`),
      routerHost: '127.0.0.1',
      routerPort: this.router.port,
      clientPort: 0,
      token: this.token,
      heartbeatMs: 50,
      electionMs: this.o.electionMs ?? 300,
      tickMs: 10,
      timeScale: 1,
      seed: this.o.seed ?? 11,
      snapshotEvery: this.o.snapshotEvery ?? 0,
    };
  }

  async start(): Promise<void> {
    await this.router.listen();
    await Promise.all(this.o.ids.map((id) => this.boot(id)));
  }

  /** boot starts id's process on its file and waits until it is ready. */
  async boot(id: string): Promise<NodeProc> {
    const n = new NodeProc(this.config(id));
    this.nodes.set(id, n);
    await waitFor(`${id} ready`, () => n.clientPort > 0 || !n.alive, 60_000);
    if (!n.alive) throw new Error(`${id} exited with ${n.exitCode}: ${n.stderr}`);
    return n;
  }

  node(id: string): NodeProc {
    const n = this.nodes.get(id);
    if (!n) throw new Error(`no node ${id}`);
    return n;
  }

  live(): NodeProc[] {
    return [...this.nodes.values()].filter((n) => n.alive);
  }

  async kill(id: string): Promise<void> {
    await this.node(id).kill9();
  }

  /** leader waits until the given nodes (default: all live ones) agree on one leader among them. */
  async leader(among: string[] | null = null, timeoutMs = 20_000): Promise<NodeProc> {
    return waitFor(
      'a leader the nodes agree on',
      () => {
        const set = this.live().filter((n) => among === null || among.includes(n.id));
        const l = set.find((n) => n.status?.status.role === 'leader');
        if (!l) return null;
        return set.every((n) => n.status?.status.leader === l.id) ? l : null;
      },
      timeoutMs,
    );
  }

  async client(id: string): Promise<Client> {
    const c = await new Client(this.node(id).clientPort, this.token).connect();
    this.clients.push(c);
    return c;
  }

  /** raw runs SQL on a stopped node's file. */
  raw(id: string, sql: string): void {
    const db = new Database(this.config(id).dataFile);
    db.exec(sql);
    db.close();
  }

  /** garble overwrites a stopped node's file header, so it is no longer a database. */
  garble(id: string): void {
    const file = this.config(id).dataFile;
    fs.writeFileSync(file, 'not a database, just bytes where a header should be'.repeat(100));
    fs.rmSync(`${file}-wal`, { force: true });
    fs.rmSync(`${file}-shm`, { force: true });
  }

  /**
   * committedDisagreements compares the committed prefix of every live node's log (as its
   * inspector reports it) and lists each index where two nodes committed different entries.
   */
  async committedDisagreements(): Promise<string[]> {
    const seen = new Map<number, { node: string; v: string }>();
    const out: string[] = [];
    for (const n of this.live()) {
      const ins = await n.inspect(1000);
      for (const e of ins.entries) {
        if (e.index > ins.status.commitIndex) continue;
        const v = `${e.term}:${e.type}:${e.data}`;
        const prev = seen.get(e.index);
        if (!prev) seen.set(e.index, { node: n.id, v });
        else if (prev.v.split(':').slice(1).join(':') !== v.split(':').slice(1).join(':'))
          out.push(`index ${e.index}: ${prev.node} committed ${prev.v}, ${n.id} committed ${v}`);
      }
    }
    return out;
  }

  async stop(): Promise<void> {
    for (const c of this.clients) c.close();
    for (const n of this.nodes.values()) if (n.alive) n.child.kill('SIGKILL');
    this.router.close();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** sleep waits ms. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
