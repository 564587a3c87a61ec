/**
 * Saved runs on disk: run.jsonl (the run log), history.jsonl (the client history),
 * settings.json (the cluster settings) and check.json (the consistency summary).
 * readRun validates every file it reads: a damaged or foreign folder gets a clear error
 * naming the file and line, never a crash.
 */
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { ClusterSettings, HistoryOp, RunLogRecord, SavedRun } from '../api/contract';
import { isRecord, validateClusterSettings } from '../api/schemas';

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

async function readJsonl<T>(file: string, check: (x: unknown) => T | string, limit: number): Promise<T[]> {
  const out: T[] = [];
  const rl = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  let line = 0;
  try {
    for await (const text of rl) {
      line++;
      if (text.trim() === '') continue;
      let x: unknown;
      try {
        x = JSON.parse(text);
      } catch {
        throw new RunFileError(`${file}:${line}: not valid JSON`);
      }
      const v = check(x);
      if (typeof v === 'string') throw new RunFileError(`${file}:${line}: ${v}`);
      out.push(v);
      // Keep the newest records when a run is larger than what we load (trimmed in bulk: amortized O(1)).
      if (out.length >= 2 * limit) out.splice(0, out.length - limit);
    }
  } finally {
    rl.close();
  }
  return out.length > limit ? out.slice(out.length - limit) : out;
}

function checkRecord(x: unknown): RunLogRecord | string {
  if (!isRecord(x)) return 'a log record must be an object';
  if (typeof x.t !== 'number' || !Number.isFinite(x.t) || x.t < 0)
    return 'a log record needs t (ns, a non-negative number)';
  if (typeof x.seq !== 'number' || !Number.isSafeInteger(x.seq) || x.seq < 1)
    return 'a log record needs seq (a positive integer)';
  if (typeof x.kind !== 'string' || x.kind === '') return 'a log record needs kind (a string)';
  return x as RunLogRecord;
}

const HISTORY_TYPES = ['invoke', 'ok', 'fail', 'info'];

function checkHistoryOp(x: unknown): HistoryOp | string {
  if (!isRecord(x)) return 'a history op must be an object';
  if (typeof x.index !== 'number' || !Number.isSafeInteger(x.index) || x.index < 0) return 'a history op needs index';
  if (typeof x.time !== 'number' || !Number.isFinite(x.time)) return 'a history op needs time';
  if (typeof x.process !== 'number' || !Number.isSafeInteger(x.process)) return 'a history op needs process';
  if (typeof x.type !== 'string' || !HISTORY_TYPES.includes(x.type))
    return 'a history op type must be invoke, ok, fail or info';
  if (typeof x.f !== 'string') return 'a history op needs f';
  if (typeof x.key !== 'string') return 'a history op needs key';
  return x as unknown as HistoryOp;
}

/** checkSettings validates a settings.json value as complete ClusterSettings. */
export function checkSettings(x: unknown): ClusterSettings | string {
  const v = validateClusterSettings(x);
  if (!v.ok) return v.error;
  const s = v.value;
  if (
    s.nodes === undefined ||
    s.protocol === undefined ||
    s.heartbeatMs === undefined ||
    s.electionMs === undefined ||
    s.seed === undefined
  )
    return 'settings must have nodes, protocol, heartbeatMs, electionMs and seed';
  return s as ClusterSettings;
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
  let raw: unknown;
  try {
    raw = JSON.parse(settingsText);
  } catch {
    throw new RunFileError(`${join(dir, RUN_FILES.settings)}: not valid JSON`);
  }
  const settings = checkSettings(raw);
  if (typeof settings === 'string') throw new RunFileError(`${join(dir, RUN_FILES.settings)}: ${settings}`);
  const open = async <T>(name: string, check: (x: unknown) => T | string): Promise<T[]> => {
    try {
      await stat(join(dir, name));
    } catch {
      throw new RunFileError(`${dir} is not a saved run: ${name} is missing`);
    }
    return readJsonl(join(dir, name), check, MAX_OPEN_RECORDS);
  };
  const log = await open(RUN_FILES.log, checkRecord);
  const history = await open(RUN_FILES.history, checkHistoryOp);
  return { settings, log, history };
}
