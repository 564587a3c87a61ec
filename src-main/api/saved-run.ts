/**
 * Validators for a saved run — what Open run… loads: run-log records, client-history ops,
 * the settings, and the whole SavedRun. The lab checks every line it reads from disk
 * (lab/run-files.ts); the renderer checks the run it is handed (model/replay.ts) before
 * drawing it, since a run can also arrive over IPC. Records carry free-form fields, so
 * each is bounded in depth too: a record nested 100,000 deep would otherwise overflow the
 * stack of the first JSON.stringify (the HTTP answer, an export, the inspector).
 */
import { array, at, boundedDepth, checked, fail, int, num, oneOf, record, str, type Checked } from '../core/validate';
import type { ClusterSettings, HistoryOp, RunLogRecord, SavedRun } from './contract';
import { validateClusterSettings } from './schemas';

/** MAX_RECORD_DEPTH bounds the nesting of one record or history op (a partition record, the deepest, is 3). */
export const MAX_RECORD_DEPTH = 16;
/** MAX_SAVED_RECORDS bounds a saved run's log and history (the lab loads at most this many of each). */
export const MAX_SAVED_RECORDS = 1_000_000;
/** MAX_KIND_BYTES bounds a record's kind and a history op's f. */
const MAX_KIND_BYTES = 64;

const HISTORY_TYPES: readonly HistoryOp['type'][] = ['invoke', 'ok', 'fail', 'info'];

function depth<T>(x: T, path: string): T {
  if (!boundedDepth(x, MAX_RECORD_DEPTH)) fail(`${path} is nested deeper than ${MAX_RECORD_DEPTH} levels`);
  return x;
}

/** runLogRecord checks one run-log record at `path` ('' for a line of its own): {t (ns), seq, kind, ...free-form}. */
function runLogRecord(x: unknown, path: string): RunLogRecord {
  const o = depth(record(x, path || 'a log record'), path || 'the record');
  num(o.t, at(path, 't'), 0, Number.MAX_VALUE, { what: 'a time in ns (a non-negative number)' });
  int(o.seq, at(path, 'seq'), 1);
  str(o.kind, at(path, 'kind'), { min: 1, max: MAX_KIND_BYTES });
  return o as RunLogRecord;
}

/** historyOp checks one client-history op at `path` ('' for a line of its own) and returns a fresh one. */
function historyOp(x: unknown, path: string): HistoryOp {
  const o = depth(record(x, path || 'a history op'), path || 'the history op');
  return {
    index: int(o.index, at(path, 'index')),
    time: num(o.time, at(path, 'time'), -Number.MAX_VALUE, Number.MAX_VALUE, { what: 'a time in ns' }),
    process: int(o.process, at(path, 'process'), Number.MIN_SAFE_INTEGER),
    type: oneOf(o.type, at(path, 'type'), HISTORY_TYPES),
    f: str(o.f, at(path, 'f'), { max: MAX_KIND_BYTES }),
    key: str(o.key, at(path, 'key')),
    value: o.value,
  };
}

function savedSettings(x: unknown, path: string): ClusterSettings {
  const v = validateClusterSettings(x);
  if (!v.ok) fail(`${path}: ${v.error}`);
  const { nodes, protocol, heartbeatMs, electionMs, seed, unsafe, shards } = v.value;
  if (
    nodes === undefined ||
    protocol === undefined ||
    heartbeatMs === undefined ||
    electionMs === undefined ||
    seed === undefined
  ) {
    fail(`${path} must have nodes, protocol, heartbeatMs, electionMs and seed`);
  }
  return {
    nodes,
    protocol,
    heartbeatMs,
    electionMs,
    seed,
    ...(unsafe ? { unsafe } : {}),
    ...(shards ? { shards } : {}),
  };
}

/** validateRunLogRecord checks one line of run.jsonl. */
export function validateRunLogRecord(x: unknown): Checked<RunLogRecord> {
  return checked(() => runLogRecord(x, ''));
}

/** validateHistoryOp checks one line of history.jsonl. */
export function validateHistoryOp(x: unknown): Checked<HistoryOp> {
  return checked(() => historyOp(x, ''));
}

/** validateSavedSettings checks settings.json: complete ClusterSettings. */
export function validateSavedSettings(x: unknown): Checked<ClusterSettings> {
  return checked(() => savedSettings(x, 'settings'));
}

/** validateSavedRun checks a whole SavedRun (as Open run… hands it to the renderer); errors name the record. */
export function validateSavedRun(x: unknown): Checked<SavedRun> {
  return checked(() => {
    const o = record(x, 'the saved run');
    if (o.settings === undefined || o.settings === null) fail('the saved run has no cluster settings');
    const settings = savedSettings(o.settings, 'settings');
    if (!Array.isArray(o.log)) fail('the saved run has no run log');
    if (!Array.isArray(o.history)) fail('the saved run has no history');
    const bound = { max: MAX_SAVED_RECORDS, what: `an array of at most ${MAX_SAVED_RECORDS} records` };
    const log = array(o.log, 'log', bound, runLogRecord);
    const history = array(o.history, 'history', bound, historyOp);
    return { settings, log, history };
  });
}
