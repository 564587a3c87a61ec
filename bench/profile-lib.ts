/**
 * Helpers of bench/profile.ts: a process's CPU time from /proc, and a summary of a V8 CPU
 * profile as self time per function and per file.
 */
import fs from 'node:fs';

interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
/** CpuProfile is the V8 .cpuprofile format (the parts read here). */
export interface CpuProfile {
  nodes: CpuProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** summarizeProfile returns self time (ms) per function and per file, and the total sampled time. */
export function summarizeProfile(
  p: CpuProfile,
  root: string,
): { totalMs: number; idleMs: number; fns: [string, number][]; files: [string, number][] } {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  // The profiler's own work (the hook's inspector calls) is not the lab's: drop that subtree.
  const skip = new Set<number>();
  const mark = (id: number): void => {
    skip.add(id);
    for (const c of byId.get(id)?.children ?? []) mark(c);
  };
  for (const n of p.nodes)
    if (n.callFrame.url.endsWith('cpu-prof-hook.mjs') || n.callFrame.url === 'node:inspector') mark(n.id);
  const self = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) {
    const id = p.samples[i] ?? -1;
    self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000);
  }
  const fns = new Map<string, number>();
  const files = new Map<string, number>();
  let idle = 0;
  let total = 0;
  for (const [id, ms] of self) {
    const n = byId.get(id);
    if (!n || skip.has(id)) continue;
    total += ms;
    const cf = n.callFrame;
    if (cf.functionName === '(idle)') {
      idle += ms;
      continue;
    }
    const file = cf.url ? cf.url.replace(/^file:\/\//, '').replace(root + '/', '') : `(${cf.functionName || 'native'})`;
    const fn = `${cf.functionName || '(anonymous)'} ${file}:${cf.lineNumber + 1}`;
    fns.set(fn, (fns.get(fn) ?? 0) + ms);
    files.set(file, (files.get(file) ?? 0) + ms);
  }
  const top = (m: Map<string, number>): [string, number][] => [...m].sort((a, b) => b[1] - a[1]).slice(0, 15);
  return { totalMs: total, idleMs: idle, fns: top(fns), files: top(files) };
}

/** cpuMs reads a process's user+system CPU time in ms from /proc (0 if it is gone). */
export function cpuMs(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(rest[11]) + Number(rest[12]);
    return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return 0;
  }
}
