/**
 * `node --import tsx bench/node-ab.ts --base DIR [--part write|apply|validate|client|all] [--readies N] [--entries N] [--rounds N] [--clients N]`:
 * three parts of a node's CPU per put, this checkout against another (`--base`, e.g. main
 * in a `git worktree add --detach`), in one process, so a busy machine slows both alike:
 *
 * - write: two node stores (SqliteStorage with deferSync, as a node opens it), one of each
 *   checkout, written the node's way in turns, Ready by Ready — write() one Ready of
 *   `--entries` 256-byte puts that moves the commit index, then syncAsync() — and each
 *   Ready's write() wall time, the process's CPU over it, and the fdatasync's wall time;
 * - apply: the KV state machine applying puts from 64 client sessions over 10,000 keys,
 *   each put's 256-byte value its own (a put's previous value is then never the new one);
 * - validate: the Raft validator on parsed AppendEntries of 8 such entries (a follower's
 *   per-append check);
 * - message: a message read off the router link, the node's way (`decodeMsgFrame`, then the
 *   protocol's validator): an AppendEntries of `--entries` 256-byte puts (a follower's) and
 *   an acknowledgement (a leader's), µs CPU per message;
 * - coalesce: a leader's Ready of `--entries` proposals, one append each to two followers,
 *   coalesced (`coalesceMessages`), µs CPU per Ready;
 * - client: the gateway's connection to a leader's client port, both ends in this process
 *   (each checkout's `NodeConn` against its own `ClientPort`): `--clients` puts in flight,
 *   each answered by a port that answers what it holds in one pass per event-loop turn, as
 *   a leader's Ready does; the process's CPU (both ends, their socket system calls
 *   included) per put. Not part of `all`.
 *
 * Not part of `npm run bench`: a tool for A/B runs of a change to the node.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { intOpt, oneOfOpt, stringOpt } from '../src-main/cli-args';
import type { StorageWrite } from '../src-main/core/storage';
import type { Entry } from '../src-main/core/types';
import { benchArgs } from './cli';
import { repoRoot } from './lab';

const USAGE = `usage: node --import tsx bench/node-ab.ts --base DIR [--part P] [--readies N] [--entries N] [--rounds N] [--clients N]

  --base DIR     the other checkout (its node_modules installed or linked)
  --part P       write | apply | validate | message | coalesce | client | all (default all: write, apply, validate)
  --readies N    Readies each store writes per round (write; default 3000: fewer leave the JIT in it)
  --entries N    entries per Ready (write, message, coalesce; default 1)
  --rounds N     rounds (default 3)
  --clients N    puts in flight (client; default 64)
  --help, -h     this text`;

const PARTS = ['write', 'apply', 'validate', 'message', 'coalesce', 'client', 'all'] as const;
const args = benchArgs(
  'node-ab',
  process.argv.slice(2),
  {
    base: { type: 'string' },
    part: { type: 'string' },
    readies: { type: 'string' },
    entries: { type: 'string' },
    rounds: { type: 'string' },
    clients: { type: 'string' },
  },
  USAGE,
  (p) => ({
    base: stringOpt(p, 'base', null),
    part: oneOfOpt(p, 'part', PARTS, 'all'),
    readies: intOpt(p, 'readies', 1, 1_000_000, 3000),
    entries: intOpt(p, 'entries', 1, 64, 1),
    rounds: intOpt(p, 'rounds', 1, 50, 3),
    clients: intOpt(p, 'clients', 1, 1024, 64),
  }),
);
if (args.exit !== undefined) process.exit(args.exit);
const o = args.opts;
if (o.base === null) {
  console.error(`node-ab: --base DIR is required\n\n${USAGE}`);
  process.exit(2);
}
const SIDES = { base: path.resolve(o.base), this: repoRoot() } as const;
type Side = keyof typeof SIDES;
const ORDER: Side[] = ['base', 'this'];

/** VALUE is a 256-byte value that differs from the next one in its first characters, as random values do. */
const VALUE = (n: number): string => `${n.toString(36).padStart(8, '0')}${'v'.repeat(248)}`;
const COMMAND = (client: string, seq: number, key: string, n = seq): string =>
  JSON.stringify({ client, seq, now: 1796222372591 + seq, cmd: { op: 'put', key, value: VALUE(n) } });

