/**
 * What share of the slowest puts a periodic snapshot explains. Starts the lab as `npm run
 * bench` does, drives `--clients` closed-loop clients for `--seconds`, then reads the run's
 * own records (one clock): each put's latency from the client history (invoke → ok) and
 * every node's `snapshot-taken` from the run log. A put is "near a snapshot" when it was in
 * flight within `--window` ms before a snapshot was reported (the report follows the
 * snapshot's synchronous part) or 20 ms after. Reported: the p99 of all puts and of the puts
 * not near a snapshot, and how many of the slowest 1% were near one, against the share of all
 * puts that were (what chance alone would give).
 *
 *   node --import tsx bench/compact-tail.ts [--seconds 15] [--clients 64] [--window 100] [--root DIR]
 *
 * `--root DIR` runs another checkout's lab (its bin/quorum-lab.mjs) for an A/B.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { intOpt } from '../src-main/cli-args';
import { benchArgs } from './cli';
import { LabCluster, repoRoot } from './lab';
import { runThroughput } from './workload';

const USAGE = `usage: node --import tsx bench/compact-tail.ts [--seconds N] [--clients N] [--window MS] [--root DIR]

  --seconds N   how long the clients put (default 15)
  --clients N   closed-loop clients (default 64)
  --window MS   a put in flight this long before a snapshot report counts as near it (default 100)
  --root DIR    the checkout whose lab runs (default this one)
  --help, -h    this text`;

const args = benchArgs(
  'compact-tail',
  process.argv.slice(2),
  { seconds: { type: 'string' }, clients: { type: 'string' }, window: { type: 'string' }, root: { type: 'string' } },
  USAGE,
  (p) => ({
    seconds: intOpt(p, 'seconds', 1, 600, 15),
    clients: intOpt(p, 'clients', 1, 1024, 64),
    window: intOpt(p, 'window', 1, 10_000, 100),
    root: typeof p.values.root === 'string' ? path.resolve(p.values.root) : repoRoot(),
  }),
);
if (args.exit !== undefined) process.exit(args.exit);
const { seconds, clients, window: WINDOW_MS, root } = args.opts;

interface HistLine {
  time: number;
  process: string;
  type: string;
}

/** jsonl reads every run.jsonl or history.jsonl under `dir`. */
function jsonl(dir: string, name: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name === name)
        for (const l of fs.readFileSync(p, 'utf8').split('\n'))
          if (l) out.push(JSON.parse(l) as Record<string, unknown>);
    }
  };
  walk(dir);
  return out;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ql-compact-tail-'));
const load0 = os.loadavg()[0]!.toFixed(1);
const lab = await LabCluster.start({ repo: root, dir, heartbeatMs: 100, electionMs: 1000, log: () => {} });
let r;
try {
  r = await runThroughput(lab, clients, seconds, 1);
} finally {
  await lab.stop();
}
const snaps = jsonl(dir, 'run.jsonl')
  .filter((x) => x.kind === 'snapshot-taken')
  .map((x) => ({ t: Number(x.t) / 1e6, node: String(x.node) }));
const open = new Map<string, number>();
const puts: { start: number; end: number }[] = [];
for (const h of jsonl(dir, 'history.jsonl') as unknown as HistLine[]) {
  if (h.type === 'invoke') open.set(h.process, h.time / 1e6);
  else if (h.type === 'ok' && open.has(h.process)) {
    puts.push({ start: open.get(h.process)!, end: h.time / 1e6 });
    open.delete(h.process);
  }
}
fs.rmSync(dir, { recursive: true, force: true });
const near = (p: { start: number; end: number }): boolean =>
  snaps.some((s) => p.end >= s.t - WINDOW_MS && p.start <= s.t + 20);
const lat = (p: { start: number; end: number }): number => p.end - p.start;
const byLat = [...puts].sort((a, b) => lat(a) - lat(b));
const p99 = (xs: { start: number; end: number }[]): string =>
  (xs.length ? lat(xs[Math.min(xs.length - 1, Math.floor(0.99 * xs.length))]!) : 0).toFixed(1);
const tail = byLat.slice(Math.floor(0.99 * byLat.length));
const nearAll = puts.filter(near).length;
console.log(
  `${root}: ${r.ok} puts in ${seconds} s (${(r.ok / seconds).toFixed(0)}/s), ${snaps.length} snapshots on the nodes; ` +
    `p99 ${p99(byLat)} ms, p99 of puts not near a snapshot ${p99(byLat.filter((p) => !near(p)))} ms; ` +
    `slowest 1%: ${tail.filter(near).length} of ${tail.length} near a snapshot ` +
    `(all puts: ${((100 * nearAll) / Math.max(1, puts.length)).toFixed(1)}% near one); ` +
    `load ${load0} at start, ${os.loadavg()[0]!.toFixed(1)} at end`,
);
