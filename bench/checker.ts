/**
 * `node --import tsx bench/checker.ts`: the linearizability checker's speed. A generated
 * linearizable history (10,000 operations, 6 clients, 8 keys) and Porcupine's 50-client kv
 * histories (test/check/fixtures), each parsed and checked in this process (the generated
 * one also fed to the live checker event by event); the table
 * gives wall time (best of --runs, default 3), search steps and the verdict. Each row's
 * goal is under a second.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { checkHistory } from '../src-main/check/check';
import { generateHistory } from '../src-main/check/generate';
import { LiveChecker } from '../src-main/check/live';
import { parseHistory } from '../src-main/check/parse/formats';
import type { CheckResult } from '../src-main/check/types';
import { seededRng } from '../src-main/core/types';

const FIXTURES = join(import.meta.dirname, '..', 'test', 'check', 'fixtures', 'porcupine-kv');

interface Row {
  name: string;
  ops: number;
  ms: number;
  steps: number;
  verdict: string;
}

function best(runs: number, fn: () => CheckResult): { ms: number; r: CheckResult } {
  let ms = Infinity;
  let r: CheckResult | undefined;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    r = fn();
    ms = Math.min(ms, performance.now() - t0);
  }
  return { ms, r: r as CheckResult };
}

function fixtureRow(name: string, runs: number): Row {
  const text = readFileSync(join(FIXTURES, `${name}.txt`), 'utf8');
  const { ms, r } = best(runs, () => {
    const h = parseHistory(text);
    return checkHistory(h.events, { model: h.model, emptyIsAbsent: h.emptyIsAbsent });
  });
  return {
    name: `porcupine ${name} (parse + check + witness)`,
    ops: r.ops,
    ms,
    steps: r.steps,
    verdict: String(r.linearizable),
  };
}

function main(): void {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' } } });
  const runs = Math.max(1, Number(values.runs) || 3);
  const rows: Row[] = [];
  const events = generateHistory(seededRng(7).next, { ops: 10_000, clients: 6, keys: 8, values: 5, infoRate: 0.01 });
  const gen = best(runs, () => checkHistory(events, { model: 'kv' }));
  rows.push({
    name: 'generated: 10,000 ops, 6 clients, 8 keys',
    ops: gen.r.ops,
    ms: gen.ms,
    steps: gen.r.steps,
    verdict: String(gen.r.linearizable),
  });
  const live = best(runs, () => {
    const lc = new LiveChecker();
    events.forEach((e, i) => {
      lc.ingest(e);
      if (i % 20 === 19) lc.check();
    });
    const v = lc.check();
    return { linearizable: v.linearizable, ops: v.ops, steps: 0 } as CheckResult;
  });
  rows.push({
    name: 'the same, live (check every 20 events)',
    ops: live.r.ops,
    ms: live.ms,
    steps: NaN,
    verdict: String(live.r.linearizable),
  });
  rows.push(fixtureRow('c50-ok', runs));
  rows.push(fixtureRow('c50-bad', runs));
  const w = [44, 7, 10, 10, 8];
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(w[i] as number) : c.padStart(w[i] as number))).join('  ');
  console.log(line(['history', 'ops', 'ms', 'steps', 'verdict']));
  for (const r of rows)
    console.log(
      line([r.name, String(r.ops), r.ms.toFixed(1), Number.isNaN(r.steps) ? '-' : String(r.steps), r.verdict]),
    );
  console.log(
    `node ${process.version}, ${os.cpus().length} cpus, load average ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}, best of ${runs}`,
  );
}

main();
