/**
 * `node --import tsx bench/host-cost.ts [--part http|gateway] [--root DIR] [--requests N] [--clients N]`:
 * the lab host's own CPU per request for one part of a put's path, measured in a process
 * that runs only that part, so the figure depends little on how busy the machine is
 * (wall-clock throughput on a shared 2-core machine does).
 *
 * - `http`: the HTTP host (web/http-host.ts) in front of a lab whose `kv` answers at once;
 *   a child process sends `POST /api/kv` puts (256-byte values) from `--clients` keep-alive
 *   connections, each waiting for its answer before the next, as `npm run bench` does.
 * - `gateway`: the gateway (lab/gateway.ts) sending puts from `--clients` concurrent
 *   callers to a child process that answers every request frame at once, as a leader's
 *   client port would.
 * - `record`: what the host does to record a put — the recorder's invoke and complete (the
 *   run log's two client records, the history's two events, both files written) and the
 *   live checker fed by it (its worker thread included) — for puts by `--clients` processes
 *   on 10,000 keys at `--rate` puts a second (the checker's batches grow with the rate),
 *   until the checker has caught up. No HTTP, no gateway, no nodes.
 *
 * Prints this process's CPU time (user + system, every thread) per request. `--root DIR` loads the part
 * from another checkout (e.g. a worktree of main), to compare two versions by alternating
 * runs. Not part of `npm run bench`.
 */
import { fork } from 'node:child_process';
import { request, Agent } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { intOpt, oneOfOpt, stringOpt } from '../src-main/cli-args';
import { benchArgs } from './cli';

const argv = process.argv.slice(2);
const USAGE = `usage: node --import tsx bench/host-cost.ts [--part http|gateway|record] [--root DIR] [--requests N] [--clients N] [--rate N]

  --part P       the part measured: http (the HTTP host), gateway, or record (default http)
  --root DIR     the checkout the part is loaded from (default this one)
  --requests N   requests measured (default 20000)
  --clients N    concurrent clients (default 64)
  --rate N       puts a second, for --part record (default 2000)
  --help, -h     this text`;
const VALUE = 'v'.repeat(256);
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** loadGen (child): `clients` keep-alive connections posting puts until `requests` are answered. */
async function loadGen(port: number, token: string, requests: number, clients: number): Promise<void> {
  let sent = 0;
  const one = (agent: Agent): Promise<void> =>
    new Promise((resolve, reject) => {
      const body = JSON.stringify({ op: 'put', key: `k${sent % 10000}`, value: VALUE });
      const req = request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/api/kv',
          agent,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve());
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  await Promise.all(
    Array.from({ length: clients }, async () => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      while (sent < requests) {
        sent++;
        await one(agent);
      }
      agent.destroy();
    }),
  );
}

/** fakeNode (child): a client port that answers every request frame at once. */
function fakeNode(): Promise<number> {
  return new Promise((resolve) => {
    const server = createNetServer((sock) => {
      sock.setNoDelay(true);
      let buf: Buffer = Buffer.alloc(0);
      let hello = false;
      sock.on('data', (c: Buffer) => {
        buf = buf.length ? Buffer.concat([buf, c]) : c;
        const out: Buffer[] = [];
        while (buf.length >= 4) {
          const n = buf.readUInt32BE(0);
          if (buf.length < 4 + n) break;
          const f = JSON.parse(buf.subarray(4, 4 + n).toString('utf8')) as { id?: number };
          buf = buf.subarray(4 + n);
          if (!hello) {
            hello = true;
            continue;
          }
          const json = JSON.stringify({
            t: 'res',
            id: f.id,
            outcome: 'ok',
            result: { ok: true, value: null },
            node: 'n1',
            leader: 'n1',
          });
          const b = Buffer.alloc(4 + Buffer.byteLength(json));
          b.writeUInt32BE(b.length - 4, 0);
          b.write(json, 4);
          out.push(b);
        }
        if (out.length) sock.write(Buffer.concat(out));
      });
      sock.on('error', () => undefined);
    });
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
  });
}

async function child(): Promise<void> {
  // A child never outlives the run that forked it (a killed parent closes the IPC channel).
  process.on('disconnect', () => process.exit(0));
  process.on('message', (m: { part: string; port?: number; token?: string; requests?: number; clients?: number }) => {
    if (m.part === 'node') void fakeNode().then((port) => process.send?.({ port }));
    else
      void loadGen(m.port!, m.token!, m.requests!, m.clients!).then(() => {
        process.send?.({ done: true });
      });
  });
}

async function runHttp(root: string, requests: number, clients: number): Promise<number> {
  const { HttpHost } = (await import(pathToFileURL(path.join(root, 'src-main/web/http-host.ts')).href)) as {
    HttpHost: new (o: object) => { listen(p: number): Promise<number>; close(): Promise<void>; token: string };
  };
  const lab = new Proxy(
    {},
    {
      get(_t, name) {
        if (name === 'on') return () => () => undefined;
        if (typeof name !== 'string' || name === 'then') return undefined;
        return async () => ({ outcome: 'ok', value: null, node: 'n1', latencyMs: 0.5 });
      },
    },
  );
  const host = new HttpHost({ lab, webRoot: '/nonexistent' });
  const port = await host.listen(0);
  const gen = fork(new URL(import.meta.url).pathname, ['--child'], { execArgv: ['--import', 'tsx'] });
  const warm = Math.min(2000, requests);
  const go = (n: number): Promise<void> =>
    new Promise((resolve) => {
      gen.once('message', () => resolve());
      gen.send({ part: 'load', port, token: host.token, requests: n, clients });
    });
  await go(warm);
  const c0 = cpuMs();
  await go(requests);
  const used = cpuMs() - c0;
  gen.kill();
  await host.close();
  return used / requests;
}

