/**
 * LabRequests runs the lab's client requests (kv, locks, fenced writes, load runs) over
 * the current cluster's gateway — or a sharded cluster's router — recording each one in
 * the client history the checker reads. LabService delegates its client calls here.
 */
import type {
  ClusterView,
  FencedWriteRequest,
  KvRequest,
  KvResponse,
  LabEvent,
  LoadRequest,
  LoadSummary,
  LockRequest,
  RenewRequest,
  UnlockRequest,
} from '../api/contract';
import { kvOpOf } from '../api/contract';
import { loadBytesError } from '../api/schemas';
import type { KvOp } from '../core/kv/types';
import type { NodeId } from '../core/types';
import type { Cluster } from './cluster';
import { explainError, type GatewayResult } from './gateway';
import { LabError } from './lab-error';
import { runLoad } from './load';
import type { PauseOnControl } from './pause-on';
import { historyShape } from '../check/history';
import type { ShardLab } from './shard-lab';

/** PREVIEW_CHARS: a string in a client-complete record's `preview` longer than this is cut, ending in "…". */
export const PREVIEW_CHARS = 64;

/** previewValue is a history value for the run log: strings cut to PREVIEW_CHARS, arrays and objects one level deep. */
export function previewValue(v: unknown, depth = 0): unknown {
  if (typeof v === 'string') return v.length > PREVIEW_CHARS ? `${v.slice(0, PREVIEW_CHARS - 1)}…` : v;
  if (v === null || typeof v !== 'object') return v ?? null;
  // The lab's values are a string, a cas pair [expected, new] or a lock's {owner, token, …}.
  if (depth > 0) return null;
  if (Array.isArray(v)) return v.slice(0, 4).map((x) => previewValue(x, 1));
  return Object.fromEntries(
    Object.entries(v)
      .slice(0, 8)
      .map(([k, x]) => [k, previewValue(x, 1)]),
  );
}

/** LabRequestsDeps is what LabRequests needs from the lab: its current cluster and how to report. */
export interface LabRequestsDeps {
  /** need is the running cluster, or a 409. */
  need(): Cluster;
  /** node checks that `id` is one of the cluster's nodes (404 otherwise). */
  node(id: NodeId): unknown;
  /** current is the running cluster, or null. */
  current(): Cluster | null;
  /** sharded is the running cluster's shard lab, or null for one group. */
  sharded(): ShardLab | null;
  view(): ClusterView;
  pauseOn: PauseOnControl;
  emit(e: LabEvent): void;
}

/** LabRequests runs client requests for LabService (see the file comment). */
export class LabRequests {
  /** loadRun: the load run in progress, to stop it early. */
  private loadRun: { abort: AbortController; done: Promise<LoadSummary> } | null = null;

  constructor(private readonly d: LabRequestsDeps) {}

  /** send runs one op through the gateway, recording it in the history (Jepsen f/value). */
  async send(op: KvOp, timeoutMs: number, pinned?: NodeId): Promise<GatewayResult> {
    const c = this.d.need();
    if (pinned) this.d.node(pinned);
    const refused = this.d.pauseOn.refusal();
    if (refused) return refused;
    const { f, key, value } = historyShape(op);
    const sharded = this.d.sharded();
    const shardRefusal = sharded?.refusal(op, pinned);
    if (shardRefusal) throw new LabError(400, shardRefusal);
    const h = c.recorder.invoke(f, key, value, pinned ? { node: pinned } : {});
    const r = sharded ? await sharded.request(op, timeoutMs) : await c.gateway.request(op, timeoutMs, pinned);
    // Say what is missing (no quorum, no leader yet) rather than only the last node's answer.
    // (A sharded cluster's quorums are per group: the whole-cluster explanation would mislead.)
    if (r.outcome !== 'ok' && r.error !== undefined && this.d.current() === c && !this.d.sharded())
      r.error = explainError(r.error, this.d.view());
    const type = r.outcome === 'ok' ? 'ok' : r.outcome === 'fail' ? 'fail' : 'info';
    // A read's completion carries what it read; a granted lock's carries its fencing token (the checker needs both).
    const token = op.op === 'lock' && r.outcome === 'ok' ? r.result?.token : undefined;
    const outValue =
      op.op === 'get' && r.outcome === 'ok'
        ? (r.result?.value ?? null)
        : token !== undefined
          ? { ...(value as object), token }
          : value;
    c.recorder.complete(h, type, f, key, outValue, {
      // The timeline says what was written or read ("put k = v → ok"); the history keeps it whole.
      preview: previewValue(outValue),
      node: r.node,
      latencyMs: Math.round(r.latencyMs * 1000) / 1000,
      ...(r.error ? { error: r.error } : {}),
    });
    return r;
  }

