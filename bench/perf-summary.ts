/**
 * `node --import tsx bench/perf-summary.ts --data FILE --puts N [--top K]`: a Linux perf
 * recording of the lab's host (`bench/host-ab.ts --perf DIR` makes one per measured run) as
 * µs of CPU per put: each thread; the CPU by kind over all threads (V8's optimising
 * compiler, the garbage collector by phase, JavaScript, the rest: kernel, libuv, Node's C++);
 * and the main thread by the nearest frame of the lab's own sources (`src-main/...`), by
 * file and by function, with the samples that have none (Node's HTTP parser, the event
 * loop, the kernel's reads) as "(no src-main frame)". `--puts` is the puts of the recorded
 * window (host-ab prints puts/s; multiply by its --seconds). perf samples the CPU clock
 * (cpu-clock, 4,000 Hz unless recorded otherwise: see the `perf report --header-only`).
 *
 * Caveat: JavaScript frames are named from the host's /tmp/perf-<pid>.map, where code the
 * garbage collector moved can leave an old name on a reused address; a name that cannot be
 * (a Node built-in at the root of most stacks) is one of those. V8's own profile
 * (`bench/profile.ts --cpu`) names frames right but samples the wall clock.
 * Not part of `npm run bench`.
 */
import { spawnSync } from 'node:child_process';
import { intOpt, stringOpt } from '../src-main/cli-args';
import { benchArgs } from './cli';

const USAGE = `usage: node --import tsx bench/perf-summary.ts --data FILE --puts N [--top K] [--hz N]

  --data FILE  a perf recording (bench/host-ab.ts --perf DIR writes DIR/<side>-<n>.data)
  --puts N     the puts of the recorded window
  --top K      rows per table (default 25)
  --hz N       the recording's sampling rate (default 4000, host-ab's)
  --help, -h   this text`;

const OPTIONS = {
  data: { type: 'string' },
  puts: { type: 'string' },
  top: { type: 'string' },
  hz: { type: 'string' },
} as const;

/** Sample is one perf sample: its thread and its stack's symbols, innermost first. */
interface Sample {
  tid: number;
  frames: string[];
}

/** readSamples runs `perf script` over `file` and parses its samples. */
function readSamples(file: string): Sample[] {
  const r = spawnSync('perf', ['script', '-i', file, '-F', 'tid,ip,sym'], {
    encoding: 'utf8',
    maxBuffer: 1024 * 1024 * 1024,
  });
  if (r.error) throw new Error(`perf script: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`perf script exited ${r.status}: ${r.stderr.slice(0, 500)}`);
  const out: Sample[] = [];
  let cur: Sample | null = null;
  for (const line of r.stdout.split('\n')) {
    if (line.trim() === '') {
      if (cur) out.push(cur);
      cur = null;
    } else if (line[0] !== '\t') {
      // A sample's first line is its tid (padded with spaces when short); its frames start with a tab.
      cur = { tid: Number(line.trim().split(/\s+/)[0]), frames: [] };
    } else if (cur) {
      const t = line.trim();
      const sp = t.indexOf(' ');
      cur.frames.push(sp < 0 ? '?' : t.slice(sp + 1));
    }
  }
  if (cur) out.push(cur);
  return out;
}

/** kindOf sorts a sample: the optimising compiler, the garbage collector by phase, JavaScript, or the rest. */
function kindOf(frames: string[]): string {
  const s = frames.join(' ');
  if (/compiler::|OptimizingCompile|Maglev/.test(s)) return 'V8 compiler';
  if (/Scaveng/.test(s)) return 'GC: scavenge (young generation)';
  if (/ConcurrentMarking|MarkCompact|Marking/.test(s)) return 'GC: marking (old generation)';
  if (/Sweep/.test(s)) return 'GC: sweeping';
  if (/Heap::|Evacuat/.test(s)) return 'GC: other';
  if (/JS:/.test(s)) return 'JavaScript (and what it calls)';
  return 'kernel, libuv, Node C++ (no JavaScript frame)';
}

/** OWN matches a JavaScript frame of the lab's sources: its tier mark, name (none: anonymous) and file. */
const OWN = /JS:[*~^+]?(\S*) file:\/\/\S*?\/(src-main\/[^:]+):/;

function main(): number {
  const args = benchArgs('perf-summary', process.argv.slice(2), OPTIONS, USAGE, (p) => ({
    file: stringOpt(p, 'data', null),
    puts: intOpt(p, 'puts', 1, 1_000_000_000),
    top: intOpt(p, 'top', 1, 1000, 25),
    hz: intOpt(p, 'hz', 1, 100_000, 4000),
  }));
  if (args.exit !== undefined) return args.exit;
  const { file, puts, top, hz } = args.opts;
  if (file === null || puts === undefined) {
    console.error(`perf-summary: --data FILE and --puts N are needed\n\n${USAGE}`);
    return 2;
  }
  const us = (n: number): string => ((n * 1e6) / hz / puts).toFixed(1).padStart(7);
  const samples = readSamples(file);
  const byTid = new Map<number, number>();
  for (const s of samples) byTid.set(s.tid, (byTid.get(s.tid) ?? 0) + 1);
  const mainTid = [...byTid].sort((a, b) => b[1] - a[1])[0]?.[0];
  const rows = (m: Map<string, number>): void => {
    for (const [k, n] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${us(n)}  ${k}`);
  };
  const count = (m: Map<string, number>, k: string): void => void m.set(k, (m.get(k) ?? 0) + 1);
  console.log(`${file}: ${samples.length} samples, ${puts} puts; µs of CPU per put`);
  console.log('\nby thread (the busiest is taken for the main thread):');
  rows(new Map([...byTid].map(([t, n]) => [`${t}${t === mainTid ? ' (main)' : ''}`, n])));
  const kinds = new Map<string, number>();
  const mainKinds = new Map<string, number>();
  const files = new Map<string, number>();
  const fns = new Map<string, number>();
  for (const s of samples) {
    const k = kindOf(s.frames);
    count(kinds, k);
    if (s.tid !== mainTid) continue;
    count(mainKinds, k);
    let own: RegExpExecArray | null = null;
    for (const f of s.frames) if ((own = OWN.exec(f))) break;
    count(files, own ? own[2]! : '(no src-main frame)');
    count(fns, own ? `${own[2]} ${own[1] || '(anonymous)'}` : '(no src-main frame)');
  }
  console.log('\nby kind, all threads:');
  rows(kinds);
  console.log('\nby kind, main thread:');
  rows(mainKinds);
  console.log('\nmain thread by the nearest src-main frame, by file:');
  rows(files);
  console.log('\n... by function:');
  rows(fns);
  return 0;
}

try {
  process.exitCode = main();
} catch (e) {
  console.error(`perf-summary: ${(e as Error).message}`);
  process.exitCode = 1;
}
