/**
 * `npm run bench -- --frames` (or `npm run bench:frames`): how smooth the page stays under
 * load. It builds the browser renderer, starts `quorum-lab serve` with a 5-node cluster,
 * opens the page in Debian's Chromium (headless, through playwright-core), runs back-to-back
 * 32-client put loads through the lab's API (with the Charts, Report or Messages tab open:
 * --tab), and meanwhile records in the page:
 *   - frame intervals: the delta between consecutive requestAnimationFrame callbacks;
 *   - long tasks (PerformanceObserver 'longtask', main-thread tasks over 50 ms);
 *   - console input latency: from a key's `keydown` timestamp (when the browser received it)
 *     until the frame that shows the character has been painted, for keys typed into the
 *     console input at a person's pace.
 * It prints p50/p95/p99 of each and rewrites the frame-time section of docs/BENCHMARKS.md.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CDPSession, Page } from 'playwright-core';
import { intOpt, parseCli, stringOpt, UsageError } from '../src-main/cli-args';
import {
  buildWeb,
  CHROMIUM,
  requireChromium,
  openBrowser,
  ROOT,
  startServe,
  stopServe,
  type Served,
} from '../test/e2e/helpers';
import { startTrace } from './frames-trace';
import { machineDescription } from './report';

const USAGE = `usage: npm run bench -- --frames [options]   (or: npm run bench:frames -- [options])

  --seconds N    measuring window under load (default 12)
  --nodes N      cluster size (default 5)
  --clients N    concurrent clients of the put load (default 32)
  --tab NAME     the bottom-right tab open while measuring: charts, report or messages (default charts)
  --profile FILE also record a Chromium CPU profile of the window (.cpuprofile, for DevTools)
  --trace FILE   also record a Chromium performance trace of the window (JSON, for DevTools)
  --label TEXT   names the run in the output (e.g. before, after)
  --out FILE     where to write the results (default docs/BENCHMARKS.md; 'none' to skip)
  --help         this text`;

const FRAMES_OPTIONS = {
  seconds: { type: 'string' },
  nodes: { type: 'string' },
  clients: { type: 'string' },
  tab: { type: 'string' },
  profile: { type: 'string' },
  trace: { type: 'string' },
  label: { type: 'string' },
  out: { type: 'string' },
} as const;

/** FramesOptions are the parsed command-line options of the frame-time bench. */
export interface FramesOptions {
  seconds: number;
  nodes: number;
  clients: number;
  /** tab: the bottom-right tab open while measuring. */
  tab: BenchTab;
  /** profile: where to write a CPU profile of the measured window (null: none). */
  profile: string | null;
  /** trace: where to write a performance trace of the measured window (null: none). */
  trace: string | null;
  label: string;
  out: string | null;
}

/** BenchTab names a bottom-right tab. */
export type BenchTab = 'charts' | 'report' | 'messages';
const TABS: readonly BenchTab[] = ['charts', 'report', 'messages'];

/** Stats summarises a sample in ms. */
export interface Stats {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** FramesResult is one run's numbers. */
export interface FramesResult {
  frames: Stats;
  /** onTime: the share of frame intervals that met the next vsync (under 1.5 × 16.7 ms). */
  onTime: number;
  fps: number;
  longTasks: { count: number; max: number; totalMs: number };
  input: Stats;
  /** graphRedraws: how many times the topology graph repainted its canvas in the window. */
  graphRedraws: number;
  opsPerSec: number;
  puts: number;
  uptime: string;
}

/** PUTS_PER_LOAD is each back-to-back load's size: small enough that the window ends close to a load's end. */
const PUTS_PER_LOAD = 2000;

/** parseFramesArgs validates the options; it returns an error message instead of throwing. */
export function parseFramesArgs(argv: string[]): FramesOptions | string {
  try {
    const p = parseCli(argv, FRAMES_OPTIONS);
    const out = stringOpt(p, 'out', undefined);
    const tab = stringOpt(p, 'tab', undefined) ?? 'charts';
    if (!(TABS as readonly string[]).includes(tab)) return `--tab needs one of ${TABS.join(', ')}, got '${tab}'`;
    const profile = stringOpt(p, 'profile', undefined);
    const trace = stringOpt(p, 'trace', undefined);
    return {
      seconds: intOpt(p, 'seconds', 2, 600, 12),
      nodes: intOpt(p, 'nodes', 1, 9, 5),
      clients: intOpt(p, 'clients', 1, 256, 32),
      tab: tab as BenchTab,
      profile: profile === undefined ? null : path.resolve(profile),
      trace: trace === undefined ? null : path.resolve(trace),
      label: stringOpt(p, 'label', undefined) ?? '',
      out: out === undefined ? path.join(ROOT, 'docs', 'BENCHMARKS.md') : out === 'none' ? null : path.resolve(out),
    };
  } catch (e) {
    if (e instanceof UsageError) return e.message;
    throw e;
  }
}

/** stats computes nearest-rank percentiles of a sample. */
export function stats(xs: readonly number[]): Stats {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number): number => (s.length === 0 ? 0 : s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!);
  return { n: s.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: s[s.length - 1] ?? 0 };
}

