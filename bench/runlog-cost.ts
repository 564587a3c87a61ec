/**
 * `node --import tsx bench/runlog-cost.ts --log FILE [--root DIR] [--rounds N] [--repeat N]`:
 * what the run log costs the host per put, replayed in a process that does nothing else.
 *
 * FILE is a run's `run.jsonl` (its `history.jsonl` beside it is read too), e.g. one a
 * `bench/host-ab.ts` run left at 1 or 64 clients. Its records are replayed through the
 * Recorder of `--root` (default this checkout) as the host makes them: message records by
 * `message()` (and the frame's body kept, a 300-byte stand-in, for every send), client
 * records by `invoke()` / `complete()`, every other record by `record()`. Each round times,
 * in CPU (`process.cpuUsage`, user + system, this process), three ways over the same records:
 * - `memory`: a Recorder with no files (the rings, the body store, the history);
 * - `files`: a Recorder writing run.jsonl and history.jsonl to a scratch folder, flushed by
 *   its own timer as in the host and synced at the end (every byte on disk before the clock stops);
 * - `encode`: `jsonlBytes` alone over the parsed records of both files (the JSON lines).
 * and prints µs per put (a put: one `client-invoke` record). `files − memory` is what
 * writing the run log costs; `memory` is what keeping it costs. Times are this process's
 * only, so they depend far less on the machine's load than a lab's wall time.
 *
 * It also checks that `jsonlBytes` of the parsed records gives the file's bytes back (the
 * replayed files differ: their clocks are now's). Not part of `npm run bench`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { intOpt, stringOpt } from '../src-main/cli-args';
import type { Recorder } from '../src-main/lab/recorder';
import { benchArgs, runMain } from './cli';

const USAGE = `usage: node --import tsx bench/runlog-cost.ts --log FILE [--root DIR] [--rounds N] [--repeat N]

  --log FILE    a run's run.jsonl (its history.jsonl beside it is read too)
  --root DIR    the checkout whose recorder is measured (default this one)
  --rounds N    rounds, each timing memory, files and encode (1..50, default 5)
  --repeat N    replays of the records per round (1..100, default 4)
  --help, -h    this text`;

type Rec = Record<string, unknown> & { kind: string };

/**
 * RecorderLike: what the replay calls, typed by this checkout's Recorder; the one measured
 * may be another checkout's (--root), loaded at run time.
 */
type RecorderLike = Pick<Recorder, 'message' | 'keepBody' | 'record' | 'invoke' | 'complete' | 'sync' | 'close'>;
type MessageArgs = Parameters<RecorderLike['message']>;

const MESSAGE_KINDS = new Set(['send', 'deliver', 'drop', 'duplicate']);
const MESSAGE_FIELDS = new Set(['t', 'seq', 'kind', 'id', 'from', 'to', 'type', 'msgKind', 'term']);

function readLines(file: string): Rec[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Rec);
}

/**
 * replay makes every record of `log` through `rec`; returns the puts (client-invoke records).
 * The n-th client record's history event is `hist[n]` (both are made by the same call): its value is the one recorded.
 */
function replay(rec: RecorderLike, log: Rec[], hist: Rec[], body: Uint8Array): number {
  const open = new Map<number, { process: number }>();
  let puts = 0;
  let n = 0;
  for (const r of log) {
    if (MESSAGE_KINDS.has(r.kind)) {
      let extra: Record<string, unknown> | undefined;
      for (const k of Object.keys(r)) {
        if (MESSAGE_FIELDS.has(k)) continue;
        (extra ??= {})[k] = r[k];
      }
      const id = r.id as number;
      rec.message(
        r.kind as MessageArgs[0],
        id,
        r.from as string,
        r.to as string,
        r.type as string,
        r.msgKind as MessageArgs[5],
        r.term as number,
        extra,
      );
      if (r.kind === 'send') rec.keepBody(id, body);
    } else if (r.kind === 'client-invoke') {
      const { process: p, f, key, t: _t, seq: _s, kind: _k, ...extra } = r;
      open.set(p as number, rec.invoke(f as string, key as string, hist[n++]?.value ?? null, extra));
      puts++;
    } else if (r.kind === 'client-complete') {
      const { process: p, f, key, type, t: _t, seq: _s, kind: _k, ...extra } = r;
      const h = open.get(p as number);
      if (h) rec.complete(h, type as 'ok', f as string, key as string, hist[n]?.value ?? null, extra);
      n++;
    } else {
      const { t: _t, seq: _s, kind, ...fields } = r;
      rec.record(kind, fields);
    }
  }
  return puts;
}

