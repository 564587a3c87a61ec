/**
 * An opt-in stamp log for finding where a put's time goes (bench/trace-put.ts joins it).
 * `QUORUM_TRACE=<dir>` in the environment of the lab's host (its node processes inherit it)
 * turns it on: each process buffers one line per stamp — wall-clock ms with µs digits
 * (`performance.timeOrigin + performance.now()`, comparable across processes on one
 * machine), the stage and a key (a request id, an entry index, a message label) — and
 * appends them to `<dir>/<name>-<pid>.trace` about once a second and at exit.
 *
 * Off (the default) every stamp site costs one check of the constant TRACE_ON: the sites
 * are written `if (TRACE_ON) trace(...)`, so not even the key is built.
 */
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

const DIR = process.env.QUORUM_TRACE ?? '';
/** TRACE_ON: QUORUM_TRACE names a folder; stamps are recorded (see the file comment). */
export const TRACE_ON: boolean = DIR !== '' && path.isAbsolute(DIR);
/** FLUSH_LINES: a buffer this long is written at once rather than waiting for the timer. */
const FLUSH_LINES = 20_000;

let lines: string[] = [];
let name = 'host';
let armed = false;

/** traceName names this process's trace file (host, or the node id). */
export function traceName(n: string): void {
  name = n.replace(/[^A-Za-z0-9_-]/g, '_');
}

/** trace records one stamp: now, `stage`, `key` (call only under `if (TRACE_ON)`). */
export function trace(stage: string, key: string | number): void {
  lines.push(`${(performance.timeOrigin + performance.now()).toFixed(3)} ${stage} ${key}`);
  if (!armed) arm();
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

function arm(): void {
  armed = true;
  setInterval(flushTrace, 1000).unref();
  process.on('exit', flushTrace);
}