/**
 * PROBES is the in-page recorder, as source text: a function written in this file would be
 * transpiled by tsx with helpers (`__name`) that do not exist in the page.
 */
const PROBES = `(() => {
  // redraws: the graph's own count (Cytoscape's renderer), to see how often it repaints.
  const redraws = () => window.__quorumLab?.cy.renderer().redrawCount ?? 0;
  const b = { frames: [], long: [], input: [], on: true, redraws0: redraws(), redraws };
  window.__bench = b;
  let last = 0;
  const loop = (ts) => {
    if (last !== 0) b.frames.push(ts - last);
    last = ts;
    if (b.on) requestAnimationFrame(loop);
  };
  requestAnimationFrame(loop);
  new PerformanceObserver((l) => {
    if (b.on) for (const e of l.getEntries()) b.long.push(e.duration);
  }).observe({ type: 'longtask', buffered: false });
  const input = document.querySelector('input[aria-label="Console"]');
  if (!input) throw new Error('no console input on the page');
  input.addEventListener('keydown', (e) => {
    if (e.key.length !== 1) return;
    const t0 = e.timeStamp;
    // The character is painted in the frame after the input event: measure after that frame.
    input.addEventListener('input', () => requestAnimationFrame(() => {
      const ch = new MessageChannel();
      ch.port1.onmessage = () => b.input.push(performance.now() - t0);
      ch.port2.postMessage(0);
    }), { once: true });
  }, { capture: true });
})()`;

/** installProbes starts the in-page recorders: rAF intervals, long tasks, and key-to-paint latency. */
async function installProbes(page: Page): Promise<void> {
  await page.evaluate(PROBES);
}

/** readProbes stops the recorders and returns what they recorded. */
async function readProbes(page: Page): Promise<{ frames: number[]; long: number[]; input: number[]; redraws: number }> {
  return (await page.evaluate(
    '(() => { const b = window.__bench; b.on = false; return { frames: b.frames, long: b.long, input: b.input, redraws: b.redraws() - b.redraws0 }; })()',
  )) as { frames: number[]; long: number[]; input: number[]; redraws: number };
}

/** startProfile starts Chromium's sampling CPU profiler on the page (DevTools protocol). */
async function startProfile(page: Page): Promise<CDPSession> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  await cdp.send('Profiler.start');
  return cdp;
}

/** stopProfile writes the profile and prints where the page's time went (self time by function, top 15). */
async function stopProfile(cdp: CDPSession, file: string, log: (s: string) => void): Promise<void> {
  const { profile } = (await cdp.send('Profiler.stop')) as { profile: CpuProfile };
  fs.writeFileSync(file, JSON.stringify(profile));
  log(`CPU profile written to ${file}`);
  for (const line of topSelfTime(profile, 15)) log(`  ${line}`);
}

/** CpuProfile is the part of a DevTools CPU profile the summary reads. */
interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

