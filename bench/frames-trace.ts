/**
 * The frame bench's `--trace FILE`: a Chromium performance trace of the measured window
 * (DevTools protocol Tracing, the categories the Performance panel records), written as
 * JSON that chrome://tracing or DevTools opens, and summarised as self time by event name
 * on the page's main thread — where the renderer's time goes beyond JavaScript (receiving
 * messages, style, layout, paint, the compositor's commit), which a CPU profile shows only
 * as "(program)".
 */
import fs from 'node:fs';
import type { CDPSession, Page } from 'playwright-core';

/** TRACE_CATEGORIES are the Performance panel's main categories (enough for main-thread self time). */
const TRACE_CATEGORIES = [
  'devtools.timeline',
  'disabled-by-default-devtools.timeline',
  'toplevel',
  'v8.execute',
  'blink.user_timing',
];

/** TraceEvent is the part of a Chromium trace event the summary reads. */
export interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  args?: { name?: string };
}

/** Tracer collects a trace of the page until stopped. */
export interface Tracer {
  stop(file: string, log: (s: string) => void): Promise<void>;
}

/** startTrace starts recording a performance trace of the page. */
export async function startTrace(page: Page): Promise<Tracer> {
  const cdp: CDPSession = await page.context().newCDPSession(page);
  const events: TraceEvent[] = [];
  cdp.on('Tracing.dataCollected', (d) => {
    // The protocol types events as string maps; they are Chromium's trace events.
    for (const e of d.value as unknown as TraceEvent[]) events.push(e);
  });
  await cdp.send('Tracing.start', {
    transferMode: 'ReportEvents',
    traceConfig: { includedCategories: TRACE_CATEGORIES, recordMode: 'recordContinuously' },
  });
  const started = Date.now();
  return {
    async stop(file, log) {
      const done = new Promise<void>((r) => cdp.once('Tracing.tracingComplete', () => r()));
      await cdp.send('Tracing.end');
      await done;
      fs.writeFileSync(file, JSON.stringify({ traceEvents: events }));
      const seconds = (Date.now() - started) / 1000;
      log(`trace written to ${file} (${events.length} events, ${seconds.toFixed(1)} s)`);
      for (const line of mainThreadSelfTime(events, 18)) log(`  ${line}`);
    },
  };
}

/** mainThreadSelfTime sums self time (ms) by event name on the renderer's main thread and lists the largest. */
export function mainThreadSelfTime(events: readonly TraceEvent[], n: number): string[] {
  const main = events.find((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
  if (!main) return ['(no renderer main thread in the trace)'];
  const spans = events
    .filter((e) => e.pid === main.pid && e.tid === main.tid && e.ph === 'X' && typeof e.dur === 'number')
    .sort((a, b) => a.ts - b.ts || (b.dur ?? 0) - (a.dur ?? 0));
  const self = new Map<string, number>();
  // A stack of open spans: a span's self time is its duration less its children's.
  const stack: { end: number; name: string }[] = [];
  let busy = 0;
  for (const e of spans) {
    const dur = e.dur ?? 0;
    while (stack.length > 0 && stack[stack.length - 1]!.end <= e.ts) stack.pop();
    const parent = stack[stack.length - 1];
    if (parent) self.set(parent.name, (self.get(parent.name) ?? 0) - dur);
    else busy += dur;
    self.set(e.name, (self.get(e.name) ?? 0) + dur);
    stack.push({ end: e.ts + dur, name: e.name });
  }
  const first = spans[0]?.ts ?? 0;
  const last = spans.reduce((m, e) => Math.max(m, e.ts + (e.dur ?? 0)), first);
  const wall = Math.max(1, last - first);
  const head = `main thread busy ${(busy / 1000).toFixed(0)} ms of ${(wall / 1000).toFixed(0)} ms (${((busy / wall) * 100).toFixed(0)}%)`;
  const rows = [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, us]) => `${(us / 1000).toFixed(0).padStart(6)} ms ${((us / wall) * 100).toFixed(1).padStart(5)}%  ${k}`);
  return [head, ...rows];
}
