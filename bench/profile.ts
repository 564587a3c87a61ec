/**
 * `node --import tsx bench/profile.ts [--seconds 5] [--clients 1] [--cpu] [--strace]`:
 * where does a lab put spend its time? Starts `quorum-lab serve` alone and reports:
 * idle CPU of the host and each node; latency of puts sent straight to the leader's client
 * port (no HTTP host, no gateway) against puts through the host, and the latency its
 * gateway reports (KvResponse.latencyMs); CPU time per put per process; which node
 * answered; router deliveries per put (from the run log). With --strace, fsync-family
 * syscalls per put on each node; with --cpu, a V8 CPU profile of the host and every node
 * (bench/cpu-prof-hook.mjs, preloaded through NODE_OPTIONS), summarised as self time per
 * file and function, so a finding can name the file and the step that costs.
 * Not part of `npm run bench`: a tool for finding where the time goes.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { flagOpt, intOpt, numOpt } from '../src-main/cli-args';
import { benchArgs } from './cli';
import { DirectClient, nodeAccess } from './direct';
import { cpuMs, summarizeProfile, type CpuProfile } from './profile-lib';
import { clientAgent, parseJson, request } from './http';
import { LabCluster, repoRoot } from './lab';
import { killPid, onExit, sleep, startProcess, stopAll, waitExit } from './procs';
import { KEY_SPACE, keyOf, makeValue, percentile, Rng } from './workload';

/** startStrace attaches `strace -c` (fsync family only) to each PID; empty when strace is missing. */
function startStrace(pids: number[], dir: string): { pid: number; out: string; proc: ChildProcess }[] {
  const out: { pid: number; out: string; proc: ChildProcess }[] = [];
  for (const pid of pids) {
    const file = path.join(dir, `${pid}.strace`);
    try {
      const proc = startProcess(
        `strace ${pid}`,
        'strace',
        ['-f', '-c', '-o', file, '-e', 'trace=fsync,fdatasync,sync_file_range', '-p', String(pid)],
        { stdio: 'ignore' },
      );
      out.push({ pid, out: file, proc });
    } catch (e) {
      console.log(`strace unavailable: ${(e as Error).message}`);
      return out;
    }
  }
  return out;
}

/** stopStrace detaches and reads the syscall counts per PID. */
async function stopStrace(
  ts: { pid: number; out: string; proc: ChildProcess }[],
): Promise<Map<number, Map<string, number>>> {
  const res = new Map<number, Map<string, number>>();
  for (const t of ts) killPid(t.proc.pid ?? -1, 'SIGINT');
  for (const t of ts) {
    await waitExit(t.proc, 5000);
    const counts = new Map<string, number>();
    const text = fs.existsSync(t.out) ? fs.readFileSync(t.out, 'utf8') : '';
    for (const line of text.split('\n')) {
      const m = /^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(fsync|fdatasync|sync_file_range)\s*$/.exec(line);
      if (m) counts.set(m[2] ?? '?', Number(m[1]));
    }
    res.set(t.pid, counts);
  }
  return res;
}

const USAGE = `usage: node --import tsx bench/profile.ts [--seconds N] [--clients N] [--cpu] [--strace]

  --seconds N   seconds of idle measuring and of load (1..600, default 5)
  --clients N   concurrent put clients (1..600, default 1)
  --cpu         V8 CPU profile of the host and every node, kept in bench/results/
  --strace      count fsync-family syscalls per put on each node (needs strace)
  --help, -h    this text`;

/** PROFILE_OPTIONS are the flags profile.ts takes (names without `--`). */
const PROFILE_OPTIONS = {
  seconds: { type: 'string' },
  clients: { type: 'string' },
  cpu: { type: 'boolean' },
  strace: { type: 'boolean' },
} as const;

