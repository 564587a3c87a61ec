/**
 * Saved runs on disk: run.jsonl (the run log), history.jsonl (the client history),
 * settings.json (the cluster settings) and check.json (the consistency summary).
 * readRun validates every file it reads (api/saved-run.ts, every line parsed bounded in
 * depth): a damaged or foreign folder gets a clear error naming the file and line, never
 * a crash.
 *
 * A run folder may be crafted (see safe-files.ts): only regular files are opened (no
 * links, FIFOs or devices), each file is read only up to its cap — MAX_RUN_FILE_BYTES
 * for run.jsonl and history.jsonl, MAX_SETTINGS_BYTES for settings.json — and each line
 * only up to MAX_LINE_BYTES, streamed line by line; past a cap the answer is a 413.
 */
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClusterSettings, SavedRun } from '../api/contract';
import { MAX_RECORD_DEPTH, validateHistoryOp, validateRunLogRecord, validateSavedSettings } from '../api/saved-run';
import { parseJsonBounded, type Checked } from '../core/validate';
import {
  SafeFileError,
  checkRealFolder,
  copyExclusive,
  createExclusive,
  openRegular,
  readLines,
  readSmall,
} from './safe-files';

/** RUN_FILES names the files of a saved run. */
export const RUN_FILES = {
  log: 'run.jsonl',
  history: 'history.jsonl',
  settings: 'settings.json',
  check: 'check.json',
} as const;

/** MAX_OPEN_RECORDS bounds how many log records Open run… loads into memory. */
export const MAX_OPEN_RECORDS = 1_000_000;

/** MAX_RUN_FILE_BYTES caps run.jsonl and history.jsonl when a run is opened (256 MiB). */
export const MAX_RUN_FILE_BYTES = 256 * 1024 * 1024;
/** MAX_LINE_BYTES caps one JSONL line (8 MiB: a 1 MiB value, JSON-escaped, and its record). */
export const MAX_LINE_BYTES = 8 * 1024 * 1024;
/** MAX_SETTINGS_BYTES caps settings.json (64 KiB). */
export const MAX_SETTINGS_BYTES = 64 * 1024;

/** RunFileError says what is wrong with a saved run; status is the HTTP status that fits (400 unless said). */
export class RunFileError extends SafeFileError {
  constructor(message: string, status = 400) {
    super(status, message);
  }
}

async function readJsonl<T>(file: string, check: (x: unknown) => Checked<T>, limit: number): Promise<T[] | null> {
  const opened = await openRegular(file, MAX_RUN_FILE_BYTES);
  if (!opened) return null;
  // Keep the newest records when a run is larger than what we load: a ring of `limit`.
  const ring: T[] = [];
  let next = 0;
  try {
    await readLines(opened.fh, file, { maxBytes: MAX_RUN_FILE_BYTES, maxLineBytes: MAX_LINE_BYTES }, (text, line) => {
      if (text.trim() === '') return;
      const v = parseLine(text, check);
      if (!v.ok) throw new RunFileError(`${file}:${line}: ${v.error}`);
      if (ring.length < limit) ring.push(v.value);
      else ring[next] = v.value;
      next = (next + 1) % limit;
    });
  } finally {
    await opened.fh.close();
  }
  return ring.length < limit ? ring : [...ring.slice(next), ...ring.slice(0, next)];
}

/**
 * parseLine parses one line of a run file bounded in depth (a line nested 100,000 deep
 * parses, but would overflow the stack of the JSON.stringify that answers Open run…) and
 * checks it with `check`.
 */
function parseLine<T>(text: string, check: (x: unknown) => Checked<T>): Checked<T> {
  const parsed = parseJsonBounded(text, { maxDepth: MAX_RECORD_DEPTH });
  return parsed.ok ? check(parsed.value) : parsed;
}

/** checkSettings validates a settings.json value as complete ClusterSettings. */
export function checkSettings(x: unknown): ClusterSettings | string {
  const v = validateSavedSettings(x);
  return v.ok ? v.value : v.error;
}