async function runGateway(root: string, requests: number, clients: number): Promise<number> {
  const { Gateway } = (await import(pathToFileURL(path.join(root, 'src-main/lab/gateway.ts')).href)) as {
    Gateway: new (o: object) => { request(op: object, ms: number): Promise<{ outcome: string }>; close(): void };
  };
  const node = fork(new URL(import.meta.url).pathname, ['--child'], { execArgv: ['--import', 'tsx'] });
  const port = await new Promise<number>((resolve) => {
    node.once('message', (m: { port: number }) => resolve(m.port));
    node.send({ part: 'node' });
  });
  const g = new Gateway({
    token: 't',
    nodes: ['n1'],
    portOf: () => port,
    isUp: () => true,
    leader: () => 'n1',
    clientPrefix: 'cost',
    seed: 1,
  });
  const run = async (n: number): Promise<void> => {
    let sent = 0;
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (sent < n) {
          sent++;
          const r = await g.request({ op: 'put', key: `k${sent % 10000}`, value: VALUE }, 5000);
          if (r.outcome !== 'ok') throw new Error(`put ended ${r.outcome}`);
        }
      }),
    );
  };
  await run(Math.min(2000, requests));
  const c0 = cpuMs();
  await run(requests);
  const used = cpuMs() - c0;
  g.close();
  node.kill();
  return used / requests;
}

/**
 * runRecord: `requests` puts recorded as LabRequests.send records them, paced at `rate` a
 * second in 5 ms steps; each step completes the oldest puts in flight and invokes as many
 * new ones, so `clients` stay in flight. Returns CPU ms per put, the checker's catching up included.
 */
async function runRecord(root: string, requests: number, clients: number, rate: number): Promise<number> {
  const { Recorder } = (await import(pathToFileURL(path.join(root, 'src-main/lab/recorder.ts')).href)) as {
    Recorder: new (o: object) => {
      invoke(f: string, key: string, value: unknown, extra?: object): { process: number; index: number };
      complete(h: { process: number }, type: 'ok', f: string, key: string, value: unknown, extra?: object): void;
      close(): Promise<void>;
    };
  };
  const { checkRecorder } = (await import(pathToFileURL(path.join(root, 'src-main/lab/live-check.ts')).href)) as {
    checkRecorder: (
      r: unknown,
      engine: undefined,
      onChange: () => void,
    ) => { settled(ms: number): Promise<{ lagOps: number; linearizable: boolean | null }>; close(): Promise<void> };
  };
  const dir = mkdtempSync(path.join(tmpdir(), 'quorum-host-cost-'));
  const rec = new Recorder({ logFile: path.join(dir, 'run.jsonl'), historyFile: path.join(dir, 'history.jsonl') });
  const checker = checkRecorder(rec, undefined, () => undefined);
  let key = 7;
  const open: { h: { process: number }; key: string }[] = [];
  const run = async (n: number): Promise<void> => {
    const perStep = Math.max(1, Math.round((rate * 5) / 1000));
    let done = 0;
    while (done < n) {
      for (let i = 0; i < perStep && done < n; i++) {
        if (open.length >= clients) {
          const o = open.shift()!;
          rec.complete(o.h, 'ok', 'write', o.key, VALUE, {
            preview: VALUE.slice(0, 63) + '…',
            node: 'n1',
            latencyMs: 1.5,
          });
          done++;
        }
        key = (key * 48271) % 2147483647;
        const k = `bench-${String(key % 10000).padStart(5, '0')}`;
        open.push({ h: rec.invoke('write', k, VALUE), key: k });
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  // A longer warm-up than the other parts': the checker's worker compiles its search code for seconds.
  await run(Math.min(10_000, requests));
  await checker.settled(30_000);
  const c0 = cpuMs();
  const t0 = performance.now();
  await run(requests);
  // The pace a busy machine allowed (the 5 ms steps run late when the CPU is taken).
  console.log(`record: ${((requests * 1000) / (performance.now() - t0)).toFixed(0)} puts/s recorded`);
  const v = await checker.settled(60_000);
  const used = cpuMs() - c0;
  if (v.lagOps !== 0 || v.linearizable !== true) throw new Error(`checker ended ${JSON.stringify(v)}`);
  await checker.close();
  await rec.close();
  rmSync(dir, { recursive: true, force: true });
  return used / requests;
}

async function main(): Promise<void> {
  // The forked children get exactly `--child`, from this file; it is not a user's flag.
  if (argv.length === 1 && argv[0] === '--child') return child();
  const here = path.join(path.dirname(new URL(import.meta.url).pathname), '..');
  const opts = {
    part: { type: 'string' },
    root: { type: 'string' },
    requests: { type: 'string' },
    clients: { type: 'string' },
    rate: { type: 'string' },
  } as const;
  const args = benchArgs('host-cost', argv, opts, USAGE, (p) => ({
    part: oneOfOpt(p, 'part', ['http', 'gateway', 'record'], 'http'),
    root: path.resolve(stringOpt(p, 'root', here)),
    requests: intOpt(p, 'requests', 1, 10_000_000, 20_000),
    clients: intOpt(p, 'clients', 1, 1024, 64),
    rate: intOpt(p, 'rate', 1, 1_000_000, 2000),
  }));
  if (args.exit !== undefined) process.exit(args.exit);
  const { part, root, requests, clients, rate } = args.opts;
  const perReq =
    part === 'gateway'
      ? await runGateway(root, requests, clients)
      : part === 'record'
        ? await runRecord(root, requests, clients, rate)
        : await runHttp(root, requests, clients);
  console.log(
    `${part} ${root}: ${(perReq * 1000).toFixed(1)} µs of host CPU per request (${requests} requests, ${clients} clients)`,
  );
  process.exit(0);
}

await main();
