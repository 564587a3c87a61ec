/**
 * Saved runs on disk: run.jsonl (the run log), history.jsonl (the client history),
 * settings.json (the cluster settings) and check.json (the consistency summary).
 * readRun validates every file it reads (api/saved-run.ts, every line parsed bounded in
 * depth): a damaged or foreign folder gets a clear error naming the file and line, never
 * a crash.
 */
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { ClusterSettings, SavedRun } from '../api/contract';
import { MAX_RECORD_DEPTH, validateHistoryOp, validateRunLogRecord, validateSavedSettings } from '../api/saved-run';
import { parseJsonBounded, type Checked } from '../core/validate';

/** RUN_FILES names the files of a saved run. */
export const RUN_FILES = {
  log: 'run.jsonl',
  history: 'history.jsonl',
  settings: 'settings.json',
  check: 'check.json',
} as const;

/** MAX_OPEN_RECORDS bounds how many log records Open run… loads into memory. */
export const MAX_OPEN_RECORDS = 1_000_000;

/** RunFileError says what is wrong with a saved run. */
export class RunFileError extends Error {}

async function readJsonl<T>(file: string, check: (x: unknown) => Checked<T>, limit: number): Promise<T[]> {
  const out: T[] = [];
  const rl = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  let line = 0;
  try {
    for await (const text of rl) {
      line++;
      if (text.trim() === '') continue;
      const v = parseLine(text, check);
      if (!v.ok) throw new RunFileError(`${file}:${line}: ${v.error}`);
      out.push(v.value);
      // Keep the newest records when a run is larger than what we load (trimmed in bulk: amortized O(1)).
      if (out.length >= 2 * limit) out.splice(0, out.length - limit);
    }
  } finally {
    rl.close();
  }
  return out.length > limit ? out.slice(out.length - limit) : out;
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

/** readRun loads and validates a saved run folder. */
export async function readRun(dir: string): Promise<SavedRun> {
  try {
    const st = await stat(dir);
    if (!st.isDirectory()) throw new RunFileError(`${dir} is not a folder`);
  } catch (e) {
    if (e instanceof RunFileError) throw e;
    throw new RunFileError(`cannot open ${dir}: ${(e as Error).message}`);
  }
  let settingsText: string;
  try {
    settingsText = await readFile(join(dir, RUN_FILES.settings), 'utf8');
  } catch {
    throw new RunFileError(`${dir} is not a saved run: ${RUN_FILES.settings} is missing`);
  }
  const settings = parseLine(settingsText, validateSavedSettings);
  if (!settings.ok) throw new RunFileError(`${join(dir, RUN_FILES.settings)}: ${settings.error}`);
  const open = async <T>(name: string, check: (x: unknown) => Checked<T>): Promise<T[]> => {
    try {
      await stat(join(dir, name));
    } catch {
      throw new RunFileError(`${dir} is not a saved run: ${name} is missing`);
    }
    return readJsonl(join(dir, name), check, MAX_OPEN_RECORDS);
  };
  const log = await open(RUN_FILES.log, validateRunLogRecord);
  const history = await open(RUN_FILES.history, validateHistoryOp);
  return { settings: settings.value, log, history };
}