/** topSelfTime sums each function's self time (ms) in a profile and lists the largest. */
export function topSelfTime(p: CpuProfile, n: number): string[] {
  const byId = new Map(p.nodes.map((x) => [x.id, x]));
  const self = new Map<string, number>();
  let total = 0;
  p.samples.forEach((id, i) => {
    const dt = (p.timeDeltas[i] ?? 0) / 1000;
    total += dt;
    const f = byId.get(id)?.callFrame;
    const key = f ? `${f.functionName || '(anonymous)'} ${path.basename(f.url) || ''}:${f.lineNumber + 1}` : '?';
    self.set(key, (self.get(key) ?? 0) + dt);
  });
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(
      ([k, ms]) => `${ms.toFixed(0).padStart(6)} ms ${((ms / Math.max(1, total)) * 100).toFixed(1).padStart(5)}%  ${k}`,
    );
}

/** waitForLeader waits until the header names a leader (the cluster is up and elected). */
async function waitForLeader(page: Page, timeoutMs: number): Promise<void> {
  await page
    .getByTestId('leader')
    .filter({ hasText: /leader n\d+/ })
    .waitFor({ timeout: timeoutMs });
}

interface LoadSummary {
  ok: number;
  seconds: number;
}

/** runLoads posts back-to-back put loads until `untilMs`; returns acknowledged puts and busy seconds. */
async function runLoads(served: Served, clients: number, untilMs: number): Promise<{ ok: number; seconds: number }> {
  let ok = 0;
  let seconds = 0;
  while (Date.now() < untilMs) {
    const r = await served.api('/api/load', {
      method: 'POST',
      body: JSON.stringify({ op: 'put', count: PUTS_PER_LOAD, clients }),
    });
    if (r.status !== 200) throw new Error(`POST /api/load answered ${r.status}: ${await r.text()}`);
    const s = (await r.json()) as LoadSummary;
    ok += s.ok;
    seconds += s.seconds;
  }
  return { ok, seconds };
}

/** typeLikeAPerson types five characters into the console every two seconds until `untilMs`. */
async function typeLikeAPerson(page: Page, untilMs: number): Promise<void> {
  const input = page.getByLabel('Console', { exact: true });
  await input.click();
  while (Date.now() + 2000 < untilMs) {
    await new Promise((r) => setTimeout(r, 1200));
    await input.fill('');
    await page.keyboard.type('hello', { delay: 80 });
  }
  await input.fill('');
}

/** measure runs one measurement against a fresh lab and returns its numbers. */
async function measure(o: FramesOptions, log: (s: string) => void): Promise<FramesResult> {
  // Not skipped when missing: one line says what to install.
  requireChromium();
  log('building the browser renderer...');
  const web = buildWeb(path.join(ROOT, 'artifacts', 'bench-web'));
  let served: Served | null = null;
  const { context, page } = await openBrowser();
  try {
    log(`starting quorum-lab serve (${o.nodes} nodes)...`);
    served = await startServe(['--web', web, '--nodes', String(o.nodes)]);
    await page.goto(served.pageUrl);
    await waitForLeader(page, 30_000);
    if (o.tab !== 'charts') await page.getByTestId(`tab-${o.tab}`).click();
    // Warm up: a first load so the page has history (charts, timeline) before the window.
    log('warming up (1 load)...');
    await runLoads(served, o.clients, Date.now() + 1);
    await installProbes(page);
    const cdp = o.profile ? await startProfile(page) : null;
    const tracer = o.trace ? await startTrace(page) : null;
    log(`measuring ${o.seconds} s under ${o.clients}-client put loads (${o.tab} tab open)...`);
    const until = Date.now() + o.seconds * 1000;
    const [load] = await Promise.all([runLoads(served, o.clients, until), typeLikeAPerson(page, until)]);
    const raw = await readProbes(page);
    if (cdp && o.profile) await stopProfile(cdp, o.profile, log);
    if (tracer && o.trace) await tracer.stop(o.trace, log);
    const total = raw.frames.reduce((a, b) => a + b, 0);
    return {
      frames: stats(raw.frames),
      onTime: raw.frames.length === 0 ? 0 : raw.frames.filter((f) => f < 1.5 * VSYNC_MS).length / raw.frames.length,
      fps: total > 0 ? (raw.frames.length * 1000) / total : 0,
      longTasks: {
        count: raw.long.length,
        max: Math.max(0, ...raw.long),
        totalMs: raw.long.reduce((a, b) => a + b, 0),
      },
      input: stats(raw.input),
      graphRedraws: raw.redraws,
      opsPerSec: load.seconds > 0 ? load.ok / load.seconds : 0,
      puts: load.ok,
      uptime: os.loadavg()[0]!.toFixed(2),
    };
  } finally {
    await context.close();
    await stopServe(served);
  }
}

