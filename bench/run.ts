/**
 * `npm run bench`: the lab's 3-node Raft (or, with --protocol paxos, Multi-Paxos) cluster
 * against a 3-member etcd, side by side in one run on loopback, same workload (256-byte puts
 * over HTTP/JSON, keys over 10,000): one sequential client, N concurrent clients, the same
 * two for linearizable gets of keys written first (every answer checked), and failover after
 * SIGKILL of the leader. Rows alternate between the two systems so background load on a
 * shared machine hits both alike. Prints the table and rewrites the results section of
 * docs/BENCHMARKS.md (bench/run-args.ts: the options).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { liveCheckMain } from './checker-lab';
import { framesMain } from './frames';
import { EtcdCluster, ETCD_BIN, etcdVersion } from './etcd';
import { LabCluster, labCommand, repoRoot } from './lab';
import { onExit, sleep, stopAll } from './procs';
import { measureShards, moveLine, shardsTable, type ShardsResult } from './shards-lib';
import {
  machineDescription,
  protocolName,
  resultsSection,
  cpuSplit,
  textTable,
  writeResults,
  type RunInfo,
  type SideResults,
} from './report';
import { READ_KEYS, ReadSet, runReads, writeReadSet } from './read-load';
import { BENCH_USAGE, parseBenchArgs, type BenchOptions } from './run-args';
import type { ReadTarget, Target, TargetName } from './target';
import {
  FAILOVER_PUT_EVERY_MS,
  FAILOVER_PUT_TIMEOUT_MS,
  KEY_SPACE,
  runFailover,
  errorSummary,
  idleServerCpu,
  runThroughput,
  VALUE_BYTES,
  withServerCpu,
  type ThroughputResult,
} from './workload';

/** IDLE_SETTLE_MS, IDLE_MS: the pause after the warm-up, then the window the idle CPU is measured over. */
const IDLE_SETTLE_MS = 1000;
const IDLE_MS = 3000;

function log(s: string): void {
  console.log(s);
}

function emptySide(t: Target): SideResults {
  return {
    version: t.version,
    sequential: null,
    concurrent: null,
    readsSequential: null,
    readsConcurrent: null,
    failover: null,
    idle: null,
  };
}

