/**
 * The replay model checks a saved run before the UI draws it (a run can arrive over IPC
 * as well as from the lab's HTTP answer): every record and history op against the lab's
 * schema, each bounded in depth, so a hostile run is refused with a message rather than
 * overflowing the stack of the first deep walk (JSON.stringify, a deep watcher).
 */
import { describe, expect, it } from 'vitest';
import type { SavedRun } from '../../src-main/api/contract';
import { validateSavedRun } from '../../src-renderer/src/model/replay';

const settings = { nodes: 3, protocol: 'raft', heartbeatMs: 50, electionMs: 300, seed: 1 };
const nested = (): unknown => JSON.parse('['.repeat(100_000) + ']'.repeat(100_000));
const good = (): { settings: unknown; log: unknown[]; history: unknown[] } => ({
  settings: { ...settings },
  log: [
    { t: 2e9, seq: 2, kind: 'partition', groups: [['n1'], ['n2', 'n3']] },
    { t: 1e9, seq: 1, kind: 'role', node: 'n1', role: 'leader' },
  ],
  history: [{ index: 0, time: 5, process: 0, type: 'invoke', f: 'write', key: 'k', value: '1' }],
});

describe('validateSavedRun', () => {
  it('accepts a well-formed run and puts its log in time order', () => {
    const r = validateSavedRun(good());
    expect(typeof r).toBe('object');
    expect((r as SavedRun).log.map((x) => x.seq)).toEqual([1, 2]);
  });

  it('refuses a record or history op nested 100,000 deep, naming it', () => {
    const deepRecord = good();
    deepRecord.log.push({ t: 3e9, seq: 3, kind: 'x', detail: nested() });
    expect(validateSavedRun(deepRecord)).toBe('log[2] is nested deeper than 16 levels');
    const deepOp = good();
    deepOp.history = [{ index: 0, time: 5, process: 0, type: 'invoke', f: 'write', key: 'k', value: nested() }];
    expect(validateSavedRun(deepOp)).toBe('history[0] is nested deeper than 16 levels');
    const deepSettings = good();
    deepSettings.settings = { ...settings, nodes: nested() };
    expect(validateSavedRun(deepSettings)).toBe('settings: nodes must be an integer in 1..15, got an array of 1 item');
  });

  it('refuses a cyclic record (structured clone can carry one) and malformed records, with their path', () => {
    const cyclic: Record<string, unknown> = { t: 1, seq: 3, kind: 'x' };
    cyclic.self = cyclic;
    const run = good();
    run.log.push(cyclic);
    expect(validateSavedRun(run)).toBe('log[2] is nested deeper than 16 levels');
    const noSeq = good();
    noSeq.log.push({ t: 1, kind: 'x' });
    expect(validateSavedRun(noSeq)).toBe('log[2].seq must be an integer >= 1, got nothing');
    expect(validateSavedRun({ ...good(), log: 'nope' })).toBe('the saved run has no run log');
    expect(validateSavedRun(null)).toBe('the saved run must be an object, got null');
  });
});
