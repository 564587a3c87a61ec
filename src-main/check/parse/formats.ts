/**
 * Reading a history file's text (pure: the caller reads the file). Three formats, told
 * apart by their first meaningful line:
 *   - the lab's history.jsonl: one HistoryOp JSON object a line (or the JSON array that
 *     GET /api/history returns);
 *   - Jepsen log lines: `INFO  jepsen.util - 3	:invoke	:write	4` (process, type, f, value
 *     separated by tabs; other log lines are skipped, nemesis lines too);
 *   - Jepsen EDN maps, one a line: `{:process 1, :type :ok, :f :get, :key "9", :value "x"}`.
 * Every reader is bounded (text size, line length, event count, EDN depth) and throws
 * HistoryError with the line number on anything it cannot read.
 */
import { HistoryError } from '../history';
import type { ModelName } from '../check';
import type { HistoryEvent } from '../types';
import { EdnError, readEdn } from './edn';

/** MAX_HISTORY_CHARS bounds a history's text (128 Mi characters). */
export const MAX_HISTORY_CHARS = 128 * 1024 * 1024;
/** MAX_LINE_CHARS bounds one line (4 Mi characters: a 1 MiB value, escaped, fits). */
export const MAX_LINE_CHARS = 4 * 1024 * 1024;
/** MAX_EVENTS bounds the events of one history. */
export const MAX_EVENTS = 2_000_000;

/** HistoryFormat names the formats. */
export type HistoryFormat = 'lab-jsonl' | 'lab-json' | 'jepsen-log' | 'jepsen-edn';

/** ParsedHistory: the events, the format found, and the model it suggests. */
export interface ParsedHistory {
  format: HistoryFormat;
  events: HistoryEvent[];
  model: ModelName;
  /** emptyIsAbsent: Porcupine's kv histories read a missing key as ''. */
  emptyIsAbsent: boolean;
}

const TYPES = new Set(['invoke', 'ok', 'fail', 'info']);
const MAX_NAME = 256;

/** lines yields each line with its 1-based number, refusing one longer than MAX_LINE_CHARS. */
function* lines(text: string): Generator<[string, number]> {
  let start = 0;
  let n = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    n++;
    if (end - start > MAX_LINE_CHARS) throw new HistoryError(`line ${n}: longer than ${MAX_LINE_CHARS} characters`);
    yield [text.slice(start, end).replace(/\r$/, ''), n];
    start = end + 1;
  }
}

function push(events: HistoryEvent[], ev: HistoryEvent, line: number): void {
  if (events.length >= MAX_EVENTS) throw new HistoryError(`line ${line}: more than ${MAX_EVENTS} events`);
  events.push(ev);
}

/** labEvent validates one lab HistoryOp; throws HistoryError. */
function labEvent(o: unknown, where: string): HistoryEvent {
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new HistoryError(`${where}: not a history object`);
  const r = o as Record<string, unknown>;
  const bad = (what: string): never => {
    throw new HistoryError(`${where}: ${what}`);
  };
  if (!Number.isSafeInteger(r.index)) bad('index must be an integer');
  if (typeof r.time !== 'number' || !Number.isFinite(r.time)) bad('time must be a number');
  if (!Number.isSafeInteger(r.process)) bad('process must be an integer');
  if (typeof r.type !== 'string' || !TYPES.has(r.type)) bad('type must be invoke, ok, fail or info');
  if (typeof r.f !== 'string' || r.f === '' || r.f.length > MAX_NAME) bad('f must be a short string');
  if (typeof r.key !== 'string' || r.key.length > 4096) bad('key must be a string');
  return {
    index: r.index as number,
    time: r.time as number,
    process: r.process as number,
    type: r.type as HistoryEvent['type'],
    f: r.f as string,
    key: r.key as string,
    value: r.value,
  };
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new HistoryError(`${where}: not JSON (${(e as Error).message.slice(0, 80)})`);
  }
}

/** parseLabJsonl reads the lab's history.jsonl. */
export function parseLabJsonl(text: string): HistoryEvent[] {
  const events: HistoryEvent[] = [];
  for (const [line, n] of lines(text)) {
    if (line.trim() === '') continue;
    push(events, labEvent(parseJson(line, `line ${n}`), `line ${n}`), n);
  }
  return events;
}

/** parseLabJson reads a JSON array of HistoryOps (GET /api/history: one line, bounded by the text's size). */
export function parseLabJson(text: string): HistoryEvent[] {
  const arr = parseJson(text, 'the history');
  if (!Array.isArray(arr)) throw new HistoryError('the history must be a JSON array of operations');
  if (arr.length > MAX_EVENTS) throw new HistoryError(`more than ${MAX_EVENTS} events`);
  return arr.map((o, i) => labEvent(o, `operation ${i + 1}`));
}

function keyword(v: unknown): string | null {
  if (typeof v !== 'string' || v === '') return null;
  return v.startsWith(':') ? v.slice(1) : v;
}

