/**
 * Checkpointer folds a node's SQLite WAL back into its database file on a worker thread,
 * with the worker's own connection, so the node's event loop never waits for it.
 *
 * Why: SQLite's automatic checkpoint runs inside the commit that crosses 1000 WAL pages,
 * on the committing thread — for the node that is its event loop — and it syncs the WAL,
 * writes the pages back and syncs the database file: a few milliseconds, tens after a
 * local snapshot's large write, while acknowledgements and client answers wait. The
 * node's connection therefore runs with wal_autocheckpoint = 0, counts roughly how much it
 * wrote, and asks this worker for a checkpoint every CHECKPOINT_BYTES.
 *
 * Why it is crash-safe (SIGKILL or power loss at any moment, worker mid-checkpoint or not):
 * - A checkpoint only copies committed WAL frames into the database file; the WAL stays
 *   the authority until every frame is copied and the database file is synced (the
 *   worker's connection runs synchronous = FULL, so SQLite syncs the WAL before copying and
 *   the database after). Only then may the next writer restart the WAL from its start. A
 *   crash before that point replays the whole WAL at the next open; after it, the database
 *   file holds everything on disk already. This is SQLite's own protocol between
 *   connections of one WAL database; that the second connection sits on another thread of
 *   the same process changes nothing (SQLite keeps one lock table per file per process).
 * - What the node acknowledges is made durable by its own fdatasync of the WAL
 *   (SqliteStorage.syncAsync), which a checkpoint never undoes: it neither truncates nor
 *   rewrites frames it has not copied and synced.
 * - PASSIVE checkpoints never block the node's writer. But SQLite restarts the WAL from
 *   its start only at a commit that begins when every frame has been copied, and a busy
 *   node commits while the checkpoint copies: under steady load a PASSIVE checkpoint
 *   never wins that race and the WAL only grows. So once it is MAX_WAL_FRAMES long the
 *   worker runs a RESTART checkpoint, which takes the writer lock, copies the few frames
 *   the last pass left, and makes the next commit restart the WAL. A node commit that
 *   comes meanwhile waits in SQLite's busy handler — once per MAX_WAL_FRAMES, a
 *   millisecond or a few, instead of a whole checkpoint inside a commit every 1000 pages.
 *   journal_size_limit then shrinks the file back on the restart.
 * - If the worker cannot start or fails, the node's connection turns SQLite's automatic
 *   checkpoint back on: slower, never unsafe or unbounded.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { StorageWrite } from '../core/storage';
import { TRACE_ON, trace } from './trace';

/** CHECKPOINT_BYTES: about this much written to the WAL asks for a checkpoint (SQLite's default: 1000 pages of 4 KiB). */
export const CHECKPOINT_BYTES = 4_000_000;
/** MAX_WAL_FRAMES: a WAL this long (not restarted since it began) gets a RESTART checkpoint (about 12 MiB). */
export const MAX_WAL_FRAMES = 3000;
/** PAGE_BYTES: the database's page size (SQLite's default; the schema keeps it). */
export const PAGE_BYTES = 4096;
/** WAL_FRAME_BYTES: one WAL frame, a 24-byte frame header and one page. */
export const WAL_FRAME_BYTES = 24 + PAGE_BYTES;
/** WAL_HEADER_BYTES: the WAL file's own header, before the first frame. */
const WAL_HEADER_BYTES = 32;
const MIB = 1024 * 1024;
/**
 * WAL_LIMIT_BYTES: the most the WAL grows between two restarts — MAX_WAL_FRAMES, plus what
 * is written until the next checkpoint request (CHECKPOINT_BYTES) finds it that long —
 * rounded up to a MiB (16 MiB). It is SQLite's journal_size_limit (a restarted WAL longer
 * than this is cut back to it) and the size a new WAL is preallocated to (wal-prealloc.ts),
 * so one number decides both: SQLite never cuts into the preallocated blocks.
 */
export const WAL_LIMIT_BYTES =
  Math.ceil(
    (WAL_HEADER_BYTES + (MAX_WAL_FRAMES + Math.ceil(CHECKPOINT_BYTES / WAL_FRAME_BYTES)) * WAL_FRAME_BYTES) / MIB,
  ) * MIB;
/** CLOSE_WAIT_MS bounds how long close() waits for the worker to close its connection. */
const CLOSE_WAIT_MS = 5000;

/** TX_PAGE_BYTES: what one commit adds to the WAL besides its rows (the log's last leaf and its parent, the hard-state page). */
const TX_PAGE_BYTES = 3 * 4096;
/** ROW_BYTES: a log row's overhead besides its data (index, term, type, crc, cell header). */
const ROW_BYTES = 48;

/** walBytes estimates what a write adds to the WAL (the trigger for a checkpoint, not exact). */
export function walBytes(w: StorageWrite): number {
  let n = TX_PAGE_BYTES;
  for (const e of w.entries) n += e.data.length + ROW_BYTES;
  if (w.snapshot) n += w.snapshot.data.length;
  return n;
}

