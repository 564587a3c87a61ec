/**
 * Opening a crafted saved run: each test plants the attack in the lab's data folder and
 * asks LabService.openRun for it. The answer is a clear 4xx, the lab keeps serving, and
 * nothing outside the data folder is read. (A link to /dev/zero once killed the host with
 * an uncaught RangeError; a FIFO tied up the file threads; a 210 MB line took 6 GB.)
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateRunName } from '../../src-main/api/schemas';
import { LabError, LabService } from '../../src-main/lab/lab-service';
import { MAX_LINE_BYTES, MAX_RUN_FILE_BYTES, MAX_SETTINGS_BYTES } from '../../src-main/lab/run-files';

const SETTINGS = JSON.stringify({ nodes: 3, protocol: 'raft', heartbeatMs: 100, electionMs: 1000, seed: 1 });
const LOG = '{"t":1,"seq":1,"kind":"cluster-created"}\n';
const HISTORY = '{"index":0,"time":1,"process":0,"type":"invoke","f":"write","key":"k","value":"1"}\n';

let data: string;
let outside: string;
let lab: LabService;

/** plant makes a run folder `name` in the data folder; `files` override the good ones. */
function plant(name: string, files: Record<string, string | null> = {}): string {
  const dir = join(data, name);
  mkdirSync(dir);
  const all: Record<string, string | null> = {
    'settings.json': SETTINGS,
    'run.jsonl': LOG,
    'history.jsonl': HISTORY,
    ...files,
  };
  for (const [f, text] of Object.entries(all)) if (text !== null) writeFileSync(join(dir, f), text);
  return dir;
}

/** refused expects openRun(name) to fail with a 4xx whose message matches `why`. */
async function refused(name: string, status: number, why: RegExp): Promise<void> {
  const err = await lab.openRun(name).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, `openRun(${name})`).toBeInstanceOf(LabError);
  expect((err as LabError).status, (err as Error).message).toBe(status);
  expect((err as Error).message).toMatch(why);
}

/** stillServes proves the lab and the file threads are fine after an attack. */
async function stillServes(): Promise<void> {
  const ok = await lab.openRun('good');
  expect(ok.log.length).toBe(1);
  // libuv's file threads are free: an ordinary read completes at once.
  const t0 = Date.now();
  await Promise.all(Array.from({ length: 8 }, () => readFile(join(data, 'good', 'settings.json'))));
  expect(Date.now() - t0).toBeLessThan(2000);
}

beforeAll(() => {
  data = mkdtempSync(join(tmpdir(), 'ql-runs-'));
  outside = mkdtempSync(join(tmpdir(), 'ql-outside-'));
  lab = new LabService({ dataDir: data });
  plant('good');
  // A complete, valid run outside the data folder: reachable only by a path, never by a name.
  writeFileSync(join(outside, 'settings.json'), SETTINGS);
  writeFileSync(join(outside, 'run.jsonl'), LOG);
  writeFileSync(join(outside, 'history.jsonl'), HISTORY);
});

afterAll(async () => {
  await lab.stop();
  rmSync(data, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

describe('openRun reads only from the data folder, by name', () => {
  it('opens a good run by name, or by the dir an export returned', async () => {
    expect((await lab.openRun('good')).history.length).toBe(1);
    expect((await lab.openRun(join(data, 'good'))).history.length).toBe(1);
  });

  it('refuses paths and names that are not plain (400), even to a valid run outside', async () => {
    for (const name of [outside, `../${outside.split('/').pop()}`, '..', '.', 'a/b', '', 'x'.repeat(65), 'a\0b']) {
      await refused(name, 400, /plain folder name/);
    }
    expect(validateRunName({ name: '../x' }, true).ok).toBe(false);
    expect(validateRunName({ name: 'run-1.b_c' }, true)).toEqual({ ok: true, value: 'run-1.b_c' });
    expect(validateRunName({}, true).ok).toBe(false);
    expect(validateRunName({}, false)).toEqual({ ok: true, value: undefined });
    await stillServes();
  });

  it('refuses a run folder that is a link to another folder', async () => {
    symlinkSync(outside, join(data, 'linked'));
    await refused('linked', 400, /symbolic link/);
    await refused('missing', 404, /does not exist/);
  });

  it('refuses run.jsonl linked to /dev/zero instead of crashing the host', async () => {
    plant('zero', { 'run.jsonl': null });
    symlinkSync('/dev/zero', join(data, 'zero', 'run.jsonl'));
    await refused('zero', 400, /run\.jsonl is a symbolic link/);
    await stillServes();
  });

  it('refuses a FIFO for settings.json without blocking a file thread', async () => {
    plant('fifo', { 'settings.json': null });
    execFileSync('mkfifo', [join(data, 'fifo', 'settings.json')]);
    await refused('fifo', 400, /settings\.json is a FIFO/);
    await stillServes();
  });

  it('refuses a folder where a file should be', async () => {
    plant('dirs', { 'history.jsonl': null });
    mkdirSync(join(data, 'dirs', 'history.jsonl'));
    await refused('dirs', 400, /history\.jsonl is a folder/);
  });

  it(`refuses one line longer than ${MAX_LINE_BYTES} bytes (413), without holding it whole`, async () => {
    // A valid record whose one field is 9 MiB: the old reader parsed and returned it.
    const huge = JSON.stringify({ t: 2, seq: 2, kind: 'note', pad: 'p'.repeat(9 * 1024 * 1024) });
    plant('longline', { 'run.jsonl': LOG + huge + '\n' });
    await refused('longline', 413, /run\.jsonl:2: a line longer than/);
    await stillServes();
  });

  it(`refuses run files over ${MAX_RUN_FILE_BYTES} bytes and settings over ${MAX_SETTINGS_BYTES} at open (413)`, async () => {
    plant('huge');
    truncateSync(join(data, 'huge', 'history.jsonl'), MAX_RUN_FILE_BYTES + 1); // sparse: costs no disk
    await refused('huge', 413, /history\.jsonl is \d+ bytes; the limit/);
    plant('fatsettings', { 'settings.json': SETTINGS + ' '.repeat(MAX_SETTINGS_BYTES) });
    await refused('fatsettings', 413, /settings\.json is \d+ bytes/);
    await stillServes();
  });

  it('still names the file and line of a damaged record, and of bad UTF-8', async () => {
    plant('damaged', { 'run.jsonl': LOG + '{"t":1}\n' });
    await refused('damaged', 400, /run\.jsonl:2: .*seq/);
    plant('utf8');
    writeFileSync(join(data, 'utf8', 'run.jsonl'), Buffer.from([0x7b, 0xc3, 0x28, 0x7d, 0x0a]));
    await refused('utf8', 400, /run\.jsonl:1: not valid UTF-8/);
    expect(readFileSync(join(data, 'good', 'run.jsonl'), 'utf8')).toBe(LOG);
  });
});