async function main(argv: string[]): Promise<number> {
  // The renderer's frame-time bench is its own run (a browser, a 5-node lab): hand over to it.
  if (argv.includes('--frames')) return framesMain(argv.filter((a) => a !== '--frames'));
  if (argv.includes('--live-check')) return liveCheckMain(argv.filter((a) => a !== '--live-check'));
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(BENCH_USAGE);
    return 0;
  }
  const root = repoRoot();
  const parsed = parseBenchArgs(argv, root);
  if (typeof parsed === 'string') {
    console.error(`bench: ${parsed}\n\n${BENCH_USAGE}`);
    return 2;
  }
  const o = parsed;
  const notes: string[] = [];
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'quorum-bench-'));
  onExit(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const targets: (Target & ReadTarget)[] = [];
  let exit = 0;
  const info: RunInfo = {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    machine: machineDescription(),
    command: `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`,
    settings: [
      `heartbeat ${o.heartbeatMs} ms, election ${o.electionMs} ms (both systems)`,
      `${VALUE_BYTES}-byte values, keys uniform over ${KEY_SPACE.toLocaleString('en-US')}`,
      `${o.seconds} s per throughput row, 1 and ${o.clients} clients (one keep-alive connection each), after ${o.warmup} s of ${o.clients} clients unmeasured`,
      `gets: linearizable (lab \`POST /api/kv {op:'get'}\` through its balancer, etcd \`POST /v3/kv/range\` to its leader), keys uniform over ${READ_KEYS} written first, every answer checked against the value written`,
      `server CPU per request: user + system of the system's processes (/proc)`,
      `failover: a put every ${FAILOVER_PUT_EVERY_MS} ms (each bounded by ${FAILOVER_PUT_TIMEOUT_MS} ms), median of ${o.trials}`,
      `lab (${protocolName(o.protocol)}): \`node ${labCommand(o).join(' ')} --data <tmpdir>\``,
      `etcd: 3 members, \`${ETCD_BIN} --heartbeat-interval ${o.heartbeatMs} --election-timeout ${o.electionMs}\`, own data dirs, 127.0.0.1 ports`,
    ].join('; '),
    load: [os.loadavg()[0] ?? 0, 0],
    protocol: o.protocol,
    lab: null,
    etcd: null,
    notes,
  };
  log(`quorum-lab bench: ${info.machine}`);
  log(`data under ${tmp}`);
  try {
    if (o.only !== 'lab') {
      if (etcdVersion() === null) {
        const msg = `etcd is not installed (${ETCD_BIN} missing): the etcd side is skipped. Install it with: apt-get install -y etcd-server`;
        console.error(`bench: ${msg}`);
        notes.push(msg);
      } else {
        log('starting etcd (3 members)...');
        try {
          targets.push(
            await EtcdCluster.start({
              dir: path.join(tmp, 'etcd'),
              heartbeatMs: o.heartbeatMs,
              electionMs: o.electionMs,
              log,
            }),
          );
        } catch (e) {
          notes.push(`etcd side failed to start: ${(e as Error).message.split('\n')[0]}`);
          console.error(`bench: ${(e as Error).message}`);
          exit = 1;
        }
      }
    }
    if (o.only !== 'etcd') {
      log('starting the lab (quorum-lab serve, 3 nodes)...');
      try {
        const lab = await LabCluster.start({
          repo: root,
          dir: path.join(tmp, 'lab'),
          heartbeatMs: o.heartbeatMs,
          electionMs: o.electionMs,
          protocol: o.protocol,
          log,
        });
        log(`  lab on ${lab.url} (${protocolName(o.protocol)})`);
        targets.push(lab);
      } catch (e) {
        notes.push(`lab side failed to start: ${(e as Error).message.split('\n')[0]}`);
        console.error(`bench: ${(e as Error).message}`);
        exit = 1;
      }
    }
    if (targets.length === 0) throw new Error('nothing to measure');
    const sides = new Map<TargetName, SideResults>(targets.map((t) => [t.name, emptySide(t)]));
    const side = (t: Target): SideResults => sides.get(t.name)!;
    const pin = async (t: Target): Promise<void> => {
      if (t instanceof EtcdCluster) await t.pinLeader();
    };

    for (const t of targets) {
      await pin(t);
      // The same unmeasured load on each side first: what follows measures warm processes
      // (the lab's nodes spend a fifth of their CPU in V8's optimising compiler 5–11 s into a
      // load; etcd's Go runtime grows its heap), not their start-up.
      log(`warming up ${t.name} (${o.warmup} s of ${o.clients} clients)...`);
      if (o.warmup > 0) await runThroughput(t, o.clients, o.warmup, 1);
    }
    // What each side burns with no requests at all (heartbeats, timers, the lab's status
    // reports): the part of a 1-client row's CPU per request that is not the requests'.
    // Only after a warm-up: a cluster just started is still busy starting.
    for (const t of o.warmup > 0 ? targets : []) {
      await sleep(IDLE_SETTLE_MS);
      const idle = await idleServerCpu(await t.processes(), IDLE_MS);
      side(t).idle = idle;
      log(`${t.name} idle: server CPU ${idle.msPerSec.toFixed(0)} ms per s (${cpuSplit(idle.byProcess, 0)})`);
    }
    // Each throughput row on each side in turn; the server's CPU from /proc around it.
    const row = async (t: Target & ReadTarget, what: string, run: () => Promise<ThroughputResult>) => {
      log(`${t.name}: ${what} for ${o.seconds} s...`);
      await pin(t);
      const r = await withServerCpu(await t.processes(), run);
      const unit = what.endsWith('gets') ? 'gets' : 'puts';
      log(
        `  ${r.putsPerSec.toFixed(0)} ${unit}/s, p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms, ${r.errors} errors${r.serverUsPerOp === undefined ? '' : `, server CPU ${r.serverUsPerOp.toFixed(0)} µs per ${unit.slice(0, -1)}`}`,
      );
      const why = errorSummary(r);
      if (why) log(`  errors: ${why}`);
      const by = cpuSplit(r.serverUsByProcess, 0);
      if (by) log(`  server CPU µs per ${unit.slice(0, -1)} by process: ${by}`);
      return r;
    };
    for (const t of o.rows.has('sequential') ? targets : [])
      side(t).sequential = await row(t, '1 client', () => runThroughput(t, 1, o.seconds, 42));
    for (const t of o.rows.has('concurrent') ? targets : [])
      side(t).concurrent = await row(t, `${o.clients} clients`, () => runThroughput(t, o.clients, o.seconds, 43));
    const reads = new ReadSet();
    if (o.rows.has('reads-sequential') || o.rows.has('reads-concurrent')) {
      for (const t of targets) {
        log(`${t.name}: writing the ${READ_KEYS} keys the gets read...`);
        await pin(t);
        await writeReadSet(t, reads);
      }
    }
    for (const t of o.rows.has('reads-sequential') ? targets : [])
      side(t).readsSequential = await row(t, '1 client gets', () => runReads(t, reads, 1, o.seconds, 44));
    for (const t of o.rows.has('reads-concurrent') ? targets : [])
      side(t).readsConcurrent = await row(t, `${o.clients} clients gets`, () =>
        runReads(t, reads, o.clients, o.seconds, 45),
      );
    for (const t of o.rows.has('failover') ? targets : []) {
      log(`${t.name}: failover, ${o.trials} trial(s)...`);
      try {
        side(t).failover = await runFailover(t, o.trials, 1000, log);
      } catch (e) {
        notes.push(`${t.name} failover did not complete: ${(e as Error).message.split('\n')[0]}`);
        console.error(`bench: ${t.name} failover: ${(e as Error).message}`);
        exit = 1;
      }
    }
    info.lab = sides.get('lab') ?? null;
    info.etcd = sides.get('etcd') ?? null;
  } catch (e) {
    console.error(`bench: ${(e as Error).stack ?? String(e)}`);
    notes.push(`run aborted: ${(e as Error).message.split('\n')[0]}`);
    exit = 1;
  } finally {
    log('stopping clusters...');
    for (const t of targets)
      await t.stop().catch((e: unknown) => console.error(`bench: stopping ${t.name}: ${String(e)}`));
    await stopAll();
    fs.rmSync(tmp, { recursive: true, force: true });
  }

  // The sharded clusters run after the comparison's are stopped, so neither slows the other.
  // Three more clusters (4-12 processes each): about 70-100 s more than the comparison's ~80 s.
  const shards = o.shards ? await shardRows(root, o, notes) : null;
  info.load[1] = os.loadavg()[0] ?? 0;
  log('');
  log(textTable(info, o.clients));
  if (shards) log(`\n${shardsTable(shards).join('\n')}\n\n${moveLine(shards)}`);
  log(`load average (1 min): ${info.load[0].toFixed(1)} at start, ${info.load[1].toFixed(1)} at end`);
  for (const n of notes) log(`note: ${n}`);
  const section = resultsSection(info, o.clients) + (shards ? `\n\n${shardsMarkdown(shards)}` : '');
  const raw = path.join(root, 'bench', 'results');
  fs.mkdirSync(raw, { recursive: true });
  fs.writeFileSync(
    path.join(raw, `${info.date.replace(/[:]/g, '-')}.json`),
    JSON.stringify(shards ? { ...info, shards } : info, null, 2),
  );
  if (o.out && (info.lab || info.etcd)) {
    writeResults(o.out, section);
    log(`\nresults written to ${path.relative(process.cwd(), o.out) || o.out}`);
  }
  return exit;
}

/** shardRows runs the sharding measurement (null, with a note, when it fails). */
async function shardRows(root: string, o: BenchOptions, notes: string[]): Promise<ShardsResult | null> {
  const groups = [1, 2, 3];
  try {
    return await measureShards({ repo: root, seconds: o.seconds, clients: o.clients, groups, moves: o.moves, log });
  } catch (e) {
    notes.push(`sharding rows failed: ${(e as Error).message.split('\n')[0]}`);
    console.error(`bench: sharding: ${(e as Error).message}`);
    return null;
  } finally {
    await stopAll();
  }
}

/** shardsMarkdown is the sharding part of the results section. */
function shardsMarkdown(r: ShardsResult): string {
  const head = `Sharding (lab only; \`quorum-lab serve --groups G --nodes 3\`, a controller of 3 more, same put load, run after the comparison):`;
  return [head, '', ...shardsTable(r), '', moveLine(r)].join('\n');
}

process.exitCode = await main(process.argv.slice(2));