  /** response is a request's answer to the caller; `valueOf: 'none'` leaves the value out. */
  private response(r: GatewayResult, valueOf: 'value' | 'none' = 'value'): KvResponse {
    const out: KvResponse = {
      outcome: r.outcome,
      value: valueOf === 'value' ? (r.result?.value ?? null) : null,
      node: r.node,
      latencyMs: r.latencyMs,
    };
    if (r.error !== undefined) out.error = r.error;
    if (r.result?.token !== undefined) out.token = r.result.token;
    // Both clocks are this machine's: the leader stamped the grant with Date.now() (node/requests.ts).
    if (r.result?.expiresAt !== undefined) out.expiresInMs = Math.max(0, r.result.expiresAt - Date.now());
    return out;
  }

  /** kv runs one put, get, delete or cas. */
  async kv(req: KvRequest): Promise<KvResponse> {
    const r = await this.send(kvOpOf(req), req.timeoutMs ?? 5000, req.node);
    return this.response(r);
  }

  /** lock asks for the lock `name` for `owner`. */
  async lock(req: LockRequest): Promise<KvResponse> {
    const r = await this.send(
      { op: 'lock', name: req.name, owner: req.owner, ttlMs: req.ttlMs },
      req.timeoutMs ?? 5000,
    );
    return this.holderAnswer(r);
  }

  /** renew extends a held lock's lease. */
  async renew(req: RenewRequest): Promise<KvResponse> {
    const r = await this.send(
      { op: 'renew', name: req.name, owner: req.owner, token: req.token, ttlMs: req.ttlMs },
      req.timeoutMs ?? 5000,
    );
    return this.holderAnswer(r);
  }

  /** unlock releases a held lock. */
  async unlock(req: UnlockRequest): Promise<KvResponse> {
    const r = await this.send({ op: 'unlock', name: req.name, token: req.token }, req.timeoutMs ?? 5000);
    return this.holderAnswer(r);
  }

  /** holderAnswer is a lock call's answer: its value is who holds the lock when the call was refused for that. */
  private holderAnswer(r: GatewayResult): KvResponse {
    const out = this.response(r, 'none');
    if (r.result?.holder !== undefined) out.value = r.result.holder;
    return out;
  }

  /** fencedWrite writes a key under a lock's fencing token. */
  async fencedWrite(req: FencedWriteRequest): Promise<KvResponse> {
    const r = await this.send(
      { op: 'fencedPut', key: req.key, value: req.value, token: req.token },
      req.timeoutMs ?? 5000,
    );
    return this.response(r, 'none');
  }

  /** load runs a bounded load run (one at a time), emitting its progress and its summary. */
  async load(req: LoadRequest): Promise<LoadSummary> {
    this.d.need();
    if (this.loadRun) throw new LabError(409, 'a load run is already running');
    const tooBig = loadBytesError(req.op, req.count, req.valueBytes);
    if (tooBig) throw new LabError(400, tooBig);
    const abort = new AbortController();
    const run = runLoad(req, {
      send: (op) => this.send(op, 5000),
      progress: (done, total) => this.d.emit({ type: 'load-progress', done, total }),
      signal: abort.signal,
    }).then((summary) => {
      this.d.need().recorder.record('load-done', { ...summary });
      this.d.emit({ type: 'load-done', summary });
      return summary;
    });
    this.loadRun = { abort, done: run };
    try {
      return await run;
    } finally {
      this.loadRun = null;
    }
  }

  /** stopLoad ends the running load run early and resolves with its partial summary (409 if none runs). */
  async stopLoad(): Promise<LoadSummary> {
    const r = this.loadRun;
    if (!r) throw new LabError(409, 'no load run is running');
    r.abort.abort();
    return r.done;
  }
}