const f1 = (x: number): string => x.toFixed(1);
/** VSYNC_MS is one refresh at 60 Hz, the interval of a page that misses no frame. */
const VSYNC_MS = 1000 / 60;

/** framesTable renders a result as a markdown table. */
export function framesTable(r: FramesResult): string {
  return [
    '| measure | p50 | p95 | p99 | max | samples |',
    '|---|---:|---:|---:|---:|---:|',
    `| frame interval (ms) | ${f1(r.frames.p50)} | ${f1(r.frames.p95)} | ${f1(r.frames.p99)} | ${f1(r.frames.max)} | ${r.frames.n} |`,
    `| console key → painted (ms) | ${f1(r.input.p50)} | ${f1(r.input.p95)} | ${f1(r.input.p99)} | ${f1(r.input.max)} | ${r.input.n} |`,
    '',
    `${f1(r.fps)} frames/s, ${(r.onTime * 100).toFixed(1)}% of them on time (the next vsync); ${r.longTasks.count} long tasks (> 50 ms), longest ${f1(r.longTasks.max)} ms, ` +
      `${f1(r.longTasks.totalMs)} ms in all; the graph repainted ${r.graphRedraws} times; the load acknowledged ${r.puts} puts at ${r.opsPerSec.toFixed(0)} puts/s.`,
  ].join('\n');
}

/** FRAMES_START / FRAMES_END fence the part of docs/BENCHMARKS.md this bench rewrites. */
export const FRAMES_START =
  '<!-- bench:frames:start (written by `npm run bench -- --frames`; edits inside are overwritten) -->';
export const FRAMES_END = '<!-- bench:frames:end -->';

function writeFrames(file: string, section: string): void {
  let doc = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmarks\n';
  const fenced = `${FRAMES_START}\n${section}\n${FRAMES_END}`;
  const a = doc.indexOf(FRAMES_START);
  const b = doc.indexOf(FRAMES_END);
  if (a >= 0 && b > a) doc = doc.slice(0, a) + fenced + doc.slice(b + FRAMES_END.length);
  else doc = `${doc.trimEnd()}\n\n## Renderer frame time under load\n\n${fenced}\n`;
  fs.writeFileSync(file, doc);
}

/** framesMain is the bench's entry point; returns the exit code. */
export async function framesMain(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const o = parseFramesArgs(argv);
  if (typeof o === 'string') {
    console.error(`bench: ${o}\n\n${USAGE}`);
    return 2;
  }
  const loadBefore = os.loadavg()[0]!.toFixed(2);
  const r = await measure(o, (s) => console.log(s));
  const section = [
    `Run on ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}${o.label ? ` (${o.label})` : ''}.`,
    '',
    `- Machine: ${machineDescription()}; Chromium ${CHROMIUM} headless, software rendering, 1400×900`,
    `- Command: \`npm run bench -- --frames${argv.length ? ` ${argv.join(' ')}` : ''}\``,
    `- Load: ${o.nodes}-node Raft cluster, back-to-back \`POST /api/load {op: put, count: ${PUTS_PER_LOAD}, clients: ${o.clients}}\` for ${o.seconds} s; "hello" typed into the console every ~2 s; the ${o.tab} tab open`,
    `- Load average (1 min) at start / end: ${loadBefore} / ${r.uptime} on ${os.availableParallelism()} CPUs`,
    '',
    framesTable(r),
  ].join('\n');
  console.log(`\n${section}`);
  if (o.out) {
    writeFrames(o.out, section);
    console.log(`\nresults written to ${path.relative(process.cwd(), o.out) || o.out}`);
  }
  return 0;
}