function q(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0;
}
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const cpuUs = (c: NodeJS.CpuUsage): number => c.user + c.system;

interface Store {
  write(w: StorageWrite): boolean;
  syncAsync(done: (err: Error | null) => void): void;
  close(): void;
}

async function writePart(): Promise<void> {
  const mods = new Map<Side, { SqliteStorage: new (file: string, opts: object) => Store }>();
  for (const side of ORDER) mods.set(side, await import(path.join(SIDES[side], 'src-main/node/sqlite-storage.ts')));
  const data = COMMAND('c1-abcdef', 1, 'key-1234');
  for (let r = 1; r <= o.rounds; r++) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ql-node-ab-'));
    const st = ORDER.map((side) => ({
      side,
      s: new (mods.get(side)!.SqliteStorage)(path.join(dir, `${side}.db`), { deferSync: true }),
      idx: 0,
      cpu: [] as number[],
      wall: [] as number[],
      sync: [] as number[],
    }));
    const ready = (x: (typeof st)[number], commit: number): StorageWrite => {
      const entries: Entry[] = [];
      for (let k = 0; k < o.entries; k++) entries.push({ index: ++x.idx, term: 1, type: 'normal', data });
      return { hardState: { term: 1, vote: 'n1', commit }, entries, snapshot: null };
    };
    for (const x of st) x.s.write(ready(x, 0));
    for (let i = 0; i < o.readies; i++) {
      // Alternate which store goes first, so neither always follows the other's sync.
      for (const x of i % 2 === 0 ? st : [...st].reverse()) {
        const w = ready(x, x.idx);
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        x.s.write(w);
        const t1 = performance.now();
        x.cpu.push(cpuUs(process.cpuUsage(c0)));
        x.wall.push((t1 - t0) * 1000);
        await new Promise<void>((res) => x.s.syncAsync(() => res()));
        x.sync.push((performance.now() - t1) * 1000);
      }
    }
    for (const x of st) {
      console.log(
        `write r${r} ${x.side.padEnd(4)} ${o.entries} entr/Ready: write() p50 ${q(x.wall, 0.5).toFixed(1)} p90 ${q(x.wall, 0.9).toFixed(1)} µs, ` +
          `CPU mean ${mean(x.cpu).toFixed(1)} µs; fdatasync p50 ${q(x.sync, 0.5).toFixed(0)} p90 ${q(x.sync, 0.9).toFixed(0)} µs`,
      );
      x.s.close();
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

interface Kv {
  apply(index: number, data: string): unknown;
}
type Validate = (x: unknown) => unknown;

async function cpuParts(): Promise<void> {
  const N = 100_000;
  const datas: string[] = [];
  const seqs = new Map<string, number>();
  for (let i = 0; i < N; i++) {
    const client = `c${i % 64}-abcdef`;
    const seq = (seqs.get(client) ?? 0) + 1;
    seqs.set(client, seq);
    datas.push(COMMAND(client, seq, `key-${(i * 7919) % 10_000}`, i));
  }
  const apps: unknown[] = [];
  for (let i = 0; i < N / 8; i++) {
    const entries = datas
      .slice(i * 8, i * 8 + 8)
      .map((d, k) => ({ index: i * 8 + k + 1, term: 3, type: 'normal', data: d }));
    const m = { type: 'append', from: 'n1', to: 'n2', term: 3, prevIndex: i * 8, prevTerm: 3, commit: i * 8, entries };
    apps.push(JSON.parse(JSON.stringify(m)));
  }
  const kv = new Map<Side, new () => Kv>();
  const val = new Map<Side, Validate>();
  for (const side of ORDER) {
    kv.set(side, (await import(path.join(SIDES[side], 'src-main/core/kv/state-machine.ts'))).KvStateMachine);
    val.set(side, (await import(path.join(SIDES[side], 'src-main/core/raft/validate.ts'))).validateRaftMessage);
  }
  const res = new Map<Side, { apply: number[]; validate: number[] }>(
    ORDER.map((s) => [s, { apply: [], validate: [] }]),
  );
  for (let r = 0; r < o.rounds; r++) {
    for (const side of r % 2 === 0 ? ORDER : [...ORDER].reverse()) {
      const out = res.get(side)!;
      if (o.part === 'apply' || o.part === 'all') {
        const sm = new (kv.get(side)!)();
        const c0 = process.cpuUsage();
        for (let i = 0; i < N; i++) sm.apply(i + 1, datas[i]!);
        out.apply.push(cpuUs(process.cpuUsage(c0)) / N);
      }
      if (o.part === 'validate' || o.part === 'all') {
        const v = val.get(side)!;
        const c0 = process.cpuUsage();
        for (const a of apps) if (typeof v(a) === 'string') throw new Error('append refused');
        out.validate.push(cpuUs(process.cpuUsage(c0)) / N);
      }
    }
  }
  for (const side of ORDER) {
    const out = res.get(side)!;
    if (out.apply.length)
      console.log(`apply    ${side.padEnd(4)} µs CPU per put: ${out.apply.map((x) => x.toFixed(2)).join(' · ')}`);
    if (out.validate.length)
      console.log(`validate ${side.padEnd(4)} µs CPU per entry: ${out.validate.map((x) => x.toFixed(3)).join(' · ')}`);
  }
}

interface Conn {
  send(frame: object, ms: number): Promise<{ k: string }>;
  close(): void;
}
interface Port {
  listen(): Promise<number>;
  close(): void;
}

/** alternate runs `fn` for each side in turns (the order flipped every round) and prints µs per unit. */
async function alternate(
  what: string,
  unit: string,
  fn: (side: Side) => Promise<(() => void) | null> | (() => void),
  n: number,
): Promise<void> {
  const res = new Map<Side, number[]>(ORDER.map((s) => [s, []]));
  const bodies = new Map<Side, () => void>();
  for (const side of ORDER) {
    const body = await fn(side);
    if (body) bodies.set(side, body);
  }
  for (let r = 0; r < o.rounds; r++) {
    for (const side of r % 2 === 0 ? ORDER : [...ORDER].reverse()) {
      const body = bodies.get(side)!;
      for (let i = 0; i < Math.min(2000, n); i++) body(); // the JIT settles first
      const c0 = process.cpuUsage();
      for (let i = 0; i < n; i++) body();
      res.get(side)!.push(cpuUs(process.cpuUsage(c0)) / n);
    }
  }
  for (const side of ORDER) {
    console.log(
      `${what.padEnd(8)} ${side.padEnd(4)} µs CPU per ${unit}: ${res
        .get(side)!
        .map((x) => x.toFixed(2))
        .join(' · ')}`,
    );
  }
}

/** messagePart: see the header (`--part message`). */
async function messagePart(): Promise<void> {
  const entries = Array.from({ length: o.entries }, (_, k) => ({
    index: 100 + k,
    term: 3,
    type: 'normal',
    data: COMMAND(`gw-${k}-abcdef`, k + 1, `key-${k}`),
  }));
  const append = { type: 'append', from: 'n1', to: 'n2', term: 3, prevIndex: 99, prevTerm: 3, entries, commit: 99 };
  const resp = {
    type: 'appendResp',
    from: 'n2',
    to: 'n1',
    term: 3,
    index: 120,
    reject: false,
    rejectHint: 0,
    logTerm: 3,
  };
  for (const [what, m] of [
    ['append', append],
    ['ack', resp],
  ] as const) {
    await alternate(
      what,
      what === 'append' ? `message of ${o.entries} entries` : 'message',
      async (side) => {
        const mf = await import(path.join(SIDES[side], 'src-main/node/msg-frame.ts'));
        const { validateRaftMessage } = await import(path.join(SIDES[side], 'src-main/core/raft/validate.ts'));
        const frame: Buffer = mf.encodeMsgFrame(what === 'append' ? 'append' : 'other', m);
        return () => {
          const d = mf.decodeMsgFrame(frame);
          if (typeof d === 'string' || typeof validateRaftMessage(d.msg) === 'string') throw new Error('refused');
        };
      },
      20_000,
    );
  }
}

/** coalescePart: see the header (`--part coalesce`). */
async function coalescePart(): Promise<void> {
  const ready = (): object[] => {
    const out: object[] = [];
    for (let k = 0; k < o.entries; k++) {
      for (const to of ['n2', 'n3']) {
        const e = { index: 100 + k, term: 3, type: 'normal', data: 'c' };
        out.push({ type: 'append', from: 'n1', to, term: 3, prevIndex: 99 + k, prevTerm: 3, entries: [e], commit: 90 });
      }
    }
    return out;
  };
  const readies = Array.from({ length: 200 }, ready);
  let i = 0;
  await alternate(
    'coalesce',
    `Ready of ${o.entries} proposals`,
    async (side) => {
      const { coalesceMessages } = await import(path.join(SIDES[side], 'src-main/core/raft/coalesce.ts'));
      return () => coalesceMessages(readies[i++ % readies.length], 1000);
    },
    20_000,
  );
}

/** clientPart: see the header (`--part client`). */
async function clientPart(): Promise<void> {
  const PUTS = 60_000;
  const TOKEN = 'k'.repeat(32);
  const res = new Map<Side, number[]>(ORDER.map((s) => [s, []]));
  const mods = new Map<
    Side,
    {
      NodeConn: new (id: string, port: number, token: string, onDead: () => void) => Conn;
      ClientPort: new (o: object) => Port;
    }
  >();
  for (const side of ORDER) {
    mods.set(side, {
      NodeConn: (await import(path.join(SIDES[side], 'src-main/lab/gateway-conn.ts'))).NodeConn,
      ClientPort: (await import(path.join(SIDES[side], 'src-main/node/client-port.ts'))).ClientPort,
    });
  }
  for (let r = 0; r < o.rounds; r++) {
    for (const side of r % 2 === 0 ? ORDER : [...ORDER].reverse()) {
      const m = mods.get(side)!;
      // The port answers what it holds once per turn (setImmediate), as a Ready answers the puts it applied.
      let held: Array<() => void> = [];
      const answerHeld = (): void => {
        const h = held;
        held = [];
        for (const f of h) f();
      };
      const port = new m.ClientPort({
        token: TOKEN,
        port: 0,
        onRequest: (req: { id: number }, reply: (x: object) => void) => {
          if (held.length === 0) setImmediate(answerHeld);
          held.push(() =>
            reply({ t: 'res', id: req.id, outcome: 'ok', result: { ok: true, value: null }, node: 'n1', leader: 'n1' }),
          );
        },
        answerInvalid: () => {
          throw new Error('invalid request');
        },
        onReject: (why: string) => {
          throw new Error(why);
        },
      });
      const conn = new m.NodeConn('n1', await port.listen(), TOKEN, () => undefined);
      let next = 0;
      const loop = async (c: number): Promise<void> => {
        for (let seq = 1; next < PUTS; seq++) {
          const id = ++next;
          const frame = {
            t: 'req',
            id,
            client: `gw-${c}-abcdef`,
            seq,
            op: { op: 'put', key: `key-${(id * 7919) % 10_000}`, value: VALUE(id) },
            timeoutMs: 5000,
          };
          const a = await conn.send(frame, 5000);
          if (a.k !== 'res') throw new Error(`put ${id}: ${a.k}`);
        }
      };
      // Warm-up, then the measured puts.
      next = PUTS - 5000;
      await Promise.all(Array.from({ length: o.clients }, (_, c) => loop(c)));
      next = 0;
      const c0 = process.cpuUsage();
      await Promise.all(Array.from({ length: o.clients }, (_, c) => loop(c)));
      res.get(side)!.push(cpuUs(process.cpuUsage(c0)) / PUTS);
      conn.close();
      port.close();
    }
  }
  for (const side of ORDER) {
    console.log(
      `client   ${side.padEnd(4)} µs CPU per put (gateway + port, ${o.clients} in flight): ${res
        .get(side)!
        .map((x) => x.toFixed(2))
        .join(' · ')}`,
    );
  }
}

console.log(
  `node-ab: base ${SIDES.base}, this ${SIDES.this}; load ${os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}`,
);
if (o.part === 'write' || o.part === 'all') await writePart();
if (o.part === 'client') await clientPart();
else if (o.part === 'message') await messagePart();
else if (o.part === 'coalesce') await coalescePart();
else if (o.part !== 'write') await cpuParts();
console.log(
  `load ${os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}`,
);
