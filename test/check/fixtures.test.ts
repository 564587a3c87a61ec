/**
 * Real histories with known verdicts (Porcupine's test data: Jepsen's etcd register runs
 * and Porcupine's kv histories): every verdict must match, for the batch checker and for
 * the live checker fed the same events. The repo's copies always run; a shared folder of
 * more files of the same series (/work/shared/checker-data, or QUORUM_CHECKER_DATA) is
 * checked too when it exists.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkHistory } from '../../src-main/check/check';
import { LiveChecker } from '../../src-main/check/live';
import { parseHistory } from '../../src-main/check/parse/formats';

const LOCAL = join(import.meta.dirname, 'fixtures');
const SHARED = process.env.QUORUM_CHECKER_DATA ?? '/work/shared/checker-data';

interface Case {
  file: string;
  expected: boolean;
}

function cases(root: string): Case[] {
  const out: Case[] = [];
  for (const dir of readdirSync(root, { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    const exp = join(root, dir.name, 'expected.json');
    if (!existsSync(exp)) continue;
    const verdicts = (JSON.parse(readFileSync(exp, 'utf8')) as { linearizable: Record<string, boolean> }).linearizable;
    for (const [name, expected] of Object.entries(verdicts)) out.push({ file: join(root, dir.name, name), expected });
  }
  return out.sort((a, b) => a.file.localeCompare(b.file));
}

function batch(file: string): boolean | null {
  const h = parseHistory(readFileSync(file, 'utf8'));
  return checkHistory(h.events, { model: h.model, emptyIsAbsent: h.emptyIsAbsent }).linearizable;
}

const local = cases(LOCAL);

describe('fixture verdicts (batch)', () => {
  it('has the fixtures', () => {
    expect(local.length).toBeGreaterThanOrEqual(56);
    expect(local.some((c) => c.expected) && local.some((c) => !c.expected)).toBe(true);
  });

  it.each(local.map((c) => [c.file.slice(LOCAL.length + 1), c.expected] as const))('%s → %s', (name, expected) => {
    expect(batch(join(LOCAL, name))).toBe(expected);
  });

  it.runIf(existsSync(SHARED))('every history in the shared checker data', () => {
    const shared = cases(SHARED);
    expect(shared.length).toBeGreaterThan(0);
    const wrong = shared.filter((c) => batch(c.file) !== c.expected).map((c) => c.file);
    expect(wrong).toEqual([]);
  });
});

describe('live checker = batch checker on the fixtures', () => {
  // The 50-client kv histories are never quiescent and carry long appended values: the
  // live checker gets them right but slowly when checked every few events, so they are fed
  // in larger strides.
  it.each(local.map((c) => [c.file.slice(LOCAL.length + 1), c.expected] as const))('%s', (name, expected) => {
    const h = parseHistory(readFileSync(join(LOCAL, name), 'utf8'));
    const live = new LiveChecker({ model: h.model, emptyIsAbsent: h.emptyIsAbsent });
    const every = name.includes('c50') ? 1000 : 25;
    h.events.forEach((e, i) => {
      live.ingest(e);
      if (i % every === every - 1) live.check();
    });
    const v = live.check(100_000_000);
    expect(v.linearizable).toBe(expected);
    expect(v.ops).toBe(checkHistory(h.events, { model: h.model, emptyIsAbsent: h.emptyIsAbsent, witness: false }).ops);
    if (expected) expect(v.lagOps).toBe(0);
    else expect(v.violation?.explanation).toMatch(/\S/);
  });
});