async function main(argv: string[]): Promise<number> {
  const args = benchArgs('profile', argv, PROFILE_OPTIONS, USAGE, (p) => ({
    seconds: numOpt(p, 'seconds', 1, 600, 5),
    clients: intOpt(p, 'clients', 1, 600, 1),
    cpu: flagOpt(p, 'cpu'),
    trace: flagOpt(p, 'strace'),
  }));
  if (args.exit !== undefined) return args.exit;
  const { seconds, clients, cpu, trace } = args.opts;
  const root = repoRoot();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'quorum-profile-'));
  onExit(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const profDir = path.join(tmp, 'prof');
  fs.mkdirSync(profDir);
  const savedNodeOptions = process.env.NODE_OPTIONS;
  // Node refuses --cpu-prof in NODE_OPTIONS, so a preloaded hook profiles the host and every forked node.
  const hook = path.join(root, 'bench', 'cpu-prof-hook.mjs');
  if (cpu) {
    process.env.NODE_OPTIONS = `${savedNodeOptions ?? ''} --import ${hook}`.trim();
    process.env.QL_BENCH_PROF_DIR = profDir;
  }
  let lab: LabCluster | null = null;
  try {
    lab = await LabCluster.start({
      repo: root,
      dir: path.join(tmp, 'lab'),
      heartbeatMs: 100,
      electionMs: 1000,
      log: console.log,
    });
    process.env.NODE_OPTIONS = savedNodeOptions ?? '';
    if (savedNodeOptions === undefined) delete process.env.NODE_OPTIONS;
    const ep = lab.endpoint;
    const rng = new Rng(7);
    const value = makeValue(rng);
    const f = (x: number): string => x.toFixed(2);
    // Phase 0: idle, so the per-put CPU below can be read against what the processes burn doing nothing.
    {
      const idlePids = await lab.pids();
      const b = idlePids.map(cpuMs);
      await sleep(seconds * 1000);
      idlePids.forEach((pid, i) => {
        const used = cpuMs(pid) - (b[i] ?? 0);
        console.log(`idle CPU ${i === 0 ? 'host' : `node ${i}`} (pid ${pid}): ${used.toFixed(0)} ms in ${seconds} s`);
      });
    }
    // Phase 1: straight to the leader's client port (node + router + fsync, no HTTP host, no gateway).
    const leader = await lab.leaderNode();
    const access = leader?.pid ? nodeAccess(leader.pid) : 'no leader';
    if (typeof access === 'string') console.log(`direct phase skipped: ${access}`);
    else {
      const dc = await DirectClient.connect(access);
      const direct: number[] = [];
      let derr = 0;
      const dEnd = performance.now() + seconds * 1000;
      for (let n = 0; performance.now() < dEnd && n < 1_000_000; n++) {
        const t = performance.now();
        if (await dc.put(keyOf(rng.int(KEY_SPACE)), value)) direct.push(performance.now() - t);
        else derr++;
      }
      dc.close();
      direct.sort((a, b) => a - b);
      console.log(
        `\ndirect to leader ${leader?.id}: ${direct.length} puts ok, ${derr} errors, ${(direct.length / seconds).toFixed(0)} puts/s, p50 ${f(percentile(direct, 0.5))} ms  p99 ${f(percentile(direct, 0.99))} ms`,
      );
    }
    // Phase 2: through the HTTP host and its gateway, as the bench does.
    const client: number[] = [];
    const gateway: number[] = [];
    let errors = 0;
    // CPU time per put per process is robust to a busy machine, where wall-clock latency is not.
    const allPids = await lab.pids();
    const cpuBefore = allPids.map(cpuMs);
    // The hook starts sampling on the first SIGUSR2 and writes the profile on the second.
    const pids = cpu ? allPids : [];
    // Message and answer counts come from the host's own run log and answers.
    const ctrl = clientAgent(1);
    // GET /api/log returns the oldest records first, so the newest seq needs the whole (bounded) in-memory log.
    const logTail = parseJson((await request(ctrl, ep, 'GET', '/api/log?limit=10000000', null, 10_000)).body) as
      { seq?: number }[] | null;
    const seq0 = logTail?.[logTail.length - 1]?.seq ?? 0;
    const answeredBy = new Map<string, number>();
    const strace = trace ? startStrace(allPids.slice(1), tmp) : [];
    if (trace) await sleep(1000); // let strace attach before the clock starts
    for (const pid of pids) killPid(pid, 'SIGUSR2');
    const deadline = performance.now() + seconds * 1000;
    const loop = async (): Promise<void> => {
      const agent = clientAgent(1);
      for (let n = 0; performance.now() < deadline && n < 1_000_000; n++) {
        const t = performance.now();
        const r = await request(
          agent,
          ep,
          'POST',
          '/api/kv',
          JSON.stringify({ op: 'put', key: keyOf(rng.int(KEY_SPACE)), value }),
          10_000,
        );
        const dt = performance.now() - t;
        const j = parseJson(r.body) as { outcome?: string; latencyMs?: number } | null;
        const by = (j as { node?: unknown } | null)?.node;
        if (typeof by === 'string') answeredBy.set(by, (answeredBy.get(by) ?? 0) + 1);
        if (r.status === 200 && j?.outcome === 'ok') {
          client.push(dt);
          if (typeof j.latencyMs === 'number') gateway.push(j.latencyMs);
        } else errors++;
      }
      agent.destroy();
    };
    await Promise.all(Array.from({ length: clients }, loop));
    const cpuAfter = allPids.map(cpuMs);
    const syscalls = await stopStrace(strace);
    for (const pid of pids) killPid(pid, 'SIGUSR2');
    if (cpu) await sleep(2000);
    client.sort((a, b) => a - b);
    gateway.sort((a, b) => a - b);
    console.log(
      `\n${client.length} puts ok, ${errors} errors, ${clients} client(s), ${seconds} s: ${(client.length / seconds).toFixed(0)} puts/s`,
    );
    console.log(`client-side latency   p50 ${f(percentile(client, 0.5))} ms  p99 ${f(percentile(client, 0.99))} ms`);
    allPids.forEach((pid, i) => {
      const used = (cpuAfter[i] ?? 0) - (cpuBefore[i] ?? 0);
      console.log(
        `CPU ${i === 0 ? 'host' : `node ${i}`} (pid ${pid}): ${used.toFixed(0)} ms user+sys, ${(used / Math.max(1, client.length)).toFixed(2)} ms per put`,
      );
    });
    for (const [pid, counts] of syscalls) {
      const line = [...counts]
        .map(([sc, n]) => `${sc} ${n} (${(n / Math.max(1, client.length)).toFixed(2)}/put)`)
        .join(', ');
      console.log(`syscalls node pid ${pid}: ${line || 'none of fsync/fdatasync/sync_file_range'}`);
    }
    const view = parseJson((await request(ctrl, ep, 'GET', '/api/cluster', null, 5000)).body) as {
      nodes?: { id: string; role: string | null }[];
    } | null;
    const roleOf = new Map((view?.nodes ?? []).map((n) => [n.id, n.role]));
    console.log(`answered by: ${[...answeredBy].map(([id, n]) => `${id} (${roleOf.get(id) ?? '?'}) ${n}`).join(', ')}`);
    const recs = parseJson(
      (await request(ctrl, ep, 'GET', `/api/log?since=${seq0}&limit=1000000`, null, 10_000)).body,
    ) as { kind?: string; type?: string }[] | null;
    const kinds = new Map<string, number>();
    for (const r of recs ?? []) {
      const k = r.kind === 'deliver' ? `deliver ${r.type ?? '?'}` : (r.kind ?? '?');
      kinds.set(k, (kinds.get(k) ?? 0) + 1);
    }
    const perPut = [...kinds].filter(([k]) => k.startsWith('deliver')).sort((a, b) => b[1] - a[1]);
    console.log(
      `router deliveries per put: ${perPut.map(([k, n]) => `${k.slice(8)} ${(n / Math.max(1, client.length)).toFixed(2)}`).join(', ')}`,
    );
    ctrl.destroy();
    console.log(
      `host-reported latency p50 ${f(percentile(gateway, 0.5))} ms  p99 ${f(percentile(gateway, 0.99))} ms  (KvResponse.latencyMs, ${gateway.length} samples)`,
    );
  } finally {
    if (lab) await lab.stop();
    await stopAll();
  }
  if (cpu) {
    for (const f of fs.readdirSync(profDir).filter((x) => x.endsWith('.cpuprofile'))) {
      const p = JSON.parse(fs.readFileSync(path.join(profDir, f), 'utf8')) as CpuProfile;
      const s = summarizeProfile(p, root);
      console.log(`\n== ${f}: ${s.totalMs.toFixed(0)} ms sampled, ${(s.totalMs - s.idleMs).toFixed(0)} ms busy`);
      console.log('  self time by file:');
      for (const [k, v] of s.files) console.log(`    ${v.toFixed(0).padStart(6)} ms  ${k}`);
      console.log('  self time by function:');
      for (const [k, v] of s.fns) console.log(`    ${v.toFixed(0).padStart(6)} ms  ${k}`);
    }
    const keep = path.join(root, 'bench', 'results', `profile-${Date.now()}`);
    fs.mkdirSync(keep, { recursive: true });
    for (const f of fs.readdirSync(profDir)) fs.copyFileSync(path.join(profDir, f), path.join(keep, f));
    console.log(`\nprofiles kept in ${keep} (open in Chrome DevTools > Performance)`);
  }
  fs.rmSync(tmp, { recursive: true, force: true });
  return 0;
}

process.exitCode = await main(process.argv.slice(2)).catch((e: unknown) => {
  console.error(`profile: ${(e as Error).stack ?? String(e)}`);
  return 1;
});
