/**
 * An opt-in stamp log for finding where a put's time goes (bench/trace-put.ts joins it).
 * `QUORUM_TRACE=<dir>` in the environment of the lab's host (its node processes inherit it)
 * turns it on: each process buffers one line per stamp — wall-clock ms with µs digits
 * (`performance.timeOrigin + performance.now()`, comparable across processes on one
 * machine), the stage and a key (a request id, an entry index, a message label) — and
 * appends them to `<dir>/<name>-<pid>.trace` about once a second and at exit.
 *
 * Besides the stages, a traced process stamps what may stall it, for the tail's blame:
 * every garbage collection (`gc`, key `<kind>:<ms>`, at its start, from perf_hooks' gc
 * observer) and, with `QUORUM_TRACE_SLOW_MS=<ms>` too, every event-loop callback that ran
 * longer than that (`cb`, key `<async resource type>:<CPU ms>:<ms>`, at its start; async_hooks,
 * which costs a little on every callback: off unless asked).
 *
 * Off (the default) every stamp site costs one check of the constant TRACE_ON: the sites
 * are written `if (TRACE_ON) trace(...)`, so not even the key is built.
 */
import { createHook } from 'node:async_hooks';
import fs from 'node:fs';
import path from 'node:path';
import { performance, PerformanceObserver } from 'node:perf_hooks';

const DIR = process.env.QUORUM_TRACE ?? '';
/** TRACE_ON: QUORUM_TRACE names a folder; stamps are recorded (see the file comment). */
export const TRACE_ON: boolean = DIR !== '' && path.isAbsolute(DIR);
/** SLOW_MS: with QUORUM_TRACE_SLOW_MS, callbacks longer than this are stamped (0: not watched). */
const SLOW_MS = Math.max(0, Number(process.env.QUORUM_TRACE_SLOW_MS ?? '') || 0);
/** FLUSH_LINES: a buffer this long is written at once rather than waiting for the timer. */
const FLUSH_LINES = 20_000;

let lines: string[] = [];
let name = 'host';

/** traceName names this process's trace file (host, or the node id). */
export function traceName(n: string): void {
  name = n.replace(/[^A-Za-z0-9_-]/g, '_');
}

/** trace records one stamp: now, `stage`, `key` (call only under `if (TRACE_ON)`). */
export function trace(stage: string, key: string | number): void {
  traceAt(performance.timeOrigin + performance.now(), stage, key);
}

/** traceLast stamps the index of the last of `entries` (a Ready's write and sync; '-' when none), if tracing. */
export function traceLast(stage: string, entries: readonly { index: number }[]): void {
  if (TRACE_ON) trace(stage, entries.at(-1)?.index ?? '-');
}

/** spanCpu: the process's CPU time (µs) when the latest span began (spans do not nest). */
let spanCpu = 0;

/** cpuUs is the process's user + system CPU time in µs (all of its threads). */
function cpuUs(): number {
  const c = process.cpuUsage();
  return c.user + c.system;
}

/** traceStart is the moment a span begins, for traceSpan (call only under `if (TRACE_ON)`). */
export function traceStart(): number {
  spanCpu = cpuUs();
  return performance.now();
}

/**
 * traceSpan records work that ran from `t0` (traceStart) until now as stage `x.<what>`,
 * key `<ms>:<CPU ms>`: periodic work off the put's path (a run-log flush, a status report)
 * that bench/trace-put.ts counts among the stalls a slow put met. The CPU time is the
 * process's since the latest traceStart (all threads: a span that only waited shows little).
 */
export function traceSpan(what: string, t0: number): void {
  const cpu = (cpuUs() - spanCpu) / 1000;
  traceAt(performance.timeOrigin + t0, `x.${what}`, `${(performance.now() - t0).toFixed(3)}:${cpu.toFixed(3)}`);
}

/** traceAt records a stamp at wall-clock ms `t` (a moment measured earlier: a GC's start). */
function traceAt(t: number, stage: string, key: string | number): void {
  lines.push(`${t.toFixed(3)} ${stage} ${key}`);
  if (lines.length >= FLUSH_LINES) flushTrace();
}

/** flushTrace appends the buffered stamps to this process's file. */
export function flushTrace(): void {
  if (lines.length === 0) return;
  const text = lines.join('\n') + '\n';
  lines = [];
  try {
    fs.appendFileSync(path.join(DIR, `${name}-${process.pid}.trace`), text);
  } catch {
    // A trace is a measuring aid: a missing folder must not take a node down.
  }
}

const GC_KINDS: Record<number, string> = { 1: 'minor', 2: 'major', 4: 'incremental', 8: 'weakcb', 16: 'minor' };

/** arm starts the flush timer and the stall watchers (at load: the callbacks of sockets made before the first stamp are typed too). */
function arm(): void {
  setInterval(flushTrace, 1000).unref();
  process.on('exit', flushTrace);
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = ((e as { detail?: unknown }).detail as { kind?: number } | null)?.kind ?? 0;
      traceAt(performance.timeOrigin + e.startTime, 'gc', `${GC_KINDS[kind] ?? kind}:${e.duration.toFixed(3)}`);
    }
  }).observe({ entryTypes: ['gc'] });
  if (SLOW_MS > 0) watchCallbacks(SLOW_MS);
}

/** callbackName: a timer's or an immediate's function name (the async resource's type for the rest). */
function callbackName(type: string, resource: unknown): string {
  const r = resource as { _onTimeout?: { name?: string }; _onImmediate?: { name?: string } };
  const fn = type === 'Timeout' ? r._onTimeout : type === 'Immediate' ? r._onImmediate : undefined;
  return fn?.name ? `${type}/${fn.name.replace(/[\s:]/g, '_')}` : type;
}

/**
 * watchCallbacks stamps every outermost callback that ran over `ms` of wall time (see the
 * file comment), with the process's CPU time in it (process.cpuUsage: all of its threads,
 * so a callback that only waited for the CPU shows little).
 */
function watchCallbacks(ms: number): void {
  const types = new Map<number, string>();
  const starts: number[] = [];
  const cpus: number[] = [];
  const ids: number[] = [];
  createHook({
    init: (id, type, _trigger, resource) => {
      if (type !== 'PROMISE') types.set(id, callbackName(type, resource));
    },
    before: (id) => {
      ids.push(id);
      const c = process.cpuUsage();
      cpus.push(c.user + c.system);
      starts.push(performance.now());
    },
    after: () => {
      const t0 = starts.pop();
      const c0 = cpus.pop();
      const id = ids.pop();
      if (t0 === undefined || c0 === undefined || starts.length > 0) return;
      const d = performance.now() - t0;
      if (d <= ms) return;
      const c = process.cpuUsage();
      const cpu = (c.user + c.system - c0) / 1000;
      traceAt(
        performance.timeOrigin + t0,
        'cb',
        `${types.get(id ?? -1) ?? 'PROMISE'}:${cpu.toFixed(3)}:${d.toFixed(3)}`,
      );
    },
    destroy: (id) => {
      types.delete(id);
    },
  }).enable();
}

if (TRACE_ON) arm();