/** readRun loads and validates a saved run folder (which must be a real folder, not a link to one). */
export async function readRun(dir: string): Promise<SavedRun> {
  try {
    return await readRunFiles(dir);
  } catch (e) {
    if (e instanceof RunFileError) throw e;
    if (e instanceof SafeFileError) throw new RunFileError(e.message, e.status);
    throw new RunFileError(`cannot open ${dir}: ${(e as Error).message}`);
  }
}

async function readRunFiles(dir: string): Promise<SavedRun> {
  await checkRealFolder(dir);
  const settingsFile = join(dir, RUN_FILES.settings);
  const opened = await openRegular(settingsFile, MAX_SETTINGS_BYTES);
  if (!opened) throw new RunFileError(`${dir} is not a saved run: ${RUN_FILES.settings} is missing`);
  let settingsText: string;
  try {
    settingsText = await readSmall(opened.fh, settingsFile, MAX_SETTINGS_BYTES);
  } finally {
    await opened.fh.close();
  }
  const settings = parseLine(settingsText, validateSavedSettings);
  if (!settings.ok) throw new RunFileError(`${settingsFile}: ${settings.error}`);
  const load = async <T>(name: string, check: (x: unknown) => Checked<T>): Promise<T[]> => {
    const records = await readJsonl(join(dir, name), check, MAX_OPEN_RECORDS);
    if (!records) throw new RunFileError(`${dir} is not a saved run: ${name} is missing`);
    return records;
  };
  const log = await load(RUN_FILES.log, validateRunLogRecord);
  const history = await load(RUN_FILES.history, validateHistoryOp);
  return { settings: settings.value, log, history };
}

/** defaultRunName is an export's folder name when none is given: export-YYYYMMDD-HHMMSS-xxxx. */
export function defaultRunName(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
  return `export-${stamp}-${randomBytes(2).toString('hex')}`;
}

/**
 * createRunFolder makes the new folder `name` (already checked to be a plain name) in
 * dataDir, mode 0700, and returns its path. It never reuses one: an existing folder, or a
 * link planted under that name, is a 409.
 */
export async function createRunFolder(dataDir: string, name: string): Promise<string> {
  const out = join(dataDir, name);
  try {
    await mkdir(out, { mode: 0o700 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST')
      throw new RunFileError(`a run named ${name} already exists in ${dataDir}; exports never overwrite`, 409);
    throw new RunFileError(`cannot create ${out}: ${(e as Error).message}`);
  }
  return out;
}

/**
 * writeRunFiles fills the new run folder `out`: the run log and history copied from the
 * live run folder, settings.json and check.json from the given texts, and any extra files
 * (the report's SVGs and index.html) under their fixed names. Every file is
 * created new (O_EXCL, no link followed); returns their paths.
 */
export async function writeRunFiles(
  out: string,
  runDir: string,
  texts: { settings: string; check: string; extra?: readonly { name: string; text: string }[] },
): Promise<string[]> {
  const extra = texts.extra ?? [];
  try {
    await checkRealFolder(out);
    await copyExclusive(join(runDir, RUN_FILES.log), join(out, RUN_FILES.log));
    await copyExclusive(join(runDir, RUN_FILES.history), join(out, RUN_FILES.history));
    await createExclusive(join(out, RUN_FILES.settings), texts.settings);
    await createExclusive(join(out, RUN_FILES.check), texts.check);
    // The report's figures and page: names fixed by the lab (report/run-report.ts), written the same way.
    for (const f of extra) await createExclusive(join(out, f.name), f.text);
  } catch (e) {
    const status = e instanceof SafeFileError ? e.status : 400;
    throw new RunFileError(`cannot write the run to ${out}: ${(e as Error).message}`, status);
  }
  const names = [RUN_FILES.log, RUN_FILES.history, RUN_FILES.settings, RUN_FILES.check, ...extra.map((f) => f.name)];
  return names.map((f) => join(out, f));
}
