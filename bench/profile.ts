/**
 * `node --import tsx bench/profile.ts [--seconds 5] [--clients 1] [--cpu]`: where does a
 * lab put spend its time? Runs `quorum-lab serve` with a closed-loop put load and reports
 * (1) the client-side latency against the latency the lab's host says its gateway saw
 * (KvResponse.latencyMs), which splits HTTP + host overhead from gateway -> node -> commit;
 * (2) with --cpu, a V8 CPU profile of the host and every node process (NODE_OPTIONS
 * --cpu-prof, inherited by the forked nodes), summarised as self time per function and per
 * source file, so a finding can name the file and the step that costs.
 * Not part of `npm run bench`; a tool for the report.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { DirectClient, nodeAccess } from './direct';
import { cpuMs, summarizeProfile, type CpuProfile } from './profile-lib';
import { clientAgent, parseJson, request } from './http';
import { LabCluster, repoRoot } from './lab';
import { killPid, onExit, sleep, stopAll } from './procs';
import { KEY_SPACE, keyOf, makeValue, percentile, Rng } from './workload';

async function main(argv: string[]): Promise<number> {
  const arg = (name: string, dflt: number): number => {
    const i = argv.indexOf(name);
    const v = i >= 0 ? Number(argv[i + 1]) : dflt;
    if (!Number.isFinite(v) || v <= 0 || v > 600) throw new Error(`${name} needs a number in 1..600`);
    return v;
  };
  const seconds = arg('--seconds', 5);
  const clients = arg('--clients', 1);
  const cpu = argv.includes('--cpu');
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
    lab = await LabCluster.start({ repo: root, dir: path.join(tmp, 'lab'), heartbeatMs: 100, electionMs: 1000, log: console.log });
    process.env.NODE_OPTIONS = savedNodeOptions ?? '';
    if (savedNodeOptions === undefined) delete process.env.NODE_OPTIONS;
    const ep = { host: '127.0.0.1', port: Number(new URL(lab.url).port) };
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
      console.log(`\ndirect to leader ${leader?.id}: ${direct.length} puts ok, ${derr} errors, ${(direct.length / seconds).toFixed(0)} puts/s, p50 ${f(percentile(direct, 0.5))} ms  p99 ${f(percentile(direct, 0.99))} ms`);
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
    for (const pid of pids) killPid(pid, 'SIGUSR2');
    const deadline = performance.now() + seconds * 1000;
    const loop = async (): Promise<void> => {
      const agent = clientAgent(1);
      for (let n = 0; performance.now() < deadline && n < 1_000_000; n++) {
        const t = performance.now();
        const r = await request(agent, ep, 'POST', '/api/kv', JSON.stringify({ op: 'put', key: keyOf(rng.int(KEY_SPACE)), value }), 10_000);
        const dt = performance.now() - t;
        const j = parseJson(r.body) as { outcome?: string; latencyMs?: number } | null;
        if (r.status === 200 && j?.outcome === 'ok') {
          client.push(dt);
          if (typeof j.latencyMs === 'number') gateway.push(j.latencyMs);
        } else errors++;
      }
      agent.destroy();
    };
    await Promise.all(Array.from({ length: clients }, loop));
    const cpuAfter = allPids.map(cpuMs);
    for (const pid of pids) killPid(pid, 'SIGUSR2');
    if (cpu) await sleep(2000);
    client.sort((a, b) => a - b);
    gateway.sort((a, b) => a - b);
    console.log(`\n${client.length} puts ok, ${errors} errors, ${clients} client(s), ${seconds} s: ${(client.length / seconds).toFixed(0)} puts/s`);
    console.log(`client-side latency   p50 ${f(percentile(client, 0.5))} ms  p99 ${f(percentile(client, 0.99))} ms`);
    allPids.forEach((pid, i) => {
      const used = (cpuAfter[i] ?? 0) - (cpuBefore[i] ?? 0);
      console.log(`CPU ${i === 0 ? 'host' : `node ${i}`} (pid ${pid}): ${used.toFixed(0)} ms user+sys, ${(used / Math.max(1, client.length)).toFixed(2)} ms per put`);
    });
    console.log(`host-reported latency p50 ${f(percentile(gateway, 0.5))} ms  p99 ${f(percentile(gateway, 0.99))} ms  (KvResponse.latencyMs, ${gateway.length} samples)`);
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
