/**
 * A client operation's completion in the user's words, as the timeline shows it: what was
 * asked, in the console's own commands, then what came back — `put k = v → ok (n2, 3.1 ms)`,
 * `get k → v (n1, 1.20 ms)`, `cas k 1→2 → swapped`, `put k = v → unknown (n2, 5000 ms): no
 * answer before the deadline — it may or may not have applied`. The run log names
 * operations the checker's way (write, read); the console and the History tab say put, get.
 */
import type { RunLogRecord } from '../../../src-main/api/contract';
import { shown, splitError, unknownCause } from '../console/answers';
import { num, str } from './records';

/** TEXT_CHARS bounds a value or an error as the timeline quotes it (a saved run's record may hold anything). */
const TEXT_CHARS = 64;

function cut(s: string): string {
  return s.length > TEXT_CHARS ? `${s.slice(0, TEXT_CHARS - 1)}…` : s;
}

/** valueText writes a value as the console does (bare when one plain word, else quoted; null is absent). */
function valueText(v: unknown): string {
  if (v === null) return shown(null);
  if (typeof v === 'string') return shown(cut(v));
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return '?';
}

function field(v: unknown, name: string): unknown {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>)[name] : undefined;
}

/** msText writes a latency as the console's answers do: "8.27 ms", "37 ms". */
export function msText(ms: number): string {
  return ms < 10 ? `${ms.toFixed(2)} ms` : `${Math.round(ms)} ms`;
}

/** askedText is the operation as the console's command would write it: "put k = v", "get k", "cas k 1→2". */
export function askedText(f: string, key: string, preview: unknown, hasPreview: boolean): string {
  switch (f) {
    case 'write':
      return hasPreview ? `put ${key} = ${valueText(preview)}` : `put ${key}`;
    case 'read':
      return `get ${key}`;
    case 'delete':
      return `del ${key}`;
    case 'cas': {
      if (!Array.isArray(preview) || preview.length !== 2) return `cas ${key}`;
      const [from, to] = preview as unknown[];
      return `cas ${key} ${from === null ? 'nil' : valueText(from)}→${valueText(to)}`;
    }
    case 'lock': {
      const owner = field(preview, 'owner');
      return typeof owner === 'string' ? `lock ${key} for ${cut(owner)}` : `lock ${key}`;
    }
    case 'fenced-write': {
      const v = field(preview, 'value');
      return v === undefined ? `fenced ${key}` : `fenced ${key} = ${valueText(v)}`;
    }
    default:
      return `${f} ${key}`;
  }
}

/** okText is what a successful operation gave back, as the console answers it. */
function okText(f: string, preview: unknown, hasPreview: boolean): string {
  switch (f) {
    case 'read':
      return hasPreview ? valueText(preview) : 'ok';
    case 'delete':
      return 'deleted';
    case 'cas':
      return 'swapped';
    case 'lock': {
      const token = field(preview, 'token');
      return typeof token === 'number' ? `locked, token ${token}` : 'locked';
    }
    case 'renew':
      return 'renewed';
    case 'unlock':
      return 'unlocked';
    default:
      return 'ok';
  }
}

/**
 * ABSENT_NOTE says what "absent (nil)" means, for a reader who has not met the word: a get
 * of a key nobody has put (a load's reads of keys it has not written yet, `get load-0 →
 * absent (nil)`) reads as an answer that went missing.
 */
export const ABSENT_NOTE = 'absent (nil): the key has no value yet — nothing was put there, or it was deleted';

/** ClientWords is a completion in words: its sentence, how it ended, and what a word of it means (see ABSENT_NOTE). */
export interface ClientWords {
  text: string;
  outcome: 'ok' | 'fail' | 'unknown';
  note?: string;
}

/** clientText says a client-complete record in words, and how it ended ('ok', 'fail' or unknown). */
export function clientText(r: RunLogRecord): ClientWords {
  const f = str(r, 'f') ?? 'op';
  const key = cut(str(r, 'key') ?? '');
  const hasPreview = Object.hasOwn(r, 'preview');
  const asked = askedText(f, key, r.preview, hasPreview);
  const node = str(r, 'node');
  const lat = num(r, 'latencyMs');
  const meta = [node, lat === null ? null : msText(lat)].filter((x) => x !== null);
  const who = meta.length ? ` (${meta.join(', ')})` : '';
  const err = str(r, 'error');
  switch (str(r, 'type')) {
    case 'ok': {
      const text = `${asked} → ${okText(f, r.preview, hasPreview)}${who}`;
      return f === 'read' && hasPreview && r.preview === null
        ? { text, outcome: 'ok', note: ABSENT_NOTE }
        : { text, outcome: 'ok' };
    }
    case 'fail':
      return { text: `${asked} → failed${who}: ${cut(err ?? 'refused')} — it did not take effect`, outcome: 'fail' };
    default: {
      const { why, cause } = splitError(err ?? undefined);
      const because = `${unknownCause(cause, node)}${why === null ? '' : ` (${cut(why)})`}`;
      const effect = f === 'read' ? 'a read changes nothing' : 'it may or may not have applied';
      return { text: `${asked} → unknown${who}: ${cut(because)} — ${effect}`, outcome: 'unknown' };
    }
  }
}