function cpuUs(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

export async function main(argv: string[]): Promise<number> {
  const args = benchArgs(
    'runlog-cost',
    argv,
    { log: { type: 'string' }, root: { type: 'string' }, rounds: { type: 'string' }, repeat: { type: 'string' } },
    USAGE,
    (p) => ({
      log: stringOpt(p, 'log', ''),
      root: stringOpt(p, 'root', path.resolve(import.meta.dirname, '..')),
      rounds: intOpt(p, 'rounds', 1, 50, 5),
      repeat: intOpt(p, 'repeat', 1, 100, 4),
    }),
  );
  if (args.exit !== undefined) return args.exit;
  const o = args.opts;
  if (!o.log || !fs.existsSync(o.log)) {
    console.error(`runlog-cost: no run log at ${o.log || '(none given: --log FILE)'}\n\n${USAGE}`);
    return 2;
  }
  const histFile = path.join(path.dirname(o.log), 'history.jsonl');
  const log = readLines(o.log);
  const hist = fs.existsSync(histFile) ? readLines(histFile) : [];
  const { Recorder } = (await import(pathToFileURL(path.join(o.root, 'src-main/lab/recorder.ts')).href)) as {
    Recorder: new (o?: { logFile?: string; historyFile?: string }) => RecorderLike;
  };
  const { jsonlBytes } = (await import(pathToFileURL(path.join(o.root, 'src-main/lab/jsonl-bytes.ts')).href)) as {
    jsonlBytes: (items: readonly object[], hint: number) => Buffer;
  };
  // The encoder must give the file's own bytes back from its parsed records.
  const same = (file: string, recs: Rec[]): boolean => jsonlBytes(recs, 0).equals(fs.readFileSync(file));
  const sameLog = same(o.log, log);
  const sameHist = hist.length === 0 || same(histFile, hist);
  const body = new Uint8Array(300).fill(7);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'runlog-cost-'));
  const puts = log.filter((r) => r.kind === 'client-invoke').length * o.repeat;
  console.log(
    `runlog-cost: ${o.log}: ${log.length} records, ${hist.length} history events, ${puts / o.repeat} puts` +
      ` (${(log.length / Math.max(1, puts / o.repeat)).toFixed(1)} records a put); root ${o.root}; ` +
      `encoder gives the files back: ${sameLog && sameHist ? 'yes' : 'NO'}`,
  );
  const rows: { memory: number; files: number; encode: number }[] = [];
  try {
    for (let round = 0; round < o.rounds; round++) {
      const time = async (files: boolean): Promise<number> => {
        const dir = path.join(tmp, String(round));
        fs.mkdirSync(dir, { recursive: true });
        const rec = files
          ? new Recorder({ logFile: path.join(dir, 'run.jsonl'), historyFile: path.join(dir, 'history.jsonl') })
          : new Recorder();
        const t0 = cpuUs();
        for (let i = 0; i < o.repeat; i++) {
          replay(rec, log, hist, body);
          // As in the host, the timer's flush runs between turns of work.
          await new Promise((res) => setImmediate(res));
        }
        await rec.sync();
        const used = cpuUs() - t0;
        await rec.close();
        fs.rmSync(dir, { recursive: true, force: true });
        return used / puts;
      };
      const memory = await time(false);
      const files = await time(true);
      const all = [...log, ...hist];
      const t0 = cpuUs();
      let hint = 0;
      for (let i = 0; i < o.repeat; i++) hint = jsonlBytes(all, hint).length;
      const encode = (cpuUs() - t0) / puts;
      rows.push({ memory, files, encode });
      console.log(
        `round ${round + 1}: memory ${memory.toFixed(2)} µs/put, files ${files.toFixed(2)} (writing ${(files - memory).toFixed(2)}), encode ${encode.toFixed(2)}  load ${os
          .loadavg()
          .map((x) => x.toFixed(1))
          .join(' ')}`,
      );
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  const med = (xs: number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    return s[s.length >> 1]!;
  };
  const m = med(rows.map((r) => r.memory));
  const f = med(rows.map((r) => r.files));
  const e = med(rows.map((r) => r.encode));
  console.log(
    `median: memory ${m.toFixed(2)} µs/put, files ${f.toFixed(2)} (writing ${(f - m).toFixed(2)}), encode ${e.toFixed(2)}`,
  );
  return sameLog && sameHist ? 0 : 1;
}

runMain(main);
