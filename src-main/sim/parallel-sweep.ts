/**
 * A sweep split over child processes (`quorum-lab sim --jobs N`): seeds are cut into
 * contiguous ranges, each range runs in its own `quorum-lab sim` process, and the parent
 * prints the violating seeds in seed order and one summary line — the same output as a
 * sweep in one process, in a fraction of the wall time on a multi-core machine.
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PhaseMs } from './run';

/** SUMMARY_PREFIX marks a child's machine-readable last line. */
export const SUMMARY_PREFIX = '#summary ';

/** ChildSummary is what a child sweep reports to its parent. */
export interface ChildSummary {
  seeds: number;
  violations: number;
  /** unknown: seeds whose history the checker could not decide. */
  unknown: number;
  simMs: number;
  cpuMs: number;
  /** phases: the seeds' wall time by phase, summed; slowest: [seed, wall ms], slowest first. */
  phases: PhaseMs;
  slowest: [number, number][];
}

/** splitRange cuts lo..hi into at most `parts` contiguous, non-empty ranges. */
export function splitRange(lo: number, hi: number, parts: number): [number, number][] {
  const n = hi - lo + 1;
  const k = Math.max(1, Math.min(parts, n));
  const out: [number, number][] = [];
  let start = lo;
  for (let i = 0; i < k; i++) {
    const size = Math.floor(n / k) + (i < n % k ? 1 : 0);
    out.push([start, start + size - 1]);
    start += size;
  }
  return out;
}

const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'quorum-lab.mjs');

/**
 * runChildren runs one `quorum-lab sim --seeds a..b <args>` per range at once; resolves
 * with each child's printed lines (summary line removed) and summary, in range order.
 */
export async function runChildren(
  ranges: [number, number][],
  args: string[],
): Promise<{ lines: string[]; summary: ChildSummary }[]> {
  return Promise.all(
    ranges.map(
      ([a, b]) =>
        new Promise<{ lines: string[]; summary: ChildSummary }>((resolve, reject) => {
          const child = spawn(process.execPath, [BIN, 'sim', '--seeds', `${a}..${b}`, ...args, '--child-summary'], {
            stdio: ['ignore', 'pipe', 'inherit'],
          });
          let out = '';
          child.stdout.setEncoding('utf8');
          child.stdout.on('data', (d: string) => (out += d));
          child.on('error', reject);
          child.on('close', (code) => {
            const lines = out.split('\n').filter((l) => l.length > 0);
            const last = lines.pop() ?? '';
            if (!last.startsWith(SUMMARY_PREFIX) || (code !== 0 && code !== 1)) {
              reject(new Error(`sweep of seeds ${a}..${b} failed (exit ${code}): ${last}`));
              return;
            }
            resolve({ lines, summary: JSON.parse(last.slice(SUMMARY_PREFIX.length)) as ChildSummary });
          });
        }),
    ),
  );
}
