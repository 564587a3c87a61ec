/**
 * One seed, one run: the same seed gives a byte-identical run log and client history;
 * another seed gives a different run. The log has the lab's run-log shape. That holds for
 * every kind of fault and both protocols — damaged stores and recovery, triggered faults,
 * busy seeds — and a run with a mutant leaves nothing behind for the next. A seed's run is
 * the same alone, in a process of its own, as inside a sweep after other seeds.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSimArgs, runSweep, type CliOptions } from '../../src-main/sim/cli';
import { runSimulation, type SimOptions } from '../../src-main/sim/run';
import { MUTANT_NAMES } from '../../src-main/sim/mutants';

const opts = (seed: number): SimOptions => ({ seed, nodes: 5, faultMs: 3000, log: true });

describe('simulator determinism', () => {
  const a = runSimulation(opts(42));
  const b = runSimulation(opts(42));
  const c = runSimulation(opts(43));

  it('the same seed gives a byte-identical run log and history', () => {
    expect(a.log.length).toBeGreaterThan(1000);
    expect(b.log.join('\n')).toBe(a.log.join('\n'));
    expect(JSON.stringify(b.history)).toBe(JSON.stringify(a.history));
    expect(b.schedule).toEqual(a.schedule);
  });

  it('a different seed gives a different run', () => {
    expect(c.log.join('\n')).not.toBe(a.log.join('\n'));
    expect(JSON.stringify(c.schedule)).not.toBe(JSON.stringify(a.schedule));
  });

  it('the log is JSONL {t, seq, kind, ...} with t in ns, seq consecutive and time non-decreasing', () => {
    let lastT = 0;
    const kinds = new Set<string>();
    const bad: string[] = [];
    a.log.forEach((line, i) => {
      const rec = JSON.parse(line) as { t: number; seq: number; kind: string };
      const keys = Object.keys(rec).slice(0, 3).join(',');
      if (
        keys !== 't,seq,kind' ||
        rec.seq !== i ||
        !Number.isInteger(rec.t) ||
        rec.t < lastT ||
        typeof rec.kind !== 'string'
      ) {
        bad.push(`line ${i}: ${line.slice(0, 120)}`);
      }
      lastT = rec.t;
      kinds.add(rec.kind);
    });
    expect(bad.slice(0, 5)).toEqual([]);
    // Messages, state changes and client operations are all there.
    for (const k of ['start', 'send', 'deliver', 'role', 'term', 'commit', 'invoke', 'complete', 'end'])
      expect(kinds).toContain(k);
    // The fault schedule shows up in the log as well.
    const faultKinds = ['crash', 'restart', 'pause', 'resume', 'partition', 'cut', 'heal', 'net'].filter((k) =>
      kinds.has(k),
    );
    expect(faultKinds.length).toBeGreaterThan(2);
    // t is virtual nanoseconds: the run covered the 3 s fault phase.
    expect(lastT).toBeGreaterThanOrEqual(3000 * 1_000_000);
  });

  it('the history is Jepsen-shaped and every invoke is completed', () => {
    const h = a.history;
    expect(h.length).toBeGreaterThan(100);
    const open = new Map<number, string>();
    for (const op of h) {
      expect(Object.keys(op)).toEqual(['index', 'time', 'process', 'type', 'f', 'key', 'value']);
      if (op.type === 'invoke') {
        expect(open.has(op.process)).toBe(false); // one command at a time per client
        open.set(op.process, op.f);
      } else {
        expect(open.get(op.process)).toBe(op.f);
        open.delete(op.process);
      }
    }
    expect(open.size).toBe(0);
    expect(a.violations).toEqual([]);
  });

  it('turning the log off does not change the run', () => {
    const quiet = runSimulation({ ...opts(42), log: undefined });
    expect(JSON.stringify(quiet.history)).toBe(JSON.stringify(a.history));
    expect(quiet.stats.messages).toBe(a.stats.messages);
  });
});

/** features lists what a run's log shows it went through (for the coverage of the replays below). */
function features(log: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const line of log) {
    const r = JSON.parse(line) as { kind: string; fault?: string; event?: string; action?: string };
    if (r.kind === 'damage') out.add(`damage:${r.fault}`);
    else if (r.kind === 'trigger') out.add(`trigger:${r.event}:${r.action}`);
    else if (r.kind === 'recovered' || r.kind === 'storage-damaged' || r.kind === 'jitter') out.add(r.kind);
  }
  return out;
}

describe('determinism through every kind of fault', () => {
  it.each(['raft', 'paxos'] as const)(
    '%s: each seed replays byte for byte, damage, recovery and triggers included',
    (protocol) => {
      const want = [
        'damage:hardstate',
        'damage:log-tail',
        'damage:file',
        'storage-damaged',
        'recovered',
        'trigger:lease:strand',
        'trigger:read:bounce',
        'trigger:recovered:crash',
        'jitter',
      ];
      const seen = new Set<string>();
      let replays = 0;
      for (let seed = 1; seed <= 60 && (replays < 8 || want.some((w) => !seen.has(w))); seed++) {
        const o: SimOptions = { seed, nodes: seed % 2 === 1 ? 5 : 3, protocol, faultMs: 3000, log: true };
        const first = runSimulation(o);
        const f = features(first.log);
        // Replay the seeds that went through the faults this test is about (the run is the cost).
        if (!want.some((w) => f.has(w))) continue;
        const again = runSimulation(o);
        replays++;
        expect(again.log.join('\n'), `seed ${seed}`).toBe(first.log.join('\n'));
        expect(JSON.stringify(again.history)).toBe(JSON.stringify(first.history));
        for (const x of f) seen.add(x);
      }
      expect(want.filter((w) => !seen.has(w))).toEqual([]);
    },
  );

  it('a run with a mutant restores every rule it broke', () => {
    const o: SimOptions = { seed: 7, nodes: 3, faultMs: 1500 };
    const clean = runSimulation(o);
    for (const mutant of MUTANT_NAMES) runSimulation({ ...o, mutant });
    const after = runSimulation(o);
    expect(JSON.stringify(after.history)).toBe(JSON.stringify(clean.history));
    expect(after.violations).toEqual([]);
  });
});

describe('a seed alone and inside a sweep', () => {
  it("a sweep's seed, run after others in one process, gives the run log it gives alone in a fresh process", () => {
    // The seeds a sweep runs before it must leave nothing behind that its run depends on.
    const o = parseSimArgs(['--seeds', '21..24', '--nodes', '5']) as CliOptions;
    const logs = new Map<number, string>();
    const code = runSweep(
      o,
      (so) => {
        const r = runSimulation({ ...so, log: true });
        logs.set(so.seed, r.log.join('\n') + '\n');
        return r;
      },
      () => {},
    );
    expect(code).toBe(0);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ql-sim-alone-'));
    try {
      for (const seed of [21, 24]) {
        const file = path.join(dir, `sim-${seed}.jsonl`);
        const bin = path.join(__dirname, '..', '..', 'bin', 'quorum-lab.mjs');
        const r = spawnSync(process.execPath, [bin, 'sim', '--seed', String(seed), '--nodes', '5', '--log', file], {
          encoding: 'utf8',
        });
        expect(r.status, r.stderr).toBe(0);
        const alone = fs.readFileSync(file, 'utf8');
        expect(alone.length).toBeGreaterThan(100_000);
        expect(alone === logs.get(seed), `seed ${seed}: the log alone differs from the sweep's`).toBe(true);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