function ednValue(text: string, where: string): unknown {
  try {
    return readEdn(text);
  } catch (e) {
    if (e instanceof EdnError) throw new HistoryError(`${where}: ${e.message}`);
    throw e;
  }
}

/** jepsenEvent builds an event from Jepsen fields; null for a non-client (nemesis) line. */
function jepsenEvent(
  process: unknown,
  type: unknown,
  f: unknown,
  key: unknown,
  value: unknown,
  line: number,
  time: number,
): HistoryEvent | null {
  if (typeof process !== 'number') {
    if (typeof process === 'string' && process.startsWith(':')) return null; // :nemesis and friends
    throw new HistoryError(`line ${line}: the process must be a number`);
  }
  if (!Number.isSafeInteger(process)) throw new HistoryError(`line ${line}: the process must be an integer`);
  const t = keyword(type);
  if (t === null || !TYPES.has(t))
    throw new HistoryError(`line ${line}: the type must be :invoke, :ok, :fail or :info`);
  const fn = keyword(f);
  if (fn === null || fn.length > MAX_NAME) throw new HistoryError(`line ${line}: the operation (:f) is missing`);
  const k =
    key === undefined || key === null ? '' : typeof key === 'string' || typeof key === 'number' ? String(key) : null;
  if (k === null) throw new HistoryError(`line ${line}: the key must be a string or a number`);
  return { index: line, time, process, type: t as HistoryEvent['type'], f: fn, key: k, value };
}

const JEPSEN_LINE = /(?:^|\s-\s)(-?\d+|:[\w-]+)\t(:[\w-]+)\t(:[\w-]+)(?:\t(.*))?$/;

/** parseJepsenLog reads Jepsen's log lines (see the file comment). */
export function parseJepsenLog(text: string): HistoryEvent[] {
  const events: HistoryEvent[] = [];
  for (const [line, n] of lines(text)) {
    const m = JEPSEN_LINE.exec(line);
    if (!m) {
      if (line.includes('jepsen.util - ')) throw new HistoryError(`line ${n}: not a history line`);
      continue;
    }
    const proc = /^-?\d+$/.test(m[1] as string) ? Number(m[1]) : m[1];
    const value = m[4] === undefined || m[4].trim() === '' ? null : ednValue(m[4], `line ${n}`);
    const ev = jepsenEvent(proc, m[2], m[3], undefined, value, n, events.length);
    if (ev) push(events, ev, n);
  }
  return events;
}

/** parseJepsenEdn reads one Jepsen EDN map a line. */
export function parseJepsenEdn(text: string): HistoryEvent[] {
  const events: HistoryEvent[] = [];
  for (const [line, n] of lines(text)) {
    if (line.trim() === '' || line.trim().startsWith(';')) continue;
    const m = ednValue(line, `line ${n}`);
    if (typeof m !== 'object' || m === null || Array.isArray(m)) throw new HistoryError(`line ${n}: not an EDN map`);
    const r = m as Record<string, unknown>;
    const time = typeof r.time === 'number' ? r.time : events.length;
    const ev = jepsenEvent(r.process, r.type, r.f, r.key, r.value, n, time);
    if (ev) push(events, ev, n);
  }
  return events;
}

/** detectFormat names the format of a history's text from its first meaningful line, or null. */
export function detectFormat(text: string): HistoryFormat | null {
  for (const [line] of lines(text.length > 65536 ? text.slice(0, 65536) : text)) {
    const s = line.trim();
    if (s === '' || s.startsWith(';')) continue;
    if (s.startsWith('[')) return 'lab-json';
    if (/^\{\s*"/.test(s)) return 'lab-jsonl';
    if (/^\{\s*:/.test(s)) return 'jepsen-edn';
    if (JEPSEN_LINE.test(s) || s.includes('jepsen.util - ')) return 'jepsen-log';
    if (!s.includes('jepsen')) return null;
  }
  return null;
}

/** parseHistory detects the format and reads the history; throws HistoryError. */
export function parseHistory(text: string): ParsedHistory {
  if (text.length > MAX_HISTORY_CHARS)
    throw new HistoryError(`the history is larger than ${MAX_HISTORY_CHARS} characters`);
  const format = detectFormat(text);
  if (format === null) {
    throw new HistoryError('not a history: expected the lab’s history.jsonl, Jepsen log lines or Jepsen EDN maps');
  }
  const events =
    format === 'lab-jsonl'
      ? parseLabJsonl(text)
      : format === 'lab-json'
        ? parseLabJson(text)
        : format === 'jepsen-log'
          ? parseJepsenLog(text)
          : parseJepsenEdn(text);
  if (events.length === 0) throw new HistoryError('the history has no operations');
  const keyed = events.some((e) => e.key !== '');
  const lab = format === 'lab-jsonl' || format === 'lab-json';
  return {
    format,
    events,
    model: lab || keyed ? 'kv' : 'register',
    emptyIsAbsent: format === 'jepsen-edn',
  };
}