/** CheckpointResult is what one checkpoint request did. */
export interface CheckpointResult {
  /** mode: 'passive', or 'restart' when the WAL had passed MAX_WAL_FRAMES. */
  mode: 'passive' | 'restart';
  /** log: frames in the WAL; checkpointed: frames copied into the database file (equal = complete). */
  log: number;
  checkpointed: number;
  /** ms: how long the worker took. */
  ms: number;
}

/** CheckpointerOptions: the file, its SQLite binding, and who hears of results and failures. */
export interface CheckpointerOptions {
  file: string;
  nativeBinding?: string;
  /** maxWalFrames overrides MAX_WAL_FRAMES (tests). */
  maxWalFrames?: number;
  /** checkpointBytes overrides CHECKPOINT_BYTES (tests). */
  checkpointBytes?: number;
  /** done hears every checkpoint's result. */
  done?: (r: CheckpointResult) => void;
  /** failed: the worker is gone; the caller must checkpoint another way (auto-checkpoint). */
  failed: (err: Error) => void;
}

// Plain CommonJS, evaluated as the worker's script: no file to find beside the bundle, the
// same code under tsx and in out/node/main.mjs. better-sqlite3 is loaded from the path the
// node itself resolved.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { performance } = require('node:perf_hooks');
const Database = require(workerData.sqlite);
const opts = { timeout: 2000 };
if (workerData.binding) opts.nativeBinding = workerData.binding;
const db = new Database(workerData.file, opts);
db.pragma('synchronous = FULL');
const closed = new Int32Array(workerData.closed);
const run = (mode) => db.pragma('wal_checkpoint(' + mode + ')')[0];
parentPort.on('message', (m) => {
  if (m === 'close') {
    try { db.close(); } finally { Atomics.store(closed, 0, 1); Atomics.notify(closed, 0); parentPort.close(); }
    return;
  }
  const t0 = performance.now();
  let r = run('PASSIVE');
  let mode = 'passive';
  // r.log is the WAL's length when this pass began: frames committed while it copied are
  // not counted, so "checkpointed === log" does not mean the WAL can restart. A WAL that
  // kept growing past maxFrames needs the writer held off for a moment (see the file comment).
  if (r.log >= workerData.maxFrames) {
    r = run('RESTART');
    mode = 'restart';
  }
  parentPort.postMessage({ mode, log: r.log, checkpointed: r.checkpointed, ms: performance.now() - t0 });
});
`;

/** Checkpointer runs checkpoints of one SQLite file on a worker thread (see the file comment). */
export class Checkpointer {
  private readonly worker: Worker;
  private readonly closed = new Int32Array(new SharedArrayBuffer(4));
  private readonly threshold: number;
  private written = 0;
  private inFlight = false;
  private dead = false;
  /** checkpoints counts the results received (tests and the timing histogram). */
  checkpoints = 0;

  constructor(private readonly o: CheckpointerOptions) {
    this.threshold = o.checkpointBytes ?? CHECKPOINT_BYTES;
    const sqlite = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        sqlite,
        file: o.file,
        binding: o.nativeBinding ?? null,
        maxFrames: o.maxWalFrames ?? MAX_WAL_FRAMES,
        closed: this.closed.buffer,
      },
    });
    this.worker.unref();
    this.worker.on('message', (r: CheckpointResult) => {
      if (TRACE_ON) trace('ck.done', `${r.mode}:${r.log}:${r.ms.toFixed(3)}`);
      this.inFlight = false;
      this.checkpoints++;
      this.o.done?.(r);
    });
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', (code) => {
      if (Atomics.load(this.closed, 0) === 0) this.fail(new Error(`checkpoint worker exited (code ${code})`));
    });
  }

  /** wrote counts about `bytes` more in the WAL and asks for a checkpoint once enough piled up. */
  wrote(bytes: number): void {
    this.written += bytes;
    if (this.written >= this.threshold) this.request();
  }

  /** request asks for a checkpoint now, unless one is running (then the next write asks again). */
  request(): void {
    if (this.inFlight || this.dead) return;
    this.inFlight = true;
    this.written = 0;
    if (TRACE_ON) trace('ck.req', '-');
    this.worker.postMessage('checkpoint');
  }

  /**
   * close closes the worker's connection and waits (bounded) until it has, so that the
   * caller's own close is the last one — SQLite's final checkpoint and WAL removal — as
   * before there was a worker.
   */
  close(): void {
    if (this.dead) return;
    this.dead = true;
    this.worker.postMessage('close');
    Atomics.wait(this.closed, 0, 0, CLOSE_WAIT_MS);
    void this.worker.terminate();
  }

  private fail(err: Error): void {
    if (this.dead) return;
    this.dead = true;
    void this.worker.terminate();
    this.o.failed(err);
  }
}
