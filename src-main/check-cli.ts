/**
 * `quorum-lab check FILE [--model register|kv] [--json] [--timeout SECONDS]`: is the
 * history in FILE linearizable? Reads the file (bounded in size), detects its format (the
 * lab's history.jsonl, Jepsen log lines, Jepsen EDN maps) and runs the checker
 * (src-main/check). Exit 0 linearizable, 1 not, 2 unknown or unreadable input.
 */
import { open } from 'node:fs/promises';
import { flagOpt, numOpt, oneOfOpt, parseCli, stringOpt, UsageError } from './cli-args';
import { checkHistory, MODEL_NAMES, type ModelName } from './check/check';
import { HistoryError } from './check/history';
import { MAX_HISTORY_CHARS, parseHistory } from './check/parse/formats';
import { formatReport, verdictLine } from './check/report';

const USAGE = `usage: quorum-lab check FILE [--model register|kv] [--json] [--timeout SECONDS]

  FILE              a history: the lab's history.jsonl, Jepsen log lines or Jepsen EDN maps
  --model M         register (one register) or kv (per key, with locks and fenced writes);
                    default: register for a history without keys, kv otherwise
  --json            print the result as JSON instead of text
  --timeout S       give up after S seconds (default 60): the verdict is then unknown

exit status: 0 linearizable, 1 not linearizable, 2 unknown or unreadable input`;

/** MAX_FILE_BYTES bounds the history file read. */
export const MAX_FILE_BYTES = MAX_HISTORY_CHARS;

/** CheckArgs are the parsed options. */
export interface CheckArgs {
  file: string;
  model: ModelName | null;
  json: boolean;
  timeoutS: number;
}

const CHECK_OPTIONS = {
  model: { type: 'string' },
  json: { type: 'boolean' },
  timeout: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** parseCheckArgs parses argv; returns the options, 'help', or a message saying what is wrong. */
export function parseCheckArgs(argv: string[]): CheckArgs | 'help' | string {
  try {
    const p = parseCli(argv, CHECK_OPTIONS, true);
    if (flagOpt(p, 'help')) return 'help';
    if (p.positionals.length !== 1) return p.positionals.length === 0 ? 'FILE is missing' : 'give one FILE';
    const model = stringOpt(p, 'model', null);
    return {
      file: p.positionals[0] as string,
      model: model === null ? null : oneOfOpt(p, 'model', MODEL_NAMES, 'kv'),
      json: flagOpt(p, 'json'),
      timeoutS: numOpt(p, 'timeout', 0.001, 86_400, 60),
    };
  } catch (e) {
    if (e instanceof UsageError) return e.message;
    throw e;
  }
}

/** readBounded reads a text file of at most `max` bytes; throws HistoryError otherwise. */
async function readBounded(file: string, max: number): Promise<string> {
  let fh;
  try {
    fh = await open(file, 'r');
  } catch (e) {
    throw new HistoryError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new HistoryError(`${file} is not a file`);
    if (st.size > max) throw new HistoryError(`${file} is larger than ${max} bytes`);
    const buf = Buffer.alloc(Math.min(st.size, max) + 1);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    if (bytesRead > max) throw new HistoryError(`${file} is larger than ${max} bytes`);
    return buf.subarray(0, bytesRead).toString('utf8');
  } finally {
    await fh.close();
  }
}

/** checkMain runs `quorum-lab check` and returns the exit code. */
export async function checkMain(argv: string[]): Promise<number> {
  const args = parseCheckArgs(argv);
  if (args === 'help') {
    console.log(USAGE);
    return 0;
  }
  if (typeof args === 'string') {
    console.error(`quorum-lab check: ${args}\n\n${USAGE}`);
    return 2;
  }
  const t0 = performance.now();
  try {
    const h = parseHistory(await readBounded(args.file, MAX_FILE_BYTES));
    const deadline = t0 + args.timeoutS * 1000;
    const clock = (): number => performance.now();
    const r = checkHistory(h.events, {
      model: args.model ?? h.model,
      emptyIsAbsent: h.emptyIsAbsent,
      budget: { clock, deadlineMs: deadline },
    });
    const timedOut = r.linearizable === null && clock() >= deadline;
    const why = timedOut ? `timed out after ${args.timeoutS} s` : 'the search budget ran out';
    const elapsedMs = Math.round(performance.now() - t0);
    if (args.json) {
      const verdict = verdictLine(r, why);
      console.log(
        JSON.stringify({ file: args.file, format: h.format, events: h.events.length, elapsedMs, verdict, ...r }),
      );
    } else {
      console.log(formatReport(r, `${args.file} (${h.format}, ${h.events.length} events, ${elapsedMs} ms)`, why));
    }
    return r.linearizable === true ? 0 : r.linearizable === false ? 1 : 2;
  } catch (e) {
    if (!(e instanceof HistoryError)) throw e;
    console.error(`quorum-lab check: ${args.file}: ${e.message}`);
    return 2;
  }
}
