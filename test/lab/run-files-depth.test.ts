/**
 * Open run… on a run folder whose files are deeply nested JSON: every line is parsed
 * bounded in depth, so the lab answers 400 with the file and line instead of handing the
 * value on to a JSON.stringify (the HTTP answer, the IPC reply) that overflows the stack.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LabError, LabService } from '../../src-main/lab/lab-service';

const root = mkdtempSync(join(tmpdir(), 'ql-open-'));
/** data is the lab's data folder: Open run… reads saved runs from there, by name. */
const data = join(root, 'data');
mkdirSync(data);
afterAll(() => rmSync(root, { recursive: true, force: true }));

const settings = JSON.stringify({ nodes: 3, protocol: 'raft', heartbeatMs: 100, electionMs: 1000, seed: 1 });
const nested = '['.repeat(100_000) + ']'.repeat(100_000);
const record = (seq: number, extra = ''): string => `{"t":${seq * 1000},"seq":${seq},"kind":"role"${extra}}`;
const op = '{"index":0,"time":1,"process":0,"type":"invoke","f":"write","key":"k","value":"1"}';

/** write saves a run folder in the data folder and returns its name. */
function write(name: string, files: { settings?: string; log?: string[]; history?: string[] }): string {
  const dir = mkdtempSync(join(data, `${name}-`));
  writeFileSync(join(dir, 'settings.json'), files.settings ?? settings);
  writeFileSync(join(dir, 'run.jsonl'), (files.log ?? [record(1)]).join('\n') + '\n');
  writeFileSync(join(dir, 'history.jsonl'), (files.history ?? [op]).join('\n') + '\n');
  return basename(dir);
}

async function openError(lab: LabService, dir: string): Promise<LabError> {
  const e = await lab.openRun(dir).then(
    () => null,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(LabError);
  return e as LabError;
}

describe('Open run… on nested JSON', () => {
  it('answers 400 naming the file and line for a nested record, history op or settings; a good run still opens', async () => {
    const lab = new LabService({ dataDir: data });
    const log = await openError(lab, write('log', { log: [record(1), record(2, `,"x":${nested}`)] }));
    expect(log.status).toBe(400);
    expect(log.message).toMatch(/run\.jsonl:2: JSON nested deeper than 16 levels$/);
    const hist = await openError(lab, write('hist', { history: [op.replace('"value":"1"', `"value":${nested}`)] }));
    expect(hist.status).toBe(400);
    expect(hist.message).toMatch(/history\.jsonl:1: JSON nested deeper than 16 levels$/);
    // settings.json is capped at 64 KiB (MAX_SETTINGS_BYTES), so its nesting is smaller, still far too deep.
    const deepSettings = '['.repeat(20_000) + ']'.repeat(20_000);
    const set = await openError(lab, write('settings', { settings: `{"nodes":${deepSettings}}` }));
    expect(set.status).toBe(400);
    expect(set.message).toMatch(/settings\.json: JSON nested deeper than 16 levels$/);
    // Just within the bound is fine: the limit is on nesting, not on what a record may carry.
    const within = '['.repeat(14) + ']'.repeat(14);
    const ok = await lab.openRun(write('good', { log: [record(1), record(2, `,"x":${within}`)] }));
    expect(ok.log.map((r) => r.seq)).toEqual([1, 2]);
    expect(JSON.stringify(ok).length).toBeGreaterThan(0);
  });
});
